"""The competition's kind of baselines, on the same source encoding and target as the network.

- :class:`MeanBaseline`: every query cell gets the per-feature training mean.
- :class:`KNNBaseline`: mean target of the ``k`` nearest training cells in the source encoding (Euclidean).
- :class:`RidgeBaseline`: linear (ridge) regression from the source encoding to the target, with intercept.

``k`` and the ridge penalty are chosen on a seeded validation split of the training cells, then the baseline is
refitted on all training cells. All work on arrays; wide sparse targets are never densified as a whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

from .codec import block_rows
from .split import block_sse, validation_split

__all__ = ["MeanBaseline", "KNNBaseline", "RidgeBaseline", "clip_block"]

logger = logging.getLogger(__name__)


def clip_block(block, kind: str):
    """Clip a prediction block to the target's range (``>= 0``; ``<= 1`` for ATAC); sparse blocks are kept."""
    upper = 1.0 if kind == "ATAC" else None
    if sp.issparse(block):
        block = block.tocsr(copy=True)
        np.clip(block.data, 0.0, upper, out=block.data)
        block.eliminate_zeros()
        return block.astype(np.float32)
    return np.clip(block, 0.0, upper).astype(np.float32, copy=False)


class MeanBaseline:
    """Per-feature training mean."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def fit(self, S: np.ndarray, Y, *, seed: int = 0) -> MeanBaseline:
        self.mean_ = np.asarray(Y.mean(axis=0), dtype=np.float32).ravel()
        return self

    def predict_blocks(self, S: np.ndarray) -> Iterator[np.ndarray]:
        step = block_rows(self.mean_.shape[0])
        for start in range(0, S.shape[0], step):
            n = min(step, S.shape[0] - start)
            yield clip_block(np.broadcast_to(self.mean_, (n, self.mean_.shape[0])), self.kind)

    def state(self) -> dict[str, np.ndarray]:
        return {"mean": self.mean_}

    def load_state(self, state: dict[str, np.ndarray]) -> MeanBaseline:
        self.mean_ = state["mean"]
        return self


class KNNBaseline:
    """kNN regression on the source encoding; ``k`` chosen on a validation split from ``ks``."""

    def __init__(self, kind: str, *, ks: tuple[int, ...] = (5, 10, 20, 50), val_fraction: float = 0.1) -> None:
        self.kind, self.ks, self.val_fraction = kind, ks, val_fraction

    def fit(self, S: np.ndarray, Y, *, seed: int = 0) -> KNNBaseline:
        train, val = validation_split(S.shape[0], self.val_fraction, seed=seed)
        scores = {}
        for k in sorted({min(k, len(train)) for k in self.ks}):
            self._set(S[train], Y[train], k)
            scores[k] = block_sse(self.predict_blocks(S[val]), Y[val])
        self.k_ = min(scores, key=scores.get)
        shown = {k: round(v, 2) for k, v in scores.items()}
        logger.info("kNN baseline: validation SSE by k %s -> k=%d", shown, self.k_)
        self._set(S, Y, min(self.k_, S.shape[0]))
        return self

    def _set(self, S: np.ndarray, Y, k: int) -> None:
        self.train_S_ = np.ascontiguousarray(S, dtype=np.float32)
        self.train_Y_ = sp.csr_matrix(Y, dtype=np.float32) if sp.issparse(Y) else np.asarray(Y, dtype=np.float32)
        self.k_ = k

    def predict_blocks(self, S: np.ndarray) -> Iterator:
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=self.k_).fit(self.train_S_)
        for start in range(0, S.shape[0], block_rows(self.train_Y_.shape[1])):
            idx = nn.kneighbors(S[start : start + block_rows(self.train_Y_.shape[1])], return_distance=False)
            n = idx.shape[0]
            W = sp.csr_matrix(
                (np.full(idx.size, 1.0 / self.k_, dtype=np.float32), idx.ravel(), np.arange(0, idx.size + 1, self.k_)),
                shape=(n, self.train_S_.shape[0]),
            )
            yield clip_block(W @ self.train_Y_, self.kind)

    def state(self) -> dict[str, np.ndarray]:
        state = {"train_S": self.train_S_, "k": np.array(self.k_)}
        if sp.issparse(self.train_Y_):
            Y = self.train_Y_
            state.update(Y_data=Y.data, Y_indices=Y.indices, Y_indptr=Y.indptr, Y_shape=np.array(Y.shape))
        else:
            state["Y_dense"] = self.train_Y_
        return state

    def load_state(self, state: dict[str, np.ndarray]) -> KNNBaseline:
        if "Y_dense" in state:
            Y = state["Y_dense"]
        else:
            Y = sp.csr_matrix((state["Y_data"], state["Y_indices"], state["Y_indptr"]), shape=tuple(state["Y_shape"]))
        self._set(state["train_S"], Y, int(state["k"]))
        return self


class RidgeBaseline:
    """Ridge regression with intercept; the penalty is chosen on a validation split from a grid.

    The grid is relative to the largest squared singular value of the centred source encoding.
    """

    def __init__(
        self, kind: str, *, rel_alphas: tuple[float, ...] = tuple(np.logspace(-6, 0, 13)), val_fraction: float = 0.1
    ) -> None:
        self.kind, self.rel_alphas, self.val_fraction = kind, rel_alphas, val_fraction

    def fit(self, S: np.ndarray, Y, *, seed: int = 0) -> RidgeBaseline:
        train, val = validation_split(S.shape[0], self.val_fraction, seed=seed)
        svd = self._svd(S[train], Y[train])
        scale = float(svd[1][0] ** 2) if svd[1].size else 1.0
        scores = {}
        for rel in self.rel_alphas:
            self._solve(*svd, rel * scale)
            scores[rel] = block_sse(self.predict_blocks(S[val]), Y[val])
        best = min(scores, key=scores.get)
        logger.info("ridge baseline: best relative alpha %.1e (validation SSE %.2f)", best, scores[best])
        svd = self._svd(S, Y)
        self.alpha_ = best * (float(svd[1][0] ** 2) if svd[1].size else 1.0)
        self._solve(*svd, self.alpha_)
        return self

    def _svd(self, S: np.ndarray, Y):
        self.s_mean_ = S.mean(axis=0).astype(np.float64)
        self.y_mean_ = np.asarray(Y.mean(axis=0), dtype=np.float64).ravel()
        U, s, Vt = np.linalg.svd(S.astype(np.float64) - self.s_mean_, full_matrices=False)
        # U^T Y equals U^T (Y - 1 y^T): the columns of U are orthogonal to the constant vector (S is centred)
        G = np.asarray((Y.T @ U).T) if sp.issparse(Y) else U.T @ np.asarray(Y, dtype=np.float64)
        return U, s, Vt, G

    def _solve(self, U, s, Vt, G, alpha: float) -> None:
        f = s / (s**2 + alpha)
        coef = (Vt.T * f) @ G  # (n_source_dims, n_features)
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = (self.y_mean_ - self.s_mean_ @ coef).astype(np.float32)

    def predict_blocks(self, S: np.ndarray) -> Iterator[np.ndarray]:
        step = block_rows(self.coef_.shape[1])
        for start in range(0, S.shape[0], step):
            yield clip_block(S[start : start + step] @ self.coef_ + self.intercept_, self.kind)

    def state(self) -> dict[str, np.ndarray]:
        return {"coef": self.coef_.astype(np.float32), "intercept": self.intercept_.astype(np.float32)}

    def load_state(self, state: dict[str, np.ndarray]) -> RidgeBaseline:
        self.coef_, self.intercept_ = state["coef"], state["intercept"]
        return self
