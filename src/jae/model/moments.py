"""The reference cells' input features as one Gaussian: what jae fills in for a query's missing features (issue 15).

:meth:`jae.JAE.fit` keeps the mean and covariance of the reference cells' input features (the concatenated
per-modality SVD coordinates and protein values the encoder reads). A query that lacks part of that input is
completed with the Gaussian's best linear guess given what the query does have:

- a **missing block of columns** (the second modality of an RNA-only cell, proteins the query's panel lacks) gets
  its conditional mean given the observed columns, ``mu_m + S_mo S_oo^-1 (x_o - mu_o)``: the least-squares
  regression of those columns on the observed ones over the reference cells;
- an **SVD block computed from part of its features** (genes or peaks the query lacks) is re-solved from the present
  features: the posterior mean of the block's coordinates ``z`` given the observed normalised values
  ``x_O ~ N(V_O^T z, s2 I)`` (``V_O``: the basis's columns of the present features) under the reference cells'
  distribution of ``z`` as the prior. With every feature present and ``s2 -> 0`` it is the plain projection; as
  features go missing the estimate leans on the reference distribution instead of reading zeros. ``s2`` is each
  cell's own residual variance of the least-squares fit on its present features. :func:`jae.query.partial.svd_partial`
  mixes it with the present features' own projection plus the missing ones' expected part, so that a few missing
  features leave a cell where its every feature would have put it.

Everything here is numpy; the two arrays are saved with the model's weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._words import fields_line

__all__ = ["FeatureMoments", "RIDGE"]

#: Ridge added to covariance diagonals before solving, as a share of the mean variance: keeps the solves defined
#: when features are collinear (few reference cells, constant proteins). Small enough not to bias the estimates.
RIDGE = 1e-4


def _ridged(cov: np.ndarray) -> np.ndarray:
    scale = float(np.trace(cov)) / max(len(cov), 1)
    return cov + (RIDGE * scale if scale > 0 else RIDGE) * np.eye(len(cov))


@dataclass(frozen=True)
class FeatureMoments:
    """Mean ``(d,)`` and (shrunk) covariance ``(d, d)`` (float64) of the reference cells' ``d`` input features."""

    mean: np.ndarray
    cov: np.ndarray

    def __repr__(self) -> str:  # the dataclass's printed every array: model.moments was 60 lines
        return fields_line(self)

    @classmethod
    def fit(cls, X: np.ndarray, rows: np.ndarray | None = None, *, chunk: int = 65536) -> "FeatureMoments":
        """Mean and Ledoit-Wolf shrunk covariance of the rows ``rows`` (bool mask or positions; all when None) of
        ``X`` ``(n, d)``, accumulated over row chunks in float64 (two passes).

        The covariance is shrunk towards a multiple of the identity by the Ledoit-Wolf weight (Ledoit & Wolf 2004;
        scikit-learn's ``ledoit_wolf``): with a few hundred reference cells and 200 input columns the sample
        covariance overfits, and its regression of the second modality on RNA predicted the query worse than the
        mean (BMMC Multiome starter: R^2 -0.47 on the query cells; shrunk: -0.05).
        """
        from .readout import _positions

        idx = _positions(rows, len(X))
        if not len(idx):  # else a zero mean and covariance: every completion of a missing block would be zeros
            raise ValueError(f"rows= selects none of X's {len(X)} rows: no mean or covariance; pass the rows of the "
                             "cells to fit on (e.g. the reference cells measured in every modality)")
        d, n = X.shape[1], max(len(idx), 1)
        total, outer = np.zeros(d), np.zeros((d, d))
        for s in range(0, len(idx), chunk):
            block = np.asarray(X[idx[s:s + chunk]], dtype=np.float64)
            total += block.sum(axis=0)
            outer += block.T @ block
        del block  # the last chunk, else held through the second pass
        if not np.isfinite(total).all():  # else a NaN Gaussian: every query completion would come back NaN
            raise ValueError("X holds NaN or infinite values in the rows used: no mean or covariance; leave those "
                             "cells out (rows=: e.g. the cells measured in every modality)")
        mean = total / n
        S = outer / n - np.outer(mean, mean)
        S = (S + S.T) / 2
        fourth = 0.0  # sum over cells of |x - mean|^4
        for s in range(0, len(idx), chunk):  # in place: one float64 chunk at a time, not two (same numbers)
            diff = np.asarray(X[idx[s:s + chunk]], dtype=np.float64)  # a copy: X[positions] is one
            diff -= mean
            diff **= 2
            sq = diff.sum(axis=1)
            del diff
            fourth += float((sq ** 2).sum())
        mu = float(np.trace(S)) / max(d, 1)
        delta = float(((S - mu * np.eye(d)) ** 2).sum())
        beta = min(max((fourth / n - float((S ** 2).sum())) / n, 0.0), delta)
        shrink = beta / delta if delta > 0 else 1.0
        return cls(mean=mean, cov=(1 - shrink) * S + shrink * mu * np.eye(d))

    def to_tensors(self) -> dict[str, np.ndarray]:
        return {"mean": self.mean, "cov": self.cov}

    def conditional_mean(self, X_obs: np.ndarray, observed: np.ndarray, missing: np.ndarray) -> np.ndarray:
        """Conditional mean of the columns ``missing`` given the values ``X_obs`` ``(n, len(observed))`` of the columns
        ``observed`` (positions in the input): ``(n, len(missing))`` float32."""
        mu_o, mu_m = self.mean[observed], self.mean[missing]
        if np.ndim(X_obs) != 2 or np.shape(X_obs)[1] != len(mu_o):
            raise ValueError(f"X_obs has shape {np.shape(X_obs)}: expected the values of the {len(mu_o)} observed "
                             f"columns, (n_cells, {len(mu_o)})")
        if not len(observed):
            return np.broadcast_to(mu_m, (len(X_obs), len(missing))).astype(np.float32)
        S_oo = _ridged(self.cov[np.ix_(observed, observed)])
        coef = np.linalg.solve(S_oo, self.cov[np.ix_(observed, missing)])  # (o, m)
        return ((np.asarray(X_obs, dtype=np.float64) - mu_o) @ coef + mu_m).astype(np.float32)

    def block_posterior(
        self, block: slice, V_obs: np.ndarray, proj: np.ndarray, sq_norm: np.ndarray, n_obs: int
    ) -> np.ndarray:
        """Posterior mean of an SVD block's coordinates from part of its features (see the module docstring).

        Parameters
        ----------
        block
            The block's columns in the input.
        V_obs
            ``(k, n_obs)`` basis columns of the present features.
        proj
            ``(n, k)`` products ``x_O @ V_obs.T`` of each cell's present normalised values.
        sq_norm
            ``(n,)`` squared norms ``|x_O|^2``.
        n_obs
            Number of present features.

        Returns
        -------
        ``(n, k)`` float32 coordinates.
        """
        mu = self.mean[block]
        k = len(mu)
        G = np.asarray(V_obs, dtype=np.float64) @ np.asarray(V_obs, dtype=np.float64).T  # (k, k)
        proj = np.asarray(proj, dtype=np.float64)
        # each cell's residual variance of the least-squares fit on its present features
        z_ls = np.linalg.solve(_ridged(G), proj.T).T
        resid = np.maximum(np.asarray(sq_norm, dtype=np.float64) - np.einsum("ij,ij->i", z_ls, proj), 0.0)
        s2 = np.maximum(resid / max(n_obs - k, 1), 1e-12)
        # z = (S^-1 + G/s2)^-1 (S^-1 mu + V_O x_O / s2); with S = L L^T and L^T G L = U diag(d) U^T this is
        # z = L U diag(1 / (1 + d/s2)) U^T (L^-1 mu + L^T V_O x_O / s2), one eigendecomposition for every cell
        L = np.linalg.cholesky(_ridged(self.cov[block, block]))
        d, U = np.linalg.eigh(L.T @ G @ L)
        a = U.T @ np.linalg.solve(L, mu)  # (k,)
        b = (proj @ L @ U) / s2[:, None]  # (n, k)
        w = (a[None, :] + b) / (1.0 + np.maximum(d, 0)[None, :] / s2[:, None])
        return (w @ (L @ U).T).astype(np.float32)
