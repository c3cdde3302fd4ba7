"""README's mapping example embeds RNA alone with `mapped.embed(query_mdata["rna"])`; with mudata >= 0.3 the batch
column sits in the MuData's own obs, not the modality's, and the refusal said only 'add it (data.obs['batch'] = each
cell's batch)'. For one AnnData it now also names the lines that copy the MuData's column into the modality, and
following them as written embeds the cells (jae.impute's refusal names the same lines)."""

from __future__ import annotations

import re

import mudata
import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def mapped():
    full = jae.simulate(600, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=3, seed=7)
    batch = full.obs["batch"].astype(str).to_numpy()
    reference, query = full[batch != "s1d3"].copy(), full[batch == "s1d3"].copy()
    model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(reference, progress_bar=False)
    return model.map_query(query, epochs=1, progress_bar=False), query


def test_modality_without_the_batch_column_names_the_copy_from_the_mudata(mapped):
    model, query = mapped
    mdata = mudata.MuData({"rna": query["rna"].copy(), "prot": query["prot"].copy()})
    mdata.obs["batch"] = query.obs["batch"].to_numpy()
    assert "batch" not in mdata["rna"].obs.columns
    with pytest.raises(ValueError, match="the data has no such column") as err:
        model.embed(mdata["rna"], key_added=None)
    message = str(err.value)
    fix = re.search(r"e\.g\. (one = mdata\['rna'\]\.copy\(\); one\.obs\['batch'\] = mdata\.obs\['batch'\]), then pass "
                    r"one$", message)
    assert fix is not None and "\n" not in message, message
    names = {"mdata": mdata}
    exec(fix.group(1), names)
    embedded = model.embed(names["one"], key_added=None)
    assert embedded.shape[0] == query.n_obs and np.isfinite(embedded).all()


def test_a_mudata_lacking_the_column_gets_no_modality_lines(mapped):
    model, query = mapped
    data = query.copy()
    del data.obs["batch"]
    with pytest.raises(ValueError, match="the data has no such column") as err:
        model.embed(data, key_added=None)
    assert "then pass one" not in str(err.value)
