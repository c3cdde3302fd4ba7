"""A dict of modalities holding count matrices rather than AnnData objects ({'rna': adata.X, 'prot': ...}) failed
deep inside with AttributeError: "'csr_matrix' object has no attribute 'var'" (fit, embed, predict_cell_type,
finetune), "... 'obs_names'" (map_query, evaluate) or "... 'n_vars'" (impute). Each now refuses it in one line
naming the modality and what the dict must hold; a dict of AnnData is read as before."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig


@pytest.fixture(scope="module")
def cells():
    return jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=11)


MESSAGE = r"^data\['rna'\] is a csr_matrix, not an AnnData: a dict of modalities holds one AnnData per modality"


def test_every_call_refuses_a_matrix(cells, own_cite_model):
    _, model = own_cite_model("s38_dict_of_matrices")
    matrices = {"rna": cells["rna"].layers["counts"], "prot": cells["prot"].layers["counts"]}
    calls = {
        "fit": lambda: JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu").fit(matrices, progress_bar=False),
        "embed": lambda: model.embed(matrices),
        "predict_cell_type": lambda: model.predict_cell_type(matrices),
        "map_query": lambda: model.map_query(matrices, batch_key="batch", progress_bar=False),
        "finetune": lambda: model.finetune(matrices, progress_bar=False),
        "impute": lambda: jae.impute(model, {"rna": cells["rna"].layers["counts"]}),
        "evaluate": lambda: jae.evaluate(matrices, {"e": np.zeros((60, 2))}, report=False, progress_bar=False),
    }
    for name, call in calls.items():
        with pytest.raises(TypeError, match=MESSAGE):
            call()


def test_a_dict_of_anndata_is_read(cells, own_cite_model):
    _, model = own_cite_model("s38_dict_of_anndata")
    mods = {"rna": cells["rna"].copy(), "prot": cells["prot"].copy()}
    np.testing.assert_array_equal(model.embed(mods, key_added=None), model.embed(cells.copy(), key_added=None))
    with pytest.raises(TypeError, match=r"^data\['prot'\] is None, not an AnnData"):
        model.embed({"rna": cells["rna"].copy(), "prot": None})
