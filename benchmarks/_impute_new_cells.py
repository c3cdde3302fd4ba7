"""``jae.impute`` on cells that are not the fit's own (issue 15, session 43): new cells read as they are, or divided
by the held-out scale as ``embed`` reads them since session 42 (:mod:`jae.query.fit_cells`).

Why: the SVD bases are fitted on the fitted cells and hold each one's own noise, so a new cell's coordinates along the
trailing components are less spread than a fitted cell's; ``embed``, ``latent``, ``predict_cell_type``'s labels and
``finetune`` divide a new cell's features by each column's held-out scale (measured at fit by cross-fitting,
:mod:`jae.preprocess.held_out`), which puts it on the spread the network was trained on. ``jae.impute`` still reads new
cells undivided; this script measures both.

Protocol: for each real set and seed, the labelled cells are split at random (seeded): a test share (20%, at most
``--max-test`` cells) are new cells, of the same batches as the reference; the rest (at most ``--max-ref``) is the
reference, on which a default model is fitted with its labels (``max_epochs`` capped at ``--max-epochs``, 30 by
default, for time; every other setting the default). The new cells' RNA alone (the RNA AnnData: nothing of the second
modality) is given to ``jae.impute``, and the prediction of the second modality is compared with those cells' measured
values normalised as the model normalises them (``Preprocessor.normalise``: log-normalised peaks; proteins on the CLR
scale of a CLR model), over the model's features: the RMSE over every cell and feature, and Pearson's r over the
features of each cell, averaged over cells (cells whose measured values are constant left out). Each method
(``'decoder'``, the default, and ``'regression'``) is run two ways: ``undivided`` (``jae.impute`` as the library is)
and ``divided`` (``jae.impute`` with the features it computes passed through :func:`jae.query.fit_cells.scaled_new`,
exactly as ``embed`` reads them: the new cells' rows, their filled-in block included, divided by the held-out scale; the
library unchanged, :func:`new_cells_divided`). Reference rows: a sample of the fit's own cells (as many as the new
cells), RNA alone, imputed (read undivided either way: they are the fit's own); the reference cells' mean of each
feature as the prediction (``mean``); and, for an SVD modality, the new cells' measured values through the basis
(``through the basis``: the best the low-rank prediction can do).

Decision rule (written before any number was seen): adopt ``divided`` for new cells only if, for the default method
(``'decoder'``), the mean over the sets of each set's mean RMSE (over seeds) falls, and no set's mean RMSE rises by
more than 1% (relative to its undivided mean RMSE).

    OMP_NUM_THREADS=1 python benchmarks/_impute_new_cells.py --sets bmmc_cite bmmc_multiome reapseq_pbmc \
        --seeds 0 1 2 3 4 --jsonl a.jsonl
    OMP_NUM_THREADS=1 python benchmarks/_impute_new_cells.py --sets pbmc10k_cite snare_mouse_cortex \
        --seeds 0 1 2 3 4 --jsonl b.jsonl
    cat a.jsonl b.jsonl > benchmarks/results/impute_new_cells.jsonl
    python benchmarks/_impute_new_cells.py --report

Session 43's result (``benchmarks/results/impute_new_cells.md``): divided, the decoder's RMSE rose on every set and
seed (mean over the sets 0.4076 -> 0.4130): not adopted, ``jae.impute`` reads new cells undivided.

Rows are appended to ``--jsonl`` (one line per set, seed, cells, method and variant); ``--report`` prints the markdown
table of the rows there (also printed at the end of a run, of all the rows in the file).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import SETS, load_set  # noqa: E402
from _results import shown  # noqa: E402

import jae  # noqa: E402
from jae import JAE, JAEConfig  # noqa: E402

ROWS = Path(__file__).resolve().parent / "results" / "impute_new_cells.jsonl"
METHODS = ("decoder", "regression")


@contextmanager
def new_cells_divided():
    """Inside the block :func:`jae.impute` reads new cells as ``embed`` does: the features it computes
    (:func:`jae.query.query_features`, imported by impute at call time) with the rows of the cells that are not
    the fit's own divided by the held-out scale (:func:`jae.query.fit_cells.scaled_new`); the fit's own cells as they
    are."""
    import jae.query.features
    from jae.query.fit_cells import scaled_new

    real = jae.query.features.query_features

    def divided(model, data, **kw):
        found = real(model, data, **kw)
        return found._replace(X=scaled_new(model, found.X, None if found.fitted is None else ~found.fitted))

    jae.query.features.query_features = divided
    try:
        yield
    finally:
        jae.query.features.query_features = real


def split(qset, seed: int, max_ref: int, max_test: int, test_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the reference and the new (test) cells among ``qset``'s labelled cells, seeded."""
    rng = np.random.default_rng(seed)
    cells = rng.permutation(np.flatnonzero(qset.labelled))
    n_test = min(max_test, int(round(test_share * len(cells))))
    return np.sort(cells[n_test:n_test + max_ref]), np.sort(cells[:n_test])


