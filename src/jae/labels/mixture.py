"""The probabilities of label transfer (:mod:`jae.labels`): the calibrated cell-type head read off an embedding, the
15-NN vote among the model's reference voters (:mod:`jae.model.voters`), the voters' linear classifier
(:mod:`jae.model.linear`) and the equal mixture :func:`jae.JAE.predict_cell_type` returns; the mean distance to the
nearest voters that older files' unknown call reads."""

from __future__ import annotations

import numpy as np

from ..model.linear import LinearClassifier, kept_fit
from ..model.readout import softmax
from ..model.voters import K_VOTE, mixture, nearest


def vote(model, embedding: np.ndarray, voter_embedding: np.ndarray | None = None) -> np.ndarray | None:
    """``(n, n_types)`` 15-NN vote shares of the model's voters for cells with this model's ``embedding``; the voters
    are embedded by the current network as reference cells (no query shift), unless ``voter_embedding`` already
    holds that. None for a model without voters."""
    voters = getattr(model, "voters", None)
    if voters is None or not len(voters):  # no voters: no vote (not rows of zeros)
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


def _linear(model, voter_embedding: np.ndarray | None) -> LinearClassifier | None:
    """The voters' linear classifier (:mod:`jae.model.linear`) of their embedding as the network is now: the one
    ``model.voter_linear`` keeps when it was fitted on this embedding (:func:`voters_linear`), else fitted (and kept);
    None for a model whose probabilities mix the head instead (no voters, or a file saved before it)."""
    cal, voters = model.calibration, getattr(model, "voters", None)
    if voters is None or cal is None or not cal.linear or not len(voters):
        return None
    if voter_embedding is None:
        voter_embedding = model.embed_transformed(voters.features)
    return voters_linear(model, voter_embedding, voters.codes)


def voters_linear(model, voter_embedding: np.ndarray, codes: np.ndarray) -> LinearClassifier:
    """The linear classifier of voters labelled ``codes`` fitted on ``voter_embedding`` (theirs, as ``model``'s network
    makes it now): ``model.voter_linear`` when its digest says it was fitted on exactly these columns and labels, else
    a new fit, which replaces it (:func:`jae.model.linear.kept_fit`)."""
    n_ct = model.layout.n_cell_type
    kept = kept_fit(getattr(model, "voter_linear", None), voter_embedding[:, n_ct:], codes, n_ct)
    model.voter_linear = kept
    return kept.classifier


def _mixed(model, head: np.ndarray, embedding: np.ndarray, voter_embedding: np.ndarray | None,
           linear: LinearClassifier | None = None) -> np.ndarray:
    """The returned probabilities: the voters' vote mixed in equal parts with the calibrated linear classifier
    (``linear``, :func:`_linear`) or, for files saved before it, with the calibrated ``head`` (the head alone for a
    model without voters)."""
    votes = vote(model, embedding, voter_embedding)
    if votes is None:
        return head
    if linear is not None:
        rest = np.asarray(embedding)[:, model.layout.n_cell_type:]
        return mixture(model.calibration.linear_probabilities(linear.logits(rest)), votes)
    return mixture(head, votes)


def _head_probabilities(model, embedding: np.ndarray) -> np.ndarray:
    """The calibrated head's ``(n, n_types)`` probabilities, read from the cell-type part of this model's
    ``embedding``."""
    if model.readout is None:
        prob = softmax(embedding[:, model.layout.block("cell_type")])
    else:
        prob = model.readout.probabilities(embedding, model.layout)
    return prob if model.calibration is None else model.calibration.rescale(prob)
