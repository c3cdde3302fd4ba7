"""Time jae's joint-embedding metric suite against scib 1.1.7 on synthetic data shaped like the competition's.

For each size (default 10,000 and 70,000 cells) a seeded synthetic dataset is made: a 50-dim embedding with
30 cell types of unequal sizes and 10 batches (batch shifts), a 4-type trajectory with two reference pseudotimes
(GEX and ADT style, NaN off the trajectory), and log-normalised GEX counts (4,000 genes including the Tirosh
cell-cycle genes, ~8 % non-zero, cycling cells) for cc_cons. jae's :func:`jae.metrics.evaluate_embedding` and the
competition's scib calls (``benchmarks/_scib_suite.py``, run by the side environment's Python in a subprocess,
``nice -n 10``, with a time cap) score the same data; both timings and values are printed and written to
``benchmarks/results/metrics_speed.md``.

Usage::

    python benchmarks/metrics_speed.py --scib-python /work/scibenv/bin/python [--sizes 10000 70000]
        [--scib-cap 3600] [--threads 1] [--out OTHER.md | --overwrite]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from _results import shown, write_text

HERE = Path(__file__).resolve().parent
METRICS = ("nmi", "asw_label", "cc_cons", "ti_cons", "asw_batch", "graph_conn")


def synthetic(n_cells: int, *, seed: int = 0, n_types: int = 30, n_batches: int = 10, n_dims: int = 50,
              n_genes: int = 4000):
    """Seeded synthetic data: ``(embedding, obs DataFrame, log-normalised GEX CSR, gene names)``."""
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    from jae.preprocess import cell_cycle_genes, log_normalize

    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(n_types, 1.5))
    types = rng.choice(n_types, size=n_cells, p=weights)
    batches = rng.integers(0, n_batches, n_cells)
    centres = rng.normal(scale=4.0, size=(n_types, n_dims))
    E = centres[types] + rng.normal(size=(n_cells, n_dims)) + rng.normal(scale=0.5, size=(n_batches, n_dims))[batches]
    # trajectory through types 0 -> 1 -> 2 -> 3: cells sit along the segments between consecutive centres
    pt = np.full(n_cells, np.nan)
    for k in range(4):
        idx = np.flatnonzero(types == k)
        u = rng.random(len(idx))
        start, end = centres[k], centres[min(k + 1, 3)] if k < 3 else centres[3] + (centres[3] - centres[2])
        E[idx] = start + np.outer(u, end - start) + rng.normal(scale=0.7, size=(len(idx), n_dims))
        pt[idx] = (k + u) / 4
    pt_other = np.clip(pt + rng.normal(scale=0.05, size=n_cells), 0, 1)
    obs = pd.DataFrame(
        {
            "batch": pd.Categorical([f"s{b}d1" for b in batches]),
            "cell_type": pd.Categorical([f"type{t:02d}" for t in types]),
            "pseudotime_order_GEX": pt,
            "pseudotime_order_ADT": pt_other,
        },
        index=[f"cell{i}" for i in range(n_cells)],
    )
    # GEX counts: per-type gene profiles, cell-cycle genes boosted in S / G2M cells
    s_genes, g2m_genes = cell_cycle_genes("human")
    names = np.array(s_genes + g2m_genes + [f"GENE{i}" for i in range(n_genes - len(s_genes) - len(g2m_genes))])
    base = rng.gamma(0.3, 0.3, size=(n_types, n_genes))
    phase = rng.choice(3, size=n_cells, p=[0.6, 0.2, 0.2])
    blocks = []
    for start in range(0, n_cells, 5000):
        sl = slice(start, min(n_cells, start + 5000))
        rate = base[types[sl]] * rng.lognormal(0, 0.3, size=(sl.stop - sl.start, 1))
        rate[phase[sl] == 1, : len(s_genes)] *= 4
        rate[phase[sl] == 2, len(s_genes) : len(s_genes) + len(g2m_genes)] *= 4
        counts = rng.poisson(rate).astype(np.float32)
        counts[:, -1] += 1  # no empty cells
        blocks.append(sp.csr_matrix(counts))
    gex = log_normalize(sp.vstack(blocks).tocsr())
    return E.astype(np.float32), obs, gex, names


def run_jae(E, obs, gex, names) -> dict:
    from jae.metrics import evaluate_embedding

    start, cpu_start = time.perf_counter(), time.process_time()
    result = evaluate_embedding(
        E, cell_type=obs["cell_type"], batch=obs["batch"], pseudotime=obs[["pseudotime_order_GEX", "pseudotime_order_ADT"]],
        gex=gex, gex_var_names=names, organism="human", progress_bar=False,
    )
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return {"times": {**result.attrs["seconds"], "total": total}, "cpu": {**result.attrs["cpu_seconds"], "total": cpu},
            "values": {m: float(result[m]) for m in METRICS}}


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by a running process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_scib(python: str, data_path: Path, emb_path: Path, cap: int, threads: int) -> dict:
    env = {**os.environ, **_thread_env(threads)}
    cmd = ["nice", "-n", "10", python, str(HERE / "_scib_suite.py"), str(data_path), str(emb_path)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        stdout, stderr = proc.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        cpu = _cpu_seconds(proc.pid)  # `nice` execs python, so this is scib's process
        proc.kill()
        proc.communicate()
        return {"capped": cap, "wall": time.perf_counter() - start, "cpu": {"at_cap": cpu}}
    if proc.returncode != 0:
        raise RuntimeError(f"scib run failed ({proc.returncode}):\n{stderr[-3000:]}")
    out = json.loads(stdout.strip().splitlines()[-1])
    out["wall"] = time.perf_counter() - start
    return out


def _thread_env(threads: int) -> dict[str, str]:
    n = str(threads)
    return {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n, "NUMBA_NUM_THREADS": n}


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def report(rows: list[dict], threads: int, cap: int, scib_reused: str | None = None) -> str:
    """The markdown report of ``rows``; ``scib_reused``: the name of the ``--scib-results`` JSON scib's figures came
    from (None: scib ran here)."""
    lines = [
        "# Metric suite speed: jae vs scib 1.1.7",
        "",
        f"Synthetic data shaped like the competition's (`benchmarks/metrics_speed.py`, seed 0): 50-dim embedding, "
        f"30 cell types, 10 batches, 2 pseudotimes, 4,000-gene log-normalised GEX. CPU only, {threads} thread(s) "
        f"for both (`OMP/MKL/OPENBLAS/NUMBA_NUM_THREADS`); scib ran under `nice -n 10` with a {cap} s cap. "
        "jae times are warm (numba functions compiled and cached by an earlier call), scib's too (scanpy's numba "
        "code compiled on random data first). The machine is shared by several engineers, so wall times carry "
        "contention; the CPU-time row (process time, single-threaded) is the steadier comparison.",
        "",
    ]
    if scib_reused is not None:
        lines += [f"scib's timings and values are reused from an earlier run of this script on the same seeded data "
                  f"and the same side environment (`--scib-results {scib_reused}`); only jae was rerun.", ""]
    for row in rows:
        jae, scib = row["jae"] or {"times": {}, "values": {}}, row["scib"]
        capped = "capped" in scib
        lines += [f"## {row['n_cells']:,} cells x 50 dims", ""]
        if capped:
            lines += [f"scib did not finish within the cap: **>= {scib['capped']} s**.", ""]
        lines += ["| step | jae wall s | scib wall s | jae CPU s | scib CPU s | jae value | scib value | abs diff |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        st, sv = scib.get("times", {}), scib.get("values", {})
        jcpu, scpu = jae.get("cpu", {}), scib.get("cpu", {})
        lines.append(f"| kNN graph | {_fmt(jae['times'].get('neighbors'))} | {_fmt(st.get('neighbors'))} | "
                     f"{_fmt(jcpu.get('neighbors'))} | {_fmt(scpu.get('neighbors'))} | | | |")
        for m in METRICS:
            jv, sv_m = jae["values"].get(m), sv.get(m)
            diff = "" if sv_m is None or jv is None else f"{abs(jv - sv_m):.4f}"
            lines.append(f"| {m} | {_fmt(jae['times'].get(m))} | {_fmt(st.get(m))} | {_fmt(jcpu.get(m))} | "
                         f"{_fmt(scpu.get(m))} | {'n/a' if jv is None else f'{jv:.4f}'} | "
                         f"{'n/a' if sv_m is None else f'{sv_m:.4f}'} | {diff} |")
        scib_total = f">= {scib['capped']}" if capped else _fmt(st.get("total"))
        lines.append(f"| **suite total (wall)** | **{_fmt(jae['times'].get('total'))}** | **{scib_total}** | | | | | |")
        jc, sc_ = jae.get("cpu", {}).get("total"), scib.get("cpu", {}).get("total")
        at_cap = scib.get("cpu", {}).get("at_cap")
        scib_cpu = (f">= {at_cap:.1f} (CPU used when stopped)" if at_cap else "n/a") if capped else _fmt(sc_)
        lines.append(f"| **suite total (CPU)** | | | **{_fmt(jc)}** | **{scib_cpu}** | | | |")
        if (capped or st) and jae["times"]:
            speed = (scib["capped"] if capped else st["total"]) / jae["times"]["total"]
            lines += ["", f"jae / scib wall time: **{1 / speed:.3f}** ({'at least ' if capped else ''}{speed:.1f}x "
                      "faster)" + (f"; CPU time: **{jc / sc_:.3f}** ({sc_ / jc:.1f}x)." if jc and sc_ else "."), ""]
        else:
            lines += ["", "Only one side was run.", ""]
    lines += [
        "Values differ at 10k+ cells mainly because scanpy's `pp.neighbors` switches to approximate neighbours "
        "(pynndescent) above 4,096 cells while jae's are exact; below that (the oracle tests) they agree to ~1e-6.",
        "",
        "Where the time goes: scib spends most of it in `nmi` (20 Louvain clusterings with the `louvain` package), "
        "which jae re-implements with identical clusterings at a small fraction of the cost. jae's exact kNN lists "
        "and cell-type silhouette sums come from one pass over the pairwise distances; from 4,096 cells on (CPU) it "
        "visits each pair once, in cache-sized tiles (a BLAS product, then one vectorised compiled loop for the "
        "distances, the per-cluster sums of both cells and the kNN candidates), standing in for scib's approximate "
        "kNN and its sklearn silhouette. `cc_cons` costs the same in both (an ARPACK PCA of every batch's GEX, "
        "counted here for jae too); it depends only on the data, so `jae evaluate` computes it once for all "
        "embeddings. "
        "The wall-time ratio also reflects that scib ran niced on a shared machine; the CPU-time ratio does not.",
        "",
    ]
    return "\n".join(lines)


def _header(rows: list[dict], args) -> tuple[int, int, str | None]:
    """The report header's ``(threads, scib cap, scib JSON reused)``: as recorded in the rows' ``run`` by the timing
    run that wrote them, so that ``--render-only`` writes the header that run wrote; the flags for rows recorded
    before session 41, which lack it."""
    recorded = rows[0].get("run") if rows else None
    if recorded is not None:
        return recorded["threads"], recorded["scib_cap"], recorded["scib_results"]
    return args.threads, args.scib_cap, args.scib_results[0].name if args.scib_results else None


def _check(parser: argparse.ArgumentParser, args) -> None:
    """Bad arguments and a missing scib Python stop here with one line, before any timing run."""
    for flag, values in (("--sizes", args.sizes), ("--threads", [args.threads]), ("--scib-cap", [args.scib_cap])):
        if any(v < 1 for v in values):
            parser.error(f"{flag} must be positive whole numbers, got {' '.join(map(str, values))}")
    for path in [*args.scib_results, *([args.render_only] if args.render_only else [])]:
        if not path.is_file():
            parser.error(f"{path} does not exist; name a JSON written by an earlier run")
    if args.render_only is not None:
        return
    taken = [f for f in (args.out, args.out.with_suffix(".json")) if f.exists()]
    if taken and not args.overwrite:
        parser.error(f"{taken[0]} exists; pass --overwrite to replace it or choose another --out")
    if args.skip_jae and args.skip_scib:
        parser.error("--skip-jae and --skip-scib together leave nothing to time")
    cached = {row["n_cells"] for path in args.scib_results for row in json.loads(path.read_text()) if row["scib"]}
    if not args.skip_scib and set(args.sizes) - cached and not (os.path.isfile(args.scib_python) and os.access(args.scib_python, os.X_OK)):
        parser.error(f"--scib-python {args.scib_python} is not an executable Python; point it at the scib side "
                     "environment's Python or pass --skip-scib")




def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 70_000])
    parser.add_argument("--scib-python", default="/work/scibenv/bin/python", help="Python of the scib side venv")
    parser.add_argument("--scib-cap", type=int, default=3600, help="seconds before a scib run is stopped")
    parser.add_argument("--skip-scib", action="store_true")
    parser.add_argument("--scib-results", type=Path, nargs="+", default=[],
                        help="JSON written by an earlier run (e.g. --skip-jae); its scib results are reused per size")
    parser.add_argument("--skip-jae", action="store_true", help="only run scib (e.g. in the background, niced)")
    parser.add_argument("--render-only", type=Path, default=None,
                        help="rewrite the report (--out) from a results JSON; its header's threads, scib cap and "
                             "reused scib JSON are the ones that run recorded (--threads, --scib-cap, --scib-results "
                             "for a JSON written before session 41)")
    parser.add_argument("--threads", type=int, default=1)
    out = HERE / "results" / "metrics_speed.md"
    parser.add_argument("--out", type=Path, default=out,
                        help=f"the markdown report, its raw numbers in the .json beside it (default: {shown(out)})")
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier run's --out (.md and .json)")
    args = parser.parse_args(argv)
    _check(parser, args)
    if args.render_only is not None:
        rows = json.loads(args.render_only.read_text())
        text = report(rows, *_header(rows, args))
        write_text(args.out, text)
        print(text)
        return 0
    os.environ.update(_thread_env(args.threads))  # before numpy / torch are imported
    import anndata as ad
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)

    cached = {}
    for path in args.scib_results:
        cached.update({row["n_cells"]: row["scib"] for row in json.loads(path.read_text()) if row["scib"]})
    if not args.skip_jae:  # warm-up: compile (or load cached) numba code so the timings are steady-state
        E, obs, gex, names = synthetic(2000, seed=1)
        run_jae(E, obs, gex, names)

    rows = []
    header = _header([], args)  # recorded with every row: --render-only writes the same header from the JSON
    with tempfile.TemporaryDirectory(prefix="jae_metrics_speed_") as tmp:
        for n in args.sizes:
            E, obs, gex, names = synthetic(n, seed=0)
            jae = None
            if not args.skip_jae:
                jae = run_jae(E, obs, gex, names)
                print(f"{n} cells: jae {jae['times']['total']:.1f} s",
                      {m: round(v, 4) for m, v in jae["values"].items()}, flush=True)
            scib = {}
            if n in cached:
                scib = cached[n]
            elif not args.skip_scib:
                data_path, emb_path = Path(tmp) / f"data_{n}.h5ad", Path(tmp) / f"emb_{n}.npy"
                adata = ad.AnnData(gex, obs=obs)
                adata.var_names = names
                adata.uns["organism"] = "human"
                adata.write_h5ad(data_path)
                np.save(emb_path, E)
                scib = run_scib(args.scib_python, data_path, emb_path, args.scib_cap, args.threads)
                total = f">= {scib['capped']}" if "capped" in scib else f"{scib['times']['total']:.1f}"
                print(f"{n} cells: scib {total} s", {m: round(v, 4) for m, v in scib.get("values", {}).items()},
                      flush=True)
            rows.append({"n_cells": n, "jae": jae, "scib": scib,
                         "run": dict(zip(("threads", "scib_cap", "scib_results"), header))})
            text = report(rows, *header)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            write_text(args.out, text)
            write_text(args.out.with_suffix(".json"), json.dumps(rows, indent=1, default=float) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
