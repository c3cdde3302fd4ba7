"""One AnnData of a single modality opened backed (``anndata.read_h5ad(path, backed='r')``, the RNA of a query) whose
counts are its ``.X`` (or its ``.raw``, ``layer='raw'``), which stay on disk: embed, predict_cell_type, jae.impute
and map_query failed with scipy's "scipy.sparse does not support dtype object" (the on-disk CSR dataset taken for an
array). Such an AnnData is now read into memory, as a backed modality of a MuData or dict already was, with the
results of the same AnnData in memory; the user's object stays backed."""

from __future__ import annotations

import hashlib

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae


@pytest.fixture(scope="module")
def query(tmp_path_factory):
    """(in-memory RNA AnnData with counts in .X, its .h5ad, the same with normalised .X and counts in .raw)."""
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    counts = m["rna"].layers["counts"].copy()
    rna = ad.AnnData(X=counts, obs=m.obs[["batch"]].copy(), var=m["rna"].var.copy())
    rna.obs["batch"] = ("new_" + rna.obs["batch"].astype(str)).astype("category")  # not the model's batches
    folder = tmp_path_factory.mktemp("s38_backed_alone")
    rna.write_h5ad(folder / "rna_x.h5ad")
    raw = rna.copy()
    raw.raw = rna.copy()
    raw.X = np.log1p(counts.multiply(1e4 / counts.sum(axis=1)).tocsr())  # scanpy's normalise + log1p, counts in .raw
    raw.write_h5ad(folder / "rna_raw.h5ad")
    return rna, folder / "rna_x.h5ad", folder / "rna_raw.h5ad"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("which, layer", [("x", "counts"), ("x", None), ("raw", "raw")])
def test_backed_anndata_alone_is_read(query, own_cite_model, which, layer):
    rna, path_x, path_raw = query
    path = path_x if which == "x" else path_raw
    _, model = own_cite_model(f"s38_backed_alone_{which}_{layer}")
    expected = model.embed(rna.copy(), key_added=None)
    labels = model.predict_cell_type(rna.copy())
    before = _digest(path)
    backed = ad.read_h5ad(path, backed="r")
    try:
        np.testing.assert_array_equal(model.embed(backed, key_added=None, layer=layer), expected)
        pd.testing.assert_frame_equal(model.predict_cell_type(backed, layer=layer), labels)
        imputed = jae.impute(model, backed, layer=layer)
        assert imputed.shape == (rna.n_obs, 15) and np.isfinite(imputed.X).all()
        assert backed.isbacked and "X_jae" not in backed.obsm
    finally:
        backed.file.close()
    assert _digest(path) == before


def test_backed_anndata_alone_is_mapped(query, own_cite_model):
    rna, path_x, _ = query
    _, model = own_cite_model("s38_backed_alone_map")
    expected = model.map_query(rna.copy(), batch_key="batch", epochs=1, progress_bar=False).embed(
        rna.copy(), key_added=None)
    backed = ad.read_h5ad(path_x, backed="r")
    try:
        mapped = model.map_query(backed, batch_key="batch", epochs=1, progress_bar=False)
        np.testing.assert_array_equal(mapped.embed(backed, key_added=None), expected)
    finally:
        backed.file.close()
