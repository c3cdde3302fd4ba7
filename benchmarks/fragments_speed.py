"""Throughput of jae.count_fragments (session 46): fragments per second and peak memory on a simulated 10x fragments
file shaped like a Multiome sample's (10 million fragments by default, 116,490 peaks as the competition's Multiome
data, 10,000 cells among 40,000 barcodes, about half the fragments' cut sites in peaks), written gzipped to /tmp.

    OMP_NUM_THREADS=1 python benchmarks/fragments_speed.py [--fragments 10000000] [--file /tmp/jae_fragments.tsv.gz]

The count runs in a process of its own, so its peak memory (ru_maxrss) is its own; not a timed test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_PEAKS, N_CELLS, N_BARCODES = 116_490, 10_000, 40_000
CHROMS = [f"chr{i}" for i in range(1, 23)] + ["chrX"]


def peaks(seed: int = 0) -> pd.Index:
    """``N_PEAKS`` peaks of 300-1,500 bp, spread over the chromosomes with gaps of at least 1 kb."""
    rng = np.random.default_rng(seed)
    per = np.full(len(CHROMS), N_PEAKS // len(CHROMS))
    per[: N_PEAKS - per.sum()] += 1
    names = []
    for chrom, n in zip(CHROMS, per):
        widths = rng.integers(300, 1500, n)
        starts = 10_000 + np.cumsum(widths + rng.integers(1_000, 40_000, n)) - widths
        names.extend(f"{chrom}-{s}-{s + w}" for s, w in zip(starts, widths))
    return pd.Index(names)


def write(path: Path, n: int, names: pd.Index, seed: int = 0) -> None:
    """``n`` fragments sorted by chromosome and start; half start in a peak, half anywhere on the chromosome."""
    rng = np.random.default_rng(seed)
    parts = names.str.split("-", expand=True)
    chrom = np.asarray(parts.get_level_values(0))
    s = np.asarray(parts.get_level_values(1)).astype(np.int64)
    e = np.asarray(parts.get_level_values(2)).astype(np.int64)
    barcodes = np.array([f"{''.join(rng.choice(list('ACGT'), 16))}-1" for _ in range(N_BARCODES)], dtype=object)
    weights = np.r_[np.full(N_CELLS, 20.0), np.ones(N_BARCODES - N_CELLS)]  # cells hold most fragments
    with gzip.open(path, "wt", compresslevel=1) as f:
        f.write("# id=simulated\n# reference_path=none\n")
        for c in CHROMS:
            rows = np.flatnonzero(chrom == c)
            k = int(round(n * len(rows) / len(names)))
            in_peak = rng.random(k) < 0.5
            p = rows[rng.integers(0, len(rows), k)]
            start = np.where(in_peak, s[p] + rng.integers(0, 300, k), rng.integers(0, e[rows].max(), k))
            end = start + rng.integers(40, 600, k)
            order = np.argsort(start, kind="stable")
            bc = barcodes[rng.choice(N_BARCODES, k, p=weights / weights.sum())]
            pd.DataFrame({"c": c, "s": start[order], "e": end[order], "b": bc[order],
                          "d": rng.integers(1, 5, k)}).to_csv(f, sep="\t", header=False, index=False)
    (path.parent / (path.name + ".cells")).write_text("\n".join(barcodes[:N_CELLS]))


def count(path: Path) -> dict:
    """Run in a process of its own: count the file in the peaks for the cells; the time and peak memory."""
    import jae

    names = peaks()
    cells = (path.parent / (path.name + ".cells")).read_text().split("\n")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    adata = jae.count_fragments(path, names, cells=cells, progress_bar=False)
    seconds = time.perf_counter() - t
    n = sum(1 for _ in gzip.open(path, "rt")) - 2
    return {"fragments": n, "seconds": round(seconds, 1), "fragments_per_s": round(n / seconds),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_before_mb": round(rss0), "nnz": int(adata.X.nnz), "cut_sites_in_peaks": int(adata.X.sum()),
            "file_mb": round(path.stat().st_size / 2**20)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fragments", type=int, default=10_000_000)
    parser.add_argument("--file", type=Path, default=Path("/tmp/jae_fragments.tsv.gz"))
    parser.add_argument("--count-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_only:
        print(json.dumps(count(args.file)))
        return
    if not args.file.exists():
        t = time.perf_counter()
        write(args.file, args.fragments, peaks())
        print(f"wrote {args.file} in {time.perf_counter() - t:.0f} s")
    out = subprocess.run([sys.executable, __file__, "--count-only", "--file", str(args.file)], check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"count_fragments: {result['fragments']:,} fragments ({result['file_mb']} MB gzipped) in "
          f"{result['seconds']} s: {result['fragments_per_s']:,} fragments/s; peak memory {result['peak_rss_mb']} MB "
          f"({result['rss_before_mb']} MB before the call); {result['nnz']:,} nonzero cells x peaks, "
          f"{result['cut_sites_in_peaks']:,} cut sites in peaks")


if __name__ == "__main__":
    main()
