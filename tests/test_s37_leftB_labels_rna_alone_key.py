"""model.embed(mdata['rna']) embeds the cells from their RNA alone and stores obsm['X_jae'] (with its record) in that
modality; predict_cell_type(mdata, embedding='X_jae') then read the key there but called the cells unknown as if
paired (the MuData holds both modalities), against the paired cells' thresholds, not those of cells placed from RNA
alone. A key held, with jae's record, by one modality alone is now taken as embedded from that modality alone: the
labels equal predict_cell_type(mdata['rna'], embedding='X_jae'). A key stored there by hand (README's
mdata['rna'].obsm['X_jae'] = emb, no record) is still read as the MuData's paired embedding."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def model_and_cells(own_cite_model):
    from jae.datasets import simulate

    _, model = own_cite_model("s37_leftB_rna_alone_key")
    return model, simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)


def test_key_embedded_from_rna_alone_is_called_as_rna_alone(model_and_cells):
    model, cells = model_and_cells
    data = cells.copy()
    model.embed(data["rna"])  # stored in data['rna'].obsm, its record in data['rna'].uns
    assert "X_jae" not in data.obsm
    got = model.predict_cell_type(data, embedding="X_jae")
    want = model.predict_cell_type(data["rna"], embedding="X_jae")
    assert got.index.equals(data.obs_names)
    pd.testing.assert_frame_equal(got, want)


def test_key_stored_by_hand_is_still_read_as_paired(model_and_cells):
    model, cells = model_and_cells
    data = cells.copy()
    emb = model.embed(data, key_added=None)
    data["rna"].obsm["X_jae"] = emb  # README: drawn with scanpy from the modality; no record there
    pd.testing.assert_frame_equal(model.predict_cell_type(data, embedding="X_jae"),
                                  model.predict_cell_type(data, embedding=emb))
