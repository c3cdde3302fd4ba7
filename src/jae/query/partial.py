"""Features of cells measured in part of a modality's features (:mod:`jae.query`): an SVD block re-solved from the
present features, missing protein columns regressed on the observed ones, each cell's library size corrected for the
share the missing features hold in the reference cells' mean profile."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..io.features import FeatureOverlap
from ..preprocess.normalize import SCALE

__all__ = ["svd_partial", "values_partial"]

#: Largest share of the library the missing features may be estimated to hold.
MAX_MISSING_SHARE = 0.9


def _normalise(sub, missing_share: float):
    """log10(1 + 1e4 c / L) with ``L`` the total over the present features divided by ``1 - missing_share`` (the
    share of the library the missing features hold in the reference cells' mean profile, so the present features
    are normalised as with every feature present); cells with no counts over them are refused before
    (:func:`jae.query.transform._block`)."""
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
    share = np.clip(10.0 ** np.asarray(missing_values, dtype=np.float64) - 1.0, 0.0, None).sum() / SCALE
    return float(min(share, MAX_MISSING_SHARE))


def svd_partial(model, i: int, sub, overlap: FeatureOverlap, block: slice) -> np.ndarray:
    """SVD block ``block`` of modality ``i`` for cells ``sub`` measured in ``overlap.present`` alone: the posterior mean of
    its coordinates given the present features' projection."""
    comp = model.preprocessor.bases[i].components
    V_obs = comp[:, overlap.present]
    share = _reference_share(model.moments.mean[block] @ comp[:, overlap.missing])
    normed = _normalise(sub, share)
    proj = np.asarray(normed @ V_obs.T, dtype=np.float64)
    sq = np.asarray(normed.multiply(normed).sum(axis=1), dtype=np.float64).ravel()
    return model.moments.block_posterior(block, V_obs, proj, sq, len(overlap.present))


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
