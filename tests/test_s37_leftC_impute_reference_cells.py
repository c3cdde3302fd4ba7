"""jae.impute with a model mapped by another obs column than the reference was fitted with (s37 audit).

``jae.embed`` names, in one warning, reference cells (of a reference batch in the column the reference was fitted
with) that hold a mapped batch's name in the mapping's column: they get that batch's shift. ``jae.impute`` (decoder)
shifts them the same way before decoding but said nothing. Now it gives embed's warning; the prediction is unchanged.
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

    _, reference = own_cite_model("s37_leftC_impute")
    query = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=5)
    query.obs["sample"] = "lib1"
    query.obs["batch"] = "q1"  # not a reference batch
    mapped = reference.map_query(query, batch_key="sample", epochs=2, progress_bar=False)
    ref_data = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    rna = ref_data["rna"].copy()
    rna.obs["batch"] = ref_data.obs["batch"].astype(str).to_numpy()
    return reference, mapped, rna


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name in MAPPING_LOGGERS]


def test_impute_warns_about_reference_cells_shifted_as_a_mapped_batch(mapped, caplog):
    import jae

    reference, model, rna = mapped
    rna = rna.copy()
    rna.obs["sample"] = "lib1"  # the reference's cells hold the query's name in the mapping's column
    with caplog.at_level(logging.WARNING):
        out = jae.impute(model, rna)
    said = _warnings(caplog)
    assert len(said) == 1, said
    assert said[0].startswith("200 cells are of reference batches in obs['batch']")
    assert "embed them with the reference model" in said[0]
    assert not np.array_equal(out.X, jae.impute(reference, rna).X)  # shifted, as before: only said now


def test_impute_of_reference_cells_named_apart_says_nothing(mapped, caplog):
    import jae

    reference, model, rna = mapped
    rna = rna.copy()
    rna.obs["sample"] = "refA"
    with caplog.at_level(logging.WARNING):
        out = jae.impute(model, rna)
    assert _warnings(caplog) == []
    assert np.array_equal(out.X, jae.impute(reference, rna).X)


def test_embed_files_with_impute_out_says_it_once(mapped, tmp_path, caplog):
    import jae
    from jae.io import InputFiles

    _, model, rna = mapped
    rna = rna.copy()
    rna.obs["sample"] = "lib1"
    rna.write_h5ad(tmp_path / "rna.h5ad")
    with caplog.at_level(logging.WARNING):
        jae.embed_files(InputFiles(mod1=tmp_path / "rna.h5ad"), model, tmp_path / "emb.h5ad",
                        impute_out=tmp_path / "imp.h5ad", progress_bar=False)
    said = [w for w in _warnings(caplog) if "reference batches in obs['batch']" in w]
    assert len(said) == 1, said  # embed's and impute's pass over the same cells: one warning
