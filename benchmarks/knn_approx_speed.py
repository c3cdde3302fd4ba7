"""Speed and recall of the metrics' approximate neighbour search in a fresh process, pynndescent (before) against
jae's own (jae.metrics._knn_approx.approximate_knn, since session 50): prints one JSON row per run and writes the rows
to --out as a JSON list.

pynndescent's kernels take the distance function as an argument, so numba compiles them in every process; jae's
kernels are cached on disk. Each measurement therefore runs in a new Python process: *before* is the search as it was
up to session 50 (pynndescent's ``NNDescent`` with scanpy's settings, kept here only to be timed), *after (first)*
the library's search in the first process after its numba cache was cleared (compilation included), *after* the
same in a second process (cache warm). Data (``--data``): *synthetic*, a seeded embedding of clusters, batch shifts
and a trajectory in isotropic noise (the generator of ``tests/test_metrics_scale.py``, in 50 dims), or *real-like*,
the first 50 principal components of pbmc10k_cite's log-normalised RNA (randomized SVD, seed 0) with cells
resampled (seeded) and each jittered by Gaussian noise of norm about half its nearest-neighbour distance; float32.
Recall: the share of the true 14 neighbours
(brute force, float64) found, on 2,000 sampled cells.

Per run: wall s and CPU s of the search (user + system of the process, import and data excluded), peak RSS of the
process, recall, and the 1-min load average before and after. The machine's load is printed with each row.

    OMP_NUM_THREADS=1 python benchmarks/knn_approx_speed.py --sizes 150000 1000000 --out /tmp/knn_speed.json
    OMP_NUM_THREADS=1 python benchmarks/knn_approx_speed.py --data real-like --methods after --out /tmp/knn_real.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, os, resource, sys, time
import numpy as np
method, n, dims, data = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(0)
if data == "synthetic":
    n_types, n_batches = 8, 3
    types = rng.choice(n_types, size=n, p=rng.dirichlet(np.full(n_types, 3.0)))
    batches = rng.integers(0, n_batches, n)
    centres = rng.normal(scale=3.0, size=(n_types, dims))
    E = centres[types] + rng.normal(size=(n, dims)) + rng.normal(scale=0.4, size=(n_batches, dims))[batches]
    for k in range(3):
        idx = np.flatnonzero(types == k)
        u = rng.random(len(idx))
        E[idx] = centres[k] + np.outer(u, centres[k + 1] - centres[k]) + rng.normal(scale=0.6, size=(len(idx), dims))
    del types, batches
else:  # real-like: the PCs of pbmc10k_cite's RNA, cells resampled with jitter
    import anndata as ad
    from sklearn.utils.extmath import randomized_svd
    from jae.preprocess import log_normalize
    L = log_normalize(ad.read_h5ad(sys.argv[5]).layers["counts"]).toarray()
    L -= L.mean(axis=0)
    U, S, _ = randomized_svd(L, dims, random_state=0)
    P = U * S
    sq = (P ** 2).sum(1)
    D = sq[:, None] - 2.0 * P @ P.T + sq[None, :]
    np.fill_diagonal(D, np.inf)
    nn = np.sqrt(np.maximum(D.min(axis=1), 0.0))
    pick = rng.integers(0, len(P), n)
    E = P[pick] + rng.normal(size=(n, dims)) * (0.5 * nn[pick] / np.sqrt(dims))[:, None]
    del L, U, D, pick
E = E.astype(np.float32)
load0 = os.getloadavg()[0]
if method == "before":
    from pynndescent import NNDescent
    from jae._threads import start_numba_pool
    c0, w0 = time.process_time(), time.perf_counter()
    start_numba_pool()
    index = NNDescent(E, n_neighbors=15, metric="euclidean", random_state=0,
                      n_trees=min(64, 5 + int(round(n ** 0.5 / 20.0))), n_iters=max(5, int(round(np.log2(n)))),
                      max_candidates=60, low_memory=True, compressed=True, verbose=False)
    got = np.asarray(index.neighbor_graph[0])
else:
    from jae.metrics._knn_approx import approximate_knn
    c0, w0 = time.process_time(), time.perf_counter()
    got = approximate_knn(E, seed=0)[0]
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
load1 = os.getloadavg()[0]
sample = np.random.default_rng(1).choice(n, size=2000, replace=False)
E64 = E.astype(np.float64)
sq = (E64 ** 2).sum(1)
true = []
for s in range(0, len(sample), 16):
    rows = sample[s:s + 16]
    d = sq[rows][:, None] - 2.0 * E64[rows] @ E64.T + sq[None, :]
    d[np.arange(len(rows)), rows] = np.inf
    true.extend(np.argpartition(d, 14, axis=1)[:, :14].copy())  # a copy: a view would keep each block alive
recall = np.mean([len(set(g) - {i} & set(t)) / 14 for g, t, i in zip(got[sample], true, sample)])
print(json.dumps({"method": method, "n_cells": n, "dims": dims, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                  "peak_rss_gb": round(peak, 2),
                  "recall": round(float(recall), 4), "load_before": round(load0, 2),
                  "load_after": round(load1, 2)}))
"""


