"""PredictConfig took entries of hidden, knn_ks, ridge_rel_alphas and dropout that are no numbers of their kind
(knn_ks=(5.5,), hidden=('32',) or (True,), dropout=('0.2',)), and a bare number for knn_ks or ridge_rel_alphas
failed with Python's "'int' object is not iterable": the first failed in training with sklearn's or torch's error
(after the source encoding), the others at construction in Python's words. Each is now refused at construction in
the field's one line; valid tuples (numpy numbers and lists too) read as before."""

from __future__ import annotations

import numpy as np
import pytest

from jae.prediction import PredictConfig


@pytest.mark.parametrize("settings, said", [
    ({"knn_ks": (5.5,)}, r"^knn_ks must be a non-empty tuple of positive neighbour counts, not \(5\.5,\)$"),
    ({"knn_ks": ("5",)}, r"^knn_ks must be a non-empty tuple of positive neighbour counts"),
    ({"knn_ks": 5}, r"^knn_ks must be a non-empty tuple of positive neighbour counts, not 5$"),
    ({"hidden": ("32",)}, r"^hidden must be a non-empty tuple of positive widths"),
    ({"hidden": (32.5,)}, r"^hidden must be a non-empty tuple of positive widths"),
    ({"hidden": (True,)}, r"^hidden must be a non-empty tuple of positive widths"),
    ({"ridge_rel_alphas": 0.1}, r"^ridge_rel_alphas must be a non-empty tuple of positive values, not 0\.1$"),
    ({"ridge_rel_alphas": ("a",)}, r"^ridge_rel_alphas must be a non-empty tuple of positive values"),
    ({"dropout": ("0.2",)}, r"^dropout must be a rate in \[0, 1\) or a non-empty tuple of them"),
])
def test_entries_of_another_kind_are_refused_naming_the_field(settings, said):
    with pytest.raises(ValueError, match=said):
        PredictConfig(**settings)


def test_valid_tuples_read_as_before():
    cfg = PredictConfig(hidden=[np.int64(16), 8], knn_ks=(np.int32(3), 7), ridge_rel_alphas=[1, 0.5],
                        dropout=[0.1, np.float64(0.3)])
    assert cfg.hidden == (16, 8) and cfg.knn_ks == (3, 7) and cfg.ridge_rel_alphas == (1, 0.5)
    assert cfg.dropout == (0.1, 0.3) and PredictConfig(dropout=0.25).dropout == 0.25
    assert PredictConfig.from_dict(PredictConfig().to_dict()) == PredictConfig()
