"""Label transfer (:meth:`jae.JAE.predict_cell_type`): calibrated cell-type probabilities and the unknown call.

The probabilities are the softmax of the latent's cell-type logits at a temperature fitted on held-out reference
cells; a cell is called unknown when it is unlike every reference type (:class:`jae.model.calibration.
LabelCalibration`). Both are fitted at the end of :meth:`jae.JAE.fit_transformed` by :func:`fit_calibration`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .model.calibration import LabelCalibration
from .model.readout import softmax

__all__ = ["predict_cell_type", "fit_calibration"]

logger = logging.getLogger(__name__)


def fit_calibration(
    model, X: np.ndarray, ref: np.ndarray, codes: np.ndarray, val_idx: np.ndarray
) -> LabelCalibration:
    """Temperature and unknown thresholds of ``model`` on the held-out reference cells (positions ``val_idx`` in the
    reference rows ``ref`` of the features ``X``, the pretraining's validation split; ``codes``: the reference
    cells' labels), type centroids on the other reference cells; fitted after fine-tuning, so they describe the
    final network."""
    train = np.setdiff1d(np.arange(len(ref)), val_idx)
    n_ct = model.layout.n_cell_type
    X_val = X[ref[val_idx]]
    Z_val = model.latent_transformed(X_val)
    cal = LabelCalibration.fit(
        heldout_logits=Z_val[:, model.layout.block("cell_type")], heldout_codes=codes[val_idx],
        heldout_rest=model._readout(X_val, Z_val)[:, n_ct:],
        train_rest=model.embed_transformed(X[ref[train]])[:, n_ct:], train_codes=codes[train], n_types=n_ct,
    )
    logger.info(
        "label calibration on %d held-out reference cells: temperature %.3g, expected calibration error %.4f "
        "(uncalibrated %.4f)", cal.n_heldout, cal.temperature, cal.ece, cal.ece_raw,
    )
    return cal


def predict_cell_type(
    model, data, *, layer: str | None = "counts", embedding: np.ndarray | None = None, key_added: str | None = None
) -> pd.DataFrame:
    """:meth:`jae.JAE.predict_cell_type` (see there)."""
    model._require_fitted()
    if not model.layout.n_cell_type:
        raise ValueError("this model was fitted without cell types (unsupervised mode); it cannot predict them")
    n_ct, cal = model.layout.n_cell_type, model.calibration
    if embedding is None:
        X, cells = model._features(data, layer=layer)
        batch = model._adapter_batches(data, cells)
        if model.adapter is not None and batch is not None:
            X = model.adapter.apply(X, batch)
        Z = model.latent_transformed(X)
        logits = model._store(data, Z[:, model.layout.block("cell_type")], cells, None)
        prob = softmax(logits) if cal is None else cal.probabilities(logits)
        embedding = model._store(data, model._readout(X, Z), cells, None) if cal is not None else None
    else:
        embedding = np.asarray(embedding)
        if model.readout is None:
            prob = softmax(embedding[:, model.layout.block("cell_type")])
        else:
            prob = model.readout.probabilities(embedding, model.layout)
        if cal is not None:
            prob = cal.rescale(prob)
    best = prob.argmax(axis=1)
    confidence = prob[np.arange(len(best)), best]
    unknown = np.zeros(len(best), dtype=bool) if cal is None else cal.is_unknown(confidence, embedding[:, n_ct:])
    names = getattr(data, "obs_names", None)
    index = pd.Index(names) if names is not None and len(names) == len(prob) else pd.RangeIndex(len(prob))
    labels = pd.DataFrame(
        {"cell_type": np.asarray(model.cell_types)[best], "confidence": confidence, "unknown": unknown}, index=index
    )
    if key_added is not None and hasattr(data, "obsm"):  # data on disk (jae.io.open_*) is never written to
        for column, values in labels.items():
            data.obs[f"{key_added}_{column}"] = values.to_numpy()
    return labels
