"""Scale benchmark through the public CLI only: ``jae simulate`` -> ``jae fit`` -> ``jae embed`` -> ``jae evaluate``.

For each size, simulated competition-shaped files are generated once (``jae simulate``, timed but reused when they
exist), then each verb runs as its own process, exactly as a user types it. Per stage: wall seconds, CPU seconds
(user + system of that process, robust to other load on a shared machine) and peak RSS (the process's
``ru_maxrss`` from ``wait4``). ``jae evaluate`` (without ``--baseline``) reads only the embedding and the obs
annotations whole and streams the RNA counts in row blocks for cc_cons, so it runs at every size by default; its time
grows with the cells (the metric suite on 300,000 cells: about 45 min on 2 cores, ``scale_metrics.md``), which
``--evaluate-max-gb`` can cap (skip it above that input size, with a note). Results are merged into
``benchmarks/results/scale_cli.json`` and rendered to ``scale.md`` together with the earlier building-block figures
(``scale.json``), the label-transfer vote's (``scale_vote.md``, ``benchmarks/vote_speed.py``) and the metrics'
(``scale_metrics.md``, ``benchmarks/metrics_scale.py``). A verb's figures already recorded there under the same
label (kind, size and ``--label-suffix``) are replaced only with ``--overwrite``. ``--delete-data`` removes what
each size's run wrote (the simulated files it made, the model, embedding and metrics) and keeps the stage logs.

    nice -n 10 python benchmarks/scale.py --sizes 10000 70000 --data-dir /tmp/jae_scale
    python benchmarks/scale.py --sizes 1000000 --kind cite --label-suffix " (CITE shape)"
    python benchmarks/scale.py --render-only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from _results import shown, write_text

HERE = Path(__file__).resolve().parent
STAGES = ("simulate", "fit", "embed", "evaluate")
RESULTS = HERE / "results"


def machine() -> dict:
    """CPU model, cores, RAM, torch version and accelerator of this machine."""
    import torch

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem_gb = None
    try:
        with open("/proc/meminfo") as fh:
            mem_gb = int(next(line.split()[1] for line in fh if line.startswith("MemTotal"))) / 1e6
    except (OSError, StopIteration):
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": mem_gb, "torch": torch.__version__, "gpu": gpu,
        "python": platform.python_version(), "os": platform.platform(),
    }


class StageFailed(RuntimeError):
    """A jae verb of the benchmark exited with an error (its log's last line in the message)."""


def run_stage(name: str, argv: list[str], log: Path, *, threads: int) -> dict:
    """Run ``jae <argv>`` in its own process; wall, CPU and peak RSS of that process (stderr to ``log``)."""
    cmd = [sys.executable, "-m", "jae.cli", *argv]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    print(f"[scale] {name}: jae {' '.join(argv)}", flush=True)
    t0 = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stdout=err, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    row = {
        "stage": name, "wall_s": time.perf_counter() - t0, "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_gb": usage.ru_maxrss / 1e6, "exit": proc.returncode, "load_avg_end": os.getloadavg()[0],
    }
    print("[scale] " + json.dumps(row), flush=True)
    if proc.returncode != 0:
        last = [line for line in log.read_text(errors="replace").splitlines() if line.strip()][-1:] or [""]
        raise StageFailed(f"jae {' '.join(argv)} failed with exit status {proc.returncode}: {last[0].strip()} "
                          f"(log: {log})")
    return row


def _path_line(log: Path) -> str | None:
    """The log line saying whether the fit read the data whole or streamed it (None when the stage did not run)."""
    if not log.exists():
        return None
    text = log.read_text(errors="replace").replace("\r", "\n")
    hit = re.search(r"(in-memory path|streaming path)[^\n]*", text)
    return hit.group(0) if hit else None


def _preprocess_wall(log: Path) -> float | None:
    """Seconds between the fit's 'fitting preprocessing' and 'latent layout' log lines (1 s resolution)."""
    text = log.read_text(errors="replace").replace("\r", "\n") if log.exists() else ""
    stamps = [re.search(r"(\d\d):(\d\d):(\d\d) INFO [\w.]+: " + pattern, text) for pattern in
              ("fitting preprocessing on", "latent layout:")]
    if not all(stamps):
        return None
    start, end = (int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3]) for m in stamps)
    return float((end - start) % 86400)


