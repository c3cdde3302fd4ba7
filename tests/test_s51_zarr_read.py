"""AnnData and MuData zarr stores (session 51) read in Python wherever their .h5ad / .h5mu is: read whole within the
memory budget (read_zarr), copied once to a temporary HDF5 file and streamed above it, with the same counts, obs and
embedding as the same data written as .h5mu / .h5ad; zarr v2 and v3; dense X and layer= honoured; the user's store
left as it was; a store of the wrong kind or of neither kind refused in one line."""

from __future__ import annotations

import hashlib
import logging

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae import JAE, JAEConfig
from jae.io import InputFiles


def fingerprint(folder):
    """Every file and folder under ``folder`` with its modification time, and each file's contents' digest."""
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns,
                   hashlib.md5(p.read_bytes()).hexdigest() if p.is_file() else "")
                  for p in [folder, *folder.rglob("*")])


def write_store(data, path, version: int):
    """``data`` written as a zarr store of format ``version`` (2 or 3), as anndata and mudata write one."""
    import warnings

    if not hasattr(ad, "settings"):  # anndata 0.10: format 2 only, no settings
        if version != 2:
            pytest.skip("anndata 0.10 writes zarr stores of format 2 only")
        data.write_zarr(path)
        return path
    with ad.settings.override(zarr_write_format=version), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's notices of its next defaults (v3, sharding)
        data.write_zarr(path)
    return path


@pytest.fixture(scope="module")
def cells():
    return jae.simulate(200, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=2, seed=0)


def _fit(data, **kwargs):
    return JAE(JAEConfig(max_epochs=1, mode="unsupervised")).fit(data, batch_key="batch", progress_bar=False, **kwargs)


@pytest.mark.parametrize("version", [2, 3])
def test_a_mudata_store_is_read_and_fitted_as_its_h5mu(cells, tmp_path, scratch, caplog, version):
    h5mu = tmp_path / "cells.h5mu"
    cells.write(h5mu)
    store = write_store(cells, tmp_path / "cells.zarr", version)
    before = fingerprint(store)
    a, b = jae.read_h5mu(store), jae.read_h5mu(h5mu)
    for m in ("rna", "atac"):
        assert (a[m].layers["counts"] != b[m].layers["counts"]).nnz == 0
        assert a[m].var_names.equals(b[m].var_names)
    assert a.obs.equals(b.obs)
    with caplog.at_level(logging.INFO, logger="jae"):
        model = _fit(str(store))  # a path within the budget: read whole
    assert "reading the zarr store cells.zarr whole" in caplog.text
    reference = _fit(str(h5mu))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):
        emb = model.embed(str(store))  # a query given as a path is streamed: copied to an .h5mu first
    assert "copying the zarr store cells.zarr (h5mu) once into a temporary HDF5 file" in caplog.text
    np.testing.assert_array_equal(emb, reference.embed(str(h5mu)))
    assert fingerprint(store) == before


def test_a_store_over_the_budget_is_streamed_as_the_h5mu_is(cells, tmp_path, scratch, caplog):
    h5mu = tmp_path / "cells.h5mu"
    cells.write(h5mu)
    store = write_store(cells, tmp_path / "cells.zarr", 3)
    before = fingerprint(store)
    with caplog.at_level(logging.INFO, logger="jae"):
        streamed = InputFiles(h5mu=store).open(memory_budget=1, what="fit")
    assert type(streamed).__name__ == "PairedFiles" and "the zarr store cells.zarr copied once" in caplog.text
    assert len(list(scratch.glob("jae-zarr-*"))) == 1  # the copy, in TMPDIR
    model, reference = _fit(streamed, memory_budget=1), _fit(InputFiles(h5mu=h5mu).open(memory_budget=1), memory_budget=1)
    np.testing.assert_array_equal(model.embed(cells), reference.embed(cells))
    jae.fit_files(InputFiles(h5mu=store), tmp_path / "model", config=JAEConfig(max_epochs=1, mode="unsupervised"),
                  memory_budget=1, progress_bar=False)
    assert len(list(scratch.glob("jae-zarr-*"))) == 1  # the workflow's own copy removed when it ended (the one above kept)
    assert fingerprint(store) == before


