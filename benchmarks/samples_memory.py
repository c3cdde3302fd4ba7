"""Peak memory and wall time of ``jae fit`` on several Cell Ranger ARC samples, read whole or combined on disk and
streamed, against the same cells as one ``.h5mu`` (recorded in benchmarks/results/samples_memory.md).

    OMP_NUM_THREADS=1 python benchmarks/samples_memory.py --samples 2 --folder /big/tmp --out samples_memory.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

ROUTES = {  # route -> (input flags given the sample files and the .h5mu, extra flags)
    "10x_whole": "the --10x samples read whole (a memory budget of 1T)",
    "10x_streamed": "the --10x samples combined into a temporary .h5mu and streamed (--memory-budget 1G)",
    "h5mu_streamed": "the same cells as one .h5mu, streamed (--memory-budget 1G)",
}


def write_sample(path: Path, sample: int, *, n_cells: int, n_genes: int, n_peaks: int, gene_counts: int,
                 peak_counts: int, own_peaks: bool, seed: int) -> int:
    """One Cell Ranger ARC ``filtered_feature_bc_matrix.h5`` (uncompressed) of ``n_cells`` cells with about
    ``gene_counts`` and ``peak_counts`` stored counts each (8 groups of cells, each its own genes and peaks); peaks of
    500 bases every 2 kb, moved by up to 150 bases per sample when ``own_peaks``. Returns its stored counts."""
    rng = np.random.default_rng([seed, sample])
    n_feat = n_genes + n_peaks
    groups = rng.integers(0, 8, n_cells)
    indptr, at = np.zeros(n_cells + 1, np.int64), 0
    with h5py.File(path, "w") as f:
        g = f.create_group("matrix")
        data = g.create_dataset("data", (0,), maxshape=(None,), dtype=np.int32, chunks=(1 << 20,))
        indices = g.create_dataset("indices", (0,), maxshape=(None,), dtype=np.int64, chunks=(1 << 20,))
        for b in range(0, n_cells, 500):
            n = min(500, n_cells - b)
            rows = []
            for size, per_cell, offset, shift in ((n_genes, gene_counts, 0, 997), (n_peaks, peak_counts, n_genes, 4999)):
                gaps = rng.geometric(per_cell / size, size=(n, int(per_cell * 1.3) + 50))
                pos = np.cumsum(gaps, axis=1) - 1
                rows.append([np.sort((p[p < size] + groups[b + i] * shift) % size) + offset for i, p in enumerate(pos)])
            idx = [np.concatenate([r, q]) for r, q in zip(*rows)]
            indptr[b + 1:b + n + 1] = [len(i) for i in idx]
            idx = np.concatenate(idx)
            data.resize((at + len(idx),))
            indices.resize((at + len(idx),))
            data[at:] = rng.geometric(0.6, size=len(idx)).astype(np.int32)
            indices[at:] = idx
            at += len(idx)
        g["indptr"] = np.cumsum(indptr)
        g["shape"] = np.array([n_feat, n_cells], dtype=np.int32)
        g["barcodes"] = np.array([f"AAAC{i:012d}-1" for i in range(n_cells)], dtype="S")
        starts = np.arange(n_peaks, dtype=np.int64) * 2000 + 10000
        if own_peaks:
            starts = starts + rng.integers(-150, 150, n_peaks)
        peaks = [f"chr{1 + i // 5000}:{s}-{s + 500}" for i, s in enumerate(starts)]
        feats = g.create_group("features")
        feats["id"] = np.array([f"ENSG{i}" for i in range(n_genes)] + peaks, dtype="S")
        feats["name"] = np.array([f"G{i}" for i in range(n_genes)] + peaks, dtype="S")
        feats["feature_type"] = np.array(["Gene Expression"] * n_genes + ["Peaks"] * n_peaks, dtype="S")
        feats["genome"] = np.array(["GRCh38"] * n_feat, dtype="S")
        feats["_all_tag_keys"] = np.array([b"genome"])
    return at


def measure(argv: list[str], log: Path, *, command=("-m", "jae", "fit")) -> dict:
    """``jae fit ARGV`` (``python COMMAND ARGV``) under ``/usr/bin/time -v``: its exit status, wall seconds and peak
    resident memory (GB)."""
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    with open(log, "w") as fh:
        rc = subprocess.run(["/usr/bin/time", "-v", sys.executable, *command, *argv], stdout=fh,
                            stderr=subprocess.STDOUT, env=env).returncode
    text = log.read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", text).group(1).split(":")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    seconds = sum(float(v) * 60 ** i for i, v in enumerate(reversed(wall)))
    return {"rc": rc, "wall_s": round(seconds, 1), "peak_rss_gb": round(rss * 1024 / 1e9, 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=(
        "Writes synthetic Cell Ranger ARC samples (and the same cells as one .h5mu) into --folder, then runs jae fit "
        "(unsupervised, --max-epochs 2, on the CPU) on them by each route and measures its peak resident memory and "
        "wall time with /usr/bin/time -v. It prints one line per route and writes the same figures, one JSON object "
        "per route, to --out. With --samples 1 the route 10x_streamed is one Cell Ranger file over the memory budget (fitted as one batch). The routes are: " + "; ".join(f"{k}: {v}" for k, v in ROUTES.items()) + ". The files "
        "it writes are removed at the end unless --keep is given."))
    p.add_argument("--samples", type=int, default=2, help="how many samples (default: 2)")
    p.add_argument("--cells", type=int, default=10_000, help="cells per sample (default: 10,000)")
    p.add_argument("--own-peaks", action="store_true", help="give each sample its own peak calls (merged by overlap)")
    p.add_argument("--routes", nargs="+", choices=list(ROUTES), default=list(ROUTES), help="the routes to run")
    p.add_argument("--folder", type=Path, required=True, help="folder for the sample files (several GB)")
    p.add_argument("--out", type=Path, required=True, help="JSON-lines file of the figures")
    p.add_argument("--overwrite", action="store_true", help="replace --out when it exists")
    p.add_argument("--keep", action="store_true", help="keep the files written into --folder")
    p.add_argument("--reuse", action="store_true", help="use the sample files already in --folder (written by an "
                   "earlier run with --keep and the same --cells and --own-peaks) instead of writing them again")
    args = p.parse_args()
    if args.out.exists() and not args.overwrite:
        p.error(f"--out {args.out} exists; pass --overwrite to replace it")
    import jae

    args.folder.mkdir(parents=True, exist_ok=True)
    files = [args.folder / f"s{i + 1}.h5" for i in range(args.samples)]
    for i, path in enumerate(files):
        if args.reuse and path.exists():
            continue
        write_sample(path, i, n_cells=args.cells, n_genes=20_000, n_peaks=100_000, gene_counts=2_000,
                     peak_counts=8_000, own_peaks=args.own_peaks, seed=0)
    h5mu = args.folder / "combined.h5mu"
    if "h5mu_streamed" in args.routes:
        mdata = jae.combine_samples({f.stem: f for f in files})
        for adata in mdata.mod.values():
            del adata.layers["counts"]
        mdata.write(h5mu)
        del mdata
    common = ["--mode", "unsupervised", "--max-epochs", "2", "--device", "cpu", "-q"]
    one = ["--batch-key", "none"] if args.samples == 1 else []  # one file: no sample column, one batch
    flags = {"10x_whole": ["--10x", *map(str, files), "--memory-budget", "1T", *one],
             "10x_streamed": ["--10x", *map(str, files), "--memory-budget", "1G", *one],
             "h5mu_streamed": ["--h5mu", str(h5mu), "--memory-budget", "1G"]}
    rows = []
    for route in args.routes:
        out = args.folder / f"model_{route}"
        row = {"route": route, "samples": args.samples, "cells": args.samples * args.cells,
               "own_peaks": args.own_peaks,
               **measure(flags[route] + common + ["--out", str(out), "--overwrite"], args.folder / f"{route}.log")}
        row["gb_per_10k_cells"] = round(row["peak_rss_gb"] / (row["cells"] / 10_000), 2)
        print(json.dumps(row), flush=True)
        rows.append(row)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    if not args.keep:
        for path in files + [h5mu]:
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
