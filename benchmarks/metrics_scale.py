"""Metrics at atlas scale: exact vs approximate neighbour graph, and ``jae.evaluate`` on files of up to 1M cells.

Three measurements, each printed and written to ``benchmarks/results/scale_metrics.md`` (raw numbers in
``scale_metrics.json``; with ``--scale-md`` the markdown also replaces the "Metrics at scale" section of ``scale.md``):

``compare``
    :func:`jae.metrics.evaluate_embedding` with ``knn='exact'`` and ``knn='approximate'`` on the seeded synthetic
    data of ``metrics_speed.py`` (50-dim embedding, 30 cell types, 10 batches, 2 pseudotimes, 4,000-gene GEX for
    cc_cons), default 70,000 cells: both values of every metric and diagnostic, their difference, and the wall and
    CPU time of each step.
``suite``
    :func:`jae.metrics.evaluate_embedding` (``knn='auto'``) alone, in this process, on the same synthetic data with a
    400-gene GEX (the cell-cycle reference built first, timed apart): per-step wall/CPU seconds and the process's
    peak RSS; for sizes whose files would take too long to simulate here (a million cells).
``evaluate``
    ``jae simulate`` (CITE-seq at competition shape: 13,953 genes + 134 proteins, 45 cell types, 12 batches,
    pseudotimes) writes the files; a seeded 50-dim embedding with that structure (cell-type centres, batch shifts,
    the pseudotime along a direction) is written as a competition prediction ``.h5ad``; then one process runs
    ``jae.evaluate(jae.io.open_competition(mod1, mod2), {'synthetic': prediction}, report_dir=...)`` (lazily opened
    files: annotations, the embedding and the RNA in row blocks; ``knn='auto'``), under ``/usr/bin/time -v``:
    wall time, CPU time and peak RSS of the whole process, and the suite's per-step seconds.

``ccsample``
    How far one batch's cc_cons "before" share (the GEX variance share of the S/G2M scores, top 50 PCs) on a seeded
    sample of ``m`` cells lies from the share on all the batch's cells: the estimate ``jae.evaluate`` makes on files
    for batches above ``jae.metrics.cell_cycle_cons.CC_MAX_CELLS`` cells. Reads the first batch of ``--mod1`` (raw
    counts, in row blocks), scores the cell cycle on all its cells, then the share on all of them and on three seeded
    samples per size.

Usage::

    python benchmarks/metrics_scale.py compare --n-cells 70000 --threads 2
    python benchmarks/metrics_scale.py suite --n-cells 1000000 --threads 2
    python benchmarks/metrics_scale.py evaluate --n-cells 300000 --threads 2 [--work /tmp/jae_metrics_scale]
    python benchmarks/metrics_scale.py ccsample --mod1 sim.mod1.h5ad --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from _results import write_text

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
JSON = RESULTS / "scale_metrics.json"
MD = RESULTS / "scale_metrics.md"
SCALE_MD = RESULTS / "scale.md"
SECTION = "## Metrics at scale"
STEPS = ("neighbors", "nmi", "asw_label", "cc_cons", "ti_cons", "asw_batch", "graph_conn", "diagnostics")
VALUES = ("nmi", "asw_label", "cc_cons", "ti_cons", "asw_batch", "graph_conn", "overall")


def _threads(n: int) -> dict:
    return {k: str(n) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")}


def _load() -> dict:
    return json.loads(JSON.read_text()) if JSON.exists() else {}




def with_section(text: str, section: str) -> str:
    """``text`` (scale.md) with its :data:`SECTION` replaced by ``section`` (added at the end when absent); the
    sections after it are kept."""
    head, found, rest = text.partition(SECTION)
    tail = rest[rest.index("\n## "):] if found and "\n## " in rest else ""
    return head.rstrip("\n") + "\n\n" + section + "\n" + ("\n" + tail.lstrip("\n") if tail else "")


def _save(runs: dict, *, scale_md: bool = False) -> None:
    write_text(JSON, json.dumps(runs, indent=1) + "\n")
    lines = render(runs)
    write_text(MD, "\n".join(["# Metrics at scale", ""] + lines[2:]) + "\n")
    if scale_md and SCALE_MD.exists():
        write_text(SCALE_MD, with_section(SCALE_MD.read_text(), "\n".join(lines)))
    print(f"written to {MD}" + (f" and {SCALE_MD}" if scale_md and SCALE_MD.exists() else ""))


def compare(args) -> dict:
    """Exact vs approximate suite on the synthetic data of metrics_speed.py (in this process)."""
    sys.path.insert(0, str(HERE))
    from metrics_speed import synthetic

    from jae.metrics import cell_cycle_reference, evaluate_embedding

    E, obs, gex, genes = synthetic(args.n_cells, seed=args.seed)
    pseudotime = obs[[c for c in obs.columns if c.startswith("pseudotime_order_")]]
    cc = cell_cycle_reference(gex, genes, obs["batch"].to_numpy(), seed=args.seed)
    del gex
    evaluate_embedding(E[:3000], cell_type=obs["cell_type"][:3000], knn="approximate", progress_bar=False)  # compile
    out = {"kind": "compare", "n_cells": args.n_cells, "n_dims": int(E.shape[1]), "threads": args.threads,
           "seed": args.seed, "modes": {}}
    for mode in ("exact", "approximate"):
        t0, c0 = time.perf_counter(), time.process_time()
        r = evaluate_embedding(E, cell_type=obs["cell_type"], batch=obs["batch"], pseudotime=pseudotime, cell_cycle=cc,
                               seed=args.seed, knn=mode, progress_bar=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out["modes"][mode] = {
            "values": {k: float(r[k]) for k in VALUES},
            "diagnostics": {k: float(v) for k, v in r.attrs["diagnostics"].items()},
            "seconds": r.attrs["seconds"], "cpu_seconds": r.attrs["cpu_seconds"], "wall_s": wall, "cpu_s": cpu,
        }
        print(f"{mode}: {wall:.1f} s wall, {cpu:.1f} s CPU; " + ", ".join(f"{k} {r[k]:.4f}" for k in VALUES), flush=True)
    ex, ap = (out["modes"][m]["values"] for m in ("exact", "approximate"))
    diff = {k: abs(ap[k] - ex[k]) for k in VALUES}
    out["max_abs_diff"] = max(diff.values())
    print("abs diff: " + ", ".join(f"{k} {v:.4f}" for k, v in diff.items()) + f"; max {out['max_abs_diff']:.4f}")
    out["load_avg_end"] = list(os.getloadavg())
    return out


def suite(args) -> dict:
    """The suite alone (knn='auto') on synthetic data, in this process: per-step times and peak RSS."""
    import resource

    sys.path.insert(0, str(HERE))
    from metrics_speed import synthetic

    from jae.metrics import cell_cycle_reference, evaluate_embedding

    t0 = time.perf_counter()
    E, obs, gex, genes = synthetic(args.n_cells, seed=args.seed, n_genes=400)
    t1, c1 = time.perf_counter(), time.process_time()
    cc = cell_cycle_reference(gex, genes, obs["batch"].to_numpy(), seed=args.seed)
    del gex
    t2, c2 = time.perf_counter(), time.process_time()
    print(f"data {t1 - t0:.0f} s, cell-cycle reference {t2 - t1:.0f} s wall", flush=True)
    pseudotime = obs[[c for c in obs.columns if c.startswith("pseudotime_order_")]]
    r = evaluate_embedding(E, cell_type=obs["cell_type"], batch=obs["batch"], pseudotime=pseudotime, cell_cycle=cc,
                           seed=args.seed, progress_bar=False)
    t3, c3 = time.perf_counter(), time.process_time()
    out = {"kind": "suite", "n_cells": args.n_cells, "n_dims": int(E.shape[1]), "threads": args.threads,
           "seed": args.seed, "knn": r.attrs["knn"], "values": {k: float(r[k]) for k in VALUES},
           "seconds": r.attrs["seconds"], "cpu_seconds": r.attrs["cpu_seconds"], "wall_s": t3 - t2, "cpu_s": c3 - c2,
           "data_s": t1 - t0, "cc_reference_s": t2 - t1, "cc_reference_cpu_s": c2 - c1,
           "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
           "load_avg_end": list(os.getloadavg())}
    print(f"suite on {args.n_cells:,} cells ({out['knn']}): {out['wall_s']:.0f} s wall, {out['cpu_s']:.0f} s CPU, "
          f"process peak RSS {out['peak_rss_gb']:.2f} GB; " + ", ".join(f"{k} {r[k]:.4f}" for k in VALUES))
    print("steps (wall / CPU s): " + ", ".join(f"{k} {out['seconds'][k]:.0f}/{out['cpu_seconds'][k]:.0f}"
                                              for k in STEPS if k in out["seconds"]))
    return out


def _first_batch_cells(mod1) -> int | None:
    """The cells of ``mod1``'s first batch (what :func:`ccsample` reads and keys its run by); None without obs 'batch'."""
    import h5py
    import numpy as np

    from jae.io.elems import read_elem

    with h5py.File(mod1, "r") as f:
        if "batch" not in f["obs"]:
            return None
        batch = np.asarray(read_elem(f["obs"]["batch"]))
    return int((batch == batch[0]).sum()) if len(batch) else 0


