"""Diagnostic (session 37): where the unsupervised embedding's cell-cycle share stands against scib's reference.

scib's cell-cycle conservation compares the share of variance the S/G2M scores explain in each batch's top 50
principal components of the embedding ("after") with the same share in that batch's top 50 principal components of
the log-normalised GEX ("before"). This prints, per set and batch: "before"; the GEX's share on 50 within-batch axes
fitted on every cell (every batch) instead of the batch alone; and "after" for the within-batch PCA of jae's input at
several widths (width 50 is jae's unsupervised embedding, the full width is SVD100-concat). Nothing is chosen from it.

Usage: OMP_NUM_THREADS=1 python benchmarks/_cc_axes.py reapseq_800 snare_1300 pbmc10k_small reapseq_pbmc
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jae  # noqa: E402
from _quality_data import check_sets, load_set  # noqa: E402
from jae.config import JAEConfig  # noqa: E402
from jae.metrics.cell_cycle_cons import cc_cons_details, cell_cycle_reference  # noqa: E402
from jae.metrics.pc_regression import variance_explained  # noqa: E402

WIDTHS = (10, 20, 30, 50, 75, 100)


def within_batch_pcs(X: np.ndarray, batch: np.ndarray, k: int) -> np.ndarray:
    """``X`` (centred) projected on the top ``k`` axes of its within-batch covariance (jae's unsupervised readout)."""
    Xc = X - X.mean(0)
    A = Xc.copy()
    for b in np.unique(batch):
        A[batch == b] -= A[batch == b].mean(0)
    if A.shape[1] > 1000:
        from sklearn.utils.extmath import randomized_svd
        _, _, vt = randomized_svd(A, k, n_iter=7, random_state=0)
    else:
        _, _, vt = np.linalg.svd(A, full_matrices=False)
    return Xc @ vt[:k].T


def main(names: list[str]) -> None:
    warnings.filterwarnings("ignore")
    logging.getLogger("jae").setLevel(logging.ERROR)
    for name in names:
        q = load_set(name)
        batch = q.obs["batch"].astype(str).to_numpy()
        model = jae.JAE(JAEConfig(mode="unsupervised", max_epochs=1), seed=0)  # only its preprocessing is used
        model.fit(q.mdata, batch_key="batch", layer="counts", progress_bar=False)
        X = model._features(q.mdata, layer="counts")[0].astype(np.float64)
        ref = cell_cycle_reference(q.gex_lognorm, q.gex_names, batch, organism=q.organism)
        G = within_batch_pcs(q.gex_lognorm.toarray().astype(np.float64), batch, 50)
        pooled = [variance_explained(G[idx], cov, n_comps=50) for idx, cov in zip(ref.cells, ref.covariates)]
        rows = {"before (GEX, per-batch axes)": (ref.before, None),
                "GEX on axes from every cell": (np.asarray(pooled), None)}
        for k in (*WIDTHS, X.shape[1]):
            d = cc_cons_details(within_batch_pcs(X, batch, min(k, X.shape[1])), ref)
            rows[f"jae input, width {k}"] = (d["after"].to_numpy(), d["score"].mean())
        sizes = [len(i) for i in ref.cells]
        print(f"\n{name}: {len(X)} cells, batches of {min(sizes)}-{max(sizes)} cells, input width {X.shape[1]}")
        for label, (share, score) in rows.items():
            cc = "" if score is None else f"  cc_cons {score:.3f}"
            print(f"  {label:30s} share mean {np.mean(share):.4f}  per batch {np.round(share, 4).tolist()}{cc}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                epilog="prints each set's cell-cycle shares; writes no file")
    p.add_argument("sets", nargs="+", help="set names (shared, simulated or subsampled, e.g. reapseq_800)")
    names = p.parse_args().sets
    check_sets(p, names, None)  # a mistyped name or missing data stops here, not after the sets before it
    main(names)
