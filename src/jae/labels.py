"""Label transfer (:meth:`jae.JAE.predict_cell_type`): calibrated cell-type probabilities and the unknown call.

The probabilities are the equal mixture of two classifiers with different errors (issue 12):

- the network's cell-type head: the softmax of the latent's cell-type logits at a temperature ``T``;
- the 15-NN vote among the model's reference voters (:mod:`jae.model.voters`: a seeded sample of the training
  reference cells, kept as input features) in jae's embedding, the voters embedded by the current network.

``T`` is fitted on the held-out reference cells (never voters) to minimise the mixture's negative log-likelihood,
so the final probabilities are the calibrated ones; the expected calibration error of the mixture on those cells is
``model.calibration.ece``. A cell is called unknown when it is unlike every reference type
(:class:`jae.model.calibration.LabelCalibration`). Models saved without voters (format 2) give the head alone.
Everything is fitted at the end of :meth:`jae.JAE.fit_transformed` by :func:`fit_calibration`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .model.calibration import LabelCalibration
from .model.readout import softmax
from .model.voters import K_VOTE, Voters, mixture, nearest

__all__ = ["predict_cell_type", "fit_calibration", "vote", "unknown_scores", "UNKNOWN_SCORE"]

logger = logging.getLogger(__name__)

#: The unknown call's score: "knn", the mean distance to the 15 nearest voters in the embedding's non-type columns in
#: units of the held-out reference cells' 95% quantile (LabelCalibration.knn_score), or "centroid", the distance to
#: the nearest type centroid (LabelCalibration.unknown_score; models without voters). kNN adopted: left-out-type
#: AUROC 0.643 -> 0.844 (PBMC10k), 0.498 -> 0.668 (SNARE), benchmarks/results/mapping_labels.md. A centroid
#: summarises a type by one point and one spread; a type absent from the reference can sit between centroids yet
#: away from every reference cell, which only the distance to the nearest cells sees.
UNKNOWN_SCORE = "knn"


def vote(model, embedding: np.ndarray, voter_embedding: np.ndarray | None = None) -> np.ndarray | None:
    """``(n, n_types)`` 15-NN vote shares of the model's voters for cells with this model's ``embedding``; the voters
    are embedded by the current network as reference cells (no query shift), unless ``voter_embedding`` already
    holds that. None for a model without voters."""
    voters = getattr(model, "voters", None)
    if voters is None:
        return None
    if voter_embedding is None:
        voter_embedding = model.embed_transformed(voters.features)
    return voters.vote(voter_embedding, embedding, model.layout.n_cell_type)


def _knn_distance(model, embedding: np.ndarray, voter_embedding: np.ndarray | None = None) -> np.ndarray:
    """Mean distance of each cell to its ``K_VOTE`` nearest voters, in the embedding's columns after the cell type."""
    n_ct = model.layout.n_cell_type
    if voter_embedding is None:
        voter_embedding = model.embed_transformed(model.voters.features)
    return nearest(voter_embedding[:, n_ct:], np.asarray(embedding)[:, n_ct:], K_VOTE)[1].mean(axis=1)


def unknown_scores(model, embedding: np.ndarray) -> dict[str, np.ndarray]:
    """Both candidate unknown scores of cells with this model's ``embedding`` (1 = the threshold): ``"centroid"``
    and, for a model with voters, ``"knn"`` (see :data:`UNKNOWN_SCORE`)."""
    cal, rest = model.calibration, np.asarray(embedding)[:, model.layout.n_cell_type:]
    out = {"centroid": cal.unknown_score(None, rest) / max(cal.score_threshold, 1e-12)}
    if getattr(model, "voters", None) is not None and np.isfinite(cal.knn_threshold):
        out["knn"] = cal.knn_score(_knn_distance(model, embedding))
    return out


