"""Embedding the reference's cells beside a query mapped by a column of the query only (batch_key='sample'): the
reference cells have no value there, and the refusal said only 'fill the missing labels (e.g. with the sample
name)'; a made-up name then drew the warning to map them (session 35). It now says that reference cells get no shift
and how to give them their reference batch, which works as written (no warning, reference cells as the reference
embeds them); jae embed is told to do so in the input or an --annotations file. Since session 51 cells
with a reference batch in the column the reference was fitted with take it themselves (no refusal); cells without it
get the refusal."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest

from jae.cli._messages import cli_message
from jae.datasets import simulate


def test_reference_cells_without_the_mapped_column_are_told_their_fix(own_cite_model, caplog):
    _, model = own_cite_model("s35_mapq_reference_cells_nan")
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=51)["rna"].copy()
    query.obs["sample"] = "q1"
    mapped = model.map_query(query, batch_key="sample", epochs=1, progress_bar=False)
    fitted = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    ref = fitted["rna"][:40].copy()  # the reference's own cells, with their batch
    ref.obs["batch"] = fitted.obs["batch"].astype(str).to_numpy()[:40]
    query.obs_names = [f"q{i}" for i in range(query.n_obs)]
    data = ad.concat([ref, query], join="outer")
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        emb = mapped.embed(data, key_added=None)  # session 51: their reference batch is read from obs['batch']
    assert not [r for r in caplog.records if "without a shift" in r.getMessage()]
    assert np.array_equal(emb[:40], model.embed(ref, key_added=None))
    lost = data.copy()
    lost.obs["batch"] = lost.obs["batch"].astype(object).where(lost.obs["batch"].isna(), None)  # no reference batch
    with pytest.raises(ValueError) as err:
        mapped.embed(lost, key_added=None)
    said = str(err.value)
    assert "cells of the reference get no shift, so give them their reference batch" in said, said
    assert cli_message(said).endswith("give them their reference batch in column sample (in the input, or an "
                                      "--annotations FILE holding it)"), cli_message(said)
    data.obs["sample"] = data.obs["sample"].astype(object).fillna(data.obs["batch"]).astype(str)  # the fix, as said
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        assert np.array_equal(mapped.embed(data, key_added=None), emb)
    assert not [r for r in caplog.records if "without a shift" in r.getMessage()]
