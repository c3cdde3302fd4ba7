"""map_query by another obs column than the reference was fitted with, on data holding reference cells (s37 audit).

Reference and query cells in one object (to embed them together afterwards), mapped by a column both share a value
in (Seurat's orig.ident, 'SeuratProject' for every cell; one library name): the reference cells became cells of the
new batch, trained on and shifted with the query, without a word (the map summary counted them as mapped query
cells). They are now named in a warning with the fix; the mapping itself is unchanged.
"""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pytest

#: where the mapping warnings are logged (the reference-cell rule lives in jae.mapping.adapter since session 43)
MAPPING_LOGGERS = ("jae.mapping.train", "jae.mapping.adapter")


@pytest.fixture(scope="module")
def together(own_cite_model):
    from jae.datasets import simulate

    _, reference = own_cite_model("s37_other_column_mapping")
    ref = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    query = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=6)
    query.obs["batch"] = "new_run"
    for name in query.mod:
        query[name].obs_names = [f"q{i}" for i in range(query.n_obs)]
        query[name].obs["batch"] = "new_run"
    mods = {name: __import__("anndata").concat([ref[name][:100], query[name]], merge="same") for name in ref.mod}
    data = md.MuData(mods)
    data.obs["batch"] = np.r_[ref.obs["batch"].astype(str).to_numpy()[:100], ["new_run"] * 80]
    data.obs["orig.ident"] = "SeuratProject"
    return reference, data


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name in MAPPING_LOGGERS]


def test_reference_cells_mapped_as_query_cells_are_warned_about(together, caplog):
    reference, data = together
    with caplog.at_level(logging.WARNING):
        mapped = reference.map_query(data, batch_key="orig.ident", epochs=1, progress_bar=False)
    said = [w for w in _warnings(caplog) if "reference batches in obs['batch']" in w]
    assert len(said) == 1, _warnings(caplog)
    assert said[0].startswith("100 cells are of reference batches in obs['batch'], the column the reference was "
                              "fitted with")
    assert "they are mapped as query cells (trained on and shifted)" in said[0]
    assert mapped.mappings[-1]["n_cells"] == 180  # as before: only said now
    without = md.MuData({name: data[name].copy() for name in data.mod})  # the fit column absent: nothing to say,
    for name in without.mod:  # and the same mapping
        without[name].obs = without[name].obs.drop(columns=["batch"], errors="ignore")
    without.obs = data.obs.drop(columns=["batch"]).copy()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = reference.map_query(without, batch_key="orig.ident", epochs=1, progress_bar=False)
    assert not [w for w in _warnings(caplog) if "reference batches in obs" in w]
    assert np.array_equal(again.adapter.shift, mapped.adapter.shift)


def test_a_query_of_new_batches_alone_maps_without_a_word(together, caplog):
    reference, data = together
    query = data[data.obs["batch"] == "new_run"].copy()
    with caplog.at_level(logging.WARNING):
        reference.map_query(query, batch_key="orig.ident", epochs=1, progress_bar=False)
    assert not [w for w in _warnings(caplog) if "reference batches in obs" in w]
