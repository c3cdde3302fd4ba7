"""Same data, same answer: files whose modalities hold the same cells in other orders (a MuData written as it is:
MuData pairs its modalities by cell name) give a fitted model's embedding and labels as the same data in memory; too
large for the default memory budget, they are refused with a fix those calls have (they take no memory_budget)."""

from __future__ import annotations

import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from jae.io import open_competition, open_h5mu


@pytest.fixture(scope="module")
def misordered(own_cite_model):
    """The cells of the shared small CITE model (its own training data), written with the proteins in another cell
    order: an .h5mu, and the competition's two files; and the model."""
    folder, model = own_cite_model("s34_repro_misordered")
    sim = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    rna, prot = sim["rna"].copy(), sim["prot"].copy()
    for a in (rna, prot):
        a.obs = sim.obs.copy()
    prot = prot[np.random.default_rng(0).permutation(prot.n_obs)].copy()
    md.MuData({"rna": rna, "prot": prot}).write(folder / "mis.h5mu")
    rna.write_h5ad(folder / "mod1.h5ad")
    prot.write_h5ad(folder / "mod2.h5ad")
    return folder, model, sim


@pytest.mark.parametrize("how", ["path", "backed", "open_h5mu", "open_competition"])
def test_a_model_embeds_and_labels_files_whose_modalities_hold_the_cells_in_other_orders(misordered, how):
    """These files were refused ('... or pass memory_budget=<bytes> large enough to read them whole', a keyword
    embed and predict_cell_type lack), while fit, jae.read_h5mu and jae embed read them whole, paired by name."""
    folder, model, sim = misordered
    data = {"path": lambda: str(folder / "mis.h5mu"), "backed": lambda: md.read_h5mu(folder / "mis.h5mu", backed=True),
            "open_h5mu": lambda: open_h5mu(folder / "mis.h5mu"),
            "open_competition": lambda: open_competition(folder / "mod1.h5ad", folder / "mod2.h5ad")}[how]
    expected = model.embed(sim, key_added=None)
    np.testing.assert_array_equal(model.embed(data(), key_added=None), expected)
    labels = model.predict_cell_type(data())
    pd.testing.assert_frame_equal(labels, model.predict_cell_type(sim))
    assert list(labels.index) == list(sim.obs_names)


@pytest.mark.parametrize("how", ["path", "open_h5mu", "open_competition"])
def test_misordered_files_over_the_budget_are_told_a_fix_a_models_calls_take(misordered, how, monkeypatch):
    folder, model, sim = misordered
    data = {"path": lambda: str(folder / "mis.h5mu"), "open_h5mu": lambda: open_h5mu(folder / "mis.h5mu"),
            "open_competition": lambda: open_competition(folder / "mod1.h5ad", folder / "mod2.h5ad")}[how]
    monkeypatch.setattr("jae.io.plan.default_memory_budget", lambda: 1)  # every file over the default budget
    for call in (lambda: model.embed(data(), key_added=None), lambda: model.predict_cell_type(data())):
        with pytest.raises(ValueError, match="different orders") as err:
            call()
        assert "memory_budget" not in str(err.value)
        assert "jae.read_h5mu(path) or jae.read_competition(mod1, mod2)" in str(err.value)
    monkeypatch.undo()  # the fix named: the same embedding as the data in memory
    expected = model.embed(sim, key_added=None)
    read = (jae.read_competition(folder / "mod1.h5ad", folder / "mod2.h5ad") if how == "open_competition"
            else jae.read_h5mu(folder / "mis.h5mu"))
    np.testing.assert_allclose(model.embed(read, key_added=None), expected, rtol=1e-5, atol=1e-6)