def ccsample(args) -> dict:
    """One batch's cc_cons "before" share on all its cells vs on seeded samples (see the module docstring)."""
    import h5py
    import numpy as np
    import scipy.sparse as sp

    from jae.io.chunked import BackedCounts
    from jae.io.elems import read_elem
    from jae.metrics import variance_explained
    from jae.preprocess import log_normalize, score_cell_cycle

    with h5py.File(args.mod1, "r") as f:
        obs, var = read_elem(f["obs"]), read_elem(f["var"])
    batch = obs["batch"].to_numpy()
    rows = np.flatnonzero(batch == batch[0])
    t0 = time.perf_counter()
    parts, start = [], 0
    for block in BackedCounts(args.mod1, modality=None, layer=None).blocks(50_000):
        stop = start + block.shape[0]
        parts.append(log_normalize(block[rows[(rows >= start) & (rows < stop)] - start]))
        start = stop
    gex = sp.vstack(parts, format="csr")
    del parts
    read_s = time.perf_counter() - t0
    cov = score_cell_cycle(gex, var.index, organism="human").to_numpy()
    c1 = time.process_time()
    full = variance_explained(gex, cov, seed=args.seed)
    out = {"kind": "ccsample", "file": str(args.mod1), "batch": str(batch[0]), "n_cells": int(len(rows)),
           "n_genes": int(gex.shape[1]), "threads": args.threads, "read_s": read_s, "full": full,
           "full_cpu_s": time.process_time() - c1, "samples": {}}
    print(f"batch {batch[0]}: {len(rows):,} cells read in {read_s:.0f} s; before on all cells {full:.6f} "
          f"({out['full_cpu_s']:.0f} s CPU)", flush=True)
    for m in (10_000, 20_000, 40_000):
        if m >= len(rows):
            continue
        values, cpu = [], []
        for seed in range(3):
            pick = np.sort(np.random.default_rng(seed).choice(len(rows), size=m, replace=False))
            c = time.process_time()
            values.append(variance_explained(gex[pick], cov[pick], seed=args.seed))
            cpu.append(time.process_time() - c)
        out["samples"][str(m)] = {"values": values, "cpu_s": cpu}
        print(f"sample of {m:,}: " + ", ".join(f"{v:.6f} ({(v - full) / full:+.1%})" for v in values) +
              f"; {np.mean(cpu):.0f} s CPU each", flush=True)
    out["load_avg_end"] = list(os.getloadavg())
    return out


