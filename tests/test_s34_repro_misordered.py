"""Same data, same answer: files whose modalities hold the same cells in other orders (a MuData written as it is:
MuData pairs its modalities by cell name) give a fitted model's embedding and labels as the same data in memory."""

from __future__ import annotations

import mudata as md
import numpy as np
import pandas as pd
import pytest

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
