"""Throughput of jae.count_fragments: fragments per second, CPU seconds and peak memory on a simulated 10x
fragments file, printed and written to a markdown table (--out).

The file is shaped like a Multiome sample's (10 million fragments by default, 116,490 peaks as the competition's
Multiome data, 10,000 cells among 40,000 barcodes, about half the fragments' cut sites in peaks), written gzipped (or
bgzipped, as 10x writes it) to /tmp once and reused. Each count runs in a process of its own, so its peak memory
(ru_maxrss) is its own; ``--against SRC`` counts with another jae's source folder too (e.g. a checkout of main),
alternating with this one, so that both are timed on the same machine at the same load. Not a timed test.

    OMP_NUM_THREADS=1 python benchmarks/fragments_speed.py [--fragments 10000000] [--file /tmp/jae_fragments.tsv.gz]
    OMP_NUM_THREADS=1 python benchmarks/fragments_speed.py --against /tmp/main/src --repeats 2 --overwrite
    # the walkthrough's shape (benchmarks/new_sample_walkthrough.py): 53.7 million fragments, 5,000 cells among
    # 45,000 barcodes, bgzipped
    python benchmarks/fragments_speed.py --fragments 53665561 --cells 5000 --barcodes 45000 --bgzip \\
        --file /tmp/jae_walk_fragments.tsv.gz --out /tmp/walk_count.md
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import shown, write_text  # noqa: E402

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


def write(path: Path, n: int, names: pd.Index, seed: int = 0, *, n_cells: int = N_CELLS,
          n_barcodes: int = N_BARCODES, bgzip: bool = False) -> None:
    """``n`` fragments sorted by chromosome and start; half start in a peak, half anywhere on the chromosome; the
    cells (``n_cells`` of the ``n_barcodes``) hold 20 times a background barcode's fragments."""
    rng = np.random.default_rng(seed)
    parts = names.str.split("-", expand=True)
    chrom = np.asarray(parts.get_level_values(0))
    s = np.asarray(parts.get_level_values(1)).astype(np.int64)
    e = np.asarray(parts.get_level_values(2)).astype(np.int64)
    barcodes = np.array([f"{''.join(rng.choice(list('ACGT'), 16))}-1" for _ in range(n_barcodes)], dtype=object)
    weights = np.r_[np.full(n_cells, 20.0), np.ones(n_barcodes - n_cells)]  # cells hold most fragments

    def text():
        yield "# id=simulated\n# reference_path=none\n".encode()
        for c in CHROMS:
            rows = np.flatnonzero(chrom == c)
            k = int(round(n * len(rows) / len(names)))
            in_peak = rng.random(k) < 0.5
            p = rows[rng.integers(0, len(rows), k)]
            start = np.where(in_peak, s[p] + rng.integers(0, 300, k), rng.integers(0, e[rows].max(), k))
            end = start + rng.integers(40, 600, k)
            order = np.argsort(start, kind="stable")
            bc = barcodes[rng.choice(n_barcodes, k, p=weights / weights.sum())]
            frame = pd.DataFrame({"c": c, "s": start[order], "e": end[order], "b": bc[order],
                                  "d": rng.integers(1, 5, k)})
            for lo in range(0, k, 2_000_000):
                yield frame.iloc[lo:lo + 2_000_000].to_csv(sep="\t", header=False, index=False).encode()

    if bgzip:
        from new_sample_walkthrough import _bgzip

        _bgzip(text(), path)
    else:
        with gzip.open(path, "wb", compresslevel=1) as f:
            for part in text():
                f.write(part)
    (path.parent / (path.name + ".cells")).write_text("\n".join(barcodes[:n_cells]))


def count(path: Path) -> dict:
    """Run in a process of its own: count the file in the peaks for the cells; the time, CPU time and peak memory."""
    import jae

    names = peaks()
    cells = _cells(path)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    usage = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    adata = jae.count_fragments(path, names, cells=cells, progress_bar=False)
    seconds = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    with gzip.open(path, "rb") as f:
        n = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 24), b"")) - 2
    return {"jae": str(Path(jae.__file__).parents[1]), "fragments": n, "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1), "fragments_per_s": round(n / seconds),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_before_mb": round(rss0), "nnz": int(adata.X.nnz), "cut_sites_in_peaks": int(adata.X.sum()),
            "file_mb": round(path.stat().st_size / 2**20), "digest": _digest(adata)}


def _digest(adata) -> str:
    """SHA-256 of the matrix's CSR arrays (indptr, indices, data, their dtypes) and the obs names: equal digests, the
    same result bit for bit."""
    h = hashlib.sha256()
    for part in (adata.X.indptr, adata.X.indices, adata.X.data):
        h.update(str(part.dtype).encode() + np.ascontiguousarray(part).tobytes())
    h.update("\n".join(adata.obs_names).encode())
    return h.hexdigest()[:16]


