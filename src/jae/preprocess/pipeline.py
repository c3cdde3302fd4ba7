"""Fit the seed's preprocessing on paired counts and apply it identically to new cells."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .normalize import log_normalize
from .svd import SVDBasis, fit_svd

__all__ = ["Preprocessor"]

logger = logging.getLogger(__name__)


def align_features(X, var_names, expected: pd.Index, *, modality: str):
    """Return ``X`` with its columns in ``expected`` order; error when the feature sets differ."""
    var_names = pd.Index(var_names)
    if var_names.equals(expected):
        return X
    missing = expected.difference(var_names)
    extra = var_names.difference(expected)
    if len(missing) or len(extra):
        raise ValueError(
            f"modality {modality!r}: features differ from the ones the model was fitted on "
            f"({len(missing)} missing, e.g. {list(missing[:3])}; {len(extra)} unexpected, e.g. {list(extra[:3])}); "
            "subset/reorder the data to the model's features (model.var_names) or fit a new model"
        )
    if var_names.has_duplicates:
        raise ValueError(f"modality {modality!r}: duplicated feature names; make var_names unique first")
    logger.info("modality %r: features reordered to the model's order", modality)
    return X[:, var_names.get_indexer(expected)]


@dataclass(frozen=True)
class Preprocessor:
    """Per-modality log normalisation and truncated SVD (none for proteins), concatenated.

    Attributes
    ----------
    kinds
        Kind of each modality (``'GEX'``, ``'ATAC'``, ``'ADT'``), RNA first.
    var_names
        Features of each modality, in the order the bases expect.
    bases
        Fitted SVD basis per modality; None for ADT (normalised values are used directly).
    """

    kinds: tuple[str, ...]
    var_names: tuple[pd.Index, ...]
    bases: tuple[SVDBasis | None, ...]

    def __post_init__(self) -> None:
        if not (len(self.kinds) == len(self.var_names) == len(self.bases)):
            raise ValueError("Preprocessor: kinds, var_names and bases must have one entry per modality")
        for kind, names, basis in zip(self.kinds, self.var_names, self.bases):
            if basis is not None and basis.n_features != len(names):
                raise ValueError(f"{kind}: SVD basis has {basis.n_features} features but {len(names)} names are given")

    @classmethod
    def fit(cls, counts, kinds, var_names, *, n_components: int = 100, seed: int = 0) -> "Preprocessor":
        """Fit on raw counts of all cells given (reference and query together, as the seed did).

        Parameters
        ----------
        counts
            One ``(n_cells, n_features_m)`` raw count matrix per modality, same cells in the same order.
        kinds
            Kind of each modality.
        var_names
            Feature names of each modality.
        n_components
            SVD dimensions per modality (the seed: 100).
        seed
            Seed of the randomised SVD.
        """
        bases = []
        for X, kind in zip(counts, kinds):
            if kind == "ADT":
                bases.append(None)
            else:
                logger.info("fitting %d-component SVD of %s (%d x %d)", n_components, kind, *X.shape)
                bases.append(fit_svd(log_normalize(X), n_components, seed=seed))
        return cls(tuple(kinds), tuple(pd.Index(v).astype(str) for v in var_names), tuple(bases))

    @classmethod
    def from_bases(cls, kinds, var_names, bases) -> "Preprocessor":
        """Build from bases fitted elsewhere (e.g. :func:`jae.preprocess.streaming.fit_svd_streaming`)."""
        return cls(tuple(kinds), tuple(pd.Index(v).astype(str) for v in var_names), tuple(bases))

    @property
    def n_output(self) -> int:
        """Width of the concatenated features."""
        return sum(len(v) if b is None else b.n_components for v, b in zip(self.var_names, self.bases))

    def transform_one(self, i: int, X) -> np.ndarray:
        """Features of modality ``i`` from its raw counts (columns already in the fitted order)."""
        normed = log_normalize(X)
        if self.bases[i] is None:
            return np.asarray(normed.toarray() if hasattr(normed, "toarray") else normed, dtype=np.float32)
        return self.bases[i].transform(normed)

    def transform(self, counts, var_names=None, *, names=None) -> np.ndarray:
        """Concatenated features ``(n_cells, n_output)`` float32 from raw counts of every modality.

        ``var_names`` (one index per modality) lets columns be matched by name; features that differ from the
        fitted ones raise ValueError.
        """
        if len(counts) != len(self.kinds):
            raise ValueError(f"expected {len(self.kinds)} modalities, got {len(counts)}")
        names = names or self.kinds
        parts = []
        for i, X in enumerate(counts):
            if var_names is not None:
                X = align_features(X, var_names[i], self.var_names[i], modality=names[i])
            elif X.shape[1] != len(self.var_names[i]):
                raise ValueError(
                    f"modality {names[i]!r} has {X.shape[1]} features, the model expects {len(self.var_names[i])}"
                )
            parts.append(self.transform_one(i, X))
        return np.concatenate(parts, axis=1)
