"""A scanpy / scvi-tools user's first calls on a jae model (session 56).

scvi-tools' names of the model's calls (``SCVI.setup_anndata``, ``model.train``, ``model.get_latent_representation``,
scANVI's ``model.predict``, ``SCVI.load_query_data``) failed with Python's bare AttributeError, which names no call of
jae's; the refusal now names jae's call for that job (``jae.JAE`` has :class:`jae.config.OtherCalls` as its base),
and any other missing attribute is refused exactly as before (with the name and object Python's "Did you
mean" reads).

``jae_cell_type`` keeps every reference type as a category, predicted or not (as ``sc.tl.ingest``), so scanpy's
``groupby=`` of cells lacking a type fails; the README now says so with the fix, which this runs.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import numpy as np
import pytest

import jae

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name, ours", [
    ("get_latent_representation", "model.embed(data)"),
    ("predict", "model.predict_cell_type(data)"),
    ("train", "model.fit(data, batch_key=..., cell_type_key=...)"),
    ("load_query_data", "reference.map_query(query)"),
])
def test_scvi_tools_calls_of_a_model_name_jaes(name, ours):
    model = jae.JAE(seed=0)
    with pytest.raises(AttributeError, match=rf"'JAE' object has no attribute '{name}' \({name} is scvi-tools' call\);"
                                             rf" in jae: .*{ours.replace('(', '[(]').replace(')', '[)]')}"):
        getattr(model, name)
    assert not hasattr(model, name)


def test_setup_anndata_of_the_class_names_fit_and_other_names_are_refused_as_before(default_fit):
    with pytest.raises(AttributeError, match=r"type object 'JAE' has no attribute 'setup_anndata' \(setup_anndata is "
                                             r"scvi-tools' call\); in jae: none is needed, model.fit\(data, batch_key"):
        jae.JAE.setup_anndata  # noqa: B018
    model, _ = default_fit()
    with pytest.raises(AttributeError, match=r"^'JAE' object has no attribute 'embedd'$") as info:
        model.embedd  # noqa: B018
    assert info.value.name == "embedd" and info.value.obj is model  # what Python's "Did you mean: 'embed'?" reads
    with pytest.raises(AttributeError, match=r"^type object 'JAE' has no attribute 'nothing'$"):
        jae.JAE.nothing  # noqa: B018
    for other in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):  # copying and pickling unchanged
        assert isinstance(other, jae.JAE) and other.cell_types == model.cell_types


def test_readme_fix_for_unpredicted_types_works_with_scanpy(default_fit):
    sc = pytest.importorskip("scanpy")
    model, mdata = default_fit()
    labels = model.predict_cell_type(mdata, key_added="jae")
    rare = labels["cell_type"].value_counts().index[-1]
    query = mdata[(labels["cell_type"] != rare).to_numpy()].copy()
    model.predict_cell_type(query, key_added="jae")
    assert rare in query.obs["jae_cell_type"].cat.categories  # every reference type kept, as the README says
    adata = query["rna"].copy()
    adata.X = np.log1p(adata.X.toarray() if hasattr(adata.X, "toarray") else adata.X)
    adata.obs["jae_cell_type"] = query.obs["jae_cell_type"].array  # the Categorical, unused types kept
    with pytest.raises(ValueError, match="only contain one sample"):
        sc.tl.rank_genes_groups(adata, groupby="jae_cell_type")
    text = " ".join(README.read_text().split())
    assert ('group those by `adata.obs["jae_cell_type"].cat.remove_unused_categories()` stored as a column of its '
            "own") in text
    adata.obs["jae_cell_type_present"] = adata.obs["jae_cell_type"].cat.remove_unused_categories()
    sc.tl.rank_genes_groups(adata, groupby="jae_cell_type_present")
    assert rare not in adata.uns["rank_genes_groups"]["names"].dtype.names
