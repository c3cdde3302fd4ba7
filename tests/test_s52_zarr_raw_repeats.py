"""A query read with layer='raw' whose .raw repeats gene names among genes the model does not read (scanpy's
adata.raw = adata.copy() made before var_names_make_unique) was refused whatever the names, where session 51 made such
repeats extra features, ignored, in other layers; now the same rule holds for .raw, for the joint model and
ModalityPredictor, in memory and on disk: only a repeat the model reads is refused (with the fix on .raw), and a
training source still refuses any repeat (jae.io.raw.names_read)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest

import jae
from jae import ModalityPredictor
from jae.cli import main

# anndata's own warning on repeated names (what the user sees reading such data), not jae's
pytestmark = pytest.mark.filterwarnings("ignore:Variable names are not unique")

RAW_FIX = r"the \.raw of .*repeats 1 feature name \(e\.g\. '{}'\).*make those of \.raw unique"


def _raw_with(adata, names):
    """``adata`` (counts in .X) with a .raw of its genes and two more named each of ``names`` (seeded counts); its
    .X keeps its own genes, unique (as after adata.raw = adata.copy() and adata.var_names_make_unique())."""
    rng = np.random.default_rng(0)
    extra = ad.AnnData(rng.poisson(1.0, size=(adata.n_obs, 2 * len(names))).astype(np.float32), obs=adata.obs[[]])
    extra.var_names = [n for n in names for _ in range(2)]
    raw = ad.concat([adata, extra], axis=1, merge="first") if names else adata.copy()
    out = adata.copy()
    out.raw = raw
    return out


@pytest.fixture(scope="module")
def query(default_fit):
    model, mdata = default_fit()
    rna = ad.AnnData(mdata["rna"].layers["counts"].copy(), obs=mdata["rna"].obs.copy(), var=mdata["rna"].var[[]])
    rna.obs["batch"] = mdata.obs["batch"].astype(str).to_numpy()
    return model, rna


def test_the_joint_model_ignores_repeats_of_raw_it_does_not_read(query, tmp_path):
    model, rna = query
    plain = model.embed(_raw_with(rna, []), key_added=None, layer="raw")
    repeated = _raw_with(rna, ["TBCE", "HSPA14"])
    assert not repeated.raw.var_names.is_unique
    np.testing.assert_array_equal(model.embed(repeated, key_added=None, layer="raw"), plain)
    used = str(rna.var_names[3])
    with pytest.raises(ValueError, match=RAW_FIX.format(used)):
        model.embed(_raw_with(rna, ["TBCE", used]), key_added=None, layer="raw")
    model.save(tmp_path / "model")  # on disk, the command line: the file's .raw
    for name, names in (("plain", []), ("repeated", ["TBCE"])):
        _raw_with(rna, names).write_h5ad(tmp_path / f"{name}.h5ad")
        assert main(["-q", "embed", "--model", str(tmp_path / "model"), "--mod1", str(tmp_path / f"{name}.h5ad"),
                     "--layer", "raw", "--device", "cpu", "--out", str(tmp_path / f"{name}.emb.h5ad")]) == 0
    a, b = (ad.read_h5ad(tmp_path / f"{n}.emb.h5ad") for n in ("repeated", "plain"))
    np.testing.assert_array_equal(a.X, b.X)


def test_modality_prediction_ignores_repeats_of_raw_it_does_not_read(default_fit, tmp_path):
    _, mdata = default_fit()
    counts = ad.AnnData(mdata["rna"].layers["counts"].copy(), obs=mdata.obs[[]].copy(), var=mdata["rna"].var[[]])
    source = _raw_with(counts, [])
    target = ad.AnnData(mdata["atac"].layers["counts"].copy(), obs=mdata.obs[[]].copy(), var=mdata["atac"].var[[]])
    model = ModalityPredictor("ridge", seed=0).fit(source, target, layer="raw", progress_bar=False)
    plain = model.predict(source, layer="raw").X
    repeated = _raw_with(counts, ["TBCE"])
    np.testing.assert_array_equal(np.asarray(model.predict(repeated, layer="raw").X), np.asarray(plain))
    repeated.write_h5ad(tmp_path / "q.h5ad")  # on disk: streamed
    np.testing.assert_array_equal(np.asarray(model.predict(str(tmp_path / "q.h5ad"), layer="raw").X),
                                  np.asarray(plain))
    used = str(source.var_names[0])
    with pytest.raises(ValueError, match=RAW_FIX.format(used)):
        model.predict(_raw_with(counts, [used]), layer="raw")
    with pytest.raises(ValueError, match=RAW_FIX.format("TBCE")):  # a training source: any repeat refused
        ModalityPredictor("ridge", seed=0).fit(repeated, target, layer="raw", progress_bar=False)
    trained = jae.predict(source, target, repeated, method="ridge", seed=0, layer="raw")  # trained in the call
    np.testing.assert_array_equal(np.asarray(trained.X), np.asarray(plain))
    source.write_h5ad(tmp_path / "source.h5ad")
    target.write_h5ad(tmp_path / "target.h5ad")
    assert main(["-q", "predict", "--train-mod1", str(tmp_path / "source.h5ad"), "--train-mod2",
                 str(tmp_path / "target.h5ad"), "--test-mod1", str(tmp_path / "q.h5ad"), "--method", "ridge",
                 "--layer", "raw", "--device", "cpu", "--output", str(tmp_path / "p.h5ad")]) == 0
    np.testing.assert_array_equal(np.asarray(ad.read_h5ad(tmp_path / "p.h5ad").X), np.asarray(plain))
