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

- (a) ``--mode rna-only``: the query cells mapped with RNA alone (the second modality dropped; :mod:`jae.query`
  fills in its columns from RNA by the reference cells' regression) against the same cells mapped with both:
  label-transfer accuracy of each on the query cells whose type the reference has, and the 15-NN overlap of the
  RNA-only embedding with the paired one (each query cell's 15 nearest query cells in one and in the other).

    OMP_NUM_THREADS=1 python benchmarks/mapping.py --sets bmmc_cite bmmc_multiome reapseq_pbmc --out benchmarks/results/mapping.md
    OMP_NUM_THREADS=1 python benchmarks/mapping.py --mode rna-only --out benchmarks/results/mapping_rna_only.md

- (item 3) ``--mode mosaic``: a fit on data in which 30% of the cells keep RNA only and 20% the second modality only
  (:mod:`jae.mosaic`): label transfer to the query's one-modality cells vs the same cells with both modalities.

    OMP_NUM_THREADS=1 python benchmarks/mapping.py --mode mosaic --sets bmmc_multiome pbmc10k_cite --max-epochs 30 \
        --out benchmarks/results/mapping_mosaic.md
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import SETS, SIMULATED, SUBSAMPLED, load_set, missing_data  # noqa: E402
from _quality_score import Scorer  # noqa: E402

from jae import JAE, JAEConfig  # noqa: E402
from jae.labels.unknown import SMOOTH_K  # noqa: E402
from jae.model.calibration import calibration_error_floor, expected_calibration_error  # noqa: E402
from jae.model.voters import nearest  # noqa: E402
from _results import write_text  # noqa: E402

log = logging.getLogger("mapping")


def _split(qset, seed: int) -> np.ndarray:
    batches = sorted(qset.obs["batch"].astype(str).unique())
    if len(batches) > 1:
        return (qset.obs["batch"].astype(str) == batches[-1]).to_numpy()
    rng = np.random.default_rng(seed)
    return rng.random(qset.n_cells) < 0.3


def reference_shares(vot: np.ndarray, new: np.ndarray, k: int = SMOOTH_K) -> np.ndarray:
    """``(len(new),)``: the share of ``vot`` (reference cells, or a model's voters) among each new cell's ``k``
    nearest other cells (``vot`` and ``new`` together), over the share expected were the new cells a sample of the same
    population: about 1 when the new cells mix with the reference's, near 0 when they sit beside them
    (``unknown_selection.md``, session 40)."""
    pool = np.vstack([vot, new]).astype(np.float32)
    idx = nearest(pool, new.astype(np.float32), k + 1)[0]
    own = idx == (len(vot) + np.arange(len(new)))[:, None]
    drop = np.where(own.any(axis=1), own.argmax(axis=1), k)  # the cell itself, else the farthest of k + 1
    keep = np.ones(idx.shape, bool)
    keep[np.arange(len(new)), drop] = False
    idx = idx[keep].reshape(len(new), k)
    return (idx < len(vot)).mean(axis=1) / (len(vot) / (len(vot) + len(new) - 1))


def voter_share(vot: np.ndarray, new: np.ndarray, k: int = SMOOTH_K) -> float:
    """The mean of :func:`reference_shares`: the default mode reports it for the query cells as mapped, zero-shot and
    refitted (the query's reference neighbours)."""
    return float(reference_shares(vot, new, k).mean())


def _with(qset, labels) -> object:
    m = qset.mdata.copy()
    m.obs["ct"] = pd.Series(labels, index=m.obs_names).astype(object)
    return m


def _map(model, data):
    """``model.map_query(data)``, or ``model`` itself when every query batch is one it knows (a one-batch set's
    query is a sample of that batch): map_query refuses those, there being no new batch to shift, and the model as it
    is embeds them, as map_query's shift-free mapping did before it refused."""
    if set(data.obs["batch"].astype(str)) <= set(map(str, model.batches)):
        return model
    return model.map_query(data, batch_key="batch", progress_bar=False)


def _setup(name: str, seed: int):
    """One set split into query and reference: the set, the query mask, the labelled mask, the labels, the
    reference rows (labelled, not query) and the result row's first fields."""
    qset = load_set(name)
    query = _split(qset, seed)
    labelled = qset.labelled
    out = {"set": name, "cells": qset.n_cells, "query cells": int(query.sum())}
    return qset, query, labelled, qset.obs["label"].astype(object), ~query & labelled, out


def run_set(name: str, config: JAEConfig, seed: int) -> dict:
    from sklearn.metrics import roc_auc_score

    qset, query, labelled, label, ref_rows, out = _setup(name, seed)
    # (d) map vs refit
    ref_data = _with(qset, label.where(ref_rows))[ref_rows].copy()
    q_data = qset.mdata[query].copy()
    t = time.perf_counter()
    ref_model = JAE(config, seed=seed, device="cpu").fit(ref_data, cell_type_key="ct", progress_bar=False)
    out["reference fit s"] = time.perf_counter() - t
    t = time.perf_counter()
    mapped = _map(ref_model, q_data)
    out["map_query s"] = time.perf_counter() - t
    scored = np.flatnonzero(labelled & (ref_rows | query))
    scorer = Scorer(qset, scored)
    all_data = qset.mdata[scored].copy()
    in_ref, in_query = ref_rows[scored], query[scored]
    for what, model in (("map_query", mapped), ("zero-shot", ref_model)):
        emb = model.embed(all_data, key_added=None)
        out[f"overall {what}"] = scorer(emb)["overall"]
        out[f"query's reference neighbours {what}"] = voter_share(emb[in_ref], emb[in_query])
    t = time.perf_counter()
    refit = JAE(config, seed=seed, device="cpu").fit(
        _with(qset, label.where(ref_rows)), cell_type_key="ct", reference=ref_rows, progress_bar=False)
    out["refit s"] = time.perf_counter() - t
    emb = refit.embed(all_data, key_added=None)
    out["overall refit"] = scorer(emb)["overall"]
    out["query's reference neighbours refit"] = voter_share(emb[in_ref], emb[in_query])
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
    out["ECE floor query calibrated"] = calibration_error_floor(prob)
    out["ECE held-out ref"] = mapped.calibration.ece
    out["temperature"] = mapped.calibration.temperature
    del emb
    # (b) one type left out of the reference
    novel, mapped2, q_all, emb2, is_new = _left_out_type(qset, query, labelled, label, ref_rows, config, seed)
    pred = mapped2.predict_cell_type(q_all, embedding=emb2)
    rest = emb2[:, mapped2.layout.n_cell_type:]
    # the call's own score (session 41; before it, LabelCalibration.unknown_score of the embedding given, a rule the
    # call no longer uses, which on a mapped model's scaled embedding is not what the call reads)
    score = pred["unknown_score"].to_numpy()
    out["left-out type"] = f"{novel} ({int(is_new.sum())})"
    out["unknown AUROC"] = float(roc_auc_score(is_new, score))
    out["AUROC 1-confidence"] = float(roc_auc_score(is_new, 1 - pred["confidence"].to_numpy()))
    out["AUROC distance"] = float(roc_auc_score(is_new, mapped2.calibration.relative_distance(rest)))
    out["unknown rate left-out"] = float(pred["unknown"][is_new].mean())
    out["unknown rate known"] = float(pred["unknown"][~is_new].mean())
    return out


def _left_out_type(qset, query, labelled, label, ref_rows, config, seed):
    """A reference without the query's median-sized type (of those with >= 20 query cells), mapped onto the query:
    that type's name, the mapped model, the labelled query cells, their embedding and which of them are that type."""
    sizes = label[query & labelled].astype(str).value_counts()
    sizes = sizes[sizes >= 20]
    novel = sizes.index[len(sizes) // 2]
    ref2 = ref_rows & (label.astype(str) != novel).to_numpy()
    m2 = JAE(config, seed=seed, device="cpu").fit(_with(qset, label.where(ref2))[ref2].copy(), cell_type_key="ct",
                                                   progress_bar=False)
    mapped2 = _map(m2, qset.mdata[query].copy())
    q_all = qset.mdata[query & labelled].copy()
    emb2 = mapped2.embed(q_all, key_added=None)
    is_new = (label[query & labelled].astype(str) == novel).to_numpy()
    return novel, mapped2, q_all, emb2, is_new


def run_labels(name: str, config: JAEConfig, seed: int) -> dict:
    """Label transfer (issue 12, issue 15 item 4) without the refit: the mapped query's accuracy and ECE by the head
    alone and by the head + 15-NN vote mixture (:mod:`jae.labels`), and the unknown AUROC and call rates of every
    candidate score (:func:`jae.labels.unknown_scores`), with one type left out of the reference (as in ``map``)."""
    from sklearn.metrics import roc_auc_score

    from jae.labels.transfer import _linear, _mixed, unknown_scores, vote
    from jae.model.readout import softmax
    from jae.model.voters import mixture

    qset, query, labelled, label, ref_rows, out = _setup(name, seed)
    t = time.perf_counter()
    ref_model = JAE(config, seed=seed, device="cpu").fit(_with(qset, label.where(ref_rows))[ref_rows].copy(),
                                                         cell_type_key="ct", progress_bar=False)
    out["reference fit s"] = time.perf_counter() - t
    mapped = _map(ref_model, qset.mdata[query].copy())
    q_lab = labelled & query & label.astype(str).isin(ref_model.cell_types).to_numpy()
    q_eval = qset.mdata[q_lab].copy()
    emb = mapped.embed(q_eval, key_added=None)
    logits = mapped.latent(q_eval)[:, mapped.layout.block("cell_type")]
    codes = pd.Categorical(label[q_lab].astype(str), categories=mapped.cell_types).codes
    head = mapped.calibration.probabilities(logits)
    votes = vote(mapped, emb)
    pred = mapped.predict_cell_type(q_eval, embedding=emb)
    mix = pred["cell_type"].to_numpy() == label[q_lab].astype(str).to_numpy()
    out["voters"] = len(mapped.voters)
    out["query accuracy head"] = float((head.argmax(1) == codes).mean())
    out["query accuracy 15-NN vote"] = float((votes.argmax(1) == codes).mean())
    out["query accuracy mixture"] = float(mix.mean())
    out["ECE query head (T=1)"] = expected_calibration_error(softmax(logits), codes)
    # the returned probabilities (round 45: the linear classifier's mixture with the vote; files before it: the head's)
    returned = _mixed(mapped, head, emb, None, _linear(mapped, None))
    out["ECE query mixture"] = expected_calibration_error(returned, codes)
    # what perfectly calibrated probabilities would score on these cells (the binned estimate's own bias)
    out["ECE floor query mixture"] = calibration_error_floor(returned)
    out["ECE query head + vote (before round 45)"] = expected_calibration_error(mixture(head, votes), codes)
    out["ECE held-out ref mixture"] = mapped.calibration.ece
    out["ECE floor held-out ref"] = mapped.calibration.ece_floor
    out["ECE held-out ref mixture T=1"] = mapped.calibration.ece_raw
    out["temperature"] = mapped.calibration.temperature
    out["linear temperature"] = mapped.calibration.linear_temperature
    # is the query's ECE shift? the same confidence against accuracy on the held-out reference cells and the query
    from jae.train import split_validation

    _, val_idx = split_validation(int(ref_rows.sum()), config.val_fraction, seed=seed)
    held = qset.mdata[np.flatnonzero(ref_rows)[val_idx]].copy()
    pred_held = ref_model.predict_cell_type(held)
    out["held-out ref accuracy mixture"] = float(
        (pred_held["cell_type"].to_numpy() == label[ref_rows].astype(str).to_numpy()[val_idx]).mean())
    out["held-out ref mean confidence"] = float(pred_held["confidence"].mean())
    out["query mean confidence"] = float(pred["confidence"].mean())
    novel, mapped2, q_all, emb2, is_new = _left_out_type(qset, query, labelled, label, ref_rows, config, seed)
    pred2 = mapped2.predict_cell_type(q_all, embedding=emb2)
    scores = unknown_scores(mapped2, emb2)
    out["left-out type"] = f"{novel} ({int(is_new.sum())})"
    for what, sc in scores.items():  # "head_or_far" is the call (jae.labels.UNKNOWN_SCORE)
        out[f"AUROC {what}"] = float(roc_auc_score(is_new, sc))
    for what, sc in scores.items():
        out[f"unknown rate left-out, {what}"] = float((sc[is_new] > 1).mean())
        out[f"unknown rate known, {what}"] = float((sc[~is_new] > 1).mean())
    out["unknown rate left-out, predict_cell_type"] = float(pred2["unknown"].to_numpy()[is_new].mean())
    out["unknown rate known, predict_cell_type"] = float(pred2["unknown"].to_numpy()[~is_new].mean())
    return out


def knn_overlap(a: np.ndarray, b: np.ndarray, k: int = 15) -> float:
    """Mean share of each row's ``k`` nearest rows in ``a`` that are also among its ``k`` nearest in ``b``."""
    from sklearn.neighbors import NearestNeighbors

    ia = NearestNeighbors(n_neighbors=k + 1).fit(a).kneighbors(a, return_distance=False)[:, 1:]
    ib = NearestNeighbors(n_neighbors=k + 1).fit(b).kneighbors(b, return_distance=False)[:, 1:]
    return float(np.mean([len(np.intersect1d(x, y)) / k for x, y in zip(ia, ib)]))


def _reference_and_query(qset, query, labelled, label, ref_rows, out: dict, config: JAEConfig, seed: int):
    """A reference model fitted on the labelled reference cells (its fit time in ``out``) and the query: its paired
    cells, their RNA alone (the batch copied into its obs), which query cells have a type the reference knows
    (``evaluated``) and those cells' labels: (a)'s start, and ``benchmarks/peaks_remap.py``'s."""
    t = time.perf_counter()
    model = JAE(config, seed=seed, device="cpu").fit(_with(qset, label.where(ref_rows))[ref_rows].copy(),
                                                     cell_type_key="ct", progress_bar=False)
    out["reference fit s"] = time.perf_counter() - t
    paired = qset.mdata[query].copy()
    rna = paired["rna"].copy()
    rna.obs["batch"] = paired.obs["batch"].astype(str).to_numpy()
    evaluated = (labelled & query & label.astype(str).isin(model.cell_types).to_numpy())[query]
    truth = label[query].astype(str).to_numpy()[evaluated]
    return model, paired, rna, evaluated, truth


def run_rna_only(name: str, config: JAEConfig, seed: int) -> dict:
    """(a): the query mapped with RNA alone vs with both modalities."""
    qset, query, labelled, label, ref_rows, out = _setup(name, seed)
    ref_model, paired, rna, evaluated, truth = _reference_and_query(qset, query, labelled, label, ref_rows, out,
                                                                    config, seed)
    out["query cells scored"] = int(evaluated.sum())
    embs = {}
    for how, model_of in (("mapped", lambda d: ref_model.map_query(d, batch_key="batch", progress_bar=False)),
                          ("zero-shot", lambda d: ref_model)):
        for what, data in (("paired", paired), ("RNA-only", rna)):
            t = time.perf_counter()
            model = model_of(data)
            emb = model.embed(data, key_added=None)
            pred = model.predict_cell_type(data, embedding=emb)
            out[f"{how} {what} s"] = time.perf_counter() - t
            out[f"{how} accuracy {what}"] = float((pred["cell_type"].to_numpy()[evaluated] == truth).mean())
            embs[how, what] = emb
        out[f"{how} accuracy gap"] = out[f"{how} accuracy paired"] - out[f"{how} accuracy RNA-only"]
        out[f"{how} 15-NN overlap"] = knn_overlap(embs[how, "RNA-only"], embs[how, "paired"])
    # context: the paired embedding's own 15-NN stability (a reference fitted with the next seed, mapped the same way)
    other = JAE(config, seed=seed + 1, device="cpu").fit(_with(qset, label.where(ref_rows))[ref_rows].copy(),
                                                         cell_type_key="ct", progress_bar=False)
    out["paired 15-NN overlap, seed vs seed+1"] = knn_overlap(
        other.map_query(paired, batch_key="batch", progress_bar=False).embed(paired, key_added=None),
        embs["mapped", "paired"])
    # how much the second modality adds to a linear classifier of the input features (reference -> query cells)
    from sklearn.linear_model import LogisticRegression

    X_ref = ref_model._features(qset.mdata[ref_rows].copy(), layer="counts")[0]
    X_q = ref_model._features(paired, layer="counts")[0]
    k = ref_model.preprocessor.bases[0].n_components
    guess = ref_model._features(rna, layer="counts")[0][:, k:]
    out["second modality R^2 (imputed vs measured)"] = float(
        1 - ((guess - X_q[:, k:]) ** 2).sum() / ((X_q[:, k:] - X_q[:, k:].mean(0)) ** 2).sum())
    X_q = X_q[evaluated]
    for what, cols in (("paired", slice(None)), ("RNA-only", slice(0, k))):
        clf = LogisticRegression(C=0.1, max_iter=2000).fit(X_ref[:, cols], label[ref_rows].astype(str).to_numpy())
        out[f"linear classifier accuracy {what}"] = float((clf.predict(X_q[:, cols]) == truth).mean())
    return out


def run_mosaic(name: str, config: JAEConfig, seed: int) -> dict:
    """Mosaic fit (issue 15 item 3): a seeded 30% of all cells keep RNA only, 20% the second modality only; the
    query's labels hidden. Label transfer to the query's one-modality cells by the mosaic model, against the same
    cells given both modalities (the same model; a model fitted on the full paired data), and against a model fitted
    on the paired cells alone that embeds the one-modality cells through the query path (:mod:`jae.query`)."""
    import mudata as md

    qset, query, labelled, label, ref_rows, out = _setup(name, seed)
    full = _with(qset, label.where(ref_rows))
    other = next(k for k in full.mod if k != "rna")
    r = np.random.default_rng(seed + 100).random(qset.n_cells)
    groups = {"RNA-only": r < 0.3, "second-only": (r >= 0.3) & (r < 0.5), "paired": r >= 0.5}
    out["second modality"] = other
    mosaic = md.MuData({"rna": full["rna"][~groups["second-only"]].copy(),
                        other: full[other][~groups["RNA-only"]].copy()})
    mosaic.obs = mosaic.obs.join(full.obs[["batch", "ct"]])
    fits = {}
    for how, data in (("mosaic", mosaic), ("full paired", full), ("paired cells only", full[groups["paired"]].copy())):
        t = time.perf_counter()
        fits[how] = JAE(config, seed=seed, device="cpu").fit(data, cell_type_key="ct", progress_bar=False)
        out[f"fit s, {how}"] = time.perf_counter() - t
    scored = labelled & query & label.astype(str).isin(fits["mosaic"].cell_types).to_numpy()
    truth = label.astype(str).to_numpy()
    cells = full.obs_names

    def accuracy(model, data) -> np.ndarray:
        return model.predict_cell_type(data)["cell_type"].reindex(cells).to_numpy() == truth

    hits = {("mosaic", "as measured"): accuracy(fits["mosaic"], mosaic),
            ("mosaic", "both modalities"): accuracy(fits["mosaic"], full),
            ("full paired", "both modalities"): accuracy(fits["full paired"], full),
            ("paired cells only", "as measured"): accuracy(fits["paired cells only"], mosaic)}
    emb_mos = fits["mosaic"].embed(mosaic, key_added=None)[mosaic.obs_names.get_indexer(cells)]
    emb_full = fits["mosaic"].embed(full, key_added=None)
    for group, rows in groups.items():
        sel = rows & scored
        out[f"{group} query cells scored"] = int(sel.sum())
        for (model, given), hit in hits.items():
            out[f"{group}: {model} model, {given}"] = float(hit[sel].mean())
        if group != "paired":
            gap = out[f"{group}: mosaic model, both modalities"] - out[f"{group}: mosaic model, as measured"]
            out[f"{group}: gap to both modalities (mosaic model)"] = gap
            sel_q = rows & query
            out[f"{group}: 15-NN overlap with both modalities"] = knn_overlap(emb_mos[sel_q], emb_full[sel_q])
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
    p.add_argument("--mode", choices=["map", "rna-only", "mosaic", "labels"], default="map",
                   help="map: (b)-(d), map_query vs refit, calibration, unknown; rna-only: (a), RNA-only query cells; "
                   "mosaic: fit on cells missing a modality")
    p.add_argument("--modality-dropout", type=float, default=None,
                   help="mosaic mode: jae.mosaic.MODALITY_DROPOUT for this run (default: the library's)")
    p.add_argument("--max-epochs", type=int, default=None, help="cap on pretraining epochs (default: the config's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None,
                   help="markdown table to write (default: print only; --mode mosaic adds a section to it)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out (modes other than mosaic)")
    args = p.parse_args(argv)
    known = (*SETS, *SIMULATED, *SUBSAMPLED)
    unknown = [s for s in args.sets if s not in known]
    if unknown:
        p.error(f"--sets {unknown[0]} is no set; sets: {', '.join(known)}")
    if args.max_epochs is not None and args.max_epochs < 1:
        p.error(f"--max-epochs must be a positive whole number, got {args.max_epochs}")
    if args.out is not None and not args.out.parent.is_dir():
        p.error(f"--out {args.out}: folder {args.out.parent} does not exist")
    if args.out is not None and args.out.exists() and args.mode != "mosaic" and not args.overwrite:
        p.error(f"--out {args.out} exists; pass --overwrite to replace it or choose another --out")
    problem = missing_data(args.sets)
    if problem:
        p.error(problem)
    logging.basicConfig(level=logging.WARNING)
    config = JAEConfig() if args.max_epochs is None else replace(JAEConfig(), max_epochs=args.max_epochs)
    # an experiment's config fields, e.g. JAE_VARIANT_CONFIG='{"type_linear": false}' (as benchmarks/_embed_variants.py)
    config = replace(config, **json.loads(os.environ.get("JAE_VARIANT_CONFIG", "{}")))
    if args.modality_dropout is not None:
        import jae.mosaic

        jae.mosaic.MODALITY_DROPOUT = args.modality_dropout
    rows = []
    for name in args.sets:
        row = {"map": run_set, "rna-only": run_rna_only, "mosaic": run_mosaic, "labels": run_labels}[args.mode](
            name, config, args.seed)
        print(row, flush=True)
        rows.append(row)
    table = pd.DataFrame(rows).set_index("set").T
    text = _markdown(table)
    print(text)
    if args.out is not None and args.mode == "mosaic":
        import jae.mosaic

        head = (f"`OMP_NUM_THREADS=1 python benchmarks/mapping.py --mode mosaic --sets {' '.join(args.sets)}"
                + (f" --max-epochs {args.max_epochs}" if args.max_epochs else "")
                + (f" --modality-dropout {args.modality_dropout}" if args.modality_dropout is not None else "")
                + f" --seed {args.seed}` (modality dropout {jae.mosaic.MODALITY_DROPOUT})")
        old = args.out.read_text() if args.out.exists() else ""
        intro = (
            "# Mosaic fit (issue 15 item 3)\n\n"
            "Each set's cells: a seeded 30% keep RNA only, 20% the second modality only, 50% both; the query's labels "
            "(the last batch; a seeded 30% of a one-batch set) are hidden. Accuracy: label transfer to the query "
            "cells of each group whose type the reference has. 'as measured': the cells with the modalities they "
            "kept; 'both modalities': the same cells with both. Models: 'mosaic', fitted on the mosaic data "
            "(jae.mosaic); 'full paired', fitted with every cell paired (what the data would give unhidden); "
            "'paired cells only', fitted on the 50% paired cells, the one-modality cells embedded through the query "
            "path. 15-NN overlap: each one-modality query cell's 15 nearest among them, as measured vs both "
            "modalities, in the mosaic model.\n\n")
        write_text(args.out, (old if old.startswith("# Mosaic") else intro) + "## " + head + "\n\n" + text + "\n\n")
    elif args.out is not None and args.mode == "rna-only":
        write_text(
            args.out,
            "# RNA-only query cells (issue 15, benchmark (a))\n\n"
            f"`OMP_NUM_THREADS=1 python benchmarks/mapping.py --mode rna-only --sets {' '.join(args.sets)}"
            + (f" --max-epochs {args.max_epochs}" if args.max_epochs else "") + f" --seed {args.seed}`\n\n"
            "The query cells (the last batch; a seeded 30% of a one-batch set) embedded with both modalities and with "
            "RNA alone, by the reference model mapped onto them (`map_query`) and by the reference model itself "
            "(zero-shot). Accuracy: label transfer on the query cells whose type the reference has. Target: RNA-only "
            "accuracy within 0.05 of paired. 15-NN overlap: each query cell's 15 nearest query cells in the RNA-only "
            "embedding that are also among its 15 nearest in the paired one. Linear classifier: a logistic regression "
            "(C=0.1) of the reference cells' labels on their input features (both modalities, or the RNA block "
            "alone), scored on the same query cells: what the second modality adds to a classifier that sees it. "
            "Seed vs seed+1: the paired embedding's 15-NN overlap with a reference fitted with the next seed (how "
            "stable the neighbourhoods are at all). R^2: the imputed second-modality input columns against the "
            "measured ones on the query cells.\n\n" + text + "\n")
    elif args.out is not None and args.mode == "labels":
        write_text(
            args.out,
            "# Label transfer: head vs head + 15-NN vote mixture, unknown score (issues 12, 15)\n\n"
            f"`OMP_NUM_THREADS=1 python benchmarks/mapping.py --mode labels --sets {' '.join(args.sets)}"
            + (f" --max-epochs {args.max_epochs}" if args.max_epochs else "") + f" --seed {args.seed}`\n\n"
            "Query: the last batch (a seeded 30% of a one-batch set), mapped with map_query. Accuracy and ECE (10 bins) "
            "on the query cells whose type the reference has: the calibrated head alone, the 15-NN vote among the "
            "voters alone, and their equal mixture (what predict_cell_type returns). Unknown: a second reference "
            "without the query's median-sized type; AUROC of the left-out type's query cells vs the rest for each "
            "score of jae.labels.unknown_scores (head: 1 - the calibrated head's top probability averaged over 10 "
            "query neighbours; far: the centroid distance averaged so; head_or_far: the larger, the call; "
            "confidence: 1 - the mixture's; centroid: distance to the nearest type centroid; knn: mean distance to "
            "the 15 nearest voters), and call rates at each score's held-out threshold (5% of the held-out reference "
            "cells). Held-out ref accuracy / mean confidence against the query's: whether the query's ECE is shift. "
            "ECE floor: what perfectly calibrated probabilities with the same confidences would score on as many cells "
            "(jae.model.calibration.calibration_error_floor). Targets: ECE <= 0.02, AUROC >= 0.85.\n\n" + text + "\n")
    elif args.out is not None:
        write_text(
            args.out,
            "# Reference mapping benchmark (issue 15)\n\n"
            f"`OMP_NUM_THREADS=1 python benchmarks/mapping.py --sets {' '.join(args.sets)}"
            + (f" --max-epochs {args.max_epochs}" if args.max_epochs else "") + f" --seed {args.seed}`\n\n"
            "Targets: unknown AUROC >= 0.85; calibration error <= 0.02; map_query within 0.01 of a refit's overall "
            "score and >= 5x faster.\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
