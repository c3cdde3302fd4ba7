"""A reference type the network's cell-type head is unsure of even on its own training cells (a type of a few cells:
the early-stopped head saw it a few times) has most of its query cells called unknown, because the call's threshold
is set by all held-out reference cells together (session 39: PBMC10k's clusters of 14 and 21 cells among 6,000,
92% of their test cells flagged). fit now warns, naming such types, their training cells and the share of them the
head's test flags; predicting with the model (a saved one's user did not see the fit) says how many of the cells
called unknown carry such a label. The fitted model and its calls are unchanged."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.labels import unsure_types


def _reference(rare_cells: int | None):
    ref = simulate(800, kind="cite", n_genes=200, n_proteins=15, n_cell_types=5, n_batches=2, seed=1)
    labels = ref.obs["cell_type"].astype(str).to_numpy()
    if rare_cells is None:
        return ref, None
    rare = "HSC"  # the simulation's smallest type (45 of 800 cells)
    keep = np.ones(len(labels), bool)
    keep[np.flatnonzero(labels == rare)[rare_cells:]] = False
    return ref[keep].copy(), rare


def _said(records):
    return [r for r in records if "'unknown' call may flag many query cells" in r.getMessage()]


@pytest.fixture(scope="module")
def four_types():
    """The reference without its smallest type (every type has its share of cells), the model fitted on it once and
    the records jae logged at WARNING while it was fitted (as ``caplog.at_level(logging.WARNING, logger="jae")``)."""
    ref, _ = _reference(None)
    four = ref[ref.obs["cell_type"].astype(str) != "HSC"].copy()
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("jae")
    level = logger.level
    logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        model = JAE(JAEConfig(max_epochs=20, n_svd=10), seed=0, device="cpu").fit(four, progress_bar=False)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return four, model, records


def test_a_type_of_eight_cells_is_named_and_its_cells_are_indeed_called_unknown(caplog):
    ref, rare = _reference(8)
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = JAE(JAEConfig(max_epochs=20, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False)
    said = _said(caplog.records)
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    text = said[0].getMessage()
    code = model.cell_types.index(rare)
    n_train = int((model.voters.codes == code).sum())
    assert "1 reference type, since" in text and f"'{rare}' (100% of its {n_train} training cells)" in text
    assert text.endswith("for this type read the confidence rather than the unknown flag, or fit the reference "
                         "with more cells of it")
    # what it says holds: the call flags most of that type's cells, and few of the other types'
    called = model.predict_cell_type(ref)
    labels = ref.obs["cell_type"].astype(str).to_numpy()
    assert called["unknown"].to_numpy()[labels == rare].mean() > 0.5
    assert called["unknown"].to_numpy()[labels != rare].mean() < 0.2
    # and the list is the function's, on the model as fitted
    names = [name for name, _, _ in unsure_types(
        model, model.calibration,
        model.latent_transformed(model.voters.features)[:, model.layout.block("cell_type")], model.voters.codes)]
    assert names == [rare]


def test_no_warning_when_every_type_has_its_share_of_cells(four_types):
    _, model, records = four_types
    assert model.calibration.n_heldout >= 20  # the warning is judged (below 20 held-out cells another one speaks)
    assert _said(records) == []


def test_predicting_with_the_model_names_the_unknown_cells_of_such_a_type_and_changes_nothing(caplog, tmp_path):
    ref, rare = _reference(20)  # enough cells for the 15-NN vote to keep their label; the head still unsure of them
    model = JAE(JAEConfig(max_epochs=20, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False)
    model.save(tmp_path / "m")
    loaded = JAE.load(tmp_path / "m")  # a saved model's user: the fit's warning was someone else's
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        called = loaded.predict_cell_type(ref)
    labels = called["cell_type"].astype(str).to_numpy()
    hit = called["unknown"].to_numpy() & (labels == rare)
    said = [r.getMessage() for r in caplog.records if "cells called unknown" in r.getMessage()]
    assert hit.any() and len(said) == 1
    verb = "is" if hit.sum() == 1 else "are"  # one cell: "1 of the 33 cells called unknown is labelled"
    assert said[0].startswith(f"{int(hit.sum())} of the {int(called['unknown'].sum())} cells called unknown {verb} "
                              f"labelled '{rare}', reference type the head is less sure of")
    assert said[0].endswith("cannot tell a cell of a type the reference has few cells of from one of a type it lacks; "
                            "read their confidence beside it")
    again = model.predict_cell_type(ref)  # the warning changes no value
    assert called.equals(again)


def test_no_prediction_warning_when_no_unknown_cell_has_such_a_label(four_types, caplog):
    four, model, _ = four_types  # the same fit as the test above: one fit for both
    with caplog.at_level(logging.WARNING, logger="jae"):
        model.predict_cell_type(four)
    assert not any("cells called unknown" in r.getMessage() for r in caplog.records)


def test_one_such_cell_is_said_in_the_singular(caplog):
    import pandas as pd

    from jae.labels.transfer import _say_unsure

    labels = pd.DataFrame({"cell_type": ["a", "b", "b"], "unknown": [True, True, False]})
    with caplog.at_level(logging.WARNING, logger="jae"):
        _say_unsure(labels, [("a", 1.0, 3)])
        _say_unsure(labels.assign(cell_type="a"), [("a", 1.0, 3)])
    said = [r.getMessage() for r in caplog.records]
    assert said[0].startswith("1 of the 2 cells called unknown is labelled 'a', reference type the head")
    assert said[1].startswith("2 of the 2 cells called unknown are labelled 'a', reference type the head")
