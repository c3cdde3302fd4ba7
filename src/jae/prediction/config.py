"""Every number of the modality-prediction model, in one frozen dataclass with the origin of each default."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, fields
from typing import Literal

import numpy as np

from .._words import changed_fields_line
from ..config import fields_signature, named_fields, typed_numbers

__all__ = ["PredictConfig"]


def _whole(value) -> bool:
    """A whole number (numpy's too), not a bool: a width or neighbour count (5.5, True or '5' failed in training)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _real(value) -> bool:
    """A number (numpy's too), not a bool nor text."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@fields_signature
@dataclass(frozen=True, kw_only=True)  # every setting by name (PredictConfig(3) set n_source_components)
class PredictConfig:
    """Settings of :func:`jae.predict` and :class:`jae.ModalityPredictor`.

    Defaults come from the seed (noted) or from the validation-split tuning run
    ``python benchmarks/predict.py --tune`` (benchmarks/results/predict_tune.md), which scores only held-out
    training cells, never test cells.
    """

    # -- source encoding
    n_source_components: int = 100  # seed: truncated SVD to 100 dims per modality (ADT sources use no SVD)

    source_depth: bool = True  # the network also sees log1p(total source counts) of each cell

    # -- target representation
    target_representation: Literal["auto", "features", "svd"] = "auto"  # auto: 'features' up to max_feature_targets
    # wider targets are decoded through their SVD basis (13k genes, 116k peaks); tuning: on SNARE-seq's 1,677 genes
    # the SVD decoding beat direct decoding and trained 3-7x faster, on the <= 1,000-feature BMMC targets it was mixed
    max_feature_targets: int = 1000
    n_target_components: int = 100  # target SVD components; same order as the seed's source SVD

    # -- network
    hidden: tuple[int, ...] = (256,)  # encoder hidden widths, decoder mirrors them
    latent: int = 64  # latent width
    # dropout on the input and after every hidden layer; a tuple: each rate is trained and the one with the lowest
    # out-of-fold validation error on the training cells is kept (0.4 won on the small BMMC starters, 0.2 on
    # PBMC10k and SNARE-seq in the tuning run)
    dropout: float | tuple[float, ...] = (0.2, 0.4)

    # -- optimisation
    learning_rate: float = 1e-3  # AdamW
    weight_decay: float = 1e-4  # AdamW decoupled weight decay
    batch_size: int = 128
    max_epochs: int = 300
    patience: int = 20  # epochs without validation improvement before stopping (best weights are kept)
    val_fraction: float = 0.1  # seeded validation split of the training cells (early stopping, baseline tuning)
    n_members: int = 5  # ensemble of networks on K seeded folds (member i early-stops on fold i); 1: one network

    # -- baselines (chosen on the same validation split)
    knn_ks: tuple[int, ...] = (5, 10, 20, 50)
    ridge_rel_alphas: tuple[float, ...] = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # x largest squared sing. value

    # -- output
    dense_limit: int = 1 << 28  # 'auto' output: dense up to this many values (1 GiB of float32), else sparse
    sparse_below: float = 0.01  # sparse ATAC output drops predicted accessibilities below this

    def __new__(cls, *args, **settings):
        named_fields(cls, settings, args)  # a misspelt field is named with the closest ones
        return super().__new__(cls)

    def __post_init__(self) -> None:
        """Check every setting (as :class:`jae.JAEConfig` does): a bad value raises one line naming the field."""
        typed_numbers(self)
        def plain(v):  # numpy numbers as Python's: the predictor's JSON holds them (np.int64 failed save, after training)
            return v.item() if isinstance(v, np.generic) else v
        for name in ("hidden", "knn_ks", "ridge_rel_alphas", "dropout"):  # lists (e.g. from JSON) become tuples
            value = getattr(self, name)
            object.__setattr__(self, name, tuple(map(plain, value)) if isinstance(value, (list, tuple)) else plain(value))
        if self.target_representation not in ("auto", "features", "svd"):
            raise ValueError(
                f"target_representation must be 'auto', 'features' or 'svd', not {self.target_representation!r}"
            )
        if not isinstance(self.hidden, tuple) or not self.hidden or any(not _whole(h) or h < 1 for h in self.hidden):
            raise ValueError(f"hidden must be a non-empty tuple of positive widths, not {self.hidden!r}")
        rates = self.dropout if isinstance(self.dropout, tuple) else (self.dropout,)
        if not rates or any(not _real(r) or not 0 <= r < 1 for r in rates):
            raise ValueError(f"dropout must be a rate in [0, 1) or a non-empty tuple of them, not {self.dropout!r}")
        for name in ("n_source_components", "max_feature_targets", "n_target_components", "latent", "batch_size",
                     "max_epochs", "patience", "n_members", "dense_limit"):  # fmt: skip
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, not {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, not {self.learning_rate}")
        if self.weight_decay < 0 or self.sparse_below < 0:
            name = "weight_decay" if self.weight_decay < 0 else "sparse_below"
            raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must be in (0, 1), not {self.val_fraction}")
        if not isinstance(self.knn_ks, tuple) or not self.knn_ks or any(not _whole(k) or k < 1 for k in self.knn_ks):
            raise ValueError(f"knn_ks must be a non-empty tuple of positive neighbour counts, not {self.knn_ks!r}")
        alphas = self.ridge_rel_alphas
        if not isinstance(alphas, tuple) or not alphas or any(not _real(a) or a <= 0 for a in alphas):
            raise ValueError(f"ridge_rel_alphas must be a non-empty tuple of positive values, not {self.ridge_rel_alphas!r}")

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> PredictConfig:
        """The config rebuilt from :meth:`to_dict` output, ``values``; unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"unknown PredictConfig settings {unknown}; known settings are {sorted(names)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    def __repr__(self) -> str:  # every field was a ~430-character line; to_dict() still holds them all
        return changed_fields_line(self)