def fit_calibration(
    model, X: np.ndarray, ref: np.ndarray, codes: np.ndarray, val_idx: np.ndarray
) -> tuple[LabelCalibration, Voters]:
    """Voters, temperature and unknown thresholds of ``model`` on the held-out reference cells (positions ``val_idx``
    in the reference rows ``ref`` of the features ``X``, the pretraining's validation split; ``codes``: the reference
    cells' labels); voters (a sample seeded by the model's seed) and type centroids from the other reference cells;
    fitted after fine-tuning, so they describe the final network."""
    train = np.setdiff1d(np.arange(len(ref)), val_idx)
    n_ct = model.layout.n_cell_type
    voters = Voters.sample(X[ref[train]], codes[train], seed=model.seed)
    X_val = X[ref[val_idx]]
    Z_val = model.latent_transformed(X_val)
    E_val = model._readout(X_val, Z_val)
    V = model.embed_transformed(voters.features)
    cal = LabelCalibration.fit(
        heldout_logits=Z_val[:, model.layout.block("cell_type")], heldout_codes=codes[val_idx],
        heldout_rest=E_val[:, n_ct:],
        train_rest=model.embed_transformed(X[ref[train]])[:, n_ct:], train_codes=codes[train], n_types=n_ct,
        heldout_vote=voters.vote(V, E_val, n_ct) if len(voters) else None,
        heldout_knn=_knn_distance(model, E_val, V) if len(voters) else None,
    )
    logger.info(
        "label transfer: %d voters; calibration on %d held-out reference cells: temperature %.3g, expected "
        "calibration error of the head + %d-NN vote mixture %.4f (at temperature 1: %.4f)",
        len(voters), cal.n_heldout, cal.temperature, K_VOTE, cal.ece, cal.ece_raw,
    )
    return cal, voters


def predict_cell_type(
    model, data, *, layer: str | None = "counts", embedding: np.ndarray | None = None, key_added: str | None = None
) -> pd.DataFrame:
    """:meth:`jae.JAE.predict_cell_type` (see there)."""
    model._require_fitted()
    if not model.layout.n_cell_type:
        raise ValueError("this model was fitted without cell types (unsupervised mode); it cannot predict them")
    n_ct, cal = model.layout.n_cell_type, model.calibration
    if embedding is None:
        X, cells = model._features(data, layer=layer)
        batch = model._adapter_batches(data, cells)
        if model.adapter is not None and batch is not None:
            X = model.adapter.apply(X, batch)
        Z = model.latent_transformed(X)
        logits = model._store(data, Z[:, model.layout.block("cell_type")], cells, None)
        prob = softmax(logits) if cal is None else cal.probabilities(logits)
        embedding = model._store(data, model._readout(X, Z), cells, None)
    else:
        embedding = np.asarray(embedding)
        if model.readout is None:
            prob = softmax(embedding[:, model.layout.block("cell_type")])
        else:
            prob = model.readout.probabilities(embedding, model.layout)
        if cal is not None:
            prob = cal.rescale(prob)
    voters = getattr(model, "voters", None)
    V = None if voters is None else model.embed_transformed(voters.features)  # one pass serves the vote and the call
    votes = vote(model, embedding, V)
    if votes is not None:
        prob = mixture(prob, votes)
    best = prob.argmax(axis=1)
    confidence = prob[np.arange(len(best)), best]
    if cal is None:
        unknown = np.zeros(len(best), dtype=bool)
    elif UNKNOWN_SCORE == "knn" and voters is not None and np.isfinite(cal.knn_threshold):
        unknown = cal.knn_score(_knn_distance(model, embedding, V)) > 1.0
    else:
        unknown = cal.is_unknown(confidence, embedding[:, n_ct:])
    names = getattr(data, "obs_names", None)
    index = pd.Index(names) if names is not None and len(names) == len(prob) else pd.RangeIndex(len(prob))
    labels = pd.DataFrame(
        {"cell_type": np.asarray(model.cell_types)[best], "confidence": confidence, "unknown": unknown}, index=index
    )
    if key_added is not None and hasattr(data, "obsm"):  # data on disk (jae.io.open_*) is never written to
        for column, values in labels.items():
            data.obs[f"{key_added}_{column}"] = values.to_numpy()
    return labels