def _embedding_file(mod1: Path, path: Path, seed: int) -> None:
    """A seeded 50-dim embedding with the simulated cells' structure, as a competition prediction ``.h5ad``."""
    import anndata as ad
    import numpy as np
    import pandas as pd

    from jae.io.paired_files import _read_frames
    import h5py

    with h5py.File(mod1, "r") as f:
        obs = _read_frames(f)[0]
    rng = np.random.default_rng(seed)
    types = pd.factorize(obs["cell_type"])[0]
    batches = pd.factorize(obs["batch"])[0]
    E = rng.normal(scale=4.0, size=(types.max() + 1, 50))[types]
    E += rng.normal(scale=0.5, size=(batches.max() + 1, 50))[batches]
    E += rng.normal(size=E.shape)
    pts = [c for c in obs.columns if str(c).startswith("pseudotime_order_")]
    if pts:
        pt = obs[pts[0]].to_numpy(dtype=float)
        on = np.isfinite(pt)
        E[on] += np.outer(pt[on], rng.normal(scale=8.0, size=50))
    pred = ad.AnnData(E.astype(np.float32), obs=pd.DataFrame(index=obs.index))
    pred.uns["method_id"] = "synthetic"
    pred.write_h5ad(path)


_PROGRAM = """
import json, logging, sys, time
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
import jae
t0 = time.perf_counter()
files = jae.io.open_competition(sys.argv[1], sys.argv[2])
table = jae.evaluate(files, {"synthetic": sys.argv[3]}, report_dir=sys.argv[4], report=sys.argv[5] == "1",
                     progress_bar=False)
print("RESULT " + json.dumps({"values": table.iloc[0].to_dict(), "wall_s": time.perf_counter() - t0}))
"""


def _time_v(text: str) -> dict:
    def grab(pattern):
        m = re.search(pattern, text)
        return m.group(1) if m else None

    wall = grab(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)")
    secs = sum(float(x) * 60**i for i, x in enumerate(reversed(wall.split(":")))) if wall else None
    rss = grab(r"Maximum resident set size \(kbytes\): (\d+)")
    return {"wall_s": secs, "user_s": float(grab(r"User time \(seconds\): ([\d.]+)") or "nan"),
            "sys_s": float(grab(r"System time \(seconds\): ([\d.]+)") or "nan"),
            "peak_rss_gb": int(rss) * 1024 / 1e9 if rss else None}


