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
cells, benchmarks/results/tuning.md: BMMC Multiome 0.326 -> 0.421, BMMC CITE 0.553 -> 0.589).

Neighbours are exact (Euclidean), found in row blocks of the queries so that memory stays at one
``(block, n_voters)`` distance matrix: 20,000 voters x 1M queries in bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Voters", "MAX_VOTERS", "K_VOTE", "VOTE_WEIGHT", "mixture", "nearest"]

#: Most training reference cells kept as voters (a seeded sample above it).
MAX_VOTERS = 20_000
#: Neighbours of the vote (the 15-NN vote of the issue-12 comparison).
K_VOTE = 15
#: Weight of the vote in the mixture with the calibrated head: the equal ensemble, not tuned.
VOTE_WEIGHT = 0.5
#: Query rows per block of the exact neighbour search (block x n_voters float32 distances: 4096 x 20k = 330 MB max).
BLOCK = 4096


def mixture(head: np.ndarray, vote: np.ndarray) -> np.ndarray:
    """``(1 - VOTE_WEIGHT) * head + VOTE_WEIGHT * vote``: both ``(n, n_types)`` probabilities, rows summing to 1."""
    return ((1.0 - VOTE_WEIGHT) * np.asarray(head, np.float64) + VOTE_WEIGHT * np.asarray(vote, np.float64)).astype(
        np.float32)


#: Distance-matrix entries computed at once by :func:`nearest` (float64: 32 MB; with its argpartition, about 0.1 GB).
CELLS_PER_BLOCK = 1 << 22


def nearest(reference: np.ndarray, query: np.ndarray, k: int, *, block: int = BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest rows of ``reference`` for each row of ``query`` (Euclidean): ``(n, k)`` int64 indices and
    ``(n, k)`` float32 distances, nearest first; the queries are processed in blocks of ``block`` rows."""
    reference = np.asarray(reference, np.float32)
    query = np.asarray(query, np.float32)
    if reference.ndim != 2 or query.ndim != 2 or reference.shape[1] != query.shape[1]:
        raise ValueError(f"voters have shape {reference.shape} and cells {query.shape}: expected the same columns")
    k = min(int(k), len(reference))
    # a block's distance matrix, its argpartition and the float64 squares are each block x n_reference: keep that
    # product near CELLS_PER_BLOCK entries (about 0.1 GB in all), whatever the number of voters
    block = max(1, min(int(block), CELLS_PER_BLOCK // max(len(reference), 1)))
    idx = np.empty((len(query), k), np.int64)
    dist = np.empty((len(query), k), np.float32)
    ref_sq = (reference.astype(np.float64) ** 2).sum(1)
    for s in range(0, len(query), block):
        q = query[s:s + block]
        sq = (q.astype(np.float64) ** 2).sum(1)[:, None] - 2.0 * (q @ reference.T) + ref_sq[None, :]
        part = np.argpartition(sq, k - 1, axis=1)[:, :k] if k < len(reference) else np.tile(
            np.arange(len(reference)), (len(q), 1))
        d = np.take_along_axis(sq, part, axis=1)
        order = np.argsort(d, axis=1, kind="stable")
        idx[s:s + block] = np.take_along_axis(part, order, axis=1)
        dist[s:s + block] = np.sqrt(np.clip(np.take_along_axis(d, order, axis=1), 0, None))
    return idx, dist


@dataclass(frozen=True)
class Voters:
    """The reference cells that vote: ``features`` ``(n, n_input)`` float32 input features, ``codes`` ``(n,)`` int64
    label codes (positions in the model's ``cell_types``)."""

    features: np.ndarray
    codes: np.ndarray

    @classmethod
    def sample(cls, X: np.ndarray, codes: np.ndarray, *, seed: int, max_voters: int = MAX_VOTERS,
               rows: np.ndarray | None = None) -> "Voters":
        """At most ``max_voters`` of the cells ``rows`` of ``X`` (all rows when None; ``codes`` has one label per
        cell of ``rows``): a seeded sample without replacement, in row order. Only the sampled rows are read."""
        codes = np.asarray(codes, np.int64)
        rows = np.arange(len(codes)) if rows is None else np.asarray(rows)
        pick = np.arange(len(codes))
        if len(pick) > max_voters:
            pick = np.sort(np.random.default_rng(seed).choice(len(pick), max_voters, replace=False))
        return cls(features=np.asarray(X[rows[pick]], np.float32), codes=codes[pick])

    def __len__(self) -> int:
        return len(self.codes)

    def vote(self, voter_embedding: np.ndarray, embedding: np.ndarray, n_types: int, *, k: int = K_VOTE,
             block: int = BLOCK) -> np.ndarray:
        """``(n, n_types)`` float32 share of each cell's ``k`` nearest voters of each type, in the embedding
        (``voter_embedding``: the voters' embedding by the same model, row-aligned with :attr:`codes`)."""
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
        n = int(description["n_voters"])
        if features.shape != (n, n_input) or codes.shape != (n,):
            raise ValueError("voters tensors are misshapen")
        return cls(features=features, codes=codes)
