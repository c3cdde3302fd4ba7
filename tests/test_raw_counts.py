"""Counts kept in an AnnData's ``.raw`` (scanpy's slot, CELLxGENE's layout): ``layer='raw'`` reads them in memory,
from files read whole and from files streamed, as a counts layer would be read."""

from __future__ import annotations

import anndata as ad
import h5py
import mudata as md
import numpy as np
import pytest

import jae
from jae import JAEConfig
from jae.cli import main
from jae.datasets import simulate
from jae.preprocess import log_normalize

CONFIG = JAEConfig(max_epochs=2)


@pytest.fixture(scope="module")
def cite():
    return simulate(300, kind="cite", n_genes=200, n_proteins=20, n_cell_types=3, n_batches=2, seed=5)


def _scanpy_layout(mdata, genes=None) -> md.MuData:
    """RNA as scanpy leaves it: ``.raw`` the counts of every gene, ``.X`` log-normalised (of ``genes`` only, when
    given: highly variable genes), no counts layer; the proteins' counts in ``.X``."""
    rna, prot = mdata.mod["rna"], mdata.mod["prot"]
    full = ad.AnnData(X=rna.layers["counts"].copy(), obs=rna.obs.copy(), var=rna.var.copy())
    norm = full.copy()
    norm.X = log_normalize(full.X)
    norm.raw = full
    if genes is not None:
        norm = norm[:, genes].copy()
    out = md.MuData({"rna": norm, "prot": ad.AnnData(X=prot.layers["counts"].copy(), obs=prot.obs.copy(),
                                                     var=prot.var.copy())})
    out.obs = mdata.obs.copy()
    return out


def _fit_embed(data, **kwargs):
    model = jae.JAE(CONFIG, seed=0).fit(data, progress_bar=False, **kwargs)
    return model, model.embed(data, key_added=None, layer=kwargs.get("layer", "counts"))


def test_layer_raw_fits_as_a_counts_layer_and_leaves_the_input_alone(cite):
    _, expected = _fit_embed(cite)
    user = _scanpy_layout(cite)
    x_before = user.mod["rna"].X.copy()
    model, emb = _fit_embed(user, layer="raw")
    np.testing.assert_array_equal(emb, expected)  # the same counts: the same embedding, bit for bit
    assert list(user.mod["rna"].layers) == [] and list(user.mod["prot"].layers) == []  # nothing added
    assert (user.mod["rna"].X != x_before).nnz == 0
    labels = model.predict_cell_type(user, layer="raw")
    assert labels["cell_type"].notna().all()


def test_raw_with_more_genes_than_x_reads_every_gene_of_raw(cite):
    _, expected = _fit_embed(cite)
    user = _scanpy_layout(cite, genes=cite.mod["rna"].var_names[::2])  # .X cut to half the genes
    assert user.mod["rna"].n_vars == 100 and user.mod["rna"].raw.n_vars == 200
    model, emb = _fit_embed(user, layer="raw")
    assert len(model.preprocessor.var_names[0]) == 200
    np.testing.assert_array_equal(emb, expected)


def test_a_missing_counts_layer_points_to_raw(cite):
    with pytest.raises(KeyError, match=r"its \.raw may hold them: pass layer='raw'"):
        jae.JAE(CONFIG, seed=0).fit(_scanpy_layout(cite), progress_bar=False)