def evaluate(args) -> dict:
    """``jae simulate`` files + embedding file, then ``jae.evaluate`` on the lazily opened files, timed."""
    work = Path(args.work) / f"cite_{args.n_cells}"
    work.mkdir(parents=True, exist_ok=True)
    prefix = work / "sim"
    mod1, mod2, pred = Path(f"{prefix}.mod1.h5ad"), Path(f"{prefix}.mod2.h5ad"), work / "prediction.h5ad"
    env = {**os.environ, **_threads(args.threads)}
    out = {"kind": "evaluate", "n_cells": args.n_cells, "threads": args.threads, "seed": args.seed, "n_dims": 50}
    if not (mod1.exists() and mod2.exists()):
        t0 = time.perf_counter()
        subprocess.run(["jae", "simulate", str(prefix), "--n-cells", str(args.n_cells), "--kind", "cite", "--preset",
                        "competition", "--seed", str(args.seed), "--overwrite"], check=True, env=env)
        out["simulate_wall_s"] = time.perf_counter() - t0
        print(f"simulated in {out['simulate_wall_s']:.0f} s", flush=True)
    if not pred.exists():
        _embedding_file(mod1, pred, args.seed)
    out["input_gb"] = {p.name: p.stat().st_size / 1e9 for p in (mod1, mod2, pred)}
    report = work / "report"
    if report.exists():
        import shutil

        shutil.rmtree(report)
    cmd = ["/usr/bin/time", "-v", sys.executable, "-c", _PROGRAM, str(mod1), str(mod2), str(pred), str(report),
           "0" if args.no_report else "1"]
    loads = []
    log_path = work / "evaluate.log"  # the child's log lines land here as they are written (progress of long runs)
    with open(log_path, "w") as err, subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err,
                                                      text=True) as proc:
        import threading

        done = threading.Event()

        def sample():  # the 1-min load average every 30 s while the evaluation runs (the machine is shared)
            while not done.wait(30):
                loads.append(os.getloadavg()[0])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout, _ = proc.communicate()
        done.set()
    proc.stdout, proc.stderr = stdout, log_path.read_text()
    out["load_during"] = {"min": min(loads), "mean": sum(loads) / len(loads), "max": max(loads)} if loads else None
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
        raise SystemExit(f"evaluate failed (rc {proc.returncode}); log in {log_path}")
    out.update(_time_v(proc.stderr))
    out["report"] = not args.no_report
    result = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))[7:])
    out["values"] = result["values"]
    out["steps"] = _steps(proc.stderr)
    out["load_avg_end"] = list(os.getloadavg())
    print(f"jae.evaluate on {args.n_cells:,} cells: {out['wall_s']:.0f} s wall, {out['user_s'] + out['sys_s']:.0f} s "
          f"CPU, peak RSS {out['peak_rss_gb']:.2f} GB; values " + json.dumps({k: round(v, 4) for k, v in
                                                                              out["values"].items()}))
    print("log lines (seconds since start):\n" + "\n".join(f"  {t:7.1f}  {msg}" for t, msg in out["steps"]))
    return out


