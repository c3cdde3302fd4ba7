"""Several samples with peak sets of their own combined by ``jae.io.combine_samples`` (session 49), on real data.

Each real Multiome-like set (SNARE-seq mouse cortex; the BMMC Multiome starter) is split into two "samples" by its
batches (the first half of the batches by sorted name: s1, the rest: s2), each written as a Cell Ranger ARC file
``SAMPLE/outs/filtered_feature_bc_matrix.h5`` (genes + peaks, barcodes as in the set). s1 keeps the set's peaks;
s2 gets a peak set of its own built from the real counts as ``benchmarks/peaks_remap.py`` builds one:

- shifted: each peak moved by a seeded random fraction (-1, 1) of its width (same counts);
- merged: adjacent peaks of one chromosome merged in pairs, counts summed.

The two files are read as one (``jae.io.InputFiles(tenx=[s1, s2]).read()``, i.e. ``jae fit --10x s1/... s2/...``),
and reported: cells and counts kept (of the files' totals), the peak counts, the merged peaks' widths (median,
widest, how many wider than 10 kb or narrower than 20 bp, Signac's suggested filter, and their share of the
counts), and how many of s1's own peaks were joined with another of s1's (a loss of resolution for s1).

    nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/samples_combine.py --out benchmarks/results/samples_combine.md
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_text  # noqa: E402
from _quality_data import data_root  # noqa: E402
from mapping import _markdown  # noqa: E402
from new_sample_walkthrough import write_10x  # noqa: E402
from peaks_remap import merged, shifted  # noqa: E402

import jae  # noqa: E402
from jae.io.peaks import _intervals  # noqa: E402

log = logging.getLogger("samples_combine")


def _sets(data: Path) -> dict:
    snare = data / "snareseq_mouse_cortex"
    starter = data / "neurips2021_starter" / "joint_embedding" / "multiome" / "openproblems_bmmc_multiome_starter"
    return {"snare_mouse_cortex": (snare / "rna.h5ad", snare / "atac.h5ad", None),
            "bmmc_multiome_starter": (Path(f"{starter}.mod1.h5ad"), Path(f"{starter}.mod2.h5ad"),
                                      Path(f"{starter}.solution.h5ad"))}


def _write_10x(path: Path, rna, atac) -> Path:
    """A Cell Ranger ARC file of ``rna`` + ``atac`` counts (their ``layers['counts']``), as
    ``new_sample_walkthrough.write_10x`` writes one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = ad.AnnData(X=sp.csr_matrix(atac.layers["counts"]), var=pd.DataFrame(index=atac.var_names))
    write_10x(path, rna, counts, rna.obs_names)
    return path


def _widths(names) -> np.ndarray:
    _, start, end = _intervals(names)
    return end - start