def measured(model, mdata, i: int) -> np.ndarray:
    """``mdata``'s modality ``i`` (the model's order) as the model normalises it, dense, in its feature order."""
    pre = model.preprocessor
    a = mdata.mod[list(mdata.mod)[i]]
    counts = a.layers["counts"] if "counts" in a.layers else a.X
    cols = pd.Index(a.var_names).get_indexer(pd.Index(pre.var_names[i]))
    if (cols < 0).any():
        raise ValueError(f"{(cols < 0).sum()} of the model's features are not in the data")
    normed = pre.normalise(i, counts[:, cols])
    return np.asarray(normed.toarray() if hasattr(normed, "toarray") else normed, dtype=np.float64)


def scores(pred: np.ndarray, truth: np.ndarray) -> dict:
    """RMSE over every entry; Pearson's r over each cell's features, averaged over the cells whose values vary; the
    prediction's spread over the cells, sqrt(its variance over the cells summed over the features / the measured
    values'): below 1, a prediction drawn towards the mean, as a least-squares prediction of a noisy target is."""
    pred, truth = np.asarray(pred, np.float64), np.asarray(truth, np.float64)
    rmse = float(np.sqrt(np.mean((pred - truth) ** 2)))
    a, b = pred - pred.mean(axis=1, keepdims=True), truth - truth.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    ok = den > 0
    spread = float(np.sqrt(pred.var(axis=0).sum() / truth.var(axis=0).sum()))
    return {"rmse": rmse, "r": float(((a * b).sum(axis=1)[ok] / den[ok]).mean()), "n cells r": int(ok.sum()),
            "spread": spread}


def run(name: str, seed: int, args) -> list[dict]:
    qset = load_set(name)
    ref, test = split(qset, seed, args.max_ref, args.max_test, args.test_share)
    refdata = qset.mdata[ref].copy()
    refdata.obs["ct"] = qset.obs["label"].iloc[ref].astype(str).to_numpy()
    t = time.perf_counter()
    model = JAE(replace(JAEConfig(), max_epochs=args.max_epochs), seed=seed, device="cpu").fit(
        refdata, cell_type_key="ct", progress_bar=False)
    fit_s = time.perf_counter() - t
    if model.fit_cells is None:
        raise RuntimeError(f"{name}: the model keeps no fitted cells; new cells would be read undivided either way")
    newdata = qset.mdata[test].copy()
    own = np.random.default_rng(seed + 1).choice(len(ref), min(len(test), len(ref)), replace=False)
    owndata = refdata[np.sort(own)].copy()
    target = 1
    base = {"set": name, "seed": seed, "n ref": len(ref), "n new": len(test), "fit s": round(fit_s, 1),
            "epochs": int(model.history["epoch"].max()) if "epoch" in model.history else None,
            "modality": model.preprocessor.kinds[target]}
    rows = []
    truth_new, truth_own = measured(model, newdata, target), measured(model, owndata, target)
    for cells, data, truth in (("new", newdata, truth_new), ("fit's own", owndata, truth_own)):
        rna = data.mod[list(data.mod)[0]].copy()  # the RNA alone: nothing of the second modality
        for method in METHODS:
            for variant in (("undivided", "divided") if cells == "new" else ("undivided",)):
                with new_cells_divided() if variant == "divided" else nullcontext():
                    out = jae.impute(model, rna, method=method)
                pred = out[rna.obs_names].X
                if not out.var_names.equals(pd.Index(model.preprocessor.var_names[target])):
                    raise RuntimeError("impute's features are not the model's")
                rows.append({**base, "cells": cells, "method": method, "variant": variant, **scores(pred, truth)})
    mean = measured(model, refdata, target).mean(axis=0, keepdims=True)
    rows.append({**base, "cells": "new", "method": "mean", "variant": "-",
                 **scores(np.repeat(mean, len(truth_new), axis=0), truth_new)})
    basis = model.preprocessor.bases[target]
    if basis is not None:
        coords = model.preprocessor._features_of(target, truth_new.astype(np.float32))
        rows.append({**base, "cells": "new", "method": "through the basis", "variant": "-",
                     **scores(coords @ basis.components, truth_new)})
    return rows


