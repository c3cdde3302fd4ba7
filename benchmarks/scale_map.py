"""Scale benchmark of reference mapping and modality prediction through the public CLI (``benchmarks/scale.py``'s
companion for ``jae map``, ``jae embed`` with a mapped model, ``--impute-out`` and ``jae predict``).

Data: a reference and a query simulated by ``jae simulate`` with two seeds (seed 0, seed 1), of one kind and
preset. The two simulations name their batches alike (s1d1, ...), so the query's batches are renamed in an
annotations file (``query.batches.h5ad``: obs column ``query_batch`` = ``'q_' + batch``), which ``jae map`` and
``jae embed`` read with ``--annotations ... --batch-key query_batch``: every query batch is new to the reference.

Stages, each its own process (``/usr/bin/time -v``: wall, user + system CPU, peak RSS):

- ``fit``: ``jae fit`` on the reference (``--max-epochs`` caps its pretraining: the mapping stages do not depend
  on how long the reference trained);
- ``map``: ``jae map`` of the query (both modalities) onto the reference, streamed from disk;
- ``embed``: ``jae embed`` of the query with the mapped model (no fine-tuning: the reference stays frozen);
- ``embed_rna``: ``jae embed`` of the query's RNA alone (``--mod1`` only) with ``--impute-out`` (the second
  modality imputed for every cell);
- ``predict``: ``jae predict`` trained on the paired cells of a small reference of the same seed
  (``--predict-train-cells``, default 5,000: the predictor's ensemble trains for minutes per thousand cells on 2
  cores and its training is not what grows with the query), predicting the query's mod2 (mod1 -> mod2).

Results are merged into ``benchmarks/results/scale_map.json`` (one entry per ``--label``); the markdown section of
``scale.md`` is written by hand from them (with the machine load and the fixes between runs).

    OMP_NUM_THREADS=2 nice -n 10 python benchmarks/scale_map.py --ref-cells 50000 --query-cells 300000 \\
        --kind cite --data-dir /tmp/jae_scale_map --label before
    python benchmarks/scale_map.py ... --stages map embed --label after-fix1   # reuses the data and the fit
    python benchmarks/scale_map.py ... --delete-data    # removes what the script wrote in --data-dir at the end
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from _results import shown, write_text

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scale_map.json"
STAGES = ("fit", "map", "embed", "embed_rna", "predict")


class StageFailed(RuntimeError):
    """A jae verb of the benchmark exited with an error (its log's last line in the message)."""


def timed(name: str, argv: list[str], log: Path, *, threads: int, source: str | None = None) -> dict:
    """Run ``jae <argv>`` under ``/usr/bin/time -v``; wall, CPU (user + system) and peak RSS of that process
    (``source``: a ``src`` folder of another jae version put first on ``PYTHONPATH``, e.g. the code before a fix)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    if source:
        env["PYTHONPATH"] = source
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "jae.cli", *argv]
    print(f"[scale_map] {name}: jae {' '.join(argv)}", flush=True)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    with open(log, "w") as err:
        code = subprocess.call(cmd, stdout=err, stderr=subprocess.STDOUT, env=env)
    wall = time.perf_counter() - t0
    row = {"stage": name, "argv": argv, "wall_s": wall, **time_fields(log.read_text(errors="replace")), "exit": code,
           "load_avg_start": load0, "load_avg_end": os.getloadavg()[0], "source": source}
    print("[scale_map] " + json.dumps({k: v for k, v in row.items() if k != "argv"}), flush=True)
    if code != 0:  # the verb's own last line: /usr/bin/time -v's report follows it in the log
        own = log.read_text(errors="replace").split("\tCommand being timed:")[0]
        last = [line for line in own.splitlines() if line.strip()][-1:] or [""]
        raise StageFailed(f"jae {' '.join(argv)} failed with exit status {code}: {last[0].strip()} (log: {log})")
    return row


def time_fields(text: str) -> dict:
    """CPU seconds (user + system) and peak RSS GB from ``/usr/bin/time -v``'s report."""
    def field(label: str) -> float:
        hit = re.findall(rf"{re.escape(label)}: ([\d.:]+)", text)
        return float(hit[-1]) if hit else float("nan")

    return {"cpu_s": field("User time (seconds)") + field("System time (seconds)"),
            "peak_rss_gb": field("Maximum resident set size (kbytes)") / 1e6}


def simulate(prefix: Path, n: int, args, seed: int, log: Path) -> dict | None:
    if Path(f"{prefix}.mod1.h5ad").exists() and Path(f"{prefix}.mod2.h5ad").exists():
        return None
    return timed(f"simulate {n}", ["simulate", str(prefix), "--n-cells", str(n), "--kind", args.kind, "--seed",
                                   str(seed), "--quiet"], log, threads=1)


def query_batches(mod1: Path, out: Path) -> None:
    """An annotations .h5ad (obs only) whose ``query_batch`` column renames the query's batches ``q_<batch>``."""
    if out.exists():
        return
    import anndata as ad
    import pandas as pd

    obs = ad.read_h5ad(mod1, backed="r").obs
    ann = ad.AnnData(obs=pd.DataFrame({"query_batch": ("q_" + obs["batch"].astype(str)).astype("category")},
                                      index=obs.index))
    ann.write_h5ad(out)


def written(d: Path, kind: str) -> list[Path]:
    """What this script writes in the data directory ``d`` (of any run of ``kind``): the simulated data, the query's
    annotations, the models, the stages' outputs and logs. ``--delete-data`` removes these and nothing else (the
    folder too when that leaves it empty): a user's own files in ``--data-dir`` stay."""
    patterns = [f"ref_{kind}_*.mod[12].h5ad", f"query_{kind}_*.mod[12].h5ad", "query.batches.h5ad", "ref_model",
                "mapped_model", "query_embedding_*.h5ad", "query_rna_embedding_*.h5ad", "query_imputed_*.h5ad",
                "query_prediction_*.h5ad", "simulate_*.log",
                *(f"{stage}{end}" for stage in STAGES for end in ("_*.log", ".log"))]
    return sorted({path for pattern in patterns for path in d.glob(pattern)})


def delete_written(d: Path, kind: str) -> None:
    for path in written(d, kind):
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    if d.is_dir() and not any(d.iterdir()):
        d.rmdir()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--ref-cells", type=int, default=50_000)
    p.add_argument("--query-cells", type=int, default=300_000)
    p.add_argument("--predict-train-cells", type=int, default=5_000)
    p.add_argument("--kind", choices=("multiome", "cite"), default="cite")
    p.add_argument("--data-dir", type=Path, default=Path("/tmp/jae_scale_map"),
                   help="the simulated files, models, outputs and stage logs (default: %(default)s)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-epochs", type=int, default=5, help="pretraining cap of the reference fit (default: 5)")
    p.add_argument("--map-epochs", type=int, default=None,
                   help="jae map --epochs (default: its own, 20); the shift training's cost is per epoch")
    p.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    p.add_argument("--label", default="run")
    p.add_argument("--note", default=None)
    p.add_argument("--source", default=None, help="a jae 'src' folder to run instead of the installed one (e.g. "
                   "/tmp/base/src after 'git archive BASE src | tar -x -C /tmp/base', for the figures before a fix)")
    p.add_argument("--results", type=Path, default=RESULTS,
                   help=f"the runs' figures, JSON (default: {shown(RESULTS)}; scale.md's section is written by hand)")
    p.add_argument("--delete-data", action="store_true", help="remove what the script wrote in --data-dir "
                   "at the end (data, models, outputs, logs; other files there stay)")
    p.add_argument("--overwrite", action="store_true", help="replace the recorded stages of a run of the same --label")
    args = p.parse_args(argv)
    counts = ("--ref-cells", "--query-cells", "--predict-train-cells", "--threads", "--max-epochs", "--map-epochs")
    for flag in counts:  # else simulate / fit fail minutes into the run (or, as --threads 0, run unbounded)
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None and value < 1:
            p.error(f"{flag} must be a positive whole number, not {value}")
    if args.source and not (Path(args.source) / "jae" / "__init__.py").is_file():  # else the installed jae ran
        p.error(f"--source {args.source} holds no jae/__init__.py, so the installed jae would run instead; name the "
                "src folder itself (e.g. /tmp/base/src after 'git archive BASE src | tar -x -C /tmp/base')")
    recorded = (json.loads(args.results.read_text()) if args.results.exists() else {}).get(args.label, {})
    again = [s["stage"] for s in recorded.get("stages", []) if s["stage"] in args.stages]
    if again and not args.overwrite:
        p.error(f"{args.results} already holds stage {again[0]} of the run '{args.label}'; pass --overwrite to replace "
                "it, or another --label")

    try:
        return _run(args)
    except StageFailed as exc:  # one line, not a traceback; the stages recorded before stay as they were
        print(f"scale_map.py: {exc}", file=sys.stderr)
        return 1


def _run(args) -> int:
    d = args.data_dir
    d.mkdir(parents=True, exist_ok=True)
    ref, query = d / f"ref_{args.kind}_{args.ref_cells}", d / f"query_{args.kind}_{args.query_cells}"
    rows = [r for r in (simulate(ref, args.ref_cells, args, 0, d / "simulate_ref.log"),
                        simulate(query, args.query_cells, args, 1, d / "simulate_query.log")) if r]
    small = d / f"ref_{args.kind}_{args.predict_train_cells}"
    if "predict" in args.stages:
        rows += [r for r in [simulate(small, args.predict_train_cells, args, 0, d / "simulate_small.log")] if r]
    r1, r2 = f"{ref}.mod1.h5ad", f"{ref}.mod2.h5ad"
    q1, q2 = f"{query}.mod1.h5ad", f"{query}.mod2.h5ad"
    ann = d / "query.batches.h5ad"
    query_batches(Path(q1), ann)
    qargs = ["--annotations", str(ann)]
    plan = {
        "fit": ["fit", "--mod1", r1, "--mod2", r2, "--out", str(d / "ref_model"), "--overwrite", "--seed", "0",
                "--max-epochs", str(args.max_epochs), "--device", "cpu"],
        "map": ["map", "--mod1", q1, "--mod2", q2, *qargs, "--batch-key", "query_batch", "--model",
                str(d / "ref_model"), "--out", str(d / "mapped_model"), "--overwrite", "--device", "cpu",
                *([] if args.map_epochs is None else ["--epochs", str(args.map_epochs)])],
        "embed": ["embed", "--mod1", q1, "--mod2", q2, *qargs, "--model", str(d / "mapped_model"), "--out",
                  str(d / f"query_embedding_{args.label}.h5ad"), "--overwrite", "--device", "cpu"],
        "embed_rna": ["embed", "--mod1", q1, *qargs, "--model", str(d / "mapped_model"), "--out",
                      str(d / f"query_rna_embedding_{args.label}.h5ad"), "--impute-out", str(d / f"query_imputed_{args.label}.h5ad"),
                      "--overwrite", "--device", "cpu"],
        "predict": ["predict", "--train-mod1", f"{small}.mod1.h5ad", "--train-mod2", f"{small}.mod2.h5ad", "--test-mod1", q1, "--output",
                    str(d / f"query_prediction_{args.label}.h5ad"), "--overwrite", "--device", "cpu"],
    }
    for stage in STAGES:
        if stage in args.stages:
            log = d / f"{stage}{'_' + args.label if args.label else ''}.log"
            rows.append(timed(stage, plan[stage], log, threads=args.threads, source=args.source))
    runs = json.loads(args.results.read_text()) if args.results.exists() else {}
    entry = runs.get(args.label, {"stages": []})
    ran = {r["stage"] for r in rows}
    entry["stages"] = [s for s in entry["stages"] if s["stage"] not in ran] + rows
    entry.update(ref_cells=args.ref_cells, query_cells=args.query_cells, kind=args.kind, threads=args.threads,
                 predict_train_cells=args.predict_train_cells, uptime=subprocess.run(["uptime"], capture_output=True,
                                                                                    text=True).stdout.strip(),
                 note=args.note or entry.get("note"), time=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    runs[args.label] = entry
    write_text(args.results, json.dumps(runs, indent=1) + "\n")  # moved over at once: a kill leaves the runs whole
    if args.delete_data:
        delete_written(d, args.kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