def _run(path: Path, src: Path | None) -> dict:
    env = dict(os.environ)
    if src is not None:  # that jae first on the path (before this tree's installed one)
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    out = subprocess.run([sys.executable, __file__, "--count-only", "--file", str(path)], check=True,
                         capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _bgzipped(path: Path) -> bool:
    """Whether the gzip file starts with an extra field (BGZF's block size: bgzip, as 10x writes)."""
    with open(path, "rb") as f:
        head = f.read(4)
    return len(head) == 4 and bool(head[3] & 4)


def _cells(path: Path) -> list[str]:
    return (path.parent / (path.name + ".cells")).read_text().split("\n")


def markdown(args, runs: list[dict], load: tuple[str, str]) -> str:
    first = runs[0]
    lines = [
        "# jae.count_fragments throughput (benchmarks/fragments_speed.py)", "",
        f"File: `{args.file}`, {first['fragments']:,} simulated fragments ({first['file_mb']} MB "
        f"{'bgzipped' if _bgzipped(args.file) else 'gzipped'}), {len(peaks()):,} peaks, counted for the "
        f"{len(_cells(args.file)):,} cells of `{args.file.name}.cells` (cells=). Machine: {os.cpu_count()} CPU "
        f"cores, load average (1 / 5 / 15 min) {load[0]} before the runs and {load[1]} after; each count a process "
        "of its own, the trees alternating (the other first).", "",
        "| jae source | run | seconds | CPU seconds | fragments/s | peak memory MB | before the call MB | nonzero "
        "| cut sites in peaks |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(f"| {r['tree']} | {r['run']} | {r['seconds']} | {r['cpu_seconds']} | {r['fragments_per_s']:,} "
                     f"| {r['peak_rss_mb']} | {r['rss_before_mb']} | {r['nnz']:,} | {r['cut_sites_in_peaks']:,} |")
    same = len({(r["nnz"], r["cut_sites_in_peaks"]) for r in runs}) == 1
    digests = {r.get("digest") for r in runs}
    lines += ["", f"The same matrix size and total in every run: {same}; the same CSR arrays (indptr, indices, data) "
              f"and obs names, bit for bit (SHA-256 {', '.join(sorted(map(str, digests)))}): {len(digests) == 1}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fragments", type=int, default=10_000_000, help="fragments of a new file")
    parser.add_argument("--cells", type=int, default=N_CELLS, help="cells of a new file")
    parser.add_argument("--barcodes", type=int, default=N_BARCODES, help="barcodes of a new file (cells included)")
    parser.add_argument("--bgzip", action="store_true", help="write a new file bgzipped (gzip members of 64 KiB)")
    parser.add_argument("--file", type=Path, default=Path("/tmp/jae_fragments.tsv.gz"),
                        help="the fragments file, written when missing (its cells beside it, FILE.cells)")
    parser.add_argument("--against", type=Path, default=None,
                        help="another jae's source folder (holding jae/) to count with too, e.g. main's src")
    parser.add_argument("--repeats", type=int, default=1, help="counts per tree")
    out_default = Path(__file__).parent / "results" / "fragments_speed.md"
    parser.add_argument("--out", type=Path, default=out_default,
                        help=f"markdown table written (default {shown(out_default)})")
    parser.add_argument("--overwrite", action="store_true", help="replace --out when it exists")
    parser.add_argument("--count-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_only:
        print(json.dumps(count(args.file)))
        return
    if args.out.exists() and not args.overwrite:
        parser.error(f"{args.out} exists: pass --overwrite to replace it, or another --out")
    if not args.file.exists():
        t = time.perf_counter()
        write(args.file, args.fragments, peaks(), n_cells=args.cells, n_barcodes=args.barcodes, bgzip=args.bgzip)
        print(f"wrote {args.file} in {time.perf_counter() - t:.0f} s")
    trees = [("this tree", None)] + ([(str(args.against), args.against)] if args.against is not None else [])
    load, runs = _load(), []
    for run in range(1, args.repeats + 1):
        for name, src in trees[::-1]:  # the other tree first: a baseline, then this one
            result = {"tree": name, "run": run, **_run(args.file, src)}
            runs.append(result)
            print(f"{name} ({result['jae']}), run {run}: {result['fragments']:,} fragments ({result['file_mb']} MB) "
                  f"in {result['seconds']} s ({result['cpu_seconds']} s CPU): {result['fragments_per_s']:,} "
                  f"fragments/s; peak memory {result['peak_rss_mb']} MB ({result['rss_before_mb']} MB before the "
                  f"call); {result['nnz']:,} nonzero cells x peaks, {result['cut_sites_in_peaks']:,} cut sites in "
                  f"peaks; digest {result['digest']}", flush=True)
    write_text(args.out, markdown(args, runs, (load, _load())))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
