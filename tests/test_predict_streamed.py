"""``jae predict`` reads the test cells' source counts in row blocks (``ModalityPredictor.predict`` given a path):
the same prediction, bit for bit, as the test file read whole, without reading its matrix whole."""

from __future__ import annotations

import anndata as ad
import h5py
import numpy as np
import pytest

import jae
from jae.datasets import write_simulated
from jae.io.chunked import BackedCounts
from jae.prediction import ModalityPredictor, PredictConfig
from jae.prediction import streamed

FAST = PredictConfig(max_epochs=4, patience=2, n_members=2, hidden=(32,), latent=8, dropout=0.2)
SIZES = dict(n_genes=300, n_proteins=12, n_cell_types=4, n_batches=2)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Training cells (seed 1) and test cells (seed 2, the genes in another order), CITE-seq files on disk."""
    d = tmp_path_factory.mktemp("predict")
    train = write_simulated(d / "train", n_cells=400, kind="cite", preset=None, seed=1, progress_bar=False, **SIZES)
    test = write_simulated(d / "test", n_cells=700, kind="cite", preset=None, seed=2, progress_bar=False, **SIZES)
    return train, test[0]


def _refuse_whole_reads(mp, path) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the test file's matrix was read whole")

    read_h5ad = jae.io.readers.ad.read_h5ad
    mp.setattr(BackedCounts, "read", refuse)
    mp.setattr(jae.io.readers.ad, "read_h5ad",
               lambda p, *a, **k: refuse() if str(p) == str(path) else read_h5ad(p, *a, **k))


@pytest.mark.parametrize("method", ["jae", "ridge"])
def test_predict_streams_the_test_file_with_the_same_numbers(pair, method, tmp_path, monkeypatch):
    (train1, train2), test = pair
    monkeypatch.setattr(streamed, "BLOCK_ROWS", 256)  # several row blocks
    with h5py.File(test, "r") as f:
        assert f["X"].attrs["encoding-type"] == "csr_matrix"
    whole = ad.read_h5ad(test)
    model = ModalityPredictor(method, config=FAST, seed=0, device="cpu").fit(
        ad.read_h5ad(train1), ad.read_h5ad(train2), progress_bar=False)
    expected = model.predict(whole)
    with monkeypatch.context() as m:
        _refuse_whole_reads(m, test)
        got = model.predict(test)
        result = jae.predict_files(train1, train2, test, tmp_path / "pred.h5ad", method=method, seed=0,
                                   device="cpu", progress_bar=False) if method == "ridge" else None
    np.testing.assert_array_equal(got.X, expected.X)
    assert got.obs_names.equals(expected.obs_names) and got.var_names.equals(expected.var_names)
    assert got.uns == expected.uns
    if result is not None:  # the CLI's call: the same as the files read whole
        np.testing.assert_array_equal(ad.read_h5ad(tmp_path / "pred.h5ad").X, expected.X)


def test_a_dense_test_matrix_is_read_whole_as_before(pair, tmp_path):
    (train1, train2), test = pair
    whole = ad.read_h5ad(test)
    whole.X = whole.X.toarray()
    del whole.layers["counts"]
    whole.write_h5ad(tmp_path / "dense.h5ad")
    model = ModalityPredictor("ridge", config=FAST, seed=0, device="cpu").fit(
        ad.read_h5ad(train1), ad.read_h5ad(train2), progress_bar=False)
    np.testing.assert_array_equal(model.predict(tmp_path / "dense.h5ad").X, model.predict(whole).X)
    with pytest.raises(ValueError, match="is a MuData file"):
        model.predict(_mudata(tmp_path, whole))


def _mudata(tmp_path, adata):
    import mudata as md

    path = tmp_path / "x.h5mu"
    md.MuData({"rna": adata}).write(path)
    return path


def test_repeated_entries_predict_the_same_read_whole_as_streamed(pair, tmp_path):
    # a CSR file assembled from triplets can hold a cell's count of a gene in two entries: streamed, the row blocks
    # summed them (as scipy does); the same file read whole was encoded entry by entry, another prediction
    import scipy.sparse as sp

    (train1, train2), test = pair
    whole = ad.read_h5ad(test)[:150].copy()
    C = sp.csr_matrix(whole.layers["counts"] if "counts" in whole.layers else whole.X).tocoo()
    split = C.data >= 2  # each value v >= 2 stored as 1 and v - 1
    rows, cols = np.r_[C.row, C.row[split]], np.r_[C.col, C.col[split]]
    data = np.r_[np.where(split, 1, C.data), C.data[split] - 1].astype(np.float32)
    order = np.lexsort((cols, rows))
    dup = sp.csr_matrix((data[order], cols[order], np.searchsorted(rows[order], np.arange(C.shape[0] + 1))),
                        shape=C.shape)
    assert not dup.has_canonical_format
    repeated = ad.AnnData(X=dup, obs=whole.obs, var=whole.var)
    path = tmp_path / "repeated.h5ad"
    repeated.write_h5ad(path)
    model = ModalityPredictor("ridge", config=FAST, seed=0, device="cpu").fit(
        ad.read_h5ad(train1), ad.read_h5ad(train2), progress_bar=False)
    expected = model.predict(ad.AnnData(X=sp.csr_matrix(C), obs=whole.obs, var=whole.var)).X
    kept = repeated.X.data.copy()
    np.testing.assert_array_equal(model.predict(path).X, expected)
    np.testing.assert_array_equal(model.predict(repeated).X, expected)
    np.testing.assert_array_equal(repeated.X.data, kept)  # the user's matrix left as it was
    assert not repeated.X.has_canonical_format