def numba_cache_dirs() -> list[Path]:
    """Where numba keeps the compiled kernels of jae.metrics._knn_approx (next to the module, or NUMBA_CACHE_DIR)."""
    import jae.metrics._knn_approx as mod

    dirs = [Path(mod.__file__).parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        dirs.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    return dirs


def clear_cache() -> int:
    """Remove the cached kernels of _knn_approx and _knn_ivf; returns how many files went."""
    gone = 0
    for d in numba_cache_dirs():
        patterns = ("_knn_approx.*.nb*", "_knn_ivf.*.nb*") if d.is_dir() else ()
        for f in [f for pattern in patterns for f in d.rglob(pattern)]:
            f.unlink()
            gone += 1
    return gone


def real_like_source() -> Path:
    """pbmc10k_cite's RNA counts (the source of the real-like embedding), under the shared data folder."""
    sys.path.insert(0, str(HERE))
    from _quality_data import data_root

    return data_root() / "pbmc10k_cite" / "rna.h5ad"


def run(method: str, n: int, dims: int, data: str = "synthetic") -> dict:
    extra = [str(real_like_source())] if data == "real-like" else []
    out = subprocess.run([sys.executable, "-c", CHILD, method, str(n), str(dims), data, *extra], capture_output=True,
                         text=True, check=False)
    if out.returncode:
        raise SystemExit(f"{method} at {n} cells failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[150_000, 1_000_000], help="cells per run")
    p.add_argument("--dims", type=int, default=50, help="embedding dimensions (default 50)")
    p.add_argument("--methods", nargs="+", default=["before", "after-first", "after"],
                   choices=["before", "after-first", "after"], help="which searches to time (default all three)")
    p.add_argument("--data", choices=["synthetic", "real-like"], default="synthetic",
                   help="synthetic: the seeded clusters and trajectory in isotropic noise (default); real-like: 50 PCs "
                        "of pbmc10k_cite's RNA, cells resampled with jitter")
    p.add_argument("--out", type=Path, required=True, help="JSON file for the results")
    p.add_argument("--overwrite", action="store_true", help="replace --out when it exists")
    args = p.parse_args(argv)
    if args.out.exists() and not args.overwrite:
        p.error(f"--out {args.out} exists; pass --overwrite to replace it")
    if any(n < 2000 for n in args.sizes):
        p.error("--sizes must be at least 2000 cells each (the recall sample)")
    if args.data == "real-like":
        try:
            if not real_like_source().is_file():
                p.error(f"--data real-like needs {real_like_source()}; set JAE_DATA_DIR to the shared data folder")
        except FileNotFoundError as err:
            p.error(f"--data real-like: {err}")
    rows = []
    for n in args.sizes:
        for method in args.methods:
            if method == "after-first":
                clear_cache()
            row = run("after" if method == "after-first" else method, n, args.dims, args.data)
            row["method"], row["data"] = method, args.data
            rows.append(row)
            print(json.dumps(row), flush=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(rows, indent=1) + "\n")
    shutil.move(tmp, args.out)


if __name__ == "__main__":
    main()
