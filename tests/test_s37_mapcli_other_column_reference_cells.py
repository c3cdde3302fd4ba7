"""A model mapped by another obs column than the reference was fitted with, embedding reference cells (s37 audit).

``jae map --batch-key sample`` (or ``orig.ident``, as Seurat files name it) on a reference fitted with ``batch``: the
mapped model shifts every cell whose ``sample`` is a mapped batch. Reference cells holding the query's name there
(one library name for all, Seurat's ``SeuratProject``) were shifted too, without a word, although the README says
the mapped model embeds reference cells bit-identically; the warning about cells of unknown batches also named
reference cells (their ``sample`` values compared with the batch names of ``batch``). Now those cells are named in
a warning with the fix; the embedding is unchanged.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

#: where the mapping warnings are logged (the reference-cell rule lives in jae.mapping.adapter since session 43)
MAPPING_LOGGERS = ("jae.mapping.train", "jae.mapping.adapter")


@pytest.fixture(scope="module")
def mapped(own_cite_model):
    from jae.datasets import simulate

    _, reference = own_cite_model("s37_other_column")
    query = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=5)
    query.obs["sample"] = "lib1"
    mapped = reference.map_query(query, batch_key="sample", epochs=2, progress_bar=False)
    ref_data = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    return reference, mapped, ref_data


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name in MAPPING_LOGGERS]


def test_reference_cells_holding_a_mapped_batch_name_are_warned_about(mapped, caplog):
    reference, model, ref_data = mapped
    assert model.adapter.batch_key == "sample" and reference.batch_key == "batch"
    ref_data.obs["sample"] = "lib1"  # the reference's cells hold the query's name in the mapping's column
    with caplog.at_level(logging.WARNING):
        emb = model.embed(ref_data, key_added=None)
    said = _warnings(caplog)
    assert len(said) == 1, said
    assert said[0].startswith("300 cells are of reference batches in obs['batch']")
    assert "obs['sample']" in said[0] and "embed them with the reference model" in said[0]
    assert not np.array_equal(emb, reference.embed(ref_data, key_added=None))  # shifted, as before: only said now


def test_reference_cells_of_other_names_embed_as_before_without_a_word(mapped, caplog):
    reference, model, ref_data = mapped
    ref_data.obs["sample"] = "refA"  # a name of their own in the mapping's column
    with caplog.at_level(logging.WARNING):
        emb = model.embed(ref_data, key_added=None)
    assert _warnings(caplog) == []  # was: '300 cells ... that this model neither mapped nor was fitted on ... map them'
    assert np.array_equal(emb, reference.embed(ref_data, key_added=None))
    ref_data.obs["sample"] = ref_data.obs["batch"].astype(str)  # their reference batch there: as before, no word
    with caplog.at_level(logging.WARNING):
        assert np.array_equal(model.embed(ref_data, key_added=None), emb)
    assert _warnings(caplog) == []