def table(df: pd.DataFrame) -> str:
    """Markdown: per set, mean over seeds of RMSE and r for each cells/method/variant; the decoder's relative change;
    the decision by the rule of the module docstring."""
    df = df.copy()
    df["row"] = df["cells"] + " cells, " + df["method"] + np.where(df["variant"] == "-", "", ", " + df["variant"])
    order = list(dict.fromkeys(df["row"]))
    sets = [s for s in SETS if s in set(df["set"])]
    seeds = df.groupby("set")["seed"].nunique()
    lines = []
    for what in [w for w in ("rmse", "r", "spread") if w in df]:
        t = df.groupby(["row", "set"])[what].mean().unstack("set").reindex(index=order, columns=sets)
        t["mean over sets"] = t.mean(axis=1)
        head = "| " + {"rmse": "RMSE", "r": "per-cell r", "spread": "spread"}[what] + " | " + " | ".join(
            f"{s} ({seeds[s]} seeds)" for s in sets) + " | mean over sets |"
        lines += [head, "|---" * (len(sets) + 2) + "|"]
        lines += ["| " + r + " | " + " | ".join("-" if np.isnan(v) else f"{v:.4f}" for v in t.loc[r]) + " |"
                  for r in t.index]  # (through the basis: SVD modalities only, its mean over those sets)
        lines.append("")
    rm = df.groupby(["row", "set"])["rmse"].mean().unstack("set").reindex(columns=sets)
    decision = []
    for method in METHODS:
        und, div = f"new cells, {method}, undivided", f"new cells, {method}, divided"
        if und not in rm.index or div not in rm.index:
            continue
        change = rm.loc[div] / rm.loc[und] - 1
        lines.append(f"{method}: divided RMSE / undivided - 1, per set: " + ", ".join(
            f"{s} {100 * change[s]:+.2f}%" for s in sets) + f"; mean over sets {rm.loc[und].mean():.4f} -> "
            f"{rm.loc[div].mean():.4f}")
        if method == "decoder":
            adopt = rm.loc[div].mean() < rm.loc[und].mean() and bool((change <= 0.01).all())
            decision.append(f"Rule (decoder): mean RMSE falls and no set rises by more than 1% -> "
                            f"{'ADOPT divided' if adopt else 'keep undivided'}")
    fits = df.drop_duplicates(["set", "seed"])[["set", "seed", "modality", "n ref", "n new", "epochs", "fit s"]]
    lines += ["", *decision, "", "| set | seed | modality | n ref | n new | epochs | fit s |", "|---" * 7 + "|"]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in fits.itertuples(index=False)]
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS, help="real sets (default: all five)")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="seeds of the split and fit (default 0 1 2)")
    p.add_argument("--max-ref", type=int, default=3000, help="reference cells at most (default 3000)")
    p.add_argument("--max-test", type=int, default=1000, help="new cells at most (default 1000)")
    p.add_argument("--test-share", type=float, default=0.2, help="share of the labelled cells held out (default 0.2)")
    p.add_argument("--max-epochs", type=int, default=30,
                   help="max_epochs of each fit, capped for time (default 30; JAEConfig's own is 500, early stopping "
                        "ending most fits sooner)")
    p.add_argument("--jsonl", type=Path, default=ROWS,
                   help=f"rows file, appended to (default {shown(ROWS)})")
    p.add_argument("--report", action="store_true", help="print the table of the rows in --jsonl and stop")
    args = p.parse_args(argv)
    if args.report and not args.jsonl.is_file():  # (pandas' 'Expected object or value' otherwise)
        p.error(f"--report: no {args.jsonl}; run the sets first, or pass the --jsonl they wrote")
    if not args.jsonl.parent.is_dir():  # before the first fit, not after it
        p.error(f"--jsonl: the folder {args.jsonl.parent} does not exist; create it or pass another path")
    for name, low in (("max_ref", 1), ("max_test", 1), ("max_epochs", 1)):
        if getattr(args, name) < low:
            p.error(f"--{name.replace('_', '-')} must be >= {low}, not {getattr(args, name)}")
    if not 0 < args.test_share < 1:
        p.error(f"--test-share must lie between 0 and 1 (exclusive), not {args.test_share}")
    if not args.report:
        logging.basicConfig(level=logging.ERROR)
        warnings.filterwarnings("ignore")
        for name in args.sets:
            for seed in args.seeds:
                rows = run(name, seed, args)
                with open(args.jsonl, "a") as f:
                    f.writelines(json.dumps(r) + "\n" for r in rows)
                print(json.dumps({k: rows[0][k] for k in ("set", "seed", "fit s", "epochs")}), flush=True)
    df = pd.read_json(args.jsonl, lines=True)
    print(table(df))


if __name__ == "__main__":
    main()
