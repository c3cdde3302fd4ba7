"""A muon user's column names: MuData shows a modality's obs column pulled into ``mdata.obs`` as ``'rna:cell_type'``,
but jae joins the modalities' columns into obs by their own names (``jae.read_h5mu`` pulls none), so such a key was
refused with a list of columns that did not say ``'cell_type'`` is the very column asked for. The refusal now names
the argument to pass."""

from __future__ import annotations

import warnings

import mudata as md
import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig


@pytest.fixture(scope="module")
def h5mu_mod_obs(tmp_path_factory):
    """An .h5mu of modalities 'rna' and 'adt' whose batch and cell-type columns sit in the modalities' obs only."""
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=3)
    mods = {}
    for name, key in (("rna", "rna"), ("adt", "prot")):
        adata = m[key].copy()
        adata.obs["batch"] = m.obs["batch"].to_numpy()
        adata.obs["cell_type"] = m.obs["cell_type"].to_numpy()
        mods[name] = adata
    path = tmp_path_factory.mktemp("pulled") / "modobs.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mudata's FutureWarning on pulling obs at construction
        md.MuData(mods).write(path)
    return path


def test_fit_names_the_column_a_pulled_name_stands_for(h5mu_mod_obs):
    mdata = jae.read_h5mu(h5mu_mod_obs)
    assert "cell_type" in mdata.obs.columns and "rna:cell_type" not in mdata.obs.columns
    model = JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu")
    with pytest.raises(KeyError, match=r"'adt:cell_type' is how MuData names the column 'cell_type' of modality 'adt'.*"
                                       r"pass cell_type_key='cell_type'"):
        model.fit(mdata, cell_type_key="adt:cell_type", progress_bar=False)
    with pytest.raises(KeyError, match=r"pass batch_key='batch'"):
        model.fit(mdata, batch_key="rna:batch", progress_bar=False)
    assert not model.is_fitted


def test_map_query_names_the_column_a_pulled_name_stands_for(h5mu_mod_obs, own_cite_model):
    _, model = own_cite_model("s38_pulled_names")
    mdata = jae.read_h5mu(h5mu_mod_obs)
    with pytest.raises(KeyError, match=r"'rna:batch' is how MuData names the column 'batch'.*pass batch_key='batch'"):
        model.map_query(mdata, batch_key="rna:batch", progress_bar=False)
    with pytest.raises(KeyError, match=r"pass batch_key='batch'"):
        model.finetune(mdata, batch_key="rna:batch", progress_bar=False)


def test_other_missing_keys_keep_their_message(h5mu_mod_obs):
    mdata = jae.read_h5mu(h5mu_mod_obs)
    model = JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu")
    with pytest.raises(KeyError, match=r"no batch column 'rna:sample' in obs .*pass batch_key=<column>"):
        model.fit(mdata, batch_key="rna:sample", progress_bar=False)
    with pytest.raises(KeyError, match=r"obs has no column 'celltype'"):
        model.fit(mdata, cell_type_key="celltype", progress_bar=False)


def test_evaluate_names_the_column_a_pulled_name_stands_for(h5mu_mod_obs):
    mdata = jae.read_h5mu(h5mu_mod_obs)
    embedding = {"e": np.random.default_rng(0).normal(size=(mdata.n_obs, 4))}
    with pytest.raises(KeyError, match=r"'rna:cell_type' is how MuData names .*pass cell_type_key='cell_type'"):
        jae.evaluate(mdata, embedding, cell_type_key="rna:cell_type", report=False, progress_bar=False)
    with pytest.raises(KeyError, match=r"'prot:batch' is how MuData names .*pass batch_key='batch'"):
        jae.evaluate(mdata, embedding, batch_key="prot:batch", report=False, progress_bar=False)
