"""Session 57: a model fitted on a MuData built from AnnData objects (``mudata.MuData({'rna': ..., 'prot': ...})``,
which pulls modality 'rna''s obs column 'batch' into ``mdata.obs`` as ``'rna:batch'``) with
``batch_key='rna:batch'`` was refused by ``map_query`` and ``jae map`` for a query in the same layout read by jae
(a dict of AnnData, ``jae.read_h5mu``, a path, ``jae map --h5mu``), which hold the column by its own name, 'batch':
"no batch labels column 'rna:batch' ... pass batch_key='batch'". The model's column is now found as the modality's
column it names; a key given by the caller that is not the model's column is refused as before
(tests/test_s38_scanpy_pulled_names.py)."""

from __future__ import annotations

import warnings

import mudata
import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.cli import main


def _built(m, cells):
    """A MuData of ``cells`` built as muon users build one: the batch and cell types in modality 'rna''s obs."""
    mods = {}
    for name in ("rna", "prot"):
        adata = m[name][cells].copy()
        if name == "rna":
            adata.obs["batch"] = m.obs["batch"].to_numpy()[cells]
            adata.obs["cell_type"] = m.obs["cell_type"].to_numpy()[cells]
        mods[name] = adata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mudata's FutureWarning on pulling obs at construction
        return mudata.MuData(mods), mods


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("s57mapkey")
    m = jae.simulate(200, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=3, seed=0)
    batch = m.obs["batch"].astype(str).to_numpy()
    ref, _ = _built(m, np.flatnonzero(batch != batch[-1]))
    assert "rna:batch" in ref.obs.columns and "batch" not in ref.obs.columns
    model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(
        ref, batch_key="rna:batch", cell_type_key="rna:cell_type", progress_bar=False, finetune=False)
    query, mods = _built(m, np.flatnonzero(batch == batch[-1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        query.write(d / "q.h5mu")
    model.save(d / "model")
    expected = model.map_query(query, epochs=1, progress_bar=False)  # the query as the reference came: as before
    return d, model, query, mods, expected


@pytest.mark.parametrize("layout", ["dict", "read_h5mu", "path"])
def test_map_query_finds_the_models_column_as_the_modality_column(setup, layout):
    d, model, _, mods, expected = setup
    data = {"dict": mods, "read_h5mu": jae.read_h5mu(d / "q.h5mu"), "path": str(d / "q.h5mu")}[layout]
    mapped = model.map_query(data, epochs=1, progress_bar=False)
    assert mapped.adapter.batch_key == "rna:batch" and mapped.adapter.batches == expected.adapter.batches
    np.testing.assert_array_equal(mapped.adapter.shift, expected.adapter.shift)


def test_the_mapped_model_embeds_and_labels_the_query_read_by_jae(setup):
    d, _, query, _, expected = setup
    data = jae.read_h5mu(d / "q.h5mu")
    assert "rna:batch" not in data.obs.columns
    np.testing.assert_array_equal(expected.embed(data, key_added=None), expected.embed(query, key_added=None))
    assert list(expected.predict_cell_type(data)) == list(expected.predict_cell_type(query))
    mods = {name: data[name].copy() for name in ("rna", "prot")}
    mods["prot"].obs["batch"] = mods["rna"].obs.pop("batch").to_numpy()  # 'batch' kept in 'prot' alone: not 'rna:batch'
    with pytest.raises(KeyError, match=r"no batch labels column 'rna:batch' in obs .*pass batch_key='batch'"):
        setup[1].map_query(mods, epochs=1, progress_bar=False)


def test_jae_map_and_embed_take_the_file(setup, tmp_path, caplog):
    d, _, _, _, expected = setup
    assert main(["-q", "map", "--model", str(d / "model"), "--h5mu", str(d / "q.h5mu"), "--epochs", "1",
                 "--out", str(tmp_path / "mapped")]) == 0, caplog.text
    mapped = JAE.load(tmp_path / "mapped", device="cpu")
    assert mapped.adapter.batch_key == "rna:batch"
    np.testing.assert_array_equal(mapped.adapter.shift, expected.adapter.shift)
    assert main(["-q", "embed", "--model", str(tmp_path / "mapped"), "--h5mu", str(d / "q.h5mu"),
                 "--out", str(tmp_path / "e.h5ad")]) == 0, caplog.text
    assert (tmp_path / "e.h5ad").exists()