def test_anndata_stores_as_their_h5ad_files_dense_x_and_a_layer(cells, tmp_path):
    files, stores = [], []
    for i, m in enumerate(("rna", "atac"), start=1):
        counts = cells[m].layers["counts"]
        adata = ad.AnnData(X=np.asarray(counts.toarray()), obs=cells[m].obs.assign(batch=cells.obs["batch"]),
                           var=cells[m].var, layers={"raw_counts": counts, "counts": sp.csr_matrix(counts.shape,
                                                                                                  dtype=np.float32)})
        files.append(tmp_path / f"c.mod{i}.h5ad")
        adata.write_h5ad(files[-1])
        stores.append(write_store(adata, tmp_path / f"c.mod{i}.zarr", 2 + (i == 2)))  # one v2, one v3
    before = [fingerprint(s) for s in stores]
    for layer in ("raw_counts", None):  # None: the dense .X
        a = jae.read_competition(*stores, layer=layer)
        b = jae.read_competition(*files, layer=layer)
        for m in ("rna", "atac"):
            np.testing.assert_array_equal(sp.csr_matrix(a[m].layers["counts"]).toarray(),
                                          sp.csr_matrix(b[m].layers["counts"]).toarray())
        assert a.obs.equals(b.obs)
    for budget in ("100G", 1):  # read whole, and copied to .h5ad files and streamed
        model = _fit(InputFiles(mod1=stores[0], mod2=stores[1], layer="raw_counts").open(memory_budget=budget),
                     layer="raw_counts", memory_budget=budget)
        reference = _fit(InputFiles(mod1=files[0], mod2=files[1], layer="raw_counts").open(memory_budget=budget),
                         layer="raw_counts", memory_budget=budget)
        np.testing.assert_array_equal(model.embed(cells), reference.embed(cells))
    both = ad.concat([cells["rna"], cells["atac"]], axis=1, merge="first")  # one AnnData holding both (h5ad=)
    both.obs = cells.obs
    both.write_h5ad(tmp_path / "both.h5ad")
    a, b = (InputFiles(h5ad=p).read() for p in (write_store(both, tmp_path / "both.zarr", 3), tmp_path / "both.h5ad"))
    assert list(a.mod) == list(b.mod) == ["rna", "atac"] and a.obs.equals(b.obs)
    for m in a.mod:
        assert (a[m].layers["counts"] != b[m].layers["counts"]).nnz == 0
    assert [fingerprint(s) for s in stores] == before


def test_a_store_of_the_wrong_kind_or_of_neither_is_refused_in_one_line(cells, tmp_path):
    import zarr

    mudata_store = write_store(cells, tmp_path / "both.zarr", 2)
    anndata_store = write_store(cells["rna"], tmp_path / "rna.zarr", 3)
    with pytest.raises(ValueError, match=r"^\.h5ad file .*both\.zarr is a MuData zarr store, not an AnnData one; pass "
                       r"it as h5mu=FILE$"):
        jae.io.read_paired_h5ad(mudata_store)
    with pytest.raises(ValueError, match=r"^mod1 file .*both\.zarr is a MuData zarr store.*h5mu=FILE$"):
        InputFiles(mod1=mudata_store, mod2=anndata_store).open()
    for call in (lambda: jae.read_h5mu(anndata_store), lambda: jae.io.open_h5mu(anndata_store),
                 lambda: InputFiles(h5mu=anndata_store).open(memory_budget=1)):
        with pytest.raises(ValueError, match=r"rna\.zarr is an AnnData zarr store, not a MuData one; pass it as "
                           r"h5ad=FILE"):
            call()
    other = zarr.open_group(str(tmp_path / "weights.zarr"), mode="w")
    other.create_array("w", shape=(3,), dtype="f4")
    with pytest.raises(ValueError, match=r"is a zarr store but neither an AnnData nor a MuData one \(no 'obs' and "
                       r"'var', no 'mod'; it holds \['w'\]\)"):
        jae.read_h5mu(tmp_path / "weights.zarr")
    damaged = tmp_path / "damaged.zarr"
    damaged.mkdir()
    (damaged / ".zgroup").write_text("")
    with pytest.raises(ValueError, match=r"cannot be read as a zarr store: .*; check the store"):
        jae.read_competition(damaged, damaged)
    with pytest.raises(IsADirectoryError, match=r"is a folder, not a file; it is a MuData zarr store, read as its "
                       r"\.h5mu is: pass it as h5mu=FILE$"):
        jae.read_10x_h5(mudata_store)


def test_combine_samples_reads_stores_as_their_files(cells, tmp_path):
    halves = {"s1": cells[:100].copy(), "s2": cells[100:].copy()}
    files = {n: tmp_path / f"{n}.h5mu" for n in halves}
    for n, m in halves.items():
        m.write(files[n])
    stores = {"s1": write_store(halves["s1"], tmp_path / "s1.zarr", 2), "s2": files["s2"]}  # a store beside a file
    a, b = jae.combine_samples(stores, batch_key="sample"), jae.combine_samples(files, batch_key="sample")
    assert a.obs_names.equals(b.obs_names) and a.obs.equals(b.obs)
    for m in ("rna", "atac"):
        assert (a[m].layers["counts"] != b[m].layers["counts"]).nnz == 0