def _pretrain(log: Path) -> tuple[int | None, float | None]:
    """Pretraining epochs and wall seconds from the fit log: from the 'latent layout:' line (the network is built
    next) to the trainer's 'pretrain: N epochs' line (1 s resolution); (None, None) when either is missing."""
    text = log.read_text(errors="replace").replace("\r", "\n") if log.exists() else ""
    start = re.search(r"(\d\d):(\d\d):(\d\d) INFO [\w.]+: latent layout:", text)
    end = re.search(r"(\d\d):(\d\d):(\d\d) INFO [\w.]+: pretrain: (\d+) epochs", text)
    if not (start and end):
        return None, None
    t0, t1 = (int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3]) for m in (start, end))
    return int(end[4]), float((t1 - t0) % 86400)


def run_size(n: int, args, info: dict) -> dict:
    from jae.io import open_competition

    extra = args.simulate_args.split()
    tag = "_".join(x.strip("-") for x in extra) if extra else None
    prefix = args.data_dir / (f"{args.kind}_{n}_seed{args.seed}" + (f"_{tag}" if tag else ""))
    mod1, mod2 = Path(f"{prefix}.mod1.h5ad"), Path(f"{prefix}.mod2.h5ad")
    work = args.data_dir / f"run_{args.kind}_{n}"
    work.mkdir(parents=True, exist_ok=True)
    stages = []
    if not (mod1.exists() and mod2.exists()):
        stages.append(run_stage("simulate", ["simulate", str(prefix), "--n-cells", str(n), "--kind", args.kind,
                                             "--seed", str(args.seed), *extra], work / "simulate.log", threads=1))
    inputs = ["--mod1", str(mod1), "--mod2", str(mod2)]
    budget = ["--memory-budget", args.memory_budget] if args.memory_budget else []
    fit = ["fit", *inputs, "--out", str(work / "model"), "--overwrite", "--seed", str(args.seed),
           "--device", args.device, *budget]
    if args.max_epochs is not None:
        fit += ["--max-epochs", str(args.max_epochs)]
    if "fit" in args.stages:
        stages.append(run_stage("fit", fit, work / "fit.log", threads=args.threads))
    emb = work / "embedding.h5ad"
    if "embed" in args.stages:
        stages.append(run_stage("embed", ["embed", *inputs, "--model", str(work / "model"), "--out", str(emb),
                                          "--overwrite", "--device", args.device, *budget, "-v"],  # the path
                                work / "embed.log", threads=args.threads))  # line is DEBUG for embed (session 37)
    files = open_competition(mod1, mod2)
    need_gb = files.memory_needed(in_memory=True) / 1e9
    note = None
    if "evaluate" not in args.stages:
        pass
    elif args.evaluate_max_gb is None or need_gb <= args.evaluate_max_gb:
        stages.append(run_stage("evaluate", ["evaluate", *inputs, "--prediction", str(emb), "--out",
                                             str(work / "metrics"), "--overwrite", "--no-report", "--seed",
                                             str(args.seed)], work / "evaluate.log", threads=args.threads))
    else:
        note = (f"evaluate skipped: input files of about {need_gb:.1f} GB in memory, over --evaluate-max-gb "
                f"{args.evaluate_max_gb:g} (jae evaluate itself streams the counts; the cap only saves time)")
        print(f"[scale] {note}", flush=True)
    metrics = None
    if (work / "metrics" / "metrics.csv").exists() and any(s["stage"] == "evaluate" for s in stages):
        import pandas as pd

        metrics = pd.read_csv(work / "metrics" / "metrics.csv").to_dict(orient="records")
    bytes_csr = sum(c.nnz * 8 + (c.shape[0] + 1) * 8 for c in files.counts)
    if args.delete_data:
        _delete_outputs({s["stage"] for s in stages}, work, (mod1, mod2))
    return {
        "n_cells": n, "kind": args.kind, "features": [c.shape[1] for c in files.counts],
        "input_csr_gb": bytes_csr / 1e9, "threads": args.threads, "memory_budget": args.memory_budget,
        "fit_path": _path_line(work / "fit.log"), "embed_path": _path_line(work / "embed.log"),
        "preprocess_wall_s": _preprocess_wall(work / "fit.log"), "log_dir": str(work),
        **dict(zip(("pretrain_epochs", "pretrain_wall_s"), _pretrain(work / "fit.log"))),
        "stages": stages, "metrics": metrics, "machine": info, "simulate_args": args.simulate_args,
        "note": "; ".join(x for x in (note, args.note) if x) or None,
    }


