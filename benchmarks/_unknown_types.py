"""Known reference types the unknown call flags (issue 15, session 39): per-type units for the call's two tests.

The leave-one-type-out protocol of ``_unknown_select.py`` (the same reference, 20% test split, left-out types and
30-epoch fits), keeping per fit only the arrays the call is made of, so candidate units are compared without refitting:
the calibrated head's probabilities and every type-centroid distance (in units of the type's spread) of the scored
cells (the left-out type's reference cells and the known test cells), of the model's voters (its training cells) and
of its calibration (held-out) cells, the scored cells' 10 nearest other cells (the call's average) and the model's own
call (``unknown_scores``'s ``head_or_far``, which the recomputed ``adopted`` row must equal).

Candidates (a cell's head test is read in its head-predicted type's unit, its distance in its nearest type's unit):

- ``adopted``: the call (one held-out unit for every type);
- ``own q95``: each type's unit at least the 95% quantile of its own training cells' scores (1 - the head's
  probability of the type; the distance to its centroid), ``small`` only for types of < 50 training cells;
- ``pred q95``: the head's unit from the training cells the head predicts as the type (Mondrian by predicted type);
- ``scale``: each type's head unit scaled by its training cells' median score over all training cells' median;
- ``gate q few``: for a type whose own training cells fail the head's test at quantile ``q`` (and, with ``few``, which
  has < 20 held-out cells to set a threshold), its cells are judged by their distance to its centroid instead.

    OMP_NUM_THREADS=1 python benchmarks/_unknown_types.py --sets bmmc_multiome bmmc_cite --min-cells 30 --seeds 0 1 2 3 4 5 6 7 8 9 --arrays /tmp/ut
    OMP_NUM_THREADS=1 python benchmarks/_unknown_types.py --sets reapseq_pbmc pbmc10k_cite snare_mouse_cortex --max-ref 6000 --seeds 0 1 2 3 4 5 6 7 8 9 --arrays /tmp/ut
    python benchmarks/_unknown_types.py --report --arrays /tmp/ut
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import check_sets  # noqa: E402
from _unknown_select import protocol_arguments, protocol_split  # noqa: E402
from mapping import _with, reference_shares  # noqa: E402

from jae import JAE, JAEConfig  # noqa: E402
from jae.labels.unknown import other_cells, unknown_scores  # noqa: E402

#: types with fewer training cells are the "small" ones of the report
SMALL = 50
#: held-out cells a type needs for a threshold of its own (``_unknown_select.MIN_PER_TYPE``)
FEW_HELDOUT = 20


def _distances(cal, rest: np.ndarray) -> np.ndarray:
    """``(n, n_types)``: each row's distance to every type centroid in units of the type's spread (inf: no centroid)."""
    cent = np.nan_to_num(cal.centroids.astype(np.float64))
    rest = np.asarray(rest, np.float64)
    sq = (rest ** 2).sum(1)[:, None] - 2 * rest @ cent.T + (cent ** 2).sum(1)[None, :]
    d = np.sqrt(np.clip(sq, 0, None)) / cal.spreads.astype(np.float64)
    d[:, np.isnan(cal.centroids).any(axis=1)] = np.inf
    return d


def _arrays(model, X: np.ndarray):
    n_ct = model.layout.n_cell_type
    Z = model.latent_transformed(X)
    E = model._readout(X, Z)
    return model.calibration.probabilities(Z[:, model.layout.block("cell_type")]), _distances(model.calibration,
                                                                                              E[:, n_ct:]), E


def collect(name: str, seed: int, n_types: int, min_cells: int, max_ref: int | None, out: Path,
            overrides: tuple = (), test_batch: bool = False) -> None:
    """One fit per left-out type (``_unknown_select.run``'s reference, split and types); its arrays to ``out``."""
    qset, label, ref_rows, test, chosen = protocol_split(name, seed, n_types, min_cells, max_ref)
    if not chosen:  # it ran on without a word, no fit made, no arrays written
        print(f"{name} seed {seed}: no reference type has {min_cells} cells or more, so none was left out; lower "
              "--min-cells (the recorded bmmc runs pass --min-cells 30)", file=sys.stderr, flush=True)
        return
    if test_batch:  # the test cells are one of the reference's batches (rotating with the seed), not a random 20%
        batch = qset.obs["batch"].astype(str).to_numpy()
        names = sorted(set(batch[ref_rows]))
        if len(names) < 2:
            print(json.dumps({"set": name, "skipped": "one reference batch"}), flush=True)
            return
        test = ref_rows & (batch == names[seed % len(names)])
    lab = label.astype(str).to_numpy()
    config = replace(JAEConfig(), max_epochs=30).with_overrides(list(overrides))
    for novel in chosen:
        path = out / f"{name}__s{seed}__{novel.replace(' ', '_').replace('/', '_')}.npz"
        if path.exists():
            continue
        t = time.perf_counter()
        fit_rows = ref_rows & ~test & (lab != novel)
        model = JAE(config, seed=seed, device="cpu").fit(_with(qset, label.where(fit_rows))[fit_rows].copy(),
                                                         cell_type_key="ct", progress_bar=False)
        fit_s = time.perf_counter() - t
        pos, neg = ref_rows & (lab == novel), ref_rows & test & (lab != novel)
        X = model._features(qset.mdata[pos | neg].copy(), layer="counts")[0]
        code = {c: i for i, c in enumerate(model.cell_types)}
        p, d, E = _arrays(model, X)
        p_vot, d_vot, E_vot = _arrays(model, model.voters.features)
        p_cal, d_cal, E_cal = _arrays(model, model.calibration_cells.features)
        n_ct = model.layout.n_cell_type
        cal = model.calibration
        np.savez_compressed(
            path, p=p, d=d, others=other_cells(E[:, model.layout.n_cell_type:], seed=model.seed),
            is_new=pos[pos | neg], true=np.array([code.get(x, -1) for x in lab[pos | neg]]),
            call=unknown_scores(model, E)["head_or_far"], p_vot=p_vot, d_vot=d_vot, c_vot=model.voters.codes,
            p_cal=p_cal, d_cal=d_cal, c_cal=model.calibration_cells.codes, head_threshold=cal.head_threshold,
            far_unit=cal.distance_threshold * cal.score_threshold, types=np.array(model.cell_types),
            e=E[:, n_ct:].astype(np.float32), e_vot=E_vot[:, n_ct:].astype(np.float32),
            e_cal=E_cal[:, n_ct:].astype(np.float32))
        print(json.dumps({"set": name, "seed": seed, "left-out": novel, "fit s": round(fit_s, 1)}), flush=True)


def _smooth(score: np.ndarray, others: np.ndarray) -> np.ndarray:
    return (score + score[others].sum(axis=1)) / (others.shape[1] + 1)


def _type_units(z: dict, how: str, scope: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-type units of the head's score and of the distance for candidate ``how`` (see the module docstring)."""
    n = z["p_vot"].shape[1]
    head = np.full(n, max(1 - float(z["head_threshold"]), 1e-12))
    far = np.full(n, float(z["far_unit"]))
    p, c, d = z["p_vot"], z["c_vot"], z["d_vot"]
    own = 1 - p[np.arange(len(c)), c]
    for t in range(n):
        rows = c == t
        if not rows.any() or (scope == "small" and rows.sum() >= SMALL):
            continue
        if how == "own":
            head[t] = max(head[t], float(np.quantile(own[rows], 0.95)))
            far[t] = max(far[t], float(np.quantile(d[rows, t], 0.95)))
        elif how == "pred" and (p.argmax(1) == t).any():
            head[t] = max(head[t], float(np.quantile(1 - p[p.argmax(1) == t].max(1), 0.95)))
        elif how == "scale":
            head[t] *= max(1.0, float(np.median(own[rows])) / max(float(np.median(own)), 1e-12))
    return head, far


def candidate(z: dict, name: str) -> np.ndarray:
    """The call's score (> 1: unknown) of the scored cells under candidate ``name``."""
    p, d, others = z["p"], z["d"], z["others"]
    pred, near = p.argmax(1), d.argmin(1)
    if name.startswith("gate"):
        _, q, *few = name.split()
        head_unit = max(1 - float(z["head_threshold"]), 1e-12)
        pv, cv = z["p_vot"], z["c_vot"]
        gated = np.array([(cv == t).any() and float(np.quantile(1 - pv[cv == t, t], float(q))) > head_unit
                          and (not few or (z["c_cal"] == t).sum() < FEW_HELDOUT) for t in range(pv.shape[1])])
        head = (1 - p.max(1)) / head_unit
        g = gated[pred]
        head[g] = d[g, pred[g]] / float(z["far_unit"])
        far = d.min(1) / float(z["far_unit"])
    else:
        how, scope = name.split()[0], (name.split() + ["all"])[1]
        hu, fu = _type_units(z, how, scope) if how != "adopted" else _type_units(z, "none", "all")
        head, far = (1 - p.max(1)) / hu[pred], d[np.arange(len(d)), near] / fu[near]
    return np.maximum(_smooth(head, others), _smooth(far, others))


def _share(e_vot: np.ndarray, e: np.ndarray, others: np.ndarray, balance: bool, seed: int = 0,
           drop: np.ndarray | None = None) -> np.ndarray:
    """Each cell of ``e`` (the cells predicted together): 1 - the share of reference cells (voters) among its
    SMOOTH_K nearest other cells of voters and ``e`` together, over the share expected were the cells a sample of
    the reference, averaged over ``others`` (the call's neighbours). ``balance``: the voters subsampled (seeded) to
    as many as the cells, so the expected share is about 1/2 whatever the sizes. ``drop``: voters left out."""
    keep = np.ones(len(e_vot), bool) if drop is None else ~drop
    vot = e_vot[keep]
    if balance and len(vot) > len(e):
        vot = vot[np.sort(np.random.default_rng(seed).choice(len(vot), len(e), replace=False))]
    return _smooth(1 - reference_shares(vot, e), others)


def _share_unit(z: dict, balance: bool) -> float:
    """The held-out (calibration) cells' 95% quantile of :func:`_share`, predicted together against the voters."""
    key = f"_unit {balance}"
    if key not in z:
        e_cal = z["e_cal"]
        z[key] = max(float(np.quantile(_share(z["e_vot"], e_cal, other_cells(e_cal, seed=0), balance), 0.95)), 1e-3)
    return z[key]


def share_candidate(z: dict, name: str) -> np.ndarray:
    """``share`` / ``share bal`` alone (in the held-out unit) or beside the adopted call (``adopted|share ...``)."""
    balance = name.endswith("bal")
    key = f"_share {balance} {z.get('_drop_key', '')}"
    if key not in z:
        z[key] = _share(z["e_vot"], z["e"], z["others"], balance, drop=z.get("_drop")) / _share_unit(z, balance)
    if name.startswith("adopted|"):
        return np.maximum(candidate(z, "adopted"), z[key])
    return z[key]


CANDIDATES = ("adopted", "own all", "own small", "pred all", "scale all", "gate 0.5", "gate 0.5 few", "gate 0.95 few")
SHARE = ("adopted", "share", "share bal", "adopted|share", "adopted|share bal")


def _md(t: pd.DataFrame, index: bool = True) -> str:
    """A markdown table (floats to 3 decimals)."""
    t = t.reset_index() if index else t
    cell = lambda v: f"{v:.3f}" if isinstance(v, (float, np.floating)) else str(v)  # noqa: E731
    return "\n".join(["| " + " | ".join(map(str, t.columns)) + " |", "|---" * len(t.columns) + "|"]
                     + ["| " + " | ".join(cell(v) for v in row) + " |" for row in t.itertuples(index=False)])


def report(folder: Path) -> str:
    from sklearn.metrics import roc_auc_score

    rows, types = [], []
    for f in sorted(glob.glob(str(folder / "*.npz"))):
        z = dict(np.load(f, allow_pickle=False))
        st, seed = Path(f).stem.split("__")[:2]
        new, true = z["is_new"], z["true"]
        counts = np.bincount(z["c_vot"], minlength=z["p_vot"].shape[1])
        known = ~new
        small = known & (counts[np.clip(true, 0, None)] < SMALL)
        for name in CANDIDATES:
            s = candidate(z, name)
            if name == "adopted" and not np.allclose(s, z["call"], rtol=1e-4, atol=1e-5):
                raise SystemExit(f"{f}: the recomputed call differs from unknown_scores' by {np.abs(s - z['call']).max()}")
            call = s > 1
            rows.append({"set": st, "seed": seed, "candidate": name, "AUROC": roc_auc_score(new, s),
                         "left-out flagged": call[new].mean(), "known flagged": call[known].mean(),
                         "small known flagged": call[small].mean() if small.any() else np.nan})
            for t in np.unique(true[known]):
                m = known & (true == t)
                types.append({"set": st, "candidate": name, "type": str(z["types"][t]), "training cells": counts[t],
                              "cells": int(m.sum()), "flagged": int(call[m].sum())})
    df = pd.DataFrame(rows)
    df["balanced accuracy"] = (df["left-out flagged"] + 1 - df["known flagged"]) / 2
    text = [f"{df.groupby(['set', 'seed']).ngroups} set-seeds, {len(df) // len(CANDIDATES)} fits\n"]
    for what in ("AUROC", "balanced accuracy", "small known flagged", "known flagged", "left-out flagged"):
        t = df.groupby(["candidate", "set"])[what].mean().unstack("set").loc[list(CANDIDATES)]
        t["mean"] = t.mean(axis=1)
        if what == "AUROC":
            t["worst"] = t.drop(columns="mean").min(axis=1)
        text.append(f"## {what} (mean over left-out types and seeds)\n\n" + _md(t) + "\n")
    T = pd.DataFrame(types).groupby(["candidate", "set", "type"]).sum(numeric_only=True)
    T["training cells"] = pd.DataFrame(types).groupby(["candidate", "set", "type"])["training cells"].mean()
    T["flagged share"] = T["flagged"] / T["cells"]
    a = T.loc["adopted"].reset_index().sort_values(["set", "training cells"])
    text.append("## Known types, adopted call: training cells (mean over fits) and share of test cells flagged\n\n"
                + _md(a[["set", "type", "training cells", "cells", "flagged share"]], index=False))
    return "\n".join(text) + "\n"


def _subset(z: dict, rows: np.ndarray) -> dict:
    """The fit's arrays with only the scored cells ``rows`` predicted together (their neighbours searched again)."""
    y = {k: v for k, v in z.items() if not k.startswith("_share")}
    for k in ("p", "d", "e", "is_new", "true", "call"):
        y[k] = z[k][rows]
    y["others"] = other_cells(y["e"], seed=0)
    return y


def share_report(folder: Path) -> str:
    """The neighbour-share candidates (session 40): AUROC and the call's rates as :func:`report`; the rare rows (the
    left-out type at 5% of the cells predicted together); and the known type with the most voters thinned to a fifth
    of its voters (a type five times as common among the new cells as in the reference): its test cells flagged."""
    from sklearn.metrics import roc_auc_score

    rows = []
    for f in sorted(glob.glob(str(folder / "*.npz"))):
        z = dict(np.load(f, allow_pickle=False))
        st, seed = Path(f).stem.split("__")[:2]
        new, known = z["is_new"], ~z["is_new"]
        rng = np.random.default_rng(int(seed[1:]))
        n_rare = max(3, int(round(0.05 / 0.95 * known.sum())))
        rare = known | (new & np.isin(np.arange(len(new)), rng.choice(np.flatnonzero(new), min(n_rare, new.sum()),
                                                                      replace=False)))
        zr = _subset(z, rare)
        big = int(np.bincount(z["c_vot"]).argmax())
        zt = dict(z, _drop=(z["c_vot"] == big) & (rng.random(len(z["c_vot"])) < 0.8), _drop_key="thin")
        mt = known & (z["true"] == big)
        for name in SHARE:
            sc = candidate(z, name) if name == "adopted" else share_candidate(z, name)
            sr = candidate(zr, name) if name == "adopted" else share_candidate(zr, name)
            st_ = candidate(zt, name) if name == "adopted" else share_candidate(zt, name)
            rows.append({"set": st, "seed": seed, "candidate": name, "AUROC": roc_auc_score(new, sc),
                         "left-out flagged": (sc > 1)[new].mean(), "known flagged": (sc > 1)[known].mean(),
                         "rare AUROC": roc_auc_score(zr["is_new"], sr),
                         "thinned type flagged": (st_ > 1)[mt].mean() if mt.any() else np.nan,
                         "thinned type flagged before": (sc > 1)[mt].mean() if mt.any() else np.nan})
    df = pd.DataFrame(rows)
    df["balanced accuracy"] = (df["left-out flagged"] + 1 - df["known flagged"]) / 2
    text = [f"{df.groupby(['set', 'seed']).ngroups} set-seeds, {len(df) // len(SHARE)} fits\n"]
    for what in ("AUROC", "balanced accuracy", "known flagged", "left-out flagged", "rare AUROC",
                 "thinned type flagged before", "thinned type flagged"):
        t = df.groupby(["candidate", "set"])[what].mean().unstack("set").loc[list(SHARE)]
        t["mean"] = t.mean(axis=1)
        if "AUROC" in what:
            t["worst"] = t.drop(columns="mean").min(axis=1)
        text.append(f"## {what} (mean over left-out types and seeds)\n\n" + _md(t) + "\n")
    return "\n".join(text) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sets", nargs="+", default=[])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    protocol_arguments(p)
    p.add_argument("--arrays", type=Path, required=True,
                   help="folder the per-fit arrays (.npz) are written to (fits already there kept)")
    p.add_argument("--report", action="store_true",
                   help="only print the report of the arrays in --arrays (no file written)")
    p.add_argument("--share", action="store_true", help="with --report: the neighbour-share candidates")
    p.add_argument("--test-batch", action="store_true",
                   help="test cells: one reference batch (rotating with the seed) instead of a seeded 20%%")
    p.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="config overrides (a candidate)")
    args = p.parse_args(argv)
    if args.report:
        if not args.arrays.is_dir():
            p.error(f"--arrays {args.arrays} does not exist; collect into it first (--sets ...)")
        print(share_report(args.arrays) if args.share else report(args.arrays))
        return 0
    if not args.sets:
        p.error("pass --sets to collect, or --report to report the arrays collected")
    check_sets(p, args.sets, None)
    args.arrays.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    for name in args.sets:
        for seed in args.seeds:
            collect(name, seed, args.types, args.min_cells, args.max_ref, args.arrays, tuple(args.set),
                    args.test_batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
