"""The held-out reference cells placed from one modality: the unknown call's units for cells measured in one.

A cell measured in RNA alone (or, in mosaic data, in the second modality alone) is placed with the missing block
filled by its regression on the measured one (:func:`jae.query.fill_missing_blocks`); the head is less sure of such
cells and they lie farther from the type centroids, so :func:`jae.labels.predict_cell_type` measures them against
the held-out reference cells placed the same way (:meth:`jae.model.calibration.LabelCalibration.with_alone_thresholds`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["placed_alone", "alone_thresholds"]


def placed_alone(model, X: np.ndarray, measured: np.ndarray | None = None) -> tuple[tuple, tuple]:
    """The head's logits and the embedding's columns after the cell-type part of the held-out cells ``X`` placed from
    their RNA alone and from the second modality alone (the other block filled as for query cells measured in one
    modality), each of the cells measured in that modality (``measured``: ``(n, 2)``, a mosaic reference's; None:
    all); ``((None, None), (None, None))`` without the reference's feature moments (models saved before them), which
    such cells need."""
    if getattr(model, "moments", None) is None or not len(X):
        return (None, None), (None, None)
    from ..query.features import fill_missing_blocks

    logits, rest = [], []
    for i in (0, 1):
        rows = np.arange(len(X)) if measured is None else np.flatnonzero(measured[:, i])
        observed = np.zeros((len(rows), 2), dtype=bool)
        observed[:, i] = True
        filled = fill_missing_blocks(model, np.asarray(X[rows], np.float32), observed)  # a copy
        Z = model.latent_transformed(filled)
        logits.append(Z[:, model.layout.block("cell_type")])
        rest.append(model._readout(filled, Z)[:, model.layout.n_cell_type:])
    return tuple(logits), tuple(rest)


def alone_thresholds(model) -> None:
    """Give a model loaded from a file saved before its one-modality units (NaN) that keeps its calibration cells and
    feature moments (format 5 on) those units, as :func:`jae.labels.transfer.calibrate` sets them, for its network as it
    is (units a file holds are kept): without them cells measured in one modality were measured against paired
    cells."""
    cal, cells = model.calibration, getattr(model, "calibration_cells", None)
    wanted = ("head_threshold_rna_alone", "head_threshold_other_alone", "far_threshold_rna_alone",
              "far_threshold_other_alone")
    if cells is None or getattr(model, "moments", None) is None or np.isfinite(
            [cal.far_threshold_rna_alone, cal.far_threshold_other_alone]).any():  # set (the distance's came last)
        return
    logits, rest = placed_alone(model, cells.features, cells.observed)
    new = cal.with_alone_thresholds(logits, rest_alone=rest)
    model.calibration = dataclasses.replace(new, **{k: getattr(cal, k) for k in wanted if np.isfinite(getattr(cal, k))})
