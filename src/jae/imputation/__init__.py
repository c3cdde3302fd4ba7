"""Imputation: a modality the cells lack predicted on request (:func:`jae.impute`).

- :mod:`~jae.imputation.run`: :func:`impute` and the imputed layer a MuData gets (:func:`add_imputed_layer`);
- :mod:`~jae.imputation.memory`: a prediction or imputed layer larger than the memory available refused;
- :mod:`~jae.imputation.var`: the imputed modality's var (feature names, the data's own columns where it has them).
"""

from __future__ import annotations

from .run import (IMPUTE_METHODS, add_imputed_layer, check_modality_name, check_moments, impute, layer_modality,
                     modality_to_impute)

__all__ = ["IMPUTE_METHODS", "add_imputed_layer", "check_modality_name", "check_moments", "impute", "layer_modality",
           "modality_to_impute"]
