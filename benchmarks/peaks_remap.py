"""A query's own peak set put onto the model's peaks by overlap (``jae.remap_peaks``, session 46), on real data.

Each set is split as ``benchmarks/mapping.py`` splits it (the last batch is the query); a reference model is fitted
on the labelled reference cells (one per seed). The query cells' ATAC is then given under a DIFFERENT peak set built
from the real counts, and put back onto the model's peaks with ``jae.remap_peaks``:

- (a) merged: adjacent peaks of one chromosome (in position order) merged in pairs into one wider peak, counts summed
  (the seed's parity chooses the pairing: 0-1, 2-3, ... or 1-2, 3-4, ...);
- (b) shifted: each peak moved by a seeded random fraction of its width, left or right (same counts).

Reported per set and seed: the share of the model's peaks covered, label transfer accuracy of the query cells
mapped with ``map_query`` from the remapped peaks, from the original peaks, and from RNA alone (the floor), and the
15-NN overlap of each query embedding with the one from the original peaks (as ``mapping.py --mode rna-only``).

    nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/peaks_remap.py --max-epochs 30 \
        --out benchmarks/results/peaks_remap.md
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import missing_data  # noqa: E402
from _results import write_text  # noqa: E402
from mapping import _markdown, _reference_and_query, _setup, knn_overlap  # noqa: E402

import jae  # noqa: E402
from jae import JAEConfig  # noqa: E402
from jae.io.peaks import _intervals  # noqa: E402

log = logging.getLogger("peaks_remap")


def _positions(names) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    chrom, start, end = _intervals(names)
    return chrom.to_numpy().astype(str), start, end


def merged(atac, seed: int):
    """``atac`` (an AnnData of peak counts) with adjacent peaks of one chromosome merged in pairs (the pairing's
    phase: ``seed % 2``): one peak from the first's start to the second's end, their counts summed."""
    chrom, start, end = _positions(atac.var_names)
    order = np.lexsort((start, chrom))
    groups, i = [], 0
    if seed % 2 and len(order):
        groups.append([order[0]])
        i = 1
    while i < len(order):
        j = order[i]
        if i + 1 < len(order) and chrom[order[i + 1]] == chrom[j]:
            groups.append([j, order[i + 1]])
            i += 2
        else:
            groups.append([j])
            i += 1
    rows = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    cols = np.concatenate(groups)
    S = sp.csr_matrix((np.ones(len(cols), np.float32), (cols, rows)), shape=(atac.n_vars, len(groups)))
    names = [f"{chrom[g[0]]}:{start[g].min()}-{end[g].max()}" for g in groups]
    return _like(atac, (sp.csr_matrix(atac.layers["counts"]) @ S).tocsr(), names)


def shifted(atac, seed: int):
    """``atac`` with each peak moved by ``u * width`` bases, ``u`` uniform in (-1, 1) (seeded): the same counts under
    other coordinates (a peak keeps ``(1 - |u|)`` of its width on its own site)."""
    chrom, start, end = _positions(atac.var_names)
    move = np.round(np.random.default_rng(seed).uniform(-1, 1, len(start)) * (end - start)).astype(np.int64)
    move = np.maximum(move, -start)
    names = pd.Index([f"{c}:{s}-{e}" for c, s, e in zip(chrom, start + move, end + move)])
    if names.has_duplicates:
        raise RuntimeError("two shifted peaks share an interval; another seed")
    return _like(atac, sp.csr_matrix(atac.layers["counts"]).copy(), names)


def _like(atac, counts, names):
    import anndata as ad

    var = pd.DataFrame({"feature_types": "ATAC"}, index=pd.Index(names, dtype=str))
    return ad.AnnData(X=counts, obs=atac.obs.copy(), var=var, layers={"counts": counts})


def run_set(name: str, config: JAEConfig, seed: int) -> dict:
    from jae.io.readers import make_mudata

    qset, query, labelled, label, ref_rows, out = _setup(name, 0)
    out["seed"] = seed
    model, paired, rna, evaluated, truth = _reference_and_query(qset, query, labelled, label, ref_rows, out, config,
                                                                seed)
    n_model = len(model.preprocessor.var_names[1])
    out["model peaks"] = n_model
    variants = {"original peaks": paired, "RNA-only": rna}
    for what, build in (("merged", merged), ("shifted", shifted)):
        other = build(paired["atac"], seed)
        given = make_mudata({"rna": paired["rna"].copy(), "atac": other})
        given.obs = paired.obs.copy()
        t = time.perf_counter()
        remapped = jae.remap_peaks(given, model)
        out[f"{what}: remap s"] = time.perf_counter() - t
        out[f"{what}: data peaks"] = other.n_vars
        out[f"{what}: model peaks covered"] = remapped["atac"].n_vars / n_model
        out[f"{what}: counts kept"] = float(remapped["atac"].X.sum() / other.X.sum())
        variants[what] = remapped
    embs = {}
    for what, data in variants.items():
        mapped = model.map_query(data, batch_key="batch", progress_bar=False)
        emb = mapped.embed(data, key_added=None)
        pred = mapped.predict_cell_type(data, embedding=emb)
        out[f"accuracy {what}"] = float((pred["cell_type"].to_numpy()[evaluated] == truth).mean())
        embs[what] = emb
    for what in ("merged", "shifted", "RNA-only"):
        out[f"15-NN overlap with original, {what}"] = knn_overlap(embs[what], embs["original peaks"])
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sets", nargs="+", default=["snare_mouse_cortex", "bmmc_multiome"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--max-epochs", type=int, default=None, help="cap on pretraining epochs (default: the config's)")
    p.add_argument("--out", type=Path, default=None, help="markdown table to write (default: print only)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = p.parse_args(argv)
    if args.out is not None and args.out.exists() and not args.overwrite:
        p.error(f"--out {args.out} exists; pass --overwrite to replace it or choose another --out")
    problem = missing_data(args.sets)
    if problem:
        p.error(problem)
    logging.basicConfig(level=logging.WARNING)
    config = JAEConfig() if args.max_epochs is None else replace(JAEConfig(), max_epochs=args.max_epochs)
    rows = []
    for name in args.sets:
        for seed in args.seeds:
            row = run_set(name, config, seed)
            print(row, flush=True)
            rows.append(row)
    table = pd.DataFrame(rows)
    table.index = [f"{r['set']} s{r['seed']}" for r in rows]
    text = _markdown(table.drop(columns=["set", "seed"]).T)
    means = table.drop(columns=["seed"]).groupby("set", sort=False).mean(numeric_only=True)
    text += "\n\nMeans over the seeds:\n\n" + _markdown(means.T)
    print(text)
    if args.out is not None:
        write_text(args.out, "# A query's own peak set remapped onto the model's peaks (jae.remap_peaks, session 46)"
                   f"\n\n`nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/peaks_remap.py --sets "
                   f"{' '.join(args.sets)} --seeds {' '.join(map(str, args.seeds))}"
                   + (f" --max-epochs {args.max_epochs}" if args.max_epochs else "") + "`\n\n"
                   + __doc__.split("\n\n", 1)[1].split("\n\n    nice")[0] + "\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
