"""Cells without a batch given to a mapped model (session 51 review). The refusal told every such cell to be filled
from "<the column the reference was fitted with>": where the mapping read that same column (the usual case,
batch_key left out) the fix filled the column from itself and changed nothing; and predict_cell_type, which knows the
column, left the placeholder in. The fix now names the column when it is another one, and is left out when it is
the same."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest

from jae.cli._messages import cli_message
from jae.datasets import simulate


@pytest.fixture(scope="module")
def mapped(own_cite_model):
    _, model = own_cite_model("s51_review_mapped_nan_batch")
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=51)["rna"].copy()
    query.obs_names = [f"q{i}" for i in range(query.n_obs)]
    query.obs["batch"] = "q1"
    query.obs["sample"] = "q1"
    by_batch = model.map_query(query, epochs=1, progress_bar=False)  # the column the reference was fitted with
    by_sample = model.map_query(query, batch_key="sample", epochs=1, progress_bar=False)
    return model, by_batch, by_sample, query


@pytest.mark.parametrize("call", ["embed", "predict_cell_type"])
def test_the_same_column_is_not_filled_from_itself(mapped, call):
    model, by_batch, _, query = mapped
    data = query.copy()
    data.obs["batch"] = data.obs["batch"].astype(object)
    data.obs.iloc[:3, data.obs.columns.get_loc("batch")] = np.nan
    with pytest.raises(ValueError) as err:
        getattr(by_batch, call)(data, key_added=None)
    said = str(err.value)
    assert "3 of 60 cells have no batch label in 'batch'" in said, said
    assert "fillna" not in said and "<the column" not in said, said
    assert "\n" not in said and "\n" not in cli_message(said)


def test_predict_cell_type_names_the_reference_column_and_its_fix_works(mapped):
    model, _, by_sample, query = mapped
    fitted = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    ref = fitted["rna"][:40].copy()  # the reference's own cells, with their batch, and no 'sample'
    ref.obs["batch"] = fitted.obs["batch"].astype(str).to_numpy()[:40]
    data = ad.concat([ref, query], join="outer")
    # cells of a reference batch take it (the fixes of session 51): no refusal, as if filled by hand
    labels = by_sample.predict_cell_type(data, key_added=None)
    filled = data.copy()
    filled.obs["sample"] = filled.obs["sample"].astype(object).fillna(filled.obs["batch"]).astype(str)
    assert labels.equals(by_sample.predict_cell_type(filled, key_added=None))
    # cells of no reference batch and no 'sample' are refused, naming the reference's column in a fix that runs
    data.obs["batch"] = data.obs["batch"].astype(object).where(data.obs["sample"].notna(), "elsewhere")
    with pytest.raises(ValueError) as err:
        by_sample.predict_cell_type(data, key_added=None)
    said = str(err.value)
    fix = ("data.obs['sample'] = data.obs['sample'].astype(object).fillna(data.obs['batch']).astype(str)")
    assert fix in said and "<the column" not in said, said
    assert cli_message(said).endswith("give them their reference batch in column sample (in the input, or an "
                                      "--annotations FILE holding it)"), cli_message(said)
    data.obs["sample"] = data.obs["sample"].astype(object).fillna(data.obs["batch"]).astype(str)  # as said
    labels = by_sample.predict_cell_type(data, key_added=None)
    assert labels.index.equals(data.obs_names) and labels["cell_type"].notna().all()
