"""A reference cell type whose cells all fell in the held-out split (a type of one cell: 1 fit in 10; or, above
20,000 training cells, outside the voters' sample) had no voters, so the linear classifier and the vote gave it
probability 0 and predict_cell_type never predicted it, not even for its own labelled cell, without a word. fit now
warns, naming the type and its cells, with the fix (label more cells of it, or merge it into a related type); the
fitted model is unchanged."""

from __future__ import annotations

import logging

import numpy as np

from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_a_type_without_voters_is_named_at_fit_and_indeed_never_predicted(caplog):
    ref = simulate(250, kind="cite", n_genes=200, n_proteins=15, n_cell_types=4, n_batches=2, seed=1)
    labels = ref.obs["cell_type"].astype(str)
    labels.iloc[212] = "lone type"  # with seed 0 this cell is in the 10% held out for early stopping and calibration
    ref.obs["cell_type"] = labels
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False)
    code = model.cell_types.index("lone type")
    assert not (model.voters.codes == code).any() and (model.calibration_cells.codes == code).any()
    said = [r.getMessage() for r in caplog.records if "never be predicted" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("1 reference cell type will never be predicted: 'lone type' (1 cell);")
    assert said[0].endswith("label more cells of it, or merge it into a related type")
    assert caplog.records[[r.getMessage() for r in caplog.records].index(said[0])].levelno == logging.WARNING
    predicted = model.predict_cell_type(ref)
    assert (predicted["cell_type"] != "lone type").all()  # as said: not even its own cell


def test_no_warning_when_every_type_votes(caplog):
    ref = simulate(250, kind="cite", n_genes=200, n_proteins=15, n_cell_types=4, n_batches=2, seed=1)
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False)
    assert set(np.unique(model.voters.codes)) == set(range(len(model.cell_types)))
    assert not any("never be predicted" in r.getMessage() for r in caplog.records)