def run_set(name: str, paths, variant: str, seed: int, tmp: Path, fit: bool = False) -> dict:
    rna = ad.read_h5ad(paths[0])
    atac = ad.read_h5ad(paths[1])
    obs = ad.read_h5ad(paths[2]).obs if paths[2] else rna.obs
    batch = obs["batch"].reindex(rna.obs_names).astype(str)
    labels = obs["cell_type"].reindex(rna.obs_names)
    levels = sorted(batch.unique())
    first = batch.isin(levels[: len(levels) // 2]).to_numpy()
    atac.var_names = [str(v) for v in atac.var_names]
    s1 = _write_10x(tmp / name / variant / "s1" / "outs" / "filtered_feature_bc_matrix.h5", rna[first], atac[first])
    own = (shifted if variant == "shifted" else merged)(atac[~first].copy(), seed)
    s2 = _write_10x(tmp / name / variant / "s2" / "outs" / "filtered_feature_bc_matrix.h5", rna[~first], own)
    s2_one = _write_10x(tmp / name / variant / "s2_one" / "outs" / "filtered_feature_bc_matrix.h5", rna[~first],
                        atac[~first]) if fit else None
    t = time.perf_counter()
    mdata = jae.io.InputFiles(tenx=[s1, s2]).read()
    seconds = time.perf_counter() - t
    total = float(atac.layers["counts"].sum())
    w = _widths(mdata["atac"].var_names)
    counts = np.asarray(mdata["atac"].X.sum(axis=0)).ravel()
    wide, narrow = w > 10_000, w < 20
    from jae.io.samples import merge_peaks

    _, maps = merge_peaks({"s1": pd.Index(atac.var_names), "s2": pd.Index(own.var_names)})
    joined = np.bincount(maps["s1"], minlength=mdata["atac"].n_vars)  # s1's own peaks per merged peak
    s1_counts = np.asarray(atac[first].layers["counts"].sum(axis=0)).ravel()
    return {
        "set": name, "s2 peaks": variant, "cells": f"{mdata.n_obs:,} of {rna.n_obs:,}",
        "atac counts kept": f"{100 * counts.sum() / total:.2f}%",
        "rna counts kept": f"{100 * mdata['rna'].X.sum() / rna.layers['counts'].sum():.2f}%",
        "peaks s1 / s2 / merged": f"{atac.n_vars:,} / {own.n_vars:,} / {mdata['atac'].n_vars:,}",
        "median width (s1 -> merged)": f"{np.median(_widths(atac.var_names)):.0f} -> {np.median(w):.0f} bp",
        "widest (s1 -> merged)": f"{_widths(atac.var_names).max():,} -> {w.max():,} bp",
        "> 10 kb": f"{int(wide.sum())} ({100 * counts[wide].sum() / max(counts.sum(), 1):.2f}% of counts)",
        "< 20 bp": f"{int(narrow.sum())}",
        "s1 peaks joined with another s1 peak": f"{100 * (joined[maps['s1']] > 1).mean():.2f}% "
                                                f"({100 * s1_counts[joined[maps['s1']] > 1].sum() / s1_counts.sum():.2f}%"
                                                " of s1's counts)",
        "read + combine s": f"{seconds:.1f}",
        **(_fit_scores(mdata, s1, s2_one, labels, seed) if fit else {}),
    }


def _fit_scores(mdata, s1, s2_one, labels, seed: int) -> dict:
    """jae fitted without labels (the samples as the batches) on the combined samples, and on the same cells read
    with one peak set (the set's own for both halves: what counting both samples on one peak set gives); the overall
    score of each (``jae.evaluate``: the competition's metrics, the set's cell types), and the 15-NN overlap of the
    two embeddings."""
    from mapping import knn_overlap

    one = jae.io.InputFiles(tenx={"s1": s1, "s2": s2_one}).read()
    assert one.obs_names.equals(mdata.obs_names)
    embeddings = {}
    for what, data in (("one peak set", one), ("merged peaks", mdata)):
        model = jae.JAE(jae.JAEConfig(mode="unsupervised"), seed=seed, device="cpu")
        model.fit(data, batch_key="batch", progress_bar=False)
        embeddings[what] = model.embed(data, key_added=None)
    one.obs["cell_type"] = labels.reindex([c.rsplit("-", 1)[0] for c in one.obs_names]).astype(str).to_numpy()
    table = jae.evaluate(one, embeddings, seed=seed, device="cpu", report=False, progress_bar=False)
    scores = {f"jae overall, {what}": f"{table.loc[what, 'overall']:.4f}" for what in embeddings}
    scores["15-NN overlap of the two"] = f"{knn_overlap(embeddings['one peak set'], embeddings['merged peaks']):.3f}"
    return scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=(
        "Splits each real Multiome-like set into two samples with peak sets of their own, writes them as Cell Ranger "
        "ARC files in a temporary folder, reads them as one (jae.io.combine_samples) and prints a Markdown table of "
        "the cells, counts and merged peaks kept (written to --out too when given)."))
    parser.add_argument("--data", type=Path, default=None,
                        help="the shared data folder (default: $JAE_DATA_DIR, else ../shared/data)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shifted peaks and the merged pairs")
    parser.add_argument("--out", type=Path, default=None, help="Markdown file to write the table to")
    parser.add_argument("--overwrite", action="store_true", help="replace --out when it exists")
    parser.add_argument("--fit", action="store_true",
                        help="also fit jae without labels on the combined samples and on the same cells with one peak "
                        "set, and add each one's overall score (jae.evaluate) and their 15-NN overlap to the table")
    args = parser.parse_args(argv)
    if args.out is not None and args.out.exists() and not args.overwrite:
        parser.error(f"--out {args.out} exists; pass --overwrite to replace it, or another --out")
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, paths in _sets(args.data or data_root()).items():
            if not all(p is None or p.exists() for p in paths):
                log.warning("%s: missing, skipped", name)
                continue
            for variant in ("shifted", "merged"):
                rows.append(run_set(name, paths, variant, args.seed, Path(tmp), fit=args.fit))
    table = pd.DataFrame(rows)
    table.index = [f"{r['set']}, s2 {r['s2 peaks']}" for r in rows]
    table = table.drop(columns=["set", "s2 peaks"]).T
    text = (f"# Two samples with peak sets of their own, combined (benchmarks/samples_combine.py, seed {args.seed})\n\n"
            + _markdown(table) + "\n")
    print(text)
    if args.out is not None:
        write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
