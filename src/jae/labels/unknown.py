"""The unknown call of label transfer (:mod:`jae.labels`): which score calls a cell unknown (:data:`UNKNOWN_SCORE`),
each cell's score averaged over its nearest cells among those predicted with it (:func:`smooth_over_cells`), and
every candidate score of an embedding (:func:`unknown_scores`, for comparing them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .embedding_record import scored_embedding
from .heldout_alone import alone_thresholds
from ..model.calibration import UNKNOWN_QUANTILE
from .mixture import _head_probabilities, _knn_distance, _linear, _mixed
from ..model.voters import nearest


#: The unknown call's score: "head", 1 - the calibrated head's top probability (the head alone, before the mixture
#: with the vote) in units of its held-out threshold (LabelCalibration.head_score); a cell is unknown when the head is
#: less sure than for all but 5% of the held-out reference cells. Chosen on reference cells only, leaving one type out
#: inside each reference (benchmarks/_unknown_select.py, benchmarks/results/unknown_selection.md; 5 real sets, seeds
#: 0-2, 30 left-out types): AUROC 0.784 mean over sets against 0.673 for the previous score (the mean distance to the
#: 15 nearest voters, "knn"), higher on every set, and above the mixture's confidence (0.760; 23 of 30 left-out
#: types). Mechanism: the head's softmax compares the known types' logits, and a cell of a type the reference lacks
#: sits between known types there, so the head spreads its probability; the vote is often unanimous, since such a
#: cell's nearest reference cells tend to be one related type, which is why the mixture's confidence separates less.
#: Distances separate worse because reference density differs between types, and because the held-out cells that set
#: their thresholds were in the SVD fit and lie farther from the voters than new cells (95% quantiles 1.1-1.5x those
#: of unseen reference cells), so distance calls were rare. Models saved before it ("head_threshold" absent) keep
#: "knn"; models without voters the centroid distance.
#: Session 35: the call is the head's averaged score OR the averaged distance to the nearest type centroid in units
#: of the type's spread ("far", :meth:`LabelCalibration.far_score`), each over its own held-out threshold; the score
#: is the larger of the two. Mechanism: the head misses a missing type it takes confidently for a close known
#: relative (BMMC CITE's reticulocytes beside erythroblasts), which lies away from the relative's centroid; the
#: distance alone separates worse (density differs between types) and its held-out threshold overshoots on new
#: cells (they were outside the SVD fit), so it adds few calls: known cells flagged 6.5% -> 6.7%, left-out 47.7% ->
#: 48.2%. Leaving one type out inside each reference (5 sets, seeds 0-9, 100 types; unknown_selection.md, session
#: 35): AUROC 0.809 -> 0.839 mean over sets, worst set 0.555 -> 0.706 (BMMC CITE; PBMC10k 0.982 -> 0.972, SNARE-seq
#: 0.806 -> 0.782 fall), with the new type at 5% of the query 0.819 -> 0.821. Rank mixes of the two had higher AUROC
#: but flagged 0.2% of known cells for a 5% budget and half the left-out ones, so the call is the OR of two tests.
UNKNOWN_SCORE = "head_or_far"
#: The head's score is averaged over each cell and its :data:`SMOOTH_K` nearest neighbours among the cells predicted
#: together (the query), in the embedding's columns after the cell-type part, and called against the same held-out
#: threshold (session 29, with 15 neighbours; `unknown_selection.md`): one cell's confidence is noisy, while the
#: cells of a type the reference lacks form a group of their own in the query whose confidences are low together, so
#: the average keeps that shift and cuts the cell-to-cell noise. Leaving one type out inside each reference (5 real sets, seeds 0-2, 30
#: types): AUROC 0.812 -> 0.842 mean over sets, higher on every set (BMMC CITE +0.004, BMMC Multiome +0.075, PBMC10k
#: +0.010, REAP-seq +0.032, SNARE-seq +0.027) and for 26 of 30 types, also with the new type at 5% of the query
#: (0.812 -> 0.843, every set); at the threshold known cells called unknown 10.2% -> 6.6%, left-out ones 50.8% ->
#: 49.6%. So a cell is judged with the cells passed with it: predicting it alone gives its own score. At most
#: SMOOTH_ANCHORS cells (a sample chosen by the cells' names, seeded by the model's seed: :func:`anchor_rows`, the
#: same whatever the cells' order) are the neighbours the score is averaged over, so a
#: million-cell query costs one 10-NN search against 20,000 cells; all of a smaller query.
SMOOTH_ANCHORS = 20_000
#: Neighbours the head's score is averaged over (session 30, `unknown_selection.md`): 15 (the vote's K_VOTE, session
#: 29) lowered BMMC CITE over seeds 0-4 (AUROC 0.663 -> 0.655; seed 3 -0.081), where a left-out type has 32-45 cells
#: next to a known relative (naive B beside the other B cells, reticulocytes beside erythroblasts), so 15 neighbours
#: reach into the relative's confident cells and pull the group's average below the threshold. With 10 the group
#: keeps more of its own cells: seeds 0-4, 50 left-out types, AUROC 0.816 -> 0.844 mean over sets, every set higher
#: (BMMC CITE 0.663 -> 0.680, BMMC Multiome 0.788 -> 0.844, PBMC10k 0.976 -> 0.982, REAP-seq 0.878 -> 0.903,
#: SNARE-seq 0.776 -> 0.811), 44 of 50 types; with the new type at 5% of the query every set higher too (0.821 ->
#: 0.841); known cells flagged 9.5% -> 6.9%, left-out ones 52.1% -> 50.1%. 5 neighbours: 0.841, every set higher.
SMOOTH_K = 10


def other_cells(rest: np.ndarray, *, seed: int, k: int = SMOOTH_K, anchors: int = SMOOTH_ANCHORS,
                names=None) -> np.ndarray:
    """``(n, min(k, n - 1))`` int64: the rows of each cell's ``k`` nearest other cells that :func:`smooth_over_cells`
    averages over (``(n, 0)`` for ``k < 1``); searched once for every score of the same cells (one 10-NN search
    against 20,000 anchors took 10 s at 200,000 cells, half of predict_cell_type's time when done per score).
    ``names``: the cells' names, which choose the anchors when there are more cells (:func:`anchor_rows`)."""
    n = len(rest)
    pool = np.arange(n) if n <= anchors else anchor_rows(rest, anchors, seed=seed, names=names)
    take = max(min(k, len(pool) - 1), 0)
    if not take:
        return np.zeros((n, 0), np.int64)
    neighbours = pool[nearest(np.asarray(rest)[pool], rest, take + 1)[0]]
    own = neighbours == np.arange(n)[:, None]
    drop = np.where(own.any(axis=1), own.argmax(axis=1), take)  # the cell itself, else the farthest of take + 1
    keep = np.ones(neighbours.shape, dtype=bool)
    keep[np.arange(n), drop] = False
    return neighbours[keep].reshape(n, take)


def _positions(text: pd.Index) -> bool:
    """Whether unique names ``text`` are the row numbers '0' to 'n - 1' (in any order)."""
    if not len(text) or not str(text[0]).isdigit():  # (barcodes: no row numbers written out to compare)
        return False
    return bool(text.isin(pd.RangeIndex(len(text)).astype(str)).all())  # n unique names among n numbers: all of them


def anchor_rows(rest: np.ndarray, anchors: int, *, seed: int, names=None) -> np.ndarray:
    """Sorted rows of the ``anchors`` cells :func:`other_cells` searches among when there are more cells: those whose
    names hash lowest (seeded), or without ``names`` (or with repeated ones) those whose values do (a hash of each
    row's float32 bits), a sample that does not depend on the cells' order, so the same cells get the same calls
    however the query is sorted (before: the rows at seeded positions). Names first, since values are not exact
    enough: embedding the same cells in another order can round a row's last bits otherwise (a BLAS product's rows
    take different kernels by their position on some CPUs: 2e-6 on an AMD EPYC), and one bit picks another sample."""
    text = None if names is None or len(names) != len(rest) else pd.Index(names).astype(str)
    if text is not None and text.is_unique and not _positions(text):
        # (names that repeat, as text, cannot choose, nor the positions '0' to 'n-1' an AnnData or a DataFrame made
        # from an array is given, in any order: they name rows, not cells; the values do)
        key = pd.util.hash_array(np.asarray(text, dtype=object),  # siphash keyed by the seed: the same on every
                                 hash_key=f"{int(seed) % 10**16:016d}")  # platform and in every process
        return np.sort(np.argsort(key, kind="stable")[:anchors])
    rest = np.asarray(rest)
    weights = np.random.default_rng(seed).integers(1, 2**63, size=rest.shape[1], dtype=np.uint64) | np.uint64(1)
    key = np.empty(len(rest), np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64: exact, whatever the order
        for s in range(0, len(rest), 65_536):  # uint64 copies of a chunk, not of a million cells' embedding
            bits = np.ascontiguousarray(rest[s : s + 65_536], dtype=np.float32).view(np.uint32).astype(np.uint64)
            h = (bits * weights).sum(axis=1, dtype=np.uint64)  # odd weights: every bit of every column counts
            h ^= h >> np.uint64(31)
            h *= np.uint64(0x9E3779B97F4A7C15)
            key[s : s + len(h)] = h ^ (h >> np.uint64(29))
    return np.sort(np.argsort(key, kind="stable")[:anchors])


def smooth_over_cells(rest: np.ndarray, score: np.ndarray, *, seed: int, k: int = SMOOTH_K,
                      anchors: int = SMOOTH_ANCHORS, others: np.ndarray | None = None) -> np.ndarray:
    """``(n,)``: each cell's ``score`` averaged with those of its ``k`` nearest other cells (Euclidean, rows of
    ``rest``), the neighbours taken among all cells when there are at most ``anchors``, else among a seeded sample of
    ``anchors`` of them (``seed``); the same for every cell whatever the chunking (:data:`SMOOTH_ANCHORS`).
    ``others``: those neighbours, :func:`other_cells` of the same arguments, when already searched."""
    score = np.asarray(score, np.float64)
    n = len(score)
    if n < 2 or k < 1:
        return score.copy()
    others = other_cells(rest, seed=seed, k=k, anchors=anchors) if others is None else others
    return (score + score[others].sum(axis=1)) / (others.shape[1] + 1)


def unknown_scores(model, embedding: np.ndarray, voter_embedding: np.ndarray | None = None, *,
                   observed: np.ndarray | None = None, names=None) -> dict[str, np.ndarray]:
    """Every candidate unknown score of cells with this model's ``embedding``, each ``(n,)`` in units of its threshold
    on the held-out reference cells (> 1: called unknown by that score): ``"head"`` (the call's, see
    :data:`UNKNOWN_SCORE`: ``"head_cell"``, the cell's own, averaged over the cells given, :func:`smooth_over_cells`;
    for models that store its threshold), ``"confidence"`` (1 - the top probability of the returned mixture),
    ``"centroid"`` (``"far_cell"``: the same with one-modality cells in their own units, :meth:`far_score`;
    ``"far"``: averaged as ``"head"``; ``"head_or_far"``: the larger of ``"head"`` and ``"far"``, the call's score)
    and, for a model with voters, ``"knn"``. ``observed``: ``(n, 2)`` bool, the modalities each cell
    was measured in (:func:`jae.query.measured` of its data; None: all both), whose one-modality cells the head's
    scores measure against their own thresholds, as :func:`predict_cell_type` does. A model mapped with the
    held-out scale (:class:`jae.mapping.adapter.QueryAdapter`) embeds its mapped batches' cells on the scaled
    features, and a model that keeps its fitted cells embeds new cells so too (:mod:`jae.query.fit_cells`), while
    :func:`predict_cell_type`'s call reads them unscaled: for those cells the scores of their embedding are not the
    call's (its ``unknown_score`` is). ``names``: the cells' names (None: an AnnData's or a DataFrame's own), which
    choose the sample a query of more than :data:`SMOOTH_ANCHORS` cells is averaged over, as
    :func:`predict_cell_type`'s do (without them, its values: :func:`anchor_rows`)."""
    model._require_fitted()
    cal = model.calibration
    if not model.layout.n_cell_type or cal is None:
        why = ("was fitted without cell types (unsupervised mode)" if not model.layout.n_cell_type else
               "was saved before jae calibrated its labels")
        raise ValueError(f"this model {why}; it has no unknown scores")
    if names is None:  # an AnnData's (a DataFrame's) cells choose the anchors of a large query, as predict_cell_type's
        names = embedding.index if isinstance(embedding, pd.DataFrame) else getattr(embedding, "obs_names", None)
    embedding = scored_embedding(model, embedding)  # an AnnData: its X; (n_cells, the model's columns), finite
    if observed is not None and np.shape(observed) != (len(embedding), 2):
        raise ValueError(f"observed has shape {np.shape(observed)}, not ({len(embedding)}, 2): pass "
                         "jae.query.measured(model, data) of the embedding's cells, or None (every cell paired)")
    voters = getattr(model, "voters", None)
    if voters is not None and voter_embedding is None:
        voter_embedding = model.embed_transformed(voters.features)
    head = _head_probabilities(model, embedding)
    prob = _mixed(model, head, embedding, voter_embedding, _linear(model, voter_embedding))
    rest = embedding[:, model.layout.n_cell_type:]
    out = {"confidence": cal.confidence_score(prob.max(axis=1)),
           "centroid": cal.centroid_score(rest)}
    if np.isfinite(cal.head_threshold):
        if observed is not None and not np.asarray(observed).all():
            alone_thresholds(model)
            cal = model.calibration
        observed = None if observed is None else np.asarray(observed, bool)
        out["head_cell"], out["far_cell"] = cal.head_score(head.max(axis=1), observed), cal.far_score(rest, observed)
        others = other_cells(rest, seed=model.seed, names=names)  # one search serves both averages
        out["head"] = smooth_over_cells(rest, out["head_cell"], seed=model.seed, others=others)
        out["far"] = smooth_over_cells(rest, out["far_cell"], seed=model.seed, others=others)
        out["head_or_far"] = np.maximum(out["head"], out["far"])
    if voters is not None and np.isfinite(cal.knn_threshold):
        out["knn"] = cal.knn_score(_knn_distance(model, embedding, voter_embedding))
    return out


def _unknown_call(model, head: np.ndarray, embedding: np.ndarray, voter_embedding: np.ndarray | None,
                  observed: np.ndarray | None = None) -> np.ndarray:
    """``(n,)`` float: the unknown score of one chunk of cells, in units of its threshold on the held-out reference
    cells (> 1: unknown). By :data:`UNKNOWN_SCORE` (:func:`_head_call`) each cell's own, which
    :func:`predict_cell_type` then averages over all the cells given; else the score the model's file has a threshold
    for (files saved before ``head_threshold``: the voter distance; without voters: the centroid distance); 0
    without a calibration (no call). ``observed``: the cells' modalities (:meth:`LabelCalibration.head_score`)."""
    cal = model.calibration
    if cal is None:
        return np.zeros(len(head))
    if _head_call(model):  # (n, 2): the head's and the distance's, averaged and compared by predict_cell_type
        return np.column_stack([cal.head_score(head.max(axis=1), observed),
                                cal.far_score(embedding[:, model.layout.n_cell_type:], observed)])
    if getattr(model, "voters", None) is not None and np.isfinite(cal.knn_threshold):
        return cal.knn_score(_knn_distance(model, embedding, voter_embedding))
    return cal.centroid_score(embedding[:, model.layout.n_cell_type:])


#: Share of a reference type's own training cells (the voters) that the head's test flags above which a fit warns
#: that the unknown call will flag most cells of that type (:func:`unsure_types`).
UNSURE_SHARE = 0.5


def unsure_types(model, cal, voter_logits: np.ndarray, codes: np.ndarray) -> list[tuple[str, int, float]]:
    """``(name, training cells, share flagged)`` of each reference type whose own training cells (the voters, their
    head ``voter_logits`` and labels ``codes``) the unknown call's head test flags in more than :data:`UNSURE_SHARE`
    (cells are not averaged with their neighbours here). The held-out threshold is set by all held-out cells together,
    and an early-stopped head stays unsure of a type it saw a few times, so new cells of such a type are flagged far
    more often than the 5% budget: over the shared sets' leave-one-type-out fits (``unknown_selection.md``, session
    39) 25% of such types' test cells on BMMC CITE, 92% on PBMC10k (two clusters of 14 and 21 training cells among
    6,000), 37% on REAP-seq, against 0.4-4.7% of the other types' (SNARE-seq: 2.7%, the average over neighbours
    lifts them). Empty when the call is not the head's, or when its threshold rests on fewer held-out cells than its
    quantile needs (``1 / UNKNOWN_QUANTILE``; that threshold's own warning speaks then)."""
    if (UNKNOWN_SCORE != "head_or_far" or cal is None or not np.isfinite(cal.head_threshold) or not len(codes)
            or cal.n_heldout < round(1 / UNKNOWN_QUANTILE)):
        return []
    flagged = cal.head_score(cal.probabilities(voter_logits).max(axis=1)) > 1
    codes = np.asarray(codes)
    out = []
    for t, name in enumerate(model.cell_types):
        rows = codes == t
        if rows.any() and flagged[rows].mean() > UNSURE_SHARE:
            out.append((str(name), int(rows.sum()), float(flagged[rows].mean())))
    return out


def _head_call(model) -> bool:
    """Whether the unknown call is the head's (:data:`UNKNOWN_SCORE`, a model storing its threshold)."""
    return (model.calibration is not None and UNKNOWN_SCORE == "head_or_far"
            and np.isfinite(model.calibration.head_threshold))
