"""Benchmark of modality prediction: jae against the per-feature mean, kNN and ridge baselines.

Tasks (every direction of every paired dataset in ../shared/data):

- BMMC starter, predict_modality sets (train batch s1d1, test s1d2): GEX->ADT and GEX->ATAC as given, ADT->GEX and
  ATAC->GEX with the mod1/mod2 files swapped. Targets: the files' ``.X`` (competition convention).
- SNARE-seq mouse cortex: train on the first 8 libraries by sorted name, test on the last 4; GEX->ATAC, ATAC->GEX.
- PBMC10k CITE: one seeded 80/20 split of the cells (split seed 0, the same for every method seed); GEX->ADT,
  ADT->GEX.

SNARE-seq and PBMC10k hold raw counts only; their targets follow the competition's convention built from counts
(:mod:`jae.predict.targets`). Every method sees the same source encoding and target and is scored with
``jae.metrics`` (RMSE, the competition's metric; MAE; Pearson) on the test cells, for seeds 0, 1, 2.

Usage::

    python benchmarks/predict.py                  # full run -> benchmarks/results/predict.{md,json}
    python benchmarks/predict.py --tune           # validation-split tuning -> benchmarks/results/predict_tune.*
    python benchmarks/predict.py --tasks cite     # only tasks whose name contains 'cite'

Tuning scores configurations on a validation split of the *training* cells only (never on test cells).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import anndata as ad
import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SEEDS = (0, 1, 2)
PBMC_SPLIT_SEED = 0
SNARE_TRAIN_LIBRARIES = 8


@dataclass
class Task:
    """One prediction direction of one dataset: paired training cells, query cells and their true target."""

    name: str
    train_source: ad.AnnData
    train_target: ad.AnnData
    test_source: ad.AnnData
    test_target: ad.AnnData
    note: str = ""


def _read(path: Path) -> ad.AnnData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ad.read_h5ad(path)


def _bmmc_tasks(data: Path) -> list[Task]:
    tasks = []
    for sub, other in (("cite", "ADT"), ("multiome", "ATAC")):
        folder = data / "neurips2021_starter" / "predict_modality" / sub
        f = {k: _read(folder / f"openproblems_bmmc_{sub}_starter.{k}.h5ad") for k in ("train_mod1", "train_mod2", "test_mod1", "test_mod2")}
        n = f["train_mod1"].n_obs
        tasks.append(Task(f"bmmc_{sub}_GEX2{other}", f["train_mod1"], f["train_mod2"], f["test_mod1"], f["test_mod2"], f"{n} train cells"))
        tasks.append(Task(f"bmmc_{sub}_{other}2GEX", f["train_mod2"], f["train_mod1"], f["test_mod2"], f["test_mod1"], f"{n} train cells"))
    return tasks


def _split_tasks(name: str, rna: ad.AnnData, other: ad.AnnData, kind: str, train: np.ndarray, note: str) -> list[Task]:
    test = ~train
    for a in (rna, other):
        a.var["feature_types"] = "GEX" if a is rna else kind
    return [
        Task(f"{name}_GEX2{kind}", rna[train], other[train], rna[test], other[test], note),
        Task(f"{name}_{kind}2GEX", other[train], rna[train], other[test], rna[test], note),
    ]


def load_tasks(data: Path) -> list[Task]:
    """All benchmark tasks, in table order."""
    tasks = _bmmc_tasks(data)
    rna, atac = _read(data / "snareseq_mouse_cortex" / "rna.h5ad"), _read(data / "snareseq_mouse_cortex" / "atac.h5ad")
    libs = sorted(rna.obs["batch"].astype(str).unique())
    train = rna.obs["batch"].astype(str).isin(libs[:SNARE_TRAIN_LIBRARIES]).to_numpy()
    note = f"train {libs[0]}..{libs[SNARE_TRAIN_LIBRARIES - 1]} ({train.sum()} cells), test {libs[SNARE_TRAIN_LIBRARIES]}..{libs[-1]}"
    tasks += _split_tasks("snareseq", rna, atac, "ATAC", train, note)
    rna, adt = _read(data / "pbmc10k_cite" / "rna.h5ad"), _read(data / "pbmc10k_cite" / "adt.h5ad")
    perm = np.random.default_rng(PBMC_SPLIT_SEED).permutation(rna.n_obs)
    train = np.zeros(rna.n_obs, dtype=bool)
    train[perm[: int(round(0.8 * rna.n_obs))]] = True
    tasks += _split_tasks("pbmc10k", rna, adt, "ADT", train, f"seeded 80/20 split ({train.sum()} train cells)")
    return tasks


def test_target(task: Task):
    """The test cells' target in the competition's convention (``.X`` of the BMMC files, built from counts else)."""
    from jae.io import detect_kind
    from jae.predict.targets import target_matrix

    t = task.test_target
    counts = t.layers["counts"] if "counts" in t.layers else None
    return target_matrix(t.X, counts, detect_kind(t), name=f"{task.name} test target")


def score(pred, truth) -> dict[str, float]:
    """RMSE, MAE and Pearson of a prediction against the truth, from ``jae.metrics``."""
    from jae.metrics import mae, pearson, rmse

    pred = pred.toarray() if hasattr(pred, "toarray") else np.asarray(pred)
    truth = truth.toarray() if hasattr(truth, "toarray") else np.asarray(truth)
    return {"rmse": float(rmse(truth, pred)), "mae": float(mae(truth, pred)), "pearson": float(pearson(truth, pred))}


def validation_task(task: Task, *, seed: int, fraction: float = 0.2) -> Task:
    """A task whose 'test' cells are a seeded split of the training cells (for tuning; test cells unused)."""
    perm = np.random.default_rng(1000 + seed).permutation(task.train_source.n_obs)
    n_val = int(round(fraction * len(perm)))
    val, fit = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    src, tgt = task.train_source, task.train_target
    return Task(task.name, src[fit], tgt[fit], src[val], tgt[val], f"validation split of {task.name}")


def run_one(task: Task, method: str, seed: int, config, truth) -> dict:
    from jae.predict import ModalityPredictor
    from jae.predict.split import block_sse

    t0 = time.perf_counter()
    model = ModalityPredictor(method, config=config).fit(task.train_source, task.train_target, seed=seed, progress_bar=False)
    fit_s = time.perf_counter() - t0
    pred = model.predict(task.test_source, output="dense")
    rec = {"task": task.name, "method": method, "seed": seed, "fit_s": round(fit_s, 2)}
    if truth is None:  # tuning: validation RMSE only, no jae.metrics needed
        truth = test_target(task)
        rec["rmse"] = float(np.sqrt(block_sse(iter([pred.X]), truth) / (truth.shape[0] * truth.shape[1])))
    else:
        rec.update(score(pred.X, truth))
    if method == "jae":
        rec["epochs"] = [len(h) for h in model.history]
        rec["best_epoch"] = [int(min(h, key=lambda e: e["val"])["epoch"]) for h in model.history]
    return rec
