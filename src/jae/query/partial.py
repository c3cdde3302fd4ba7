"""Features of cells measured in part of a modality's features (:mod:`jae.query`): an SVD block re-solved from the
present features, missing protein columns regressed on the observed ones, each cell's library size corrected for the
share the missing features hold in the reference cells' mean profile."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..io.features import FeatureOverlap

__all__ = ["svd_partial", "values_partial"]

#: Largest share of the library the missing features may be estimated to hold.
MAX_MISSING_SHARE = 0.9


def _normalise(sub, missing_share: float):
    """log10(1 + 1e4 c / L) with ``L`` the total over the present features divided by ``1 - missing_share`` (the
    share of the library the missing features hold in the reference cells' mean profile, so the present features
    are normalised as with every feature present); cells with no counts over them are refused before
    (:func:`jae.query.transform._block`)."""
    from ..preprocess.normalize import SCALE  # here: its module compiles numba kernels (numba: 0.6 s to import)

    X = sp.csr_matrix(sub, dtype=np.float32, copy=True)
    totals = np.asarray(X.sum(axis=1)).ravel()
    scale = (SCALE * (1.0 - missing_share) / np.maximum(totals, 1e-12)).astype(np.float32)
    X.data *= np.repeat(scale, np.diff(X.indptr))
    np.log1p(X.data, out=X.data)
    X.data /= np.float32(np.log(10.0))
    return X


def _reference_share(missing_values: np.ndarray) -> float:
    """Share of the library held by features whose log-normalised values are ``missing_values`` ``(m,)`` (the
    reference cells' mean), one number for every cell."""
    from ..preprocess.normalize import SCALE

    share = np.clip(10.0 ** np.asarray(missing_values, dtype=np.float64) - 1.0, 0.0, None).sum() / SCALE
    return float(min(share, MAX_MISSING_SHARE))


def svd_partial(model, i: int, sub, overlap: FeatureOverlap, block: slice) -> np.ndarray:
    """SVD block ``block`` of modality ``i`` for cells ``sub`` measured in ``overlap.present`` alone.

    Two estimates of the coordinates every feature would have given, ``x V^T = x_O V_O^T + x_M V_M^T``, mixed:

    - ``expected``: the present features' own projection plus the missing ones' expected part,
      ``x_O V_O^T + z_post V_M V_M^T`` (``z_post``: the posterior mean of the block's coordinates given the present
      features, :meth:`jae.model.moments.FeatureMoments.block_posterior`, whose reconstruction ``z_post V_M`` is the
      expected ``x_M``); with every feature present it is the projection itself, as fully measured cells get;
    - ``z_post`` itself, which also shrinks the present features' part towards the reference distribution.

    The weight of ``z_post`` is ``w = |V_M|^2 / k``, the share of the basis's squared loadings (k components, each
    of unit norm) on the missing features: a few missing features of small loading leave the projection almost as
    it is (one gene of 600 missing moved the posterior alone 7-13% of the embedding's spread, the mixture < 1%), and
    as the missing features carry more of the basis the estimate leans on the posterior, which reproduced the
    complete coordinates better once a fifth of the features or more were missing (session 46, docs/mapping.md).
    """
    comp = model.preprocessor.bases[i].components
    V_obs, V_mis = comp[:, overlap.present], comp[:, overlap.missing]
    share = _reference_share(model.moments.mean[block] @ V_mis)
    normed = _normalise(sub, share)
    proj = np.asarray(normed @ V_obs.T, dtype=np.float64)
    sq = np.asarray(normed.multiply(normed).sum(axis=1), dtype=np.float64).ravel()
    z_post = model.moments.block_posterior(block, V_obs, proj, sq, len(overlap.present)).astype(np.float64)
    V_mis = np.asarray(V_mis, dtype=np.float64)
    P_mis = V_mis @ V_mis.T  # (k, k)
    w = float(np.trace(P_mis)) / max(comp.shape[0], 1)
    return ((1.0 - w) * (proj + z_post @ P_mis) + w * z_post).astype(np.float32)


def values_partial(model, i: int, sub, overlap: FeatureOverlap, blocks, rna_X: np.ndarray) -> np.ndarray:
    """Values block of modality ``i`` (proteins kept as values) for cells ``sub`` measured in ``overlap.present`` alone:
    the missing columns are the reference's conditional mean given the present ones (and the RNA block ``rna_X``)."""
    cols = np.arange(model.preprocessor.n_output)
    present = cols[blocks[i]][overlap.present]
    observed = present if rna_X is None else np.concatenate([cols[blocks[0]], present])
    missing = cols[blocks[i]][overlap.missing]
    if model.preprocessor.by_clr(i):  # the preprocessing's own CLR: the geometric mean over the present proteins
        normed = model.preprocessor.normalise(i, sub)
    else:
        normed = np.asarray(_normalise(sub, _reference_share(model.moments.mean[missing])).toarray(), dtype=np.float32)
    out = np.empty((sub.shape[0], blocks[i].stop - blocks[i].start), dtype=np.float32)
    out[:, overlap.present] = normed
    given = normed if rna_X is None else np.hstack([rna_X, normed])
    out[:, overlap.missing] = model.moments.conditional_mean(given, observed, missing)
    return out
