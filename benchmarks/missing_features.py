"""How new cells measured in part of a modality's features embed (issue 15 item 2): today's estimate of an SVD block
from the present features (:func:`jae.query.partial.svd_partial`: the projection plus the missing features' expected
part, mixed with the posterior mean by the missing features' share of the basis) against the posterior mean alone
(the estimate before session 46), each compared with the same cells' embedding from every feature.

For each set and seed a model is fitted on a seeded 70% of the cells (labels, 40 epochs at most); the other 30% are
embedded with every feature, then with a seeded random share of one modality's features dropped. Printed and written:
the 15-NN overlap of each estimate's embedding with the complete one, and its error relative to the complete
embedding's spread.

    OMP_NUM_THREADS=1 python benchmarks/missing_features.py --seeds 0 1 --out benchmarks/results/missing_features.md
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import mudata as md  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jae.query.partial as partial  # noqa: E402
import jae.query.transform as transform  # noqa: E402
from _quality_data import load_set, subsample  # noqa: E402
from _results import write_text  # noqa: E402
from mapping import knn_overlap  # noqa: E402
from jae import JAE, JAEConfig  # noqa: E402

RUNS = [("bmmc_multiome", "atac"), ("bmmc_multiome", "rna"), ("bmmc_cite", "rna"), ("snare_3000", "atac"),
        ("pbmc10k_cite", "rna"), ("reapseq_pbmc", "rna")]
FRACTIONS = (0.002, 0.01, 0.05, 0.2, 0.45)


def posterior_only(model, i, sub, overlap, block):
    """The estimate before session 46: the posterior mean of the block's coordinates given the present features."""
    comp = model.preprocessor.bases[i].components
    V_obs = comp[:, overlap.present]
    normed = partial._normalise(sub, partial._reference_share(model.moments.mean[block] @ comp[:, overlap.missing]))
    proj = np.asarray(normed @ V_obs.T, dtype=np.float64)
    sq = np.asarray(normed.multiply(normed).sum(axis=1), dtype=np.float64).ravel()
    return model.moments.block_posterior(block, V_obs, proj, sq, len(overlap.present))


def run(name: str, mod: str, seed: int) -> list[dict]:
    qset = subsample(load_set("snare_mouse_cortex"), name, 3000) if name == "snare_3000" else load_set(name)
    m = qset.mdata
    m.obs["label"] = qset.obs["label"].values
    rng = np.random.default_rng(seed)
    new = rng.random(m.n_obs) < 0.3
    model = JAE(JAEConfig(max_epochs=40), seed=seed, device="cpu").fit(
        m[~new].copy(), cell_type_key="label", batch_key="batch", progress_bar=False)
    query = m[new].copy()
    E0 = model.embed(query, key_added=None)
    spread = float(np.linalg.norm(E0 - E0.mean(0)))
    rows = []
    for frac in FRACTIONS:
        n = query[mod].n_vars
        drop = rng.choice(n, max(1, int(round(frac * n))), replace=False)
        mods = {k: query[k] for k in query.mod}
        mods[mod] = query[mod][:, np.setdiff1d(np.arange(n), drop)].copy()
        q = md.MuData(mods)
        q.obs = query.obs.copy()
        row = dict(set=name, modality=mod, seed=seed, share=frac, dropped=len(drop))
        for tag, fn in (("library", partial.svd_partial), ("posterior", posterior_only)):
            saved = transform.svd_partial
            transform.svd_partial = fn
            try:
                E = model.embed(q, key_added=None)
            finally:
                transform.svd_partial = saved
            row[f"{tag}_knn"] = knn_overlap(E0, E)
            row[f"{tag}_err"] = float(np.linalg.norm(E - E0)) / spread
        print(row, flush=True)
        rows.append(row)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description="New cells measured in part of one modality's features, embedded by "
                                "today's estimate and by the posterior mean alone, each compared with the same cells' "
                                "embedding from every feature (15-NN overlap, relative error).")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds of the split and the dropped features")
    p.add_argument("--out", type=Path, default=None, metavar="FILE.md",
                   help="write the table here (markdown; e.g. benchmarks/results/missing_features.md); it is always "
                   "printed")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = p.parse_args()
    if args.out is not None and args.out.exists() and not args.overwrite:
        p.error(f"--out {args.out} exists; pass --overwrite to replace it or choose another --out")
    logging.getLogger("jae").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    rows = [r for name, mod in RUNS for seed in args.seeds for r in run(name, mod, seed)]
    lines = ["# New cells measured in part of a modality's features: today's estimate vs the posterior mean alone", "",
             "`" + " ".join(["python benchmarks/missing_features.py", "--seeds", *map(str, args.seeds)]) + "`; "
             "15-NN overlap with the same cells' embedding from every feature (higher is better) and the error "
             "relative to its spread (lower is better).", "",
             "| set | modality | seed | share dropped (features) | 15-NN today | 15-NN posterior | error today | "
             "error posterior |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['set']} | {r['modality']} | {r['seed']} | {r['share']:.1%} ({r['dropped']}) | "
                     f"{r['library_knn']:.3f} | {r['posterior_knn']:.3f} | {r['library_err']:.3f} | "
                     f"{r['posterior_err']:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out is not None:
        write_text(args.out, text)


if __name__ == "__main__":
    main()
