"""Principal-component regression (scib's ``pc_regression``): the share of the top principal components' variance that
covariates explain linearly, the measurement behind cell-cycle conservation (:mod:`jae.metrics.cell_cycle_cons`).

The PCA is exact for small matrices and seeded ARPACK on the implicitly centred matrix above that (as scanpy's
``pca(svd_solver='arpack')``, which scib used), so a sparse GEX is never densified.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["variance_explained", "N_COMPS"]

N_COMPS = 50  # scib default
_EXACT_MAX = 200  # exact eigendecomposition up to this min(n_cells, n_features); ARPACK above


def _top_pcs(X, n_comps: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores ``(n, k)`` and variances ``(k,)`` of the top ``k = min(n_comps, min(X.shape))`` centred PCs.

    Small matrices are decomposed exactly; larger ones with ARPACK on the implicitly centred matrix (as scanpy's
    ``pca(svd_solver='arpack')``, which scib used), so a sparse GEX is never densified.
    """
    from scipy.sparse.linalg import LinearOperator, svds
    from threadpoolctl import threadpool_limits

    n, p = X.shape
    if n < 2:  # one cell (a batch of one): no variance, and n - 1 = 0 below
        return np.zeros((n, 0)), np.zeros(0)
    k = min(n_comps, n, p)
    mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
    if min(n, p) <= _EXACT_MAX or k >= min(n, p) - 1:
        Xd = X.toarray() if sp.issparse(X) else np.asarray(X)
        Xc = Xd.astype(np.float64) - mean
        if p <= n:
            evals, evecs = np.linalg.eigh(Xc.T @ Xc)
            order = np.argsort(evals)[::-1][:k]
            scores = Xc @ evecs[:, order]
        else:
            evals, evecs = np.linalg.eigh(Xc @ Xc.T)
            order = np.argsort(evals)[::-1][:k]
            scores = evecs[:, order] * np.sqrt(np.clip(evals[order], 0, None))
        return scores, np.clip(evals[order], 0, None) / (n - 1)
    # single precision, as scanpy runs ARPACK on float32 data (half the memory traffic, R^2 shares agree to ~1e-8);
    # X.T made once as CSR for fast products
    dtype = np.float32
    mean = mean.astype(dtype)
    ones = np.ones(n, dtype=dtype)
    X = sp.csr_matrix(X, dtype=dtype) if sp.issparse(X) else np.asarray(X, dtype=dtype)
    XT = X.T.tocsr() if sp.issparse(X) else np.ascontiguousarray(X.T)
    op = LinearOperator(
        (n, p),
        matvec=lambda v: np.asarray(X @ v).ravel() - mean @ v,
        rmatvec=lambda v: np.asarray(XT @ v).ravel() - mean * v.sum(),
        matmat=lambda B: np.asarray(X @ B) - np.outer(ones, mean @ B),
        rmatmat=lambda B: np.asarray(XT @ B) - np.outer(mean, B.sum(axis=0)),
        dtype=dtype,
    )
    v0 = np.random.default_rng(seed).uniform(-1, 1, min(n, p)).astype(dtype)
    # one BLAS thread: ARPACK's products with its ~100 Lanczos vectors are too small to share, and on a busy machine
    # two threads spin (a 10,000 x 14,000 GEX: 22 -> 10 s CPU, 20-33 -> 11 s wall at load 3.5; same shares to 3e-7)
    with threadpool_limits(1, user_api="blas"):
        U, s, _ = svds(op, k=k, solver="arpack", v0=v0)
    order = np.argsort(s)[::-1]
    s = s[order].astype(np.float64)
    return U[:, order].astype(np.float64) * s, s**2 / (n - 1)


def _r2(scores: np.ndarray, covariates: np.ndarray) -> np.ndarray:
    """R^2 of regressing each column of ``scores`` on ``covariates`` with an intercept (floored at 0)."""
    Z = covariates - covariates.mean(axis=0)
    Y = scores - scores.mean(axis=0)
    beta, *_ = np.linalg.lstsq(Z, Y, rcond=None)
    ss_tot = (Y**2).sum(axis=0)
    ss_res = ((Y - Z @ beta) ** 2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, 0.0)
    return np.maximum(r2, 0.0)


def variance_explained(X, covariates: np.ndarray, *, n_comps: int = N_COMPS, seed: int = 0) -> float:
    """Fraction of the top-``n_comps`` PC variance of ``X`` explained by ``covariates`` (scib's ``pc_regression``).

    Parameters
    ----------
    X
        ``(n_cells, n_features)`` data, dense or sparse.
    covariates
        ``(n_cells, n_covariates)`` numeric covariates, or ``(n_cells,)`` for one (e.g. ``obs['S_score']``).
    n_comps
        Number of principal components (capped at ``min(X.shape)``).
    seed
        Seed of the ARPACK start vector of the PCA used for large matrices.

    Returns
    -------
    ``sum_i R2_i var_i / sum_i var_i`` over the top PCs, in [0, 1].
    """
    cov = _as_covariates(covariates, X.shape[0])
    scores, var = _top_pcs(X, n_comps, seed=seed)
    if var.sum() <= 0:
        return float("nan")
    return float((_r2(scores, cov) * var).sum() / var.sum())


def _as_covariates(covariates, n_cells: int) -> np.ndarray:
    """``covariates`` as a float64 ``(n_cells, n_covariates)`` array (one covariate as a column), refused in one
    line when of another length, not numeric or not finite."""
    cov = np.asarray(covariates)
    cov = cov[:, None] if cov.ndim == 1 else cov
    if cov.ndim != 2 or cov.shape[0] != n_cells:
        raise ValueError(f"variance_explained: covariates of shape {cov.shape} for {n_cells} cells; pass "
                         "(n_cells, n_covariates) values, or (n_cells,) for one covariate, in the cells' order")
    try:
        cov = cov.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError("variance_explained: covariates must be numbers; one-hot encode categorical ones first, "
                         "e.g. pd.get_dummies(labels).to_numpy(float)") from None
    if not np.isfinite(cov).all():
        raise ValueError("variance_explained: covariates hold NaN or infinite values; drop those cells or fill the "
                         "values first")
    return cov
