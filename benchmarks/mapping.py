"""Reference mapping and trusted label transfer (issue 15) on the shared real sets.

For each set the last batch is the query (a seeded 30% of cells for a one-batch set), the other cells with a label
are the reference:

- (d) ``map_query`` against refitting: a reference model mapped onto the query (``JAE.map_query``) and a refit on
  reference + query (the query unlabelled, fine-tuned on as ``JAE.fit`` does); the overall score of every labelled
  cell's embedding (``_quality_score.Scorer``) and the wall time of mapping vs refitting;
- (c) calibration: the expected calibration error (10 bins) of the mapped model's confidence on the query cells (a
  test set the calibration never saw) and on the held-out reference cells it was fitted on;
- (b) unknown detection: a reference without one cell type (the query's median-sized type with >= 20 cells),
  mapped; the AUROC of ``LabelCalibration.unknown_score`` for that type's query cells vs the rest, and the call rates.

    OMP_NUM_THREADS=1 python benchmarks/mapping.py --sets bmmc_cite bmmc_multiome reapseq_pbmc --out benchmarks/results/mapping.md
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

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import load_set  # noqa: E402
from _quality_score import Scorer  # noqa: E402

from jae import JAE, JAEConfig  # noqa: E402
from jae.model.calibration import expected_calibration_error  # noqa: E402

log = logging.getLogger("mapping")


def _split(qset, seed: int) -> np.ndarray:
    batches = sorted(qset.obs["batch"].astype(str).unique())
    if len(batches) > 1:
        return (qset.obs["batch"].astype(str) == batches[-1]).to_numpy()
    rng = np.random.default_rng(seed)
    return rng.random(qset.n_cells) < 0.3


def _with(qset, labels) -> object:
    m = qset.mdata.copy()
    m.obs["ct"] = pd.Series(labels, index=m.obs_names).astype(object)
    return m


def run_set(name: str, config: JAEConfig, seed: int) -> dict:
    from sklearn.metrics import roc_auc_score

    qset = load_set(name)
    query = _split(qset, seed)
    labelled = qset.labelled
    label = qset.obs["label"].astype(object)
    ref_rows = ~query & labelled
    out = {"set": name, "cells": qset.n_cells, "query cells": int(query.sum())}
    # (d) map vs refit
    ref_data = _with(qset, label.where(ref_rows))[ref_rows].copy()
    q_data = qset.mdata[query].copy()
    t = time.perf_counter()
    ref_model = JAE(config, seed=seed, device="cpu").fit(ref_data, cell_type_key="ct", progress_bar=False)
    out["reference fit s"] = time.perf_counter() - t
    t = time.perf_counter()
    mapped = ref_model.map_query(q_data, batch_key="batch", progress_bar=False)
    out["map_query s"] = time.perf_counter() - t
    scored = np.flatnonzero(labelled & (ref_rows | query))
    scorer = Scorer(qset, scored)
    all_data = qset.mdata[scored].copy()
    out["overall map_query"] = scorer(mapped.embed(all_data, key_added=None))["overall"]
    out["overall zero-shot"] = scorer(ref_model.embed(all_data, key_added=None))["overall"]
    t = time.perf_counter()
    refit = JAE(config, seed=seed, device="cpu").fit(
        _with(qset, label.where(ref_rows)), cell_type_key="ct", reference=ref_rows, progress_bar=False)
    out["refit s"] = time.perf_counter() - t
    out["overall refit"] = scorer(refit.embed(all_data, key_added=None))["overall"]
    out["speed-up"] = out["refit s"] / out["map_query s"]
    # (c) calibration on the query (a true test set) and on the held-out reference cells
    q_lab = labelled & query & label.astype(str).isin(ref_model.cell_types).to_numpy()
    q_eval = qset.mdata[q_lab].copy()
    emb = mapped.embed(q_eval, key_added=None)
    Z = mapped.latent(q_eval)
    prob = mapped.calibration.probabilities(Z[:, mapped.layout.block("cell_type")])
    codes = pd.Categorical(label[q_lab].astype(str), categories=mapped.cell_types).codes
    raw = np.exp(Z[:, mapped.layout.block("cell_type")] - Z[:, mapped.layout.block("cell_type")].max(1, keepdims=True))
    raw /= raw.sum(1, keepdims=True)
    out["query accuracy"] = float((prob.argmax(1) == codes).mean())
    out["ECE query calibrated"] = expected_calibration_error(prob, codes)
    out["ECE query raw"] = expected_calibration_error(raw, codes)
    out["ECE held-out ref"] = mapped.calibration.ece
    out["temperature"] = mapped.calibration.temperature
    del emb
    # (b) one type left out of the reference
    sizes = label[query & labelled].astype(str).value_counts()
    sizes = sizes[sizes >= 20]
    novel = sizes.index[len(sizes) // 2]
    ref2 = ref_rows & (label.astype(str) != novel).to_numpy()
    m2 = JAE(config, seed=seed, device="cpu").fit(_with(qset, label.where(ref2))[ref2].copy(), cell_type_key="ct",
                                                   progress_bar=False)
    mapped2 = m2.map_query(q_data, batch_key="batch", progress_bar=False)
    q_all = qset.mdata[query & labelled].copy()
    pred = mapped2.predict_cell_type(q_all)
    emb2 = mapped2.embed(q_all, key_added=None)
    is_new = (label[query & labelled].astype(str) == novel).to_numpy()
    rest = emb2[:, mapped2.layout.n_cell_type:]
    score = mapped2.calibration.unknown_score(pred["confidence"].to_numpy(), rest)
    out["left-out type"] = f"{novel} ({int(is_new.sum())})"
    out["unknown AUROC"] = float(roc_auc_score(is_new, score))
    out["AUROC 1-confidence"] = float(roc_auc_score(is_new, 1 - pred["confidence"].to_numpy()))
    out["AUROC distance"] = float(roc_auc_score(is_new, mapped2.calibration.relative_distance(rest)))
    out["unknown rate left-out"] = float(pred["unknown"][is_new].mean())
    out["unknown rate known"] = float(pred["unknown"][~is_new].mean())
    return out


def _markdown(table: pd.DataFrame) -> str:
    def cell(v):
        return f"{v:.3f}" if isinstance(v, (float, np.floating)) else str(v)
    lines = ["| | " + " | ".join(map(str, table.columns)) + " |", "|---" * (len(table.columns) + 1) + "|"]
    lines += ["| " + str(i) + " | " + " | ".join(cell(v) for v in row) + " |" for i, row in table.iterrows()]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sets", nargs="+", default=["bmmc_cite", "bmmc_multiome", "reapseq_pbmc"])
    p.add_argument("--max-epochs", type=int, default=None, help="cap on pretraining epochs (default: the config's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="markdown table to write (default: print only)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    config = JAEConfig() if args.max_epochs is None else replace(JAEConfig(), max_epochs=args.max_epochs)
    rows = []
    for name in args.sets:
        row = run_set(name, config, args.seed)
        print(row, flush=True)
        rows.append(row)
    table = pd.DataFrame(rows).set_index("set").T
    text = _markdown(table)
    print(text)
    if args.out is not None:
        args.out.write_text(
            "# Reference mapping benchmark (issue 15)\n\n"
            f"`OMP_NUM_THREADS=1 python benchmarks/mapping.py --sets {' '.join(args.sets)}"
            + (f" --max-epochs {args.max_epochs}" if args.max_epochs else "") + f" --seed {args.seed}`\n\n"
            "Targets: unknown AUROC >= 0.85; calibration error <= 0.02; map_query within 0.01 of a refit's overall "
            "score and >= 5x faster.\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
