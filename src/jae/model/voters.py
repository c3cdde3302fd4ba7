"""Reference voters (issue 12, issue 15 item 4): the k-nearest-neighbour half of label transfer.

A seeded sample of the *training* reference cells (never the held-out cells the calibration is fitted on) is kept
with the model: their **input features** (the SVD features the encoder reads) and their label codes, at most
:data:`MAX_VOTERS` cells. Features rather than embeddings are kept so the vote follows the network as it is now:
after :meth:`jae.JAE.finetune` the voters are embedded again with the fine-tuned network; a model made by
:meth:`jae.JAE.map_query` embeds them as reference cells (no query shift).

Why a vote at all: the cell-type head is a parametric classifier trained with early stopping on the reference's
few cells per type, so it underfits rare types; the 15-NN vote among reference cells in jae's own embedding uses
every voter directly and makes different errors. :func:`mixture` averages the two with equal weight (the un-tuned
equal ensemble, :data:`VOTE_WEIGHT`), which lowers the variance of either alone (validation splits of the reference
cells, benchmarks/results/tuning.md: BMMC Multiome 0.326 -> 0.421, BMMC CITE 0.553 -> 0.589). Since round 45 the
parametric half is a linear classifier fitted on the voters themselves (:mod:`jae.model.linear`), which, unlike the
early-stopped head, is fitted to convergence.

Neighbours are exact (Euclidean, float64 distances, ties to the lower voter index; :func:`nearest`), found in row
blocks of the queries so that memory stays at one float32 ``(block, n_voters)`` score matrix of at most
:data:`ENTRIES_PER_BLOCK` entries per thread: 1M cells against 20,000 voters x 50 dims took 103 CPU s (209 s wall,
2 threads, load 9.6) on this project's shared 2-core machine; the former float64 search took 4.5x the CPU at 100,000
cells (``benchmarks/vote_speed.py``, ``benchmarks/results/scale.md``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .._compiled import compiled
from .._threads import compute_threads
from .._topk import insert
from .._words import fields_line

logger = logging.getLogger(__name__)

__all__ = ["Voters", "CalibrationCells", "MAX_VOTERS", "MAX_CALIBRATION_CELLS", "K_VOTE", "VOTE_WEIGHT", "mixture", "nearest",
           "unvoted"]

#: Most training reference cells kept as voters (a seeded sample above it).
MAX_VOTERS = 20_000
#: Most held-out reference cells kept for the label calibration (:class:`CalibrationCells`; a seeded sample above it).
MAX_CALIBRATION_CELLS = 20_000
#: Neighbours of the vote (the 15-NN vote of the issue-12 comparison).
K_VOTE = 15
#: Weight of the vote in the mixture with the calibrated head: the equal ensemble, not tuned.
VOTE_WEIGHT = 0.5
#: Query rows per block of the exact neighbour search at most (fewer when ``block x n_voters`` would pass
#: :data:`ENTRIES_PER_BLOCK`).
BLOCK = 4096


def mixture(head: np.ndarray, vote: np.ndarray) -> np.ndarray:
    """``(1 - VOTE_WEIGHT) * head + VOTE_WEIGHT * vote``: both ``(n, n_types)`` probabilities, rows summing to 1
    (other shapes are refused in one line, not broadcast)."""
    if np.shape(head) != np.shape(vote):
        raise ValueError(f"head has shape {np.shape(head)}, vote {np.shape(vote)}: expected the same cells and types")
    return ((1.0 - VOTE_WEIGHT) * np.asarray(head, np.float64) + VOTE_WEIGHT * np.asarray(vote, np.float64)).astype(
        np.float32)


#: Score-matrix entries computed at once by :func:`nearest` per thread (float32: 32 MB, its only large buffer; about
#: 400 query rows against 20,000 voters: product + scan measured 2.7-3.6 ns CPU per entry for blocks of 64 to 1,024
#: rows and 4.5 ns for 1,677, on this project's shared 2-core machine).
ENTRIES_PER_BLOCK = 1 << 23
#: Candidates beyond ``k`` kept from the float32 ranking, for the float64 check (see :func:`nearest`).
EXTRA_CANDIDATES = 16


@compiled(nogil=True, inline="always")
def _d2(q, r):
    """Squared euclidean distance of two float32 rows, summed in float64 (the differences are exact)."""
    acc = 0.0
    for t in range(q.shape[0]):
        d = np.float64(q[t]) - np.float64(r[t])
        acc += d * d
    return acc


#: Scores per chunk of the candidate scan: a chunk whose minimum (a vectorised reduction) does not beat the current
#: ``c``-th best is skipped whole, which is most chunks once the list has filled.
CHUNK = 16


@compiled(nogil=True, fastmath=True, inline="always")
def _chunk_min(row, j):
    m = row[j]
    for t in range(j + 1, j + CHUNK):
        m = min(m, row[t])
    return m


@compiled(nogil=True)
def _select(scores, query, reference, q_sq, slack, k, c, idx, dist):
    """For each query row ``i``: the ``c`` smallest float32 ``scores[i]`` (ties: lower index), their exact float64
    squared distances, sorted by (distance, index); the first ``k`` are written to ``idx[i]`` (distances to
    ``dist[i]``) when no unselected voter can be as near (its score is at least the ``c``-th, and scores err by at
    most ``slack[i]``), otherwise the row is searched exactly over all voters. Returns the number of such rows."""
    n_rows, n = scores.shape
    rescanned = np.zeros(n_rows, np.int64)
    for i in range(n_rows):
        row = scores[i]
        vals = np.empty(c, np.float32)
        ids = np.empty(c, np.int64)
        for j in range(c):
            insert(vals, ids, j + 1, row[j], j)
        worst = vals[c - 1]
        j = c
        while j < n:
            end = min(j + CHUNK, n)
            if end - j < CHUNK or _chunk_min(row, j) < worst:
                for t in range(j, end):
                    if row[t] < worst:
                        insert(vals, ids, c, row[t], t)
                        worst = vals[c - 1]
            j = end
        # exact distances of the candidates, ordered by (distance, index) (the list's order)
        dv = np.empty(c, np.float64)
        di = np.empty(c, np.int64)
        for t in range(c):
            insert(dv, di, t + 1, _d2(query[i], reference[ids[t]]), ids[t])
        if c < n and not dv[k - 1] < np.float64(worst) + q_sq[i] - slack[i]:
            rescanned[i] = 1  # an unselected voter may tie or beat the k-th: search every voter exactly
            dv[:k] = np.inf
            for j in range(n):
                v = _d2(query[i], reference[j])
                if v < dv[k - 1]:
                    insert(dv, di, k, v, j)
        idx[i, :] = di[:k]
        for t in range(k):
            dist[i, t] = np.float32(np.sqrt(dv[t]))
    return rescanned.sum()


def nearest(reference: np.ndarray, query: np.ndarray, k: int, *, block: int = BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest rows of ``reference`` for each row of ``query`` (Euclidean): ``(n, k)`` int64 indices and
    ``(n, k)`` float32 distances, nearest first, equal distances by lower index; ``k`` above ``len(reference)``
    gives every row. The queries are processed in blocks of at most ``block`` rows.

    Exact means: the float64 distances of the float32 rows, every voter considered. The voters are ranked first by
    one float32 product per block (``|r|^2 - 2 q.r`` of the rows centred on the voters' mean, a BLAS call) and the
    ``k + EXTRA_CANDIDATES`` best re-measured in float64; a row keeps them when a worst-case bound on the float32
    rounding shows that no other voter can be as near as its ``k``-th, else it is searched exactly over all voters
    (exact ties at the ``k``-th place, duplicated voters). Memory: one ``block x n_voters`` float32 matrix, at most
    :data:`ENTRIES_PER_BLOCK` entries. ``k`` must be a whole number of at least 0 (refused in one line otherwise)."""
    from .._flags import is_whole

    if not is_whole(k, 0):
        raise ValueError(f"k must be a whole number of neighbours, at least 0, not {k!r}")
    reference = np.ascontiguousarray(reference, np.float32)
    query = np.ascontiguousarray(query, np.float32)
    if reference.ndim != 2 or query.ndim != 2 or reference.shape[1] != query.shape[1]:
        raise ValueError(f"voters have shape {reference.shape} and cells {query.shape}: expected the same columns")
    if not (np.isfinite(reference).all() and np.isfinite(query).all()):
        raise ValueError("voters or cells hold NaN or infinite values: no neighbours to find")
    n, dims = reference.shape
    k = min(int(k), n)
    idx = np.empty((len(query), k), np.int64)
    dist = np.empty((len(query), k), np.float32)
    if k == 0 or len(query) == 0:
        return idx, dist
    c = min(k + EXTRA_CANDIDATES, n)
    centre = reference.mean(axis=0, dtype=np.float64)
    ref_c = (reference - centre).astype(np.float32)
    ref_sq = (ref_c.astype(np.float64) ** 2).sum(1)
    # scores = [q, 1] @ [-2 r, |r|^2].T = |r|^2 - 2 q.r, one product; |q|^2 is the same along a row
    augmented = np.ascontiguousarray(np.hstack([-2.0 * ref_c, ref_sq[:, None].astype(np.float32)]).T)
    # worst-case rounding of score + |q|^2 against the exact squared distance: centring (4u), the float32 |r|^2
    # (u) and a (dims + 1)-term float32 dot product (gamma_{dims+1} (2|q||r| + |r|^2)), all <= (2 dims + 8) u
    # (|q|^2 + max |r|^2) with u = 2^-24; doubled for margin
    rel = 2.0 * (2 * dims + 8) * 2.0 ** -24
    block = max(1, min(int(block), ENTRIES_PER_BLOCK // max(n, 1)))
    starts = range(0, len(query), block)
    slack_r = ref_sq.max()

    def work(first: int, step: int) -> int:
        """Blocks ``first, first + step, ...``: one float32 product and one compiled scan each (no GIL held)."""
        scores = np.empty((min(block, len(query)), n), np.float32)
        found = 0
        for s in starts[first::step]:
            q = query[s:s + block]
            q_c = (q - centre).astype(np.float32)
            q_sq = (q_c.astype(np.float64) ** 2).sum(1)
            out = scores[:len(q)]
            np.matmul(np.hstack([q_c, np.ones((len(q), 1), np.float32)]), augmented, out=out)
            found += _select(out, q, reference, q_sq, rel * (q_sq + slack_r), k, c, idx[s:s + block],
                             dist[s:s + block])
        return found

    threads = min(compute_threads(), len(starts))
    if threads == 1:
        rescanned = work(0, 1)
    else:  # one Python thread per core, each with single-threaded BLAS: no thread pools spinning against each other
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
            rescanned = sum(pool.map(work, range(threads), [threads] * threads))
    if rescanned:
        logger.debug("nearest: %d of %d cells searched exactly over all %d voters (ties near their k-th)",
                     rescanned, len(query), n)
    return idx, dist


@dataclass(frozen=True)
class Voters:
    """The reference cells that vote: ``features`` ``(n, n_input)`` float32 input features, ``codes`` ``(n,)`` int64
    label codes (positions in the model's ``cell_types``)."""

    features: np.ndarray
    codes: np.ndarray

    def __repr__(self) -> str:  # the dataclass's printed every array: model.voters was 30 lines
        return fields_line(self)

    @classmethod
    def sample(cls, X: np.ndarray, codes: np.ndarray, *, seed: int, max_voters: int = MAX_VOTERS,
               rows: np.ndarray | None = None) -> "Voters":
        """At most ``max_voters`` of the cells ``rows`` of ``X`` (all rows when None; ``codes`` has one label per
        cell of ``rows``): a seeded sample without replacement, in row order. Only the sampled rows are read."""
        codes = np.asarray(codes, np.int64)
        rows = np.arange(len(codes)) if rows is None else np.asarray(rows)
        if len(rows) != len(codes):  # else the first len(codes) rows would be sampled, each with another's label
            raise ValueError(f"codes has {len(codes)} labels for {len(rows)} rows: expected one label per cell of rows")
        pick = _picked(len(codes), max_voters, seed)
        return cls(features=np.asarray(X[rows[pick]], np.float32), codes=codes[pick])

    def __len__(self) -> int:
        return len(self.codes)

    def vote(self, voter_embedding: np.ndarray, embedding: np.ndarray, n_types: int, *, k: int = K_VOTE,
             block: int = BLOCK) -> np.ndarray:
        """``(n, n_types)`` float32 share of each cell's ``k`` nearest voters of each type, in the embedding
        (``voter_embedding``: the voters' embedding by the same model, row-aligned with :attr:`codes`; other rows, or
        codes past ``n_types``, are refused in one line, as are no voters and ``k`` below 1)."""
        from .._flags import is_whole

        if len(voter_embedding) != len(self) or (len(self) and self.codes.max() >= n_types):
            raise ValueError(f"voter_embedding has {len(voter_embedding)} rows for {len(self)} voters (codes up to "
                             f"{self.codes.max() if len(self) else '-'}, n_types {n_types}): expected one row per voter, "
                             "embed_transformed(voters.features), and the model's number of cell types")
        if not len(self) or not is_whole(k, 1):  # else rows of zeros, not shares
            raise ValueError(f"vote needs at least one voter and k >= 1 neighbours, not {len(self)} voters and k={k!r}")
        idx, _ = nearest(voter_embedding, embedding, k, block=block)
        out = np.zeros((len(embedding), n_types), np.float32)
        np.add.at(out, (np.repeat(np.arange(len(embedding)), idx.shape[1]), self.codes[idx].ravel()), 1.0)
        return out / max(idx.shape[1], 1)

    def to_tensors(self) -> dict[str, np.ndarray]:
        return {"features": np.ascontiguousarray(self.features, np.float32),
                "codes": np.ascontiguousarray(self.codes, np.int64)}

    def describe(self) -> dict:
        """For ``model.json``."""
        return {"n_voters": len(self), "k": K_VOTE, "vote_weight": VOTE_WEIGHT,
                "what": "seeded sample of the training reference cells (not the held-out calibration cells): input "
                        "features and label codes; their embedding is recomputed by the current network"}

    @classmethod
    def from_saved(cls, description: dict, tensors: dict[str, np.ndarray], n_input: int) -> "Voters":
        features, codes = np.asarray(tensors["features"], np.float32), np.asarray(tensors["codes"], np.int64)
        n = int(description[cls._COUNT])
        if features.shape != (n, n_input) or codes.shape != (n,):
            raise ValueError(f"{cls.__name__} tensors are misshapen")
        return cls(features=features, codes=codes)

    _COUNT = "n_voters"  # the count's key in model.json


def _picked(n: int, most: int, seed: int) -> np.ndarray:
    """Positions of a seeded sample without replacement of at most ``most`` of ``n`` cells, in order."""
    if n <= most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, most, replace=False))


