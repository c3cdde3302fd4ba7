"""Scoring embeddings with the competition's metric suite (``jae.metrics.evaluate_embedding``) on fixed cells.

The six metrics of the NeurIPS 2021 joint-embedding task: NMI, cell-type ASW, cell-cycle conservation,
trajectory conservation (bio conservation) and batch ASW, graph connectivity (batch removal). A metric that is
undefined on a set (no pseudotime, one batch, too few cell-cycle genes) is NaN and left out of the overall mean.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from jae.metrics import METRICS, cell_cycle_reference, evaluate_embedding

log = logging.getLogger(__name__)


class Scorer:
    """Scores embeddings of the cells ``cells`` of a :class:`QualitySet` (the cell-cycle reference is built once).

    Parameters
    ----------
    qset
        The data set.
    cells
        ``(n_scored,)`` integer row indices of the scored cells (they must all carry a label).
    """

    def __init__(self, qset, cells: np.ndarray) -> None:
        self.cells = np.asarray(cells)
        obs = qset.obs.iloc[self.cells]
        if obs["label"].isna().any():
            raise ValueError("every scored cell needs a label; leave unlabelled cells out of `cells`")
        self.labels = obs["label"].astype(str).to_numpy()
        self.batch = obs["batch"].astype(str).to_numpy()
        self.pseudotimes = {k: obs[k].to_numpy(float) for k in qset.pseudotime_keys}
        try:
            self.cc_reference = cell_cycle_reference(
                qset.gex_lognorm[self.cells], qset.gex_names, self.batch, organism=qset.organism
            )
        except ValueError as err:
            log.warning("%s: no cell-cycle conservation (%s)", qset.name, err)
            self.cc_reference = None

    def __call__(self, embedding: np.ndarray, column_names=None) -> dict[str, float]:
        """Metrics of ``embedding`` (rows = the scored cells, in order) plus ``overall`` (mean of the defined ones),
        and the diagnostics (iLISI, cLISI, cc_cons's before/after shares; block variance shares when
        ``column_names`` are given) as ``diag_<name>``."""
        Z = np.asarray(embedding, dtype=np.float32)
        if Z.shape[0] != len(self.cells):
            raise ValueError(f"embedding has {Z.shape[0]} rows, expected {len(self.cells)} (the scored cells)")
        res = evaluate_embedding(
            Z, cell_type=self.labels, batch=self.batch, pseudotime=self.pseudotimes or None,
            cell_cycle=self.cc_reference, progress_bar=False, column_names=column_names,
        )
        out = {k: float(res[k]) for k in (*METRICS, "overall")}
        diag = res.attrs.get("diagnostics")
        if diag is not None:
            out.update({f"diag_{k}": float(v) for k, v in dict(diag).items()})
        return out


def label_accuracy(predicted: pd.Series | np.ndarray, truth: np.ndarray) -> float:
    """Fraction of cells whose predicted label equals the true one."""
    return float(np.mean(np.asarray(predicted, dtype=str) == np.asarray(truth, dtype=str)))
