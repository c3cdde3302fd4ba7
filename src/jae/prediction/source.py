"""Source encoding: what every prediction method sees of the source modality.

GEX and ATAC: the seed's preprocessing (:func:`jae.preprocess.log_normalize` then a truncated SVD, 100
components, fitted on the training cells). ADT: the proteins normalised per cell (CLR, as the competition did),
no SVD. The encoder is plain arrays, so it saves without pickle.

ADT sources take the plain CLR although the joint model's :class:`jae.preprocess.Preprocessor` scales each cell's
proteins to a common count first when it has labels (``JAEConfig.protein_norm``, round 48): the predictor's tuned
defaults and its benchmark (``benchmarks/results/predict*.md``) were measured with the plain CLR; change it only with
a run on RMSE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..preprocess import SVDBasis, fit_svd, log_normalize
from .targets import clr

__all__ = ["SourceEncoder", "fit_source_encoder"]


@dataclass(frozen=True)
class SourceEncoder:
    """A fitted source encoding.

    Attributes
    ----------
    kind
        Source modality kind, ``'GEX'``, ``'ATAC'`` or ``'ADT'``.
    n_features
        Number of source features it was fitted on.
    components
        ``(n_components, n_features)`` float32 SVD basis, or None for ADT.
    """

    kind: str
    n_features: int
    components: np.ndarray | None

    @property
    def n_dims(self) -> int:
        """Width of the encoding."""
        return self.n_features if self.components is None else int(self.components.shape[0])

    def transform(self, counts) -> np.ndarray:
        """Encode raw source counts.

        Parameters
        ----------
        counts
            ``(n_cells, n_features)`` raw counts, dense or sparse, features in the order used for fitting.

        Returns
        -------
        ``(n_cells, n_dims)`` float32 array.
        """
        if counts.shape[1] != self.n_features:
            raise ValueError(
                f"the source encoding was fitted on {self.n_features} features but the data has {counts.shape[1]}; "
                "pass the same source features, in the same order, as for training"
            )
        if self.components is None:
            return clr(counts)
        return SVDBasis(self.components).transform(log_normalize(counts))

    @staticmethod
    def log_depth(counts) -> np.ndarray:
        """``(n_cells, 1)`` float32 ``log1p`` of each cell's total source counts (its sequencing depth, which the
        normalised encoding removes but which binarised ATAC targets depend on)."""
        return np.log1p(np.asarray(counts.sum(axis=1), dtype=np.float64).reshape(-1, 1)).astype(np.float32)


def fit_source_encoder(counts, kind: str, *, n_components: int = 100, seed: int = 0) -> SourceEncoder:
    """Fit the source encoding on training counts.

    Parameters
    ----------
    counts
        ``(n_cells, n_features)`` raw counts of the training cells.
    kind
        Source modality kind.
    n_components
        SVD components for GEX and ATAC (the seed's 100).
    seed
        Seed of the randomised SVD.

    Returns
    -------
    The fitted :class:`SourceEncoder`.
    """
    if kind == "ADT":
        return SourceEncoder(kind=kind, n_features=int(counts.shape[1]), components=None)
    n_cells, n_features = counts.shape
    if n_cells < 2 or n_features < 2:  # else 'cannot fit an SVD to data of shape (1, 200)', naming neither input nor fix
        fix = "pass more paired training cells" if n_cells < 2 else "pass the source modality with more features"
        raise ValueError(f"train_source has {n_cells} cell{'s' * (n_cells != 1)} x {n_features} feature"
                         f"{'s' * (n_features != 1)}: its {kind} encoding (an SVD) needs at least 2 of each; {fix}")
    basis = fit_svd(log_normalize(counts), n_components=n_components, seed=seed)
    return SourceEncoder(kind=kind, n_features=int(counts.shape[1]), components=basis.components)
