"""Why REAP-seq run 3 mapped onto a 400-cell reference from run 2 has a reference share above 1 (session 55).

Reference: 400 seeded labelled cells of the first run (``numpy.random.default_rng(seed)``),
``JAEConfig(max_epochs=60)``; query: every cell of the second run, mapped with ``map_query``. The share is
``mapping.reference_shares`` (over each query cell's ``SMOOTH_K`` = 10 nearest of reference + query cells). Prints:
the share with new cells divided by the held-out scale to the powers 0-1 (1: as mapped) and their within-type spread
against the reference cells'; controls of the formula at this size ratio (400 query cells against the other query
cells; the first run's cells outside the reference, never fitted, against the 400 fitted ones and as the reference of
the query); the share in the cell-type block and in the rest of the embedding alone; per type, the share and the
spread (mean squared distance to the group's own centroid); the reference cells' in-degree among the query cells'
neighbours (hubness); the input features' within-type variance, query over reference, per SVD component; and the
share of two Gaussian clouds of these sizes whose variances differ.

    OMP_NUM_THREADS=1 python benchmarks/_share_diag.py
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import load_set  # noqa: E402
from mapping import SMOOTH_K, _with, reference_shares  # noqa: E402

from jae import JAE, JAEConfig  # noqa: E402
from jae.model.voters import nearest  # noqa: E402


def spread(z: np.ndarray) -> float:
    return float(((z - z.mean(0)) ** 2).sum(1).mean()) if len(z) > 1 else np.nan


def in_degree(ref: np.ndarray, new: np.ndarray, k: int = SMOOTH_K) -> np.ndarray:
    """How often each reference cell is among the ``k`` nearest (reference + new, self dropped) of a new cell."""
    idx = nearest(np.vstack([ref, new]), new, k + 1)[0][:, 1:]
    return np.bincount(idx[idx < len(ref)], minlength=len(ref))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0] + " It prints what it finds and writes no file.")
    p.add_argument("--seed", type=int, default=0, help="of the reference cells' draw and of the fit (default 0)")
    p.add_argument("--n-ref", type=int, default=400, help="reference cells drawn from the first run (default 400)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    qset = load_set("reapseq_pbmc")
    batch = qset.obs["batch"].astype(str).to_numpy()
    runs = sorted(pd.unique(batch))
    label = qset.obs["label"].astype(object)
    rng = np.random.default_rng(args.seed)
    pool = np.flatnonzero((batch == runs[0]) & qset.labelled)
    ref_rows = np.zeros(len(batch), bool)
    ref_rows[rng.choice(pool, args.n_ref, replace=False)] = True
    rest_rows = (batch == runs[0]) & ~ref_rows
    q_rows = batch == runs[-1]
    model = JAE(JAEConfig(max_epochs=60), seed=args.seed, device="cpu").fit(
        _with(qset, label.where(ref_rows))[ref_rows].copy(), cell_type_key="ct", progress_bar=False)
    mapped = model.map_query(qset.mdata[q_rows].copy(), batch_key="batch", progress_bar=False)
    every = qset.mdata[ref_rows | q_rows | rest_rows].copy()
    at = {w: np.flatnonzero(r[ref_rows | q_rows | rest_rows]) for w, r in
          (("ref", ref_rows), ("query", q_rows), ("rest", rest_rows))}
    emb = mapped.embed(every, key_added=None)
    keep, lab = mapped.adapter, qset.obs["label"].astype(str).to_numpy()
    lr, lq = lab[np.flatnonzero(ref_rows)], lab[np.flatnonzero(q_rows)]
    n_ct = mapped.layout.n_cell_type
    for power in (0.0, 0.5, 0.8, 0.9, 1.0):  # new cells divided by scale ** power (1: as mapped; 0: undivided)
        mapped.adapter = dataclasses.replace(keep, scale=keep.scale ** power)
        e = mapped.embed(every, key_added=None)
        r, q = e[at["ref"], n_ct:], e[at["query"], n_ct:]
        ratio = np.mean([spread(q[lq == t]) / spread(r[lr == t]) for t in np.unique(lr)
                         if (lr == t).sum() > 1 and (lq == t).sum() > 1])
        print(f"held-out scale ** {power}: share {reference_shares(e[at['ref']], e[at['query']]).mean():.2f}, "
              f"within-type spread query/ref (embedding after the cell-type block, mean over types) {ratio:.2f}")
    mapped.adapter = keep
    R, Q, H = emb[at["ref"]], emb[at["query"]], emb[at["rest"]]
    sh = reference_shares(R, Q)
    print(f"reference {len(R)} cells ({runs[0]}), query {len(Q)} ({runs[-1]}), run's other cells {len(H)}; "
          f"embedding {emb.shape[1]} columns, cell-type block {n_ct}; axes_carry {getattr(model, 'axes_carry', '?')}")
    print(f"share as mapped: {sh.mean():.2f} (median {np.median(sh):.2f}; query cells with no reference neighbour "
          f"{(sh == 0).mean():.2f})")
    perm = np.random.default_rng(1).permutation(len(Q))
    print(f"control, 400 query cells as 'reference' vs the other query cells: "
          f"{reference_shares(Q[perm[:len(R)]], Q[perm[len(R):]]).mean():.2f}")
    print(f"control, the run's {len(H)} unfitted cells against the 400 fitted ones: "
          f"{reference_shares(R, H).mean():.2f}")
    print(f"control, the run's unfitted cells as 'reference' (first 400) vs query: "
          f"{reference_shares(H[:len(R)], Q).mean():.2f}")
    print(f"share in the cell-type block alone: {reference_shares(R[:, :n_ct], Q[:, :n_ct]).mean():.2f}; "
          f"in the rest alone: {reference_shares(R[:, n_ct:], Q[:, n_ct:]).mean():.2f}")
    # spread per type, and the share per type
    lh = lab[np.flatnonzero(rest_rows)]
    rows = []
    for t in pd.Series(lq).value_counts().index:
        r, q, h = R[lr == t], Q[lq == t], H[lh == t]
        rows.append({"type": t, "ref": len(r), "query": len(q), "share": sh[lq == t].mean(),
                     "spread ref": spread(r), "spread query": spread(q), "spread unfitted": spread(h),
                     "ct-block ref": spread(r[:, :n_ct]), "ct-block query": spread(q[:, :n_ct]),
                     "rest ref": spread(r[:, n_ct:]), "rest query": spread(q[:, n_ct:])})
    table = pd.DataFrame(rows).set_index("type")
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.precision", 2):
        print(table)
    w = table["query"] / table["query"].sum()
    print("query-weighted spread ratio query/ref: "
          f"{np.nansum(w * table['spread query'] / table['spread ref']):.2f}; unfitted/ref: "
          f"{np.nansum(w * table['spread unfitted'] / table['spread ref']):.2f}; ct block "
          f"{np.nansum(w * table['ct-block query'] / table['ct-block ref']):.2f}, rest "
          f"{np.nansum(w * table['rest query'] / table['rest ref']):.2f}")
    # hubness: the reference cells' in-degree among the query cells' 15 nearest
    deg = in_degree(R, Q)
    top = np.sort(deg)[::-1]
    print(f"in-degree of reference cells: mean {deg.mean():.1f}, median {np.median(deg):.0f}, max {deg.max()}, "
          f"zero {np.mean(deg == 0):.2f}; the top 10% take {top[:len(top) // 10].sum() / max(top.sum(), 1):.2f} "
          "of the reference slots")
    qdeg = np.bincount(nearest(Q, Q, SMOOTH_K + 1)[0][:, 1:].ravel(), minlength=len(Q))
    qtop = np.sort(qdeg)[::-1]
    print(f"in-degree of query cells among query cells: top 10% take {qtop[:len(qtop) // 10].sum() / qtop.sum():.2f}")
    # distance to the nearest reference cell vs the nearest other query cell, and the reference cells' own
    d_ref = nearest(R, Q, 1)[1][:, 0]
    d_q = nearest(Q, Q, 2)[1][:, 1]
    d_rr = nearest(R, R, 2)[1][:, 1]
    d_rq = nearest(Q, R, 1)[1][:, 0]
    print(f"median distance: query->nearest ref {np.median(d_ref):.3f}, query->nearest other query "
          f"{np.median(d_q):.3f}, ref->nearest other ref {np.median(d_rr):.3f}, "
          f"ref->nearest query {np.median(d_rq):.3f}")
    # the input features: per-component spread of query vs reference within types, before and after the scale
    X, cells, b, _, new = mapped._features(every, layer="counts")
    scale = mapped.adapter.scale
    res = {}
    for w, rr, ll in (("ref", at["ref"], lr), ("query", at["query"], lq), ("rest", at["rest"], lh)):
        Xw = X[rr].astype(np.float64)
        cen = np.zeros_like(Xw)
        for t in np.unique(ll):
            cen[ll == t] = Xw[ll == t].mean(0)
        res[w] = ((Xw - cen) ** 2).mean(0)
    np.seterr(divide="ignore", invalid="ignore")  # a component without within-type spread: no ratio
    ratio = res["query"] / res["ref"]
    k0 = mapped.preprocessor.bases[0].n_components
    scaled_ratio = ratio / scale ** 2
    print(f"input features (SVD of RNA, {k0} components): within-type variance query/ref, median over components "
          f"{np.median(ratio[:k0]):.2f} (first 10: {np.median(ratio[:10]):.2f}, "
          f"last 10: {np.median(ratio[k0 - 10:k0]):.2f});"
          f" after dividing by the held-out scale {np.median(scaled_ratio[:k0]):.2f} (first 10 "
          f"{np.median(scaled_ratio[:10]):.2f}, last 10 {np.median(scaled_ratio[k0 - 10:k0]):.2f}); held-out scale "
          f"median {np.median(scale[:k0]):.2f}, min {scale[:k0].min():.2f}, first 5 {np.round(scale[:5], 2)}; "
          "proteins: "
          f"{np.median(ratio[k0:]):.2f}; the run's unfitted cells, divided: "
          f"{np.median((res['rest'] / res['ref'])[:k0] / scale[:k0] ** 2):.2f}")
    rng = np.random.default_rng(0)  # the share of two Gaussian clouds of these sizes, the query's variance v times
    for dim in (10, n_ct, emb.shape[1] - n_ct):
        toy = [reference_shares(rng.normal(size=(len(R), dim)), rng.normal(size=(len(Q), dim)) * v ** 0.5).mean()
               for v in (0.8, 1.0, 1.2, 1.4)]
        print(f"toy, {dim} dimensions, query variance 0.8 / 1 / 1.2 / 1.4 x the reference's: share "
              + " / ".join(f"{x:.2f}" for x in toy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
