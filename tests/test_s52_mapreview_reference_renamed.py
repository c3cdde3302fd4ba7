"""The reference's own cells mapped under a new batch name (its file with the batch column renamed, or reference
cells relabelled in a combined file) were trained on and embedded as new cells, divided by the held-out scale, not
as the reference embeds them, without a word (up to 8 apart on the BMMC CITE starter). map_query now warns, telling
them by their counts (jae.query.fit_cells); the mapping is that of before."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def reference(own_cite_model):
    return own_cite_model("s52_mapreview_reference_renamed")[1]


def _fitted_cells():
    # the cells small_cite_model (conftest) was fitted on, as simulate makes them again
    return jae.simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)


def test_the_reference_renamed_is_said(reference, caplog):
    cells = _fitted_cells()
    cells.obs["batch"] = "again"
    with caplog.at_level(logging.WARNING, logger="jae"):
        mapped = reference.map_query(cells, epochs=2, progress_bar=False)
    assert ("300 cells of the new batches (again) are the reference's own cells (their RNA counts are those of cells "
            "it was fitted on): they are mapped as query cells and embedded as new cells") in caplog.text
    assert "give them their reference batch in the batch column 'batch'" in caplog.text
    moved = mapped.embed(cells, key_added=None) - reference.embed(_fitted_cells(), key_added=None)
    assert np.abs(moved).max() > 0  # what the warning is about: not the reference's embedding


def test_new_cells_say_nothing(reference, caplog):
    query = jae.simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=8)
    query.obs["batch"] = "query_1"
    mixed = _fitted_cells()[:20].copy()  # 20 of the reference's cells beside them, under their own batch
    with caplog.at_level(logging.WARNING, logger="jae"):
        reference.map_query(query, epochs=1, progress_bar=False)
        assert "the reference's own cells" not in caplog.text
        both = md.MuData({m: ad.concat([query[m], mixed[m]]) for m in ("rna", "prot")})
        both.obs["batch"] = np.r_[np.repeat("query_1", 80), np.repeat("query_2", 20)]
        reference.map_query(both, epochs=1, progress_bar=False)
    assert "20 cells of the new batches (query_2) are the reference's own cells" in caplog.text
