"""A MuData zarr store over the memory budget is copied into a temporary .h5mu to stream it (session 53,
jae.io.zarr_stores.hdf5_copy): the copy holds the matrices of the two modalities read alone, the others' obs and var
without their matrices, as the store read whole reads them (before: every modality was copied, a large third assay
costing its disk and time for nothing). The fit and the embedding are those of the same store without the third
modality, bit for bit, and the hashtags' columns are joined as before."""

from __future__ import annotations

import anndata as ad
import h5py
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
import jae.io.zarr_stores as stores
from jae import JAEConfig
from jae.io import InputFiles
from test_s51_zarr_read import write_store


@pytest.fixture(scope="module")
def cells():
    return jae.simulate(120, kind="multiome", n_genes=200, n_peaks=200, n_cell_types=2, n_batches=2, seed=0)


def _copies(monkeypatch):
    """Each copy's modalities and what each holds (its elements), recorded as it is made."""
    made = []

    def spy(*args, **kwargs):
        out = copy(*args, **kwargs)
        with h5py.File(out, "r") as f:
            made.append({m: sorted(f["mod"][m].keys()) for m in f["mod"]})
        return out

    copy = stores.hdf5_copy
    monkeypatch.setattr(stores, "hdf5_copy", spy)
    return made


def _fit(store, tmp_path, name):
    return jae.fit_files(InputFiles(h5mu=store, other="atac"), tmp_path / name, config=JAEConfig(mode="unsupervised", max_epochs=2), seed=0,
                         device="cpu", progress_bar=False, memory_budget=1, batch_key="batch")  # the copy route


def test_the_copy_holds_the_pair_alone_and_fits_as_without_the_third(cells, tmp_path, scratch, monkeypatch):
    big = sp.random(120, 8000, density=0.3, format="csr", dtype=np.float32, random_state=1)
    big.data = np.ceil(big.data * 5)
    third = ad.AnnData(big, obs=pd.DataFrame(index=cells.obs_names),
                       var=pd.DataFrame(index=[f"b{i}" for i in range(big.shape[1])]))
    third.layers["counts"] = big.copy()
    hto = ad.AnnData(np.ones((120, 3), np.float32), obs=pd.DataFrame({"hash_id": ["h1", "h2"] * 60},
                                                                    index=cells.obs_names),
                     var=pd.DataFrame({"feature_types": ["Multiplexing Capture"] * 3}, index=["t1", "t2", "t3"]))
    pair = md.MuData({"rna": cells["rna"], "atac": cells["atac"], "hto": hto})
    pair.obs = pair.obs.join(cells.obs[["batch"]])
    three = md.MuData({"rna": cells["rna"], "atac": cells["atac"], "adt2": third, "hto": hto})
    three.obs = three.obs.join(cells.obs[["batch"]])
    with_third = write_store(three, tmp_path / "three.zarr", 2)
    without = write_store(pair, tmp_path / "pair.zarr", 2)
    made = _copies(monkeypatch)

    fitted = _fit(with_third, tmp_path, "three")
    assert made[-1]["adt2"] == ["obs", "var"], made[-1]  # its matrices (X, layers) left out of the copy
    assert {"X", "layers"} <= set(made[-1]["rna"]) and {"X", "layers"} <= set(made[-1]["atac"])
    assert made[-1]["hto"] == ["obs", "var"]
    reference = _fit(without, tmp_path, "pair")
    assert made[-1]["hto"] == ["obs", "var"]
    assert not list(scratch.glob("jae-zarr-*"))  # the copies removed with the fit
    a = fitted.model.embed(cells)
    assert np.array_equal(a, reference.model.embed(cells))

    kw = dict(finetune_epochs=0, device="cpu", progress_bar=False, memory_budget=1)
    got = jae.embed_files(InputFiles(h5mu=with_third, other="atac"), fitted.model, tmp_path / "three.h5ad", **kw)
    assert len(made) == 3 and made[-1]["adt2"] == ["obs", "var"]
    want = jae.embed_files(InputFiles(h5mu=without, other="atac"), reference.model, tmp_path / "pair.h5ad", **kw)
    assert list(got.obs_names) == list(want.obs_names)
    assert np.array_equal(got.embedding, want.embedding)
    obs = ad.read_h5ad(tmp_path / "three.h5ad").obs
    assert obs["hto:hash_id"].tolist() == ["h1", "h2"] * 60  # the hashtags' column, joined as before
