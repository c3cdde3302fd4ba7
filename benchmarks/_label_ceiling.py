"""How far can label transfer go on each real set? A diagnostic for issue 12's label-transfer target (not for choosing).

The issue asks jae's label transfer to beat a 15-NN vote on the SVD baseline embedding by 0.03 on the query cells. This
script measures, per set and seed, on the query split of ``quality.py``'s pretrained setting:

- the issue's comparator: a 15-NN vote from the reference cells on the SVD baseline (``knn15_svd_acc``);
- a logistic regression (C = 0.1) of the reference labels on jae's input space (SVD100-concat, standardised);
- an *in-domain* ceiling: 5-fold cross-validation among the query cells themselves, with their own labels (the same
  logistic regression on SVD100-concat, and the 15-NN vote on the SVD baseline). A classifier trained on another
  batch's reference cells has no information the query's own labels do not give it, so where the in-domain accuracy
  is no higher than the comparator's, a margin of +0.03 asks for more than the features hold.

Query labels are read here for the ceiling only; no default is chosen from them (README, "How to choose defaults").
Prints a markdown table and writes it to ``results/label_ceiling.md``.

    python benchmarks/_label_ceiling.py --sets reapseq_pbmc pbmc10k_cite snare_mouse_cortex --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

import jae.baseline
from _quality_data import SETS, SIMULATED, SUBSAMPLED, load_set, missing_data, reference_mask
from quality import knn_vote_accuracy
from _results import shown, write_text

RESULTS = Path(__file__).resolve().parent / "results"


def ceiling_row(qset, seed: int) -> dict:
    """The four accuracies of the module docstring for one set and seed."""
    base = jae.baseline.svd_baseline_from(qset.mdata, seed=seed)
    concat = StandardScaler().fit_transform(
        jae.baseline.svd_baseline_from(qset.mdata, seed=seed, n_dims=100 * len(qset.mdata.mod)))
    y = qset.obs["label"].astype(str).to_numpy()
    ref = reference_mask(qset.name, qset.obs, seed=seed)
    query = ~ref & qset.labelled
    vote = knn_vote_accuracy(base, ref, np.flatnonzero(query), y)  # the quality table's comparator
    linear = LogisticRegression(C=0.1, max_iter=2000).fit(concat[ref], y[ref]).score(concat[query], y[query])
    yq = y[query]
    types, counts = np.unique(yq, return_counts=True)
    keep = np.isin(yq, types[counts >= 5])  # stratified folds need a few cells per type
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    cv_linear = cross_val_score(LogisticRegression(C=0.1, max_iter=2000), concat[query][keep], yq[keep], cv=folds)
    cv_vote = cross_val_score(KNeighborsClassifier(15), base[query][keep], yq[keep], cv=folds)
    return {"set": qset.name, "seed": seed, "reference": int(ref.sum()), "query": int(query.sum()),
            "vote": vote, "linear": linear, "cv_linear": float(cv_linear.mean()), "cv_vote": float(cv_vote.mean()),
            "cv_cells": int(keep.sum())}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", nargs="*", default=list(SETS))
    p.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    p.add_argument("--out", type=Path, default=RESULTS / "label_ceiling.md",
                   help=f"the markdown report is written here (default: {shown(RESULTS / 'label_ceiling.md')})")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    unknown = [s for s in args.sets if s not in (*SETS, *SIMULATED, *SUBSAMPLED)]
    if unknown:
        p.error(f"--sets {unknown[0]} is no set; sets: {', '.join((*SETS, *SIMULATED, *SUBSAMPLED))}")
    if not args.sets or not args.seeds:
        p.error("--sets and --seeds need at least one value each")
    if args.out.exists() and not args.overwrite:
        p.error(f"{args.out} exists; pass --overwrite to replace it or choose another --out")
    problem = missing_data(args.sets)
    if problem:
        p.error(problem)
    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    lines = ["# Label transfer's in-domain ceiling per set (diagnostic for issue 12, not for choosing)", "",
             f"`python benchmarks/_label_ceiling.py --sets {' '.join(args.sets)} --seeds "
             f"{' '.join(map(str, args.seeds))}`", "",
             "vote: 15-NN from the reference on the SVD baseline (the issue's comparator); linear: logistic regression "
             "(C = 0.1) from the reference on SVD100-concat; in-domain: 5-fold cross-validation among the query cells "
             "with their own labels (types with at least 5 query cells).", "",
             "| set | seed | reference | query | vote | linear | in-domain linear | in-domain vote | vote + 0.03 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in args.sets:
        qset = load_set(name)
        for seed in args.seeds:
            r = ceiling_row(qset, seed)
            lines.append(f"| {name} | {seed} | {r['reference']} | {r['query']} | {r['vote']:.3f} | {r['linear']:.3f} "
                         f"| {r['cv_linear']:.3f} | {r['cv_vote']:.3f} | {r['vote'] + 0.03:.3f} |")
            print(lines[-1], flush=True)
    lines += ["", f"Wall time {(time.perf_counter() - t0) / 60:.1f} min."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_text(args.out, "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