@dataclass(frozen=True, repr=False)  # Voters' one-line repr, not the dataclass's
class CalibrationCells(Voters):
    """The held-out reference cells the label calibration is fitted on (the pretraining's early-stopping split, never
    voters): input features and label codes, a seeded sample of at most :data:`MAX_CALIBRATION_CELLS`. Kept with the
    model, as the voters are, so that :meth:`jae.JAE.finetune` can fit the calibration again for the network it
    leaves (issue 15: calibration that holds as the model changes). ``observed``: ``(n, 2)`` bool, which modalities
    each cell was measured in (a mosaic reference's cells; their other block is filled in), None when all were paired:
    the unknown call's thresholds are each taken over the cells that have what they describe."""

    observed: np.ndarray | None = None
    _COUNT = "n_cells"

    @classmethod
    def sample(cls, X: np.ndarray, codes: np.ndarray, *, seed: int, max_voters: int = MAX_CALIBRATION_CELLS,
               rows: np.ndarray | None = None, observed: np.ndarray | None = None) -> "CalibrationCells":
        """:meth:`Voters.sample`, with ``observed`` (one row per cell of ``rows``; None: all paired) of those picked."""
        cells = super().sample(X, codes, seed=seed, max_voters=max_voters, rows=rows)
        if observed is None or np.asarray(observed).all():
            return cells
        return cls(cells.features, cells.codes, np.asarray(observed, bool)[_picked(len(codes), max_voters, seed)])

    def to_tensors(self) -> dict[str, np.ndarray]:
        extra = {} if self.observed is None else {"observed": np.ascontiguousarray(self.observed)}
        return super().to_tensors() | extra

    @classmethod
    def from_saved(cls, description: dict, tensors: dict[str, np.ndarray], n_input: int) -> "CalibrationCells":
        cells, observed = super().from_saved(description, tensors, n_input), tensors.get("observed")
        if observed is not None and np.asarray(observed).shape != (len(cells), 2):
            raise ValueError(f"{cls.__name__} tensors are misshapen")
        return cells if observed is None else cls(cells.features, cells.codes, np.asarray(observed, bool))

    def describe(self) -> dict:
        """For ``model.json``."""
        return {"n_cells": len(self),
                "what": "seeded sample of the held-out reference cells (the early-stopping split, never voters): "
                        "input features and label codes; the label calibration is fitted on their embedding by the "
                        "current network"}