def _steps(log: str) -> list[tuple[float, str]]:
    """``(seconds since the first log line, message)`` of the run's info log lines."""
    from datetime import datetime

    rows = []
    for line in log.splitlines():
        m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\S+) (.*)", line)
        if m:
            rows.append((datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f"), f"{m.group(2)}: {m.group(3)[:160]}"))
    return [((t - rows[0][0]).total_seconds(), msg) for t, msg in rows] if rows else []


def _stage_seconds(steps: list) -> tuple[float, float]:
    """Wall seconds of the cell-cycle reference (up to the first 'evaluating' line) and of the metric suite (from
    there to the 'overall' line) in an evaluate run's log."""
    start = next((t for t, msg in steps if msg.startswith("jae.evaluation: evaluating ")), float("nan"))
    end = next((t for t, msg in steps if msg.startswith("jae.metrics.suite: overall")), float("nan"))
    return start, end - start


def render(runs: dict) -> list[str]:
    lines = [
        SECTION,
        "",
        "Generated by `benchmarks/metrics_scale.py` (raw numbers in `scale_metrics.json`, the same text in "
        "`scale_metrics.md`). `knn='exact'`: all pairwise distances (O(n^2)); `knn='approximate'`: a seeded "
        "approximate 15-neighbour graph (pynndescent's nearest-neighbour descent with scanpy's settings up to session "
        "49; since session 50 jae's own cached search, `jae.metrics._knn_approx`), and the silhouettes "
        "(asw_label over all cells, asw_batch per cell type) averaged over a seeded sample of 10,000 cells per group, "
        "each against every cell of the group. `knn='auto'` (the default of `jae.evaluate`, "
        "`jae.metrics.evaluate_embedding`) is exact up to 100,000 cells and approximate above. Wall times are on a "
        "machine shared with other jobs (1-min load average in the last column); CPU seconds are the steadier figure.",
        "",
    ]
    comps = [r for r in runs.values() if r["kind"] == "compare"]
    for r in sorted(comps, key=lambda r: r["n_cells"]):
        ex, ap = r["modes"]["exact"], r["modes"]["approximate"]
        lines += [
            f"### Exact vs approximate, {r['n_cells']:,} cells x {r['n_dims']} dims (`compare`, {r['threads']} threads)",
            "",
            "Synthetic data of `metrics_speed.py` (seed 0): 30 cell types, 10 batches, 2 pseudotimes, 4,000-gene GEX.",
            "",
            "| metric | exact | approximate | abs diff | exact wall / CPU s | approximate wall / CPU s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for k in VALUES:
            step = k if k in ex["seconds"] else None
            t = (f"{ex['seconds'][step]:.1f} / {ex['cpu_seconds'][step]:.1f} | "
                 f"{ap['seconds'][step]:.1f} / {ap['cpu_seconds'][step]:.1f}") if step else " | "
            lines.append(f"| {k} | {ex['values'][k]:.4f} | {ap['values'][k]:.4f} | "
                         f"{abs(ap['values'][k] - ex['values'][k]):.4f} | {t} |")
        for k in ("ilisi", "clisi"):
            lines.append(f"| {k} (diagnostic) | {ex['diagnostics'][k]:.4f} | {ap['diagnostics'][k]:.4f} | "
                         f"{abs(ap['diagnostics'][k] - ex['diagnostics'][k]):.4f} | | |")
        lines += [
            f"| diagnostics (iLISI, cLISI, shares) | | | | {ex['seconds']['diagnostics']:.1f} / "
            f"{ex['cpu_seconds']['diagnostics']:.1f} | {ap['seconds']['diagnostics']:.1f} / "
            f"{ap['cpu_seconds']['diagnostics']:.1f} |",
            f"| kNN graph (exact: with the asw_label distance sums) | | | | {ex['seconds']['neighbors']:.1f} / "
            f"{ex['cpu_seconds']['neighbors']:.1f} | "
            f"{ap['seconds']['neighbors']:.1f} / {ap['cpu_seconds']['neighbors']:.1f} |",
            f"| **suite total** | | | max **{r['max_abs_diff']:.4f}** | {ex['wall_s']:.1f} / {ex['cpu_s']:.1f} | "
            f"{ap['wall_s']:.1f} / {ap['cpu_s']:.1f} |",
            "",
            f"Load average at the end: {r['load_avg_end'][0]:.1f}. iLISI is a diagnostic outside `overall`; its "
            "graph-walk neighbourhoods (90 cells by shortest path on the 15-neighbour graph) amplify small graph "
            "differences.",
            "",
        ]
    suites = [r for r in runs.values() if r["kind"] == "suite"]
    if suites:
        lines += [
            "### The suite alone (`suite`)",
            "",
            "`jae.metrics.evaluate_embedding(knn='auto')` in one process on the synthetic data of `metrics_speed.py` "
            "with a 400-gene GEX (its cell-cycle reference built beforehand, not in the times); peak RSS is the "
            "whole process's (data generation included).",
            "",
            "| cells | threads | knn path | " + " | ".join(STEPS) + " | suite wall / CPU s | peak RSS GB | overall "
            "| load |",
            "|---:|---:|---|" + "---:|" * len(STEPS) + "---:|---:|---:|---:|",
        ]
        for r in sorted(suites, key=lambda r: r["n_cells"]):
            steps = " | ".join(f"{r['seconds'].get(k, float('nan')):.0f} / {r['cpu_seconds'].get(k, float('nan')):.0f}"
                               for k in STEPS)
            lines.append(f"| {r['n_cells']:,} | {r['threads']} | {r['knn']} | {steps} | {r['wall_s']:.0f} / "
                         f"{r['cpu_s']:.0f} | {r['peak_rss_gb']:.2f} | {r['values']['overall']:.4f} | "
                         f"{r['load_avg_end'][0]:.1f} |")
        lines.append("")
    evals = [r for r in runs.values() if r["kind"] == "evaluate"]
    if evals:
        lines += [
            "### `jae.evaluate` on files (`evaluate`)",
            "",
            "`jae simulate --kind cite --preset competition` (13,953 genes + 134 proteins, 45 cell types, 12 "
            "batches), a seeded structured 50-dim embedding as a prediction `.h5ad`, then one process: "
            "`jae.evaluate(jae.io.open_competition(mod1, mod2), {'synthetic': prediction}, report_dir=...)`; "
            "the files stay on disk (annotations, the embedding and the RNA read in row blocks for the cell-cycle "
            "reference, each batch's GEX variance share on a seeded sample of 10,000 cells). Wall, CPU (user + "
            "system) and peak RSS of the whole process from `/usr/bin/time -v`.",
            "",
            "| run | cells | threads | report | knn path | wall s | CPU s | cc reference wall s | suite wall s | "
            "peak RSS GB | RNA file GB | overall | load |",
            "|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        labelled = sorted(((label, r) for label, r in runs.items() if r["kind"] == "evaluate"),
                          key=lambda lr: (lr[1]["n_cells"], lr[0]))
        for label, r in labelled:
            path = "approximate" if r["n_cells"] > 100_000 else "exact"
            cc, suite_s = _stage_seconds(r["steps"])
            lines.append(
                f"| {label} | {r['n_cells']:,} | {r['threads']} | {'yes' if r['report'] else 'no'} | {path} | "
                f"{r['wall_s']:.0f} | {r['user_s'] + r['sys_s']:.0f} | {cc:.0f} | {suite_s:.0f} | "
                f"{r['peak_rss_gb']:.2f} | {r['input_gb']['sim.mod1.h5ad']:.2f} | {r['values']['overall']:.4f} | "
                f"{r['load_avg_end'][0]:.1f} |"
            )
        for label, r in labelled:
            if " s30 " in label:  # stages in the table; session 30's profile below
                continue
            lines += ["", f"Steps of {label} ({r['n_cells']:,} cells; seconds since the first log line):", ""]
            lines += [f"- {t:.0f} s: {msg}" for t, msg in r["steps"]]
    samples = [r for r in runs.values() if r["kind"] == "ccsample"]
    for r in samples:
        lines += [
            "", f"### cc_cons 'before' on a sample vs all of a batch's cells (`ccsample`, {r['threads']} threads)", "",
            f"Batch {r['batch']} of `{Path(r['file']).name}`: {r['n_cells']:,} cells x {r['n_genes']:,} genes. The GEX "
            "variance share of the S/G2M scores (top 50 PCs, scib's `pc_regression`) on all its cells, and on three "
            "seeded samples per size (the scores are those of all cells, as in `cell_cycle_reference_blocks`). A "
            "batch's cc_cons is `1 - |after - before| / before`: a relative error e of `before` moves it by about "
            "e x after/before.", "",
            "| cells | before (seeds 0, 1, 2) | relative error | CPU s each |", "|---:|---|---|---:|",
            f"| all {r['n_cells']:,} | {r['full']:.6f} | | {r['full_cpu_s']:.0f} |",
        ]
        for m, v in r["samples"].items():
            lines.append(f"| {int(m):,} | " + ", ".join(f"{x:.6f}" for x in v["values"]) + " | " +
                         ", ".join(f"{(x - r['full']) / r['full']:+.1%}" for x in v["values"]) +
                         f" | {sum(v['cpu_s']) / len(v['cpu_s']):.0f} |")
    notes = [f"{label}: {r['note']}" for label, r in runs.items() if r.get("note")]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    if any(label.startswith("evaluate ") and " s30 " in label for label in runs):
        lines += ["", *SESSION_30]
    lines += ["", *SESSION_50, "", *SESSION_51]
    return lines


#: Session 50: the approximate graph's search replaced (``benchmarks/knn_approx_speed.py``).
SESSION_50 = [
    "### Session 50 (2026-12-07): the approximate graph without pynndescent",
    "",
    "`knn='approximate'` now builds the graph with jae's own search (`jae.metrics._knn_approx`): seeded k-means "
    "(about 256 cells per cluster), each cluster's cells scored against the cells of its 32 nearest clusters (one "
    "float32 BLAS product per block), then nearest-neighbour descent (16 sampled candidates, forward and reverse), "
    "the cells in cluster order. Its numba kernels are specialised to the squared euclidean distance and cached on "
    "disk, so only the first process compiles them (about 5 s); pynndescent compiled for 30-45 s in every process. "
    "Lists are the same on any number of threads. Fresh-process timings, `OMP_NUM_THREADS=1` (pynndescent's numba "
    "kernels ran on 2 threads), `python benchmarks/knn_approx_speed.py` on a seeded 50-dim embedding of 8 "
    "clusters and a trajectory (the generator of `tests/test_metrics_scale.py`; isotropic noise in all 50 dims, the "
    "hard case) and on a real-like one (50 PCs of pbmc10k_cite's RNA, cells resampled with jitter of half their "
    "nearest-neighbour distance); recall of the true 14 neighbours on 2,000-3,000 sampled cells:",
    "",
    "| data | cells | pynndescent (fresh process) wall / CPU s, recall | jae, first process | jae, later process |",
    "|---|---|---|---|---|",
    "| synthetic 50 dims | 150,000 | 149.0 / 47.9, 0.915 (load 5.5-6.7) | 15.8 / 14.4, 0.947 (load 3.3) | "
    "18.1 / 9.6, 0.947 (load 3.4) |",
    "| synthetic 50 dims | 1,000,000 | 320.7 / 218.1, 0.797 (load 3.5-4.6) | 231.5 / 116.3, 0.671 (load 3.6-4.2) | "
    "116.6 / 114.3, 0.671 (load 3.4) |",
    "| real-like 50 PCs | 100,000 | 93.7 / 49.3, 0.996 (load 4-5) | - | 20.1 / 10.0, 0.998 (load 4-5) |",
    "| real-like 50 PCs | 1,000,000 | 180.2 / 180.3, 1.000 (load 2-4) | - | 75.9 / 71.2, 0.999 (load 4-5) |",
    "| `_structured`, 20 dims | 100,000 | 40.6 / 41.8, 0.987 (load 2) | - | 9.8 / 4.8, 0.978 (load 2-4) |",
    "",
    "At a million synthetic cells in 50 isotropic dims the search is twice as fast as pynndescent but finds fewer "
    "true neighbours (0.671 against 0.797; 0.712 with 32 descent candidates, 136 s CPU): each cell's candidates "
    "are a fixed 8,192 cells (0.8% of the data) and the descent settles there. On the real-like million its recall "
    "is 0.999. Process peaks (pynndescent 0.90 GB at 150,000 cells and 2.38 GB at 1M; jae 0.66-0.71 and 1.58 GB) "
    "include python, torch and the data.",
]


#: Session 51: the approximate search's probes (``benchmarks/knn_approx_speed.py``).
SESSION_51 = [
    "### Session 51 (2026-12-07): the approximate search probes each cell's own nearest centroids",
    "",
    "The inverted file scored all cells of a k-means cluster against the cells of the 32 clusters nearest the "
    "cluster's centre. In isotropic noise a cluster is wide and a cell's neighbours lie in clusters near the cell, "
    "not near its cluster's centre. Now each cell probes its own 32 nearest centroids (among the 64 clusters nearest "
    "its cluster's), and 12 more when any of its 14 best candidates lies in the outer half of those probes (the "
    "neighbours reach the edge of the probed region): 41% of the cells at 150,000 synthetic cells, 3.6% of the "
    "real-like 150,000. At a million synthetic cells (one process, load 6-8, CPU of k-means, inverted file and "
    "descent): the cell's own 32 probes alone gave first lists with 0.678 of the true neighbours and 0.758 after the "
    "descent (151 s), 40 for every cell 0.732 and 0.797 (158 s), 48 for every cell 0.774 and 0.827 (191 s); the "
    "cluster's 32 gave 0.671 after the descent (159 s). Cells are scored in fixed groups of 65,536 against each "
    "cluster they probe, so the lists stay the same on any number of threads. Commands, each pair (main's code "
    "through `PYTHONPATH` on a copy of 599b6dcd's `src`, and this session's) run side by side under the same load: "
    "`OMP_NUM_THREADS=1 python benchmarks/knn_approx_speed.py --sizes 150000 1000000 --methods after --data "
    "synthetic` (or `--data real-like`, new this session: 50 PCs of pbmc10k_cite's RNA, cells resampled with jitter; "
    "not the session 50 table's real-like set). Later process, wall / CPU s, recall of the true 14 neighbours on "
    "2,000 cells, peak RSS:",
    "",
    "| data | cells | main (session 50 search) | session 51 | pynndescent (session 50 table) |",
    "|---|---|---|---|---|",
    "| synthetic 50 dims | 150,000 | 23.8 / 11.0, 0.947, 0.66 GB (load 3.4-4.0) | 21.1 / 10.5, 0.989, 0.76 GB (load "
    "3.5) | 149.0 / 47.9, 0.915 |",
    "| synthetic 50 dims | 1,000,000 | 282.3 / 141.0, 0.671, 1.58 GB (load 3.7-4.0) | 364.9 / 137.8, 0.812, 1.95 GB "
    "(load 3.4-5.7) | 320.7 / 218.1, 0.797 |",
    "| real-like 50 PCs | 150,000 | 20.6 / 6.8, 0.9965, 0.96 GB (load 3.8-4.0) | 24.8 / 8.3, 1.000, 0.96 GB (load "
    "3.8-4.1) | - |",
    "| real-like 50 PCs | 1,000,000 | 249.8 / 72.5, 0.9995, 1.78 GB (load 4.4-5.3) | 228.1 / 66.9, 0.9999, 1.97 GB "
    "(load 4.4-5.1) | - |",
    "",
    "A first pair of real-like runs at a million cells gave 77.7 s CPU (main) and 64.2 s (this session). At a "
    "million synthetic cells the search now finds more true neighbours than pynndescent (0.812 against 0.797) in 63% "
    "of its CPU time and in no more CPU than before: the better first lists leave the descent less to do (its first "
    "round changed 0.94M of 14M entries after the cell's own 32 probes, 1.23M after the cluster's). At 150,000 "
    "real-like cells it costs 1.5 s more CPU (the per-cell probes' bookkeeping; recall 1.000 instead of 0.9965), at "
    "a million real-like cells 8% less. The probes and shortlists add 0.2-0.4 GB at a million cells.",
]


#: Session 30's profile of the ``evaluate`` runs labelled ``s30`` (before: the code of efbd33c; after: 28fe45a).
SESSION_30 = [
    "### Session 30 (2026-12-04): where `jae evaluate`'s time goes on files",
    "",
    "Commands: `python benchmarks/metrics_scale.py evaluate --n-cells N --threads 2 --no-report` for N = 150,000 "
    "and 300,000 (the `s30 before` rows ran efbd33c's code through `PYTHONPATH` on a copy of its `src`, the "
    "`s30 after` rows 28fe45a's; the stage columns split the log at the 'evaluating' and 'overall' lines). Per-stage "
    "CPU and peak RSS from one process per stage: `cell_cycle_reference_blocks(*lognormalized_gex_blocks(files), "
    "batch)` on the simulated files, and `evaluate_embedding(knn='approximate')` of the prediction on 150,000 cells. "
    "Every metric is the same before and after to the last digit, but for asw_batch at 150,000 cells (1.5e-11: it "
    "differs that much between two runs of the same code, torch's threaded distance sums); the cell-cycle scores of "
    "all cells are bit-identical and the batches' GEX shares equal to 1 ulp (one of twelve at 300,000 cells: "
    "1.7e-18, the regression's BLAS now single-threaded).",
    "",
    "- The 300,000-cell row of 2703 s above measured the machine, not the code: on the same files the same code took "
    "479 s (cell-cycle reference 194 s instead of 1350, suite 275 s instead of 1213) on 2026-12-04; that day its two "
    "RNA passes took 343 s (here 21-48 s) and its per-batch ARPACK runs 70-120 s (here 7-22 s).",
    "- Cell-cycle reference: two passes over the RNA for all batches (gene sums, then scores), not one per batch; "
    "reading overlaps the work (read-ahead thread). 80% of its CPU is the 12 batches' GEX variance shares: ARPACK "
    "on a 10,000 x 13,953 float32 CSR sample (top 50 PCs: ~185 products with the Gram matrix, 2 x 17M stored "
    "values each, 16 ms per sparse product in scipy's csr_matvec: 7 s CPU per batch, single-threaded, one batch "
    "after another). Profile at 100,000 cells: 102 s wall, 78.5 s CPU, of which ARPACK 84 s wall, copying each "
    "batch's rows out of every block 6.9 s, log-normalising 4.6 s (both passes), scoring 3.0 s. A fused one-read "
    "Gram product in numba was slower (45 vs 32 ms per product), so the products stay scipy's.",
    "- Change (28fe45a): the batches' shares run side by side on the compute threads (`OMP_NUM_THREADS`, at most "
    "one per batch; one BLAS thread each), and each pass reads a block once for every batch (numba kernels: gene "
    "sums per batch, each row scored with its batch's control genes) instead of copying each batch's rows out. "
    "Reference alone at 300,000 cells on a quiet machine (load 1): 95.6 s wall, 99.3 s CPU, 2.91 GB -> 75.1 s wall, "
    "102.1 s CPU, 3.18 GB (two 10,000-cell samples in flight); at 100,000 cells 78.5 -> 71.7 s CPU (wall at load "
    "3-6 not comparable). On 2 cores the gain is the second core; with more cores the 84 s of ARPACK divide by up "
    "to 12.",
    "- Metric suite at 150,000 cells (81 s wall, 92 s CPU, 1.40 GB alone): the kNN graph 48 s, of which 43 s is "
    "numba compiling pynndescent's NN-descent in every process (its kernels take the distance function as an "
    "argument and cannot be cached; 26 s even for 5,000 cells), nn_descent itself 3 s; Louvain over 20 resolutions "
    "15 s; asw_label 10 s; diagnostics (iLISI/cLISI) 7 s. Left unchanged this session.",
]


def _shown(path: Path) -> str:
    """``path`` relative to the repository when inside it (the help's wording), else as it is (tests point it elsewhere)."""
    try:
        return str(path.relative_to(HERE.parent))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=(
        f"writes {_shown(JSON)} and {_shown(MD)} (with --scale-md also the "
        "'Metrics at scale' section of scale.md); evaluate also writes its simulated files, prediction, report and "
        "log under --work"))
    p.add_argument("what", choices=("compare", "suite", "evaluate", "ccsample", "render"))
    p.add_argument("--n-cells", type=int, default=70_000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", default="/tmp/jae_metrics_scale",
                   help="folder for the simulated files (evaluate; default: %(default)s)")
    p.add_argument("--no-report", action="store_true", help="evaluate: metrics table only, no UMAPs")
    p.add_argument("--mod1", default=None, help="ccsample: the RNA file (raw counts, obs 'batch')")
    p.add_argument("--note", default=None, help="a remark stored with the run")
    p.add_argument("--scale-md", action="store_true", help="also replace the 'Metrics at scale' section of "
                   "scale.md (the other sections kept)")
    p.add_argument("--overwrite", action="store_true", help="replace the recorded run of this kind and size")
    args = p.parse_args(argv)
    for flag in ("--n-cells", "--threads"):  # else a simulation or timing failing minutes in
        if getattr(args, flag[2:].replace("-", "_")) < 1:
            p.error(f"{flag} must be a positive whole number, not {getattr(args, flag[2:].replace('-', '_'))}")
    key = f"{args.what} {args.n_cells}"
    if args.what == "ccsample":  # its runs are keyed by the first batch's cells: read them (obs only) before the run
        if not args.mod1 or not Path(args.mod1).is_file():
            p.error(f"ccsample needs --mod1, an RNA .h5ad (raw counts, obs 'batch'); {args.mod1!r} is not a file")
        cells = _first_batch_cells(args.mod1)
        if cells is None:
            p.error(f"--mod1 {args.mod1} has no obs column 'batch': ccsample reads its first batch")
        key = f"ccsample {cells}"
    if args.what in ("compare", "suite", "evaluate", "ccsample") and key in _load() and not args.overwrite:
        p.error(f"{JSON} already holds the run '{key}'; pass --overwrite to replace it")
    run = None
    if args.what != "render":
        if args.what in ("compare", "suite", "ccsample"):
            os.environ.update(_threads(args.threads))
        run = {"compare": compare, "suite": suite, "evaluate": evaluate, "ccsample": ccsample}[args.what](args)
        if args.note:
            run["note"] = args.note
    runs = _load()  # read now: another run may have saved meanwhile
    if run is not None:
        runs[f"{args.what} {run['n_cells']}"] = run
    _save(runs, scale_md=args.scale_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