def test_files_with_raw_read_whole_and_streamed_give_the_same_embedding(cite, tmp_path):
    _, expected = _fit_embed(cite)
    user = _scanpy_layout(cite, genes=cite.mod["rna"].var_names[::2])
    rna, adt = tmp_path / "rna.h5ad", tmp_path / "adt.h5ad"
    rna_ad = user.mod["rna"].copy()
    rna_ad.obs = cite.obs.copy()
    rna_ad.write_h5ad(rna)
    user.mod["prot"].write_h5ad(adt)
    from jae.io.chunked import matrix_bytes
    from jae.io.paired_files import _stored_bytes

    with h5py.File(rna, "r") as f:  # reading the file whole holds .raw too: the memory plan counts it
        assert _stored_bytes(rna, None) == matrix_bytes(f["X"]) + matrix_bytes(f["raw"]["X"])
    whole = jae.read_competition(rna, adt, layer="raw")
    assert whole.mod["rna"].n_vars == 200  # the features of .raw
    _, emb = _fit_embed(whole, layer="raw")
    np.testing.assert_array_equal(emb, expected)
    files = jae.io.open_competition(rna, adt, layer="raw")
    assert len(files.var_names[0]) == 200
    streamed = jae.JAE(CONFIG, seed=0).fit(files, memory_budget=1, progress_bar=False)
    np.testing.assert_array_equal(streamed.embed(whole, key_added=None, layer="raw"), expected)
    for read in (jae.read_competition, jae.io.open_competition):  # the default layer is missing and .raw is there
        with pytest.raises(KeyError, match=r"rna.h5ad has no layer 'counts' .*its \.raw .*pass layer='raw'"):
            read(rna, adt)
    h5mu = tmp_path / "x.h5mu"
    user.write(h5mu)
    files = jae.io.open_h5mu(h5mu, layer="raw")
    streamed = jae.JAE(CONFIG, seed=0).fit(files, memory_budget=1, progress_bar=False)
    np.testing.assert_array_equal(streamed.embed(whole, key_added=None, layer="raw"), expected)


def test_cli_layer_raw(cite, tmp_path):
    user = _scanpy_layout(cite)
    rna, adt = tmp_path / "rna.h5ad", tmp_path / "adt.h5ad"
    rna_ad = user.mod["rna"].copy()
    rna_ad.obs = cite.obs.copy()
    rna_ad.write_h5ad(rna)
    user.mod["prot"].write_h5ad(adt)
    model, out = tmp_path / "model", tmp_path / "emb.h5ad"
    args = ["--mod1", str(rna), "--mod2", str(adt)]
    assert main(["-q", "fit", *args, "--max-epochs", "2", "--out", str(model)]) != 0  # .X is normalised
    assert main(["-q", "fit", *args, "--layer", "raw", "--max-epochs", "2", "--out", str(model)]) == 0
    assert main(["-q", "embed", "--model", str(model), *args, "--layer", "raw", "--out", str(out)]) == 0
    assert ad.read_h5ad(out).shape[0] == 300


@pytest.mark.parametrize("layout", ["feature_types", "protein_expression"])
def test_one_h5ad_holding_both_modalities_reads_its_raw_as_in_memory(cite, tmp_path, layout):
    """``--h5ad FILE --layer raw``: was refused with "FILE has no layer 'raw' ...: pass layer='raw'"."""
    import pandas as pd
    import scipy.sparse as sp

    rna, prot = cite.mod["rna"], cite.mod["prot"]
    if layout == "feature_types":  # scanpy.read_10x_h5(..., gex_only=False), then adata.raw = adata; normalised
        var = pd.concat([rna.var, prot.var])
        counts = ad.AnnData(X=sp.hstack([rna.layers["counts"], prot.layers["counts"]]).tocsr(), obs=cite.obs.copy(),
                            var=var)
    else:  # scvi-tools: proteins in obsm, RNA counts in .raw
        counts = ad.AnnData(X=rna.layers["counts"].copy(), obs=cite.obs.copy(), var=rna.var.copy())
        counts.obsm["protein_expression"] = pd.DataFrame(prot.layers["counts"].toarray(), index=counts.obs_names,
                                                         columns=prot.var_names)
    user = counts.copy()
    user.X = log_normalize(counts.X)
    user.raw = counts
    path = tmp_path / "both.h5ad"
    user.write_h5ad(path)
    expected = jae.io.split_anndata(ad.read_h5ad(path), layer="raw")
    mdata = jae.io.InputFiles(h5ad=path, layer="raw").read()
    assert set(mdata.mod) == {"rna", "prot"} and list(mdata.obs.columns) == list(cite.obs.columns)
    for name in ("rna", "prot"):
        np.testing.assert_array_equal(sp.csr_matrix(mdata.mod[name].layers["counts"]).toarray(),
                                      sp.csr_matrix(expected[name].layers["raw"]).toarray())
        assert list(mdata.mod[name].var_names) == list(expected[name].var_names)
    np.testing.assert_array_equal(mdata.mod["rna"].layers["counts"].toarray(), rna.layers["counts"].toarray())