def unvoted(voters: Voters, codes: np.ndarray, names: list[str]) -> np.ndarray:
    """The reference cell types (codes among ``codes``, the reference cells' labels; ``names`` theirs) of which no
    cell is a voter, with a warning naming them: their cells were all in the held-out split (a type of one cell: 1 in
    10) or outside the seeded :data:`MAX_VOTERS` sample of a larger reference, so the linear classifier and the vote,
    whose mixture are the returned probabilities, give them 0 and :func:`jae.labels.predict_cell_type` never predicts
    them (even for their own reference cells)."""
    codes = np.asarray(codes, np.int64)
    _tiny_types(voters)
    missing = np.setdiff1d(np.unique(codes), voters.codes)
    if len(missing):
        counts = np.bincount(codes, minlength=len(names))
        logger.warning(
            "%d reference cell type%s never be predicted: %s; %s cells all fell in the held-out split that calibrates "
            "label transfer (or outside the %d reference cells sampled to vote), so the vote and the classifier, both "
            "fitted on the voting cells, give %s probability 0; label more cells of %s, or merge %s into a related "
            "type", len(missing), " will" if len(missing) == 1 else "s will",
            ", ".join(f"{names[t]!r} ({counts[t]} cell{'s' if counts[t] != 1 else ''})" for t in missing),
            "its" if len(missing) == 1 else "their", MAX_VOTERS, *(("it",) * 3 if len(missing) == 1 else ("them",) * 3))
    return missing


def _tiny_types(voters: Voters) -> None:
    """Warn, in jae's words, when the voters hold more types than half their number (more than 20 voters), where
    scikit-learn's logistic regression warned that 'y could represent a regression problem' at every prediction: most
    types then have one or two voting cells, too few for the classifier or the 15-NN vote to learn them."""
    n, types = len(voters), len(np.unique(voters.codes))
    if n > 20 and types > round(0.5 * n):
        logger.warning(
            "label transfer: the %d voting reference cells hold %d cell types, most of them with one or two cells, "
            "too few for the linear classifier and the %d-NN vote to learn them: expect low confidences and such "
            "types rarely predicted; merge rare types into related ones (a coarser cell-type column), or label more "
            "cells", n, types, K_VOTE)