def _delete_outputs(ran: set[str], work: Path, data: tuple[Path, Path]) -> None:
    """``--delete-data``: what the stages in ``ran`` wrote for one size, the stage logs apart: the simulated files
    (when ``simulate`` ran: files found in ``--data-dir`` and reused are kept), the model (``fit``), the embedding
    (``embed``) and the metrics folder (``evaluate``). Nothing else in ``--data-dir`` is touched."""
    import shutil

    written = {"simulate": data, "fit": (work / "model",), "embed": (work / "embedding.h5ad",),
               "evaluate": (work / "metrics",)}
    for path in (path for stage in ran for path in written[stage]):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _fmt(x, nd=1) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def render_cli(runs: dict) -> list[str]:
    lines = [
        "## CLI path (`jae simulate` -> `jae fit` -> `jae embed` -> `jae evaluate`)",
        "",
        "Generated by `benchmarks/scale.py`; raw numbers in `scale_cli.json`. Each verb is its own process; per stage "
        "wall s / CPU s (user + system) / peak RSS GB (`ru_maxrss` of that process). *fit* = read + normalise + "
        "SVD (fitted on a seeded 20,000-cell sample) + projection + cell-cycle scores + pretraining + fine-tuning on "
        "the query cells (*pretraining*: from the fit log's 'latent layout' line to its 'pretrain: N epochs' line, "
        "so it includes the PCA start); *embed* = fine-tune on the cells given (the seed's online step) + projection "
        "+ embedding + "
        "write. Wall times are on a machine shared with other jobs (1-min load average at the end of each stage in "
        "the last column). CPU seconds are steadier than wall seconds but not load-free on this virtual machine: "
        "the same pretraining step (session 4's loop and today's, bit-identical results) costs about 1.7 ms CPU "
        "with the machine otherwise idle and 8-9 ms CPU with two other busy processes on its 2 cores.",
        "",
    ]
    machines = [f"- Machine: {m['cpu']}, {m['cores']} cores, {_fmt(m['ram_gb'])} GB RAM, torch {m['torch']}, "
                f"GPU: {m['gpu'] or 'none (GPU not measured)'}, Python {m['python']}"
                for m in (r["machine"] for r in runs.values())]
    lines += list(dict.fromkeys(machines))  # one line per machine as printed (the OS string may differ)
    lines += [
        "",
        "| run | cells | input CSR (GB) | threads | fit path | fit wall / CPU s | of which preprocessing wall s "
        "| pretraining epochs, wall s (s/epoch) | fit peak RSS GB | embed wall / CPU s | embed peak GB "
        "| evaluate wall / CPU s | evaluate peak GB | overall score | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in sorted(runs.items(), key=lambda kv: (kv[1]["kind"], kv[1]["n_cells"], kv[0])):
        st = {s["stage"]: s for s in r["stages"]}

        def cell(name, key):
            s = st.get(name)
            if s is None:
                return "skipped"
            return f"{_fmt(s['wall_s'])} / {_fmt(s['cpu_s'])}" if key == "time" else _fmt(s["peak_rss_gb"], 2)

        path = (r.get("fit_path") or "?").split(":")[0]
        epochs, pre_s = r.get("pretrain_epochs"), r.get("pretrain_wall_s")
        pretrain = "-" if not (epochs and pre_s) else f"{epochs}, {pre_s:.0f} ({pre_s / epochs:.1f})"
        overall = None
        for row in r.get("metrics") or []:
            overall = row.get("overall", overall)
        lines.append(
            f"| {label} | {r['n_cells']:,} | {_fmt(r['input_csr_gb'], 2)} | {r['threads']} | {path} | "
            f"{cell('fit', 'time')} | {_fmt(r.get('preprocess_wall_s'))} | {pretrain} | "
            f"{cell('fit', 'rss')} | {cell('embed', 'time')} | {cell('embed', 'rss')} | {cell('evaluate', 'time')} | "
            f"{cell('evaluate', 'rss')} | {_fmt(overall, 3)} | {_fmt(max(s['load_avg_end'] for s in r['stages']))} |"
        )
    notes = [f"{label}: {r['note']}" for label, r in runs.items() if r.get("note")]
    notes += [f"{label}: fit log: `{r['fit_path']}`" for label, r in runs.items() if r.get("fit_path")]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return lines


def render_building_blocks(runs: dict) -> list[str]:
    """The earlier figures of the library's building blocks wired by hand (``_scale_run.py``, since removed)."""
    lines = [
        "## Building-block path (earlier figures, not the CLI)",
        "",
        "Measured by the former `benchmarks/_scale_run.py`, which wired `jae.io.chunked` and "
        "`jae.preprocess.streaming` by hand (the CLI could not stream then); raw numbers in `scale.json`. Streaming "
        "stages: *read* = HDF5 reads, *normalise* = log-normalisation, *SVD* = basis fit + projection (row blocks of "
        "4,096 cells), *cc* = cell-cycle scores. Peak RSS = max over stages of the kernel high-water mark.",
        "",
        "| run | cells | input CSR (GB) | read | normalise | SVD fit | project | cc | pretrain (epochs) | fine-tune "
        "| embed | write | total (s) | total CPU (s) | peak RSS (GB) | peak / input | SVD fit cells | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in sorted(runs.items(), key=lambda kv: (kv[1]["kinds"][1], kv[1]["n_cells"], kv[0])):
        st = {s["stage"]: s for s in r["stages"]}
        parts = r["parts_s"]
        peak = max(s["peak_rss_gb"] for s in r["stages"])
        ep = r.get("epochs", {})
        lines.append(
            f"| {label} | {r['n_cells']:,} | {_fmt(r['input_csr_gb'], 2)} | {_fmt(parts.get('read'))} | "
            f"{_fmt(parts.get('normalise'))} | {_fmt(st['SVD fit']['wall_s'])} | {_fmt(parts.get('project'))} | "
            f"{_fmt(parts.get('cell-cycle'))} | {_fmt(st['pretrain']['wall_s'])} ({ep.get('pretrain', '?')}) | "
            f"{_fmt(st['fine-tune']['wall_s'])} | {_fmt(st['embed']['wall_s'])} | {_fmt(st['write']['wall_s'])} | "
            f"{_fmt(r['total_s'])} | {_fmt(r.get('cpu_s'))} | {_fmt(peak, 2)} | {_fmt(peak / r['input_csr_gb'], 2)} | "
            f"{r['svd_fit_cells']:,} | {_fmt(r.get('load_avg_end', [None])[0])} |"
        )
    notes = [f"{label}: {r['note']}" for label, r in runs.items() if r.get("note")]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return lines


def render(cli_runs: dict, block_runs: dict, path: Path) -> None:
    lines = ["# Scale benchmark", ""] + render_cli(cli_runs) + [""] + render_building_blocks(block_runs)
    vote = path.with_name("scale_vote.md")  # benchmarks/vote_speed.py's figures, kept as their own section
    if vote.exists():
        lines += ["", "## Label-transfer vote", ""] + vote.read_text().splitlines()[2:]
    mapping = path.with_name("scale_map.md")  # benchmarks/scale_map.py's figures (jae map / embed / predict)
    if mapping.exists():
        lines += ["", "## Reference mapping and modality prediction at scale", ""] + mapping.read_text().splitlines()[2:]
    metrics = path.with_name("scale_metrics.md")  # benchmarks/metrics_scale.py's figures, kept as their own section
    if metrics.exists():
        lines += ["", "## Metrics at scale", ""] + metrics.read_text().splitlines()[2:]
    write_text(path, "\n".join(lines) + "\n")




def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[10_000, 70_000])
    p.add_argument("--kind", choices=("multiome", "cite"), default="multiome")
    p.add_argument("--data-dir", type=Path, default=Path("/tmp/jae_scale"),
                   help="the simulated files, and each size's model, embedding, metrics and stage logs in "
                        "run_KIND_N (default: %(default)s)")
    p.add_argument("--results", type=Path, default=RESULTS / "scale",
                   help="stem of the figures: the runs merged into <RESULTS>_cli.json, the report <RESULTS>.md "
                        f"(default: {shown(RESULTS / 'scale')})")
    p.add_argument("--threads", type=int, default=2,
                   help="OMP/MKL threads of each stage (torch follows); 1 avoids oversubscribing a shared machine")
    p.add_argument("--memory-budget", default=None, help="passed to jae fit / embed (default: theirs)")
    p.add_argument("--evaluate-max-gb", type=float, default=None,
                   help="skip jae evaluate when the input files would take more than this many GB in memory (a time "
                        "cap: jae evaluate streams the RNA counts in row blocks, so its memory follows the cells "
                        "(embedding, annotations, neighbour graph: 3.3 GB at 300,000), not the count files); "
                        "default: never skip")
    p.add_argument("--max-epochs", type=int, default=None)
    p.add_argument("--device", default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--simulate-args", default="", help="extra 'jae simulate' arguments, e.g. '--n-peaks 30000'")
    p.add_argument("--label-suffix", default="")
    p.add_argument("--note", default=None, help="note stored with these runs and printed under the table")
    p.add_argument("--delete-data", action="store_true",
                   help="after each size's run, remove what it wrote in --data-dir: the simulated files (not files "
                        "found there and reused), the model, embedding and metrics of the stages run; the stage logs "
                        "(a few kB, named by the JSON's log_dir) stay in --data-dir/run_KIND_N")
    p.add_argument("--render-only", action="store_true")
    p.add_argument("--stages", nargs="+", choices=STAGES[1:], default=list(STAGES[1:]),
                   help="verbs to run (default all); a rerun of some keeps the others' figures of the same label "
                        "(--overwrite to replace figures already recorded)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the recorded figures of a run of the same label (kind, size, --label-suffix)")
    args = p.parse_args(argv)
    for flag, values in (("--sizes", args.sizes), ("--threads", [args.threads])):
        if any(v < 1 for v in values):
            p.error(f"{flag} must be positive whole numbers, got {' '.join(map(str, values))}")
    try:
        return _run(args, p)
    except StageFailed as exc:
        print(f"scale.py: {exc}", file=sys.stderr)
        return 1


def _run(args, p: argparse.ArgumentParser) -> int:
    cli_json = args.results.with_name(args.results.name + "_cli.json")
    block_json, md_path = args.results.with_suffix(".json"), args.results.with_suffix(".md")
    cli_runs = json.loads(cli_json.read_text()) if cli_json.exists() else {}
    block_runs = json.loads(block_json.read_text()) if block_json.exists() else {}
    for r in cli_runs.values():  # runs recorded before the preprocessing time was parsed from the fit log
        log = args.data_dir / f"run_{r['kind']}_{r['n_cells']}" / "fit.log"
        if r.get("preprocess_wall_s") is None:
            r["preprocess_wall_s"] = _preprocess_wall(log)
        if r.get("pretrain_epochs") is None and any(st["stage"] == "fit" for st in r["stages"]):
            r["pretrain_epochs"], r["pretrain_wall_s"] = _pretrain(log)
    recorded = [(label, s["stage"]) for label in (f"{args.kind} {n:,}{args.label_suffix}" for n in args.sizes)
                for s in cli_runs.get(label, {}).get("stages", []) if s["stage"] in args.stages]
    if recorded and not args.render_only and not args.overwrite:  # a stage not yet recorded is added (gpu_check.sh)
        p.error(f"{cli_json} already holds the {recorded[0][1]} figures of the run '{recorded[0][0]}'; pass --overwrite "
                "to replace them, or --label-suffix (or --results) to record a new run")
    if not args.render_only:
        info = machine()
        args.data_dir.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            result = run_size(n, args, info)
            label = f"{args.kind} {n:,}{args.label_suffix}"
            if label in cli_runs and set(args.stages) != set(STAGES):  # a rerun of some stages: keep the others
                ran = {s["stage"] for s in result["stages"]}
                kept = [s for s in cli_runs[label]["stages"] if s["stage"] not in ran]
                result["stages"] = sorted(kept + result["stages"], key=lambda s: STAGES.index(s["stage"]))
                for key in ("fit_path", "preprocess_wall_s", "note"):
                    if "fit" not in ran and cli_runs[label].get(key):
                        result[key] = cli_runs[label][key]
                if "evaluate" not in ran:
                    result["metrics"] = cli_runs[label].get("metrics")
            cli_runs[label] = result
            cli_json.parent.mkdir(parents=True, exist_ok=True)
            write_text(cli_json, json.dumps(cli_runs, indent=1) + "\n")
            render(cli_runs, block_runs, md_path)
    render(cli_runs, block_runs, md_path)
    print(md_path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
