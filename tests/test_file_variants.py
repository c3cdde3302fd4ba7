"""The file variants users have (counts in ``.raw`` or a named layer, obs columns of every dtype, Cell Ranger files
with more feature types, damaged files, folders): read in memory and streamed from disk, each gives the numbers of
the canonical file, or one line naming the problem and the fix; the user's file is never modified."""

from __future__ import annotations

import hashlib
import os

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.datasets import simulate
from jae.io import InputFiles, get_paired, read_h5mu
from jae.io.readers import _quiet_mudata
from conftest import write_10x  # tests/ is on sys.path


@pytest.fixture(scope="module")
def sim():
    """A small simulated Multiome MuData (integer counts in ``.X``)."""
    return simulate(90, kind="multiome", n_genes=200, n_peaks=150, n_cell_types=3, n_batches=2, seed=3)


def _fingerprint(path) -> tuple[str, int]:
    """The file's bytes (hashed) and modification time: equal before and after a read when the file is untouched."""
    with open(path, "rb") as fh:
        return hashlib.sha1(fh.read()).hexdigest(), os.stat(path).st_mtime_ns


def _lognorm(X) -> sp.csr_matrix:
    X = X.toarray()
    return sp.csr_matrix(np.log1p(X / np.maximum(X.sum(axis=1, keepdims=True), 1) * 1e4).astype(np.float32))


def _write_h5mu(path, sim, edit=lambda a: a, obs=None):
    """``sim`` as an ``.h5mu``: each modality's counts in ``.X`` (then ``edit``ed), the annotations (or ``obs``) in the
    global ``obs``."""
    mods = {k: edit(ad.AnnData(X=sim[k].X.copy(), obs=pd.DataFrame(index=sim.obs_names), var=sim[k].var.copy()))
            for k in ("rna", "atac")}
    with _quiet_mudata():
        mdata = md.MuData(mods)
    obs = sim.obs if obs is None else obs
    for column in obs.columns:
        mdata.obs[column] = obs[column]
    mdata.write(path)
    return path


def _streamed(files) -> list[np.ndarray]:
    """Each modality's counts as the streaming path reads them: row blocks from the file, stacked."""
    return [sp.vstack(list(source.blocks(32))).toarray() for source in files.sources()]


def _counts_in_raw(adata: ad.AnnData) -> ad.AnnData:
    """scanpy's layout: counts kept in ``.raw``, ``.X`` log-normalised."""
    adata.raw = adata.copy()
    adata.X = _lognorm(adata.X)
    return adata


def test_an_h5mu_with_counts_in_raw_reads_the_same_in_memory_and_streamed(sim, tmp_path):
    path = _write_h5mu(tmp_path / "raw.h5mu", sim, _counts_in_raw)
    before = _fingerprint(path)
    inputs = InputFiles(h5mu=path, layer="raw")
    expected = [sim[k].X.toarray() for k in ("rna", "atac")]
    in_memory = get_paired(inputs.read(), layer="raw")  # jae fit --h5mu FILE --layer raw, within the memory budget
    loaded = get_paired(inputs.open(plan=False).load(), layer="raw")
    direct = get_paired(read_h5mu(path, layer="raw"), layer="raw")
    for paired in (in_memory, loaded, direct):
        assert paired.obs_names.equals(sim.obs_names)
        for counts, want in zip(paired.counts, expected):
            np.testing.assert_array_equal(counts.toarray(), want)
    for counts, want in zip(_streamed(inputs.open(plan=False)), expected):
        np.testing.assert_array_equal(counts, want)
    assert _fingerprint(path) == before


def test_h5mu_obs_columns_keep_the_file_dtypes_in_memory_as_streamed(sim, tmp_path):
    """Whole-number floats stay floats (MuData's reader makes them int64, or Int64 with missing values), so batch and
    cell-type names are the same ('1.0') read whole and streamed."""
    import h5py

    from jae.io.elems import read_elem

    from jae.io import open_h5mu

    n = sim.n_obs
    codes = sim.obs["cell_type"].cat.codes.to_numpy()
    obs = sim.obs.assign(
        batch_id=sim.obs["batch"].cat.codes.to_numpy() + 1.0,
        cluster=pd.Series(codes + 1.0).where(np.arange(n) % 5 != 0).to_numpy(),
        score=np.linspace(0, 1, n),
        flag=np.arange(n) % 2 == 0,
    )
    path = _write_h5mu(tmp_path / "obs.h5mu", sim, obs=obs)
    before = _fingerprint(path)
    with h5py.File(path, "r") as f:
        stored = read_elem(f["obs"])
    in_memory, streamed = read_h5mu(path).obs, open_h5mu(path).obs
    for column in obs.columns:
        assert in_memory[column].dtype == streamed[column].dtype == stored[column].dtype, column
        pd.testing.assert_series_equal(in_memory[column], streamed[column])
    assert sorted(in_memory["batch_id"].astype(str).unique()) == ["1.0", "2.0"]  # the batch names a model learns
    assert _fingerprint(path) == before


@pytest.mark.parametrize("extra", ["Multiplexing Capture", "CRISPR Guide Capture", "Custom"])
def test_a_cell_ranger_file_with_another_feature_type_reads_rna_and_proteins_without_it(tmp_path, extra, caplog):
    """CellPlex (Multiplexing Capture), Perturb-seq (CRISPR Guide Capture) and custom features sit beside Gene
    Expression and Antibody Capture in one file; jae reads the two modalities it pairs and says what it left out."""
    import logging

    from jae.io import read_10x_h5

    rng = np.random.default_rng(5)
    X = rng.poisson(2.0, size=(12, 10))
    types = ["Gene Expression"] * 5 + [extra] * 2 + ["Antibody Capture"] * 3
    names = [f"G{i}" for i in range(5)] + ["CMO301", "CMO302"] + ["CD3", "CD4", "CD8"]
    path = write_10x(tmp_path / "filtered_feature_bc_matrix.h5", X, names, types)
    before = _fingerprint(path)
    with caplog.at_level(logging.INFO, logger="jae.io"):
        mdata = read_10x_h5(path)
    assert list(mdata.mod) == ["rna", "prot"]
    np.testing.assert_array_equal(mdata["rna"].layers["counts"].toarray(), X[:, :5])
    np.testing.assert_array_equal(mdata["prot"].layers["counts"].toarray(), X[:, 7:])
    assert list(mdata["prot"].var_names) == ["CD3", "CD4", "CD8"]
    assert f"2 {extra} features" in caplog.text
    only = write_10x(tmp_path / "gex_only.h5", X[:, :7], names[:7], types[:7])
    with pytest.raises(ValueError, match=f"only Gene Expression features.*{extra}.*Peaks or Antibody Capture"):
        read_10x_h5(only)
    assert _fingerprint(path) == before


@pytest.mark.parametrize(("inside", "fix"), [
    (["matrix.mtx.gz", "barcodes.tsv.gz", "features.tsv.gz"], r"Cell Ranger matrix folder: read it with jae\.read_10x_mtx \(tenx="),
    ([".zgroup", "obs"], r"it is a zarr store but no AnnData or MuData store anndata can read"),
    (["pbmc.mod1.h5ad", "pbmc.mod2.h5ad"], r"one of the files in it \(pbmc\.mod1\.h5ad, pbmc\.mod2\.h5ad\)"),
])
def test_a_folder_given_as_a_file_is_named_as_a_folder_with_what_to_pass(tmp_path, inside, fix):
    from jae.io import open_competition, open_h5mu, read_10x_h5, read_competition

    folder = tmp_path / "outs"
    folder.mkdir()
    for name in inside:
        (folder / name).write_bytes(b"")
    calls = [lambda: read_10x_h5(folder), lambda: read_h5mu(folder), lambda: open_h5mu(folder),
             lambda: read_competition(folder, folder), lambda: open_competition(folder, folder)]
    for i, call in enumerate(calls):
        if "zarr" in fix and i:  # a zarr store is read where its .h5mu / .h5ad is (session 51): this one is damaged
            with pytest.raises(ValueError, match="cannot be read as a zarr store: .*; check the store"):
                call()
            continue
        with pytest.raises(IsADirectoryError, match=f"is a folder, not a file; .*{fix}"):
            call()
    assert sorted(p.name for p in folder.iterdir()) == sorted(inside)


def test_an_hdf5_file_of_another_kind_is_named_with_the_input_that_reads_it(sim, tmp_path):
    """A Cell Ranger .h5 given as an .h5ad, an .h5mu or .h5ad given as a Cell Ranger file, a Cell Ranger 2 matrix, a
    loom file or an HDF5 file holding something else: one line saying what the file is and what reads it."""
    import h5py

    from jae.io import open_competition, open_h5mu, read_10x_h5, read_competition
    from jae.io.readers import read_obs

    rng = np.random.default_rng(0)
    tenx = write_10x(tmp_path / "filtered_feature_bc_matrix.h5", rng.poisson(1.0, size=(4, 3)), ["A", "B", "C"],
                     ["Gene Expression", "Gene Expression", "Peaks"])
    rna = tmp_path / "rna.h5ad"
    ad.AnnData(X=sim["rna"].X, obs=sim.obs, var=sim["rna"].var).write_h5ad(rna)
    mu = _write_h5mu(tmp_path / "both.h5mu", sim)
    v2, loom, other = tmp_path / "v2.h5", tmp_path / "cells.loom", tmp_path / "weights.h5"
    with h5py.File(v2, "w") as f:
        for key in ("barcodes", "data", "indices", "indptr", "shape", "genes", "gene_names"):
            f[f"GRCh38/{key}"] = np.zeros(2)
    with h5py.File(loom, "w") as f:
        f.create_group("row_attrs"), f.create_group("col_attrs")
        f["matrix"] = np.zeros((2, 2))
    with h5py.File(other, "w") as f:
        f["layer1/kernel"] = np.zeros(3)
    before = {p: _fingerprint(p) for p in (tenx, rna, mu, v2, loom, other)}
    as_h5ad = [lambda p: read_competition(rna, p), lambda p: open_competition(rna, p), lambda p: read_obs(p)]
    for call in as_h5ad:
        with pytest.raises(ValueError, match=r"is a Cell Ranger feature-barcode matrix .*not an \.h5ad; read it with jae\.read_10x_h5"):
            call(tenx)
        with pytest.raises(ValueError, match=r"is a loom file, not an \.h5ad; .*read_loom"):
            call(loom)
        with pytest.raises(ValueError, match=r"no \.h5ad \(no 'obs' and 'var'; it holds \['layer1'\]\)"):
            call(other)
    for call in (read_h5mu, open_h5mu):
        with pytest.raises(ValueError, match=r"h5 is a Cell Ranger feature-barcode matrix .*not a MuData file "
                                             r"\(\.h5mu\); read it with jae\.read_10x_h5"):
            call(tenx)
    with pytest.raises(ValueError, match=r"is a MuData file, not a Cell Ranger >= 3 matrix; pass it as h5mu=FILE"):
        read_10x_h5(mu)
    with pytest.raises(ValueError, match=r"is an AnnData \.h5ad, not a Cell Ranger >= 3 matrix; pass it as mod1="):
        read_10x_h5(rna)
    with pytest.raises(ValueError, match=r"Cell Ranger 2 matrix \(genome 'GRCh38'\), which holds Gene Expression only"):
        read_10x_h5(v2)
    assert {p: _fingerprint(p) for p in before} == before


def _write_anndata_06(path, adata: ad.AnnData, fmt: str = "csr"):
    """``adata`` as anndata 0.6 (2018-2019) wrote it: ``obs`` and ``var`` as compound datasets whose first field is
    the index, categoricals as codes with their categories in ``uns['<column>_categories']``, and the sparse ``X`` as
    an ``h5sparse`` group."""
    import h5py

    def records(frame: pd.DataFrame, uns: dict):
        fields = {"index": np.array(frame.index.astype(str), dtype="S")}
        for column in frame.columns:
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                uns[f"{column}_categories"] = np.array(values.cat.categories.astype(str), dtype="S")
                values = values.cat.codes.astype(np.int8)
            fields[column] = np.array(values, dtype="S") if values.dtype == object else np.asarray(values)
        out = np.zeros(len(frame), dtype=[(k, v.dtype) for k, v in fields.items()])
        for k, v in fields.items():
            out[k] = v
        return out

    X = adata.X.tocsr() if fmt == "csr" else adata.X.tocsc()
    with h5py.File(path, "w") as f:
        uns: dict = {}
        f["obs"], f["var"] = records(adata.obs, uns), records(adata.var, uns)
        for key, value in uns.items():
            f[f"uns/{key}"] = value
        g = f.create_group("X")
        g.attrs["h5sparse_format"], g.attrs["h5sparse_shape"] = fmt, X.shape
        g["data"], g["indices"], g["indptr"] = X.data, X.indices, X.indptr
    return path


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_files_written_by_anndata_06_stream_as_they_read_in_memory(sim, tmp_path, fmt):
    from jae.io import open_competition, read_competition

    obs = sim.obs[["batch", "cell_type"]].assign(n_counts=np.asarray(sim["rna"].X.sum(axis=1)).ravel())
    paths = [_write_anndata_06(tmp_path / f"old.mod{i}.h5ad", ad.AnnData(
        X=sim[k].X, obs=obs, var=sim[k].var[["feature_types"]].astype(str)), fmt) for i, k in ((1, "rna"), (2, "atac"))]
    before = [_fingerprint(p) for p in paths]
    in_memory = get_paired(read_competition(*paths))
    opened = open_competition(*paths)
    assert opened.kinds == ("GEX", "ATAC") and opened.obs_names.equals(sim.obs_names)
    pd.testing.assert_frame_equal(opened.obs, in_memory.obs)
    assert list(opened.obs["batch"].cat.categories) == list(sim.obs["batch"].cat.categories)
    for counts, streamed, want in zip(in_memory.counts, _streamed(opened), ("rna", "atac")):
        np.testing.assert_array_equal(counts.toarray(), sim[want].X.toarray())
        np.testing.assert_array_equal(streamed, sim[want].X.toarray())
    assert [_fingerprint(p) for p in paths] == before


def test_a_damaged_chunk_met_while_streaming_names_the_file_and_the_fix(sim, tmp_path):
    """A file whose header is intact but one compressed chunk is damaged opens fine; reading that chunk fails with
    the file named (read whole, it already was: jae.io.files._readable)."""
    import h5py

    from jae import JAE, JAEConfig
    from jae.io import open_competition

    paths = []
    for i, k in ((1, "rna"), (2, "atac")):
        path = tmp_path / f"gz.mod{i}.h5ad"
        ad.AnnData(X=sim[k].X, obs=sim.obs, var=sim[k].var).write_h5ad(path, compression="gzip")
        paths.append(path)
    with h5py.File(paths[1], "r") as f:
        chunk = f["X/data"].id.get_chunk_info(0)
    data = bytearray(paths[1].read_bytes())
    data[chunk.byte_offset + 8: chunk.byte_offset + 40] = bytes(32)
    paths[1].write_bytes(bytes(data))
    before = _fingerprint(paths[1])
    opened = open_competition(*paths)
    with pytest.raises(ValueError, match=r"^gz\.mod2\.h5ad \.X cannot be read: .*; check the file .*gz\.mod2\.h5ad \(copy"):
        _streamed(opened)
    with pytest.raises(ValueError, match=r"^gz\.mod2\.h5ad \.X cannot be read: .*; check the file"):
        JAE(JAEConfig(max_epochs=1, n_svd=5), device="cpu").fit(opened, memory_budget=1, progress_bar=False)
    assert _fingerprint(paths[1]) == before


def test_one_anndata_with_a_multiplexing_capture_feature_type_splits_into_rna_and_proteins(tmp_path):
    """As scanpy.read_10x_h5(path, gex_only=False) reads a CellPlex + CITE-seq file: Gene Expression, Multiplexing
    Capture and Antibody Capture side by side."""
    from jae.io import read_paired_h5ad, split_anndata

    rng = np.random.default_rng(2)
    X = sp.csr_matrix(rng.poisson(2.0, size=(15, 10)).astype(np.float32))
    types = ["Gene Expression"] * 5 + ["Multiplexing Capture"] * 2 + ["Antibody Capture"] * 3
    adata = ad.AnnData(X=X, var=pd.DataFrame({"feature_types": types}, index=[f"F{i}" for i in range(10)]))
    path = tmp_path / "cellplex.h5ad"
    adata.write_h5ad(path)
    before = _fingerprint(path)
    mods = split_anndata(adata, layer=None)
    assert list(mods) == ["rna", "prot"]
    np.testing.assert_array_equal(mods["prot"].X.toarray(), X[:, 7:].toarray())
    mdata = read_paired_h5ad(path, layer=None)
    np.testing.assert_array_equal(mdata["rna"].layers["counts"].toarray(), X[:, :5].toarray())
    assert list(mdata["prot"].var_names) == ["F7", "F8", "F9"]
    assert _fingerprint(path) == before


def test_an_h5mu_whose_modalities_hold_the_cells_in_other_orders_names_the_h5mu_fix(sim, tmp_path):
    """Read whole the cells are paired by name; streamed the refusal names how to rewrite the .h5mu (not an .h5ad)."""
    from jae.io import open_h5mu, plan_input

    reverse = np.arange(sim.n_obs)[::-1]
    path = tmp_path / "reordered.h5mu"
    mods = {k: ad.AnnData(X=sim[k].X.copy(), var=sim[k].var.copy(), obs=pd.DataFrame(index=sim.obs_names))
            for k in ("rna", "atac")}
    mods["atac"] = mods["atac"][reverse].copy()
    with _quiet_mudata():
        md.MuData(mods).write(path)
    before = _fingerprint(path)
    paired = get_paired(read_h5mu(path))
    assert paired.obs_names.equals(sim.obs_names)
    np.testing.assert_array_equal(paired.counts[1].toarray(), sim["atac"].X.toarray())
    with pytest.raises(ValueError, match=r"different orders.*mdata\.mod\['atac'\] = mdata\['atac'\]\[mdata\['rna'\]"
                                         r"\.obs_names\]\.copy\(\); mdata\.write\(\.\.\.\).*memory_budget="):
        plan_input(open_h5mu(path), memory_budget=1)
    assert _fingerprint(path) == before


def test_files_with_no_cells_are_refused_as_empty_before_any_check_of_their_annotations(sim, tmp_path):
    """A Cell Ranger run that called no cells, an .h5mu of 0 cells: 'is empty', not '0 reference cells ... use
    --mode unsupervised' (said also in unsupervised mode) or a missing batch column."""
    from jae import JAEConfig, fit_files
    from jae.io import open_h5mu, read_10x_h5

    tenx = write_10x(tmp_path / "filtered_feature_bc_matrix.h5", np.zeros((0, 4), dtype=int), list("abcd"),
                     ["Gene Expression"] * 2 + ["Peaks"] * 2)
    mods = {k: ad.AnnData(X=sim[k].X[:0], obs=pd.DataFrame(index=sim.obs_names[:0]), var=sim[k].var)
            for k in ("rna", "atac")}
    path = tmp_path / "empty.h5mu"
    with _quiet_mudata():
        md.MuData(mods).write(path)
    with pytest.raises(ValueError, match=r"filtered_feature_bc_matrix\.h5 is empty \(0 cells x 4 features\)"):
        read_10x_h5(tenx)
    with pytest.raises(ValueError, match=r"filtered_feature_bc_matrix\.h5 is empty \(0 cells"):
        fit_files(InputFiles(tenx=tenx), tmp_path / "model", config=JAEConfig(mode="unsupervised"), batch_key=None)
    for call in (read_h5mu, open_h5mu, lambda p: fit_files(InputFiles(h5mu=p), tmp_path / "model")):
        with pytest.raises(ValueError, match=r"empty\.h5mu modality 'rna' is empty \(0 cells x 200 features\)"):
            call(path)
    assert not (tmp_path / "model").exists()


def test_duplicated_cell_names_in_a_file_are_refused_streamed_as_in_memory(sim, tmp_path):
    """Read whole they were refused; streamed they were fitted and embedded under repeated names."""
    from jae import JAE, JAEConfig
    from jae.io import open_competition, read_competition

    names = list(sim.obs_names[:-1]) + [sim.obs_names[0]]
    paths = []
    for i, k in ((1, "rna"), (2, "atac")):
        with pytest.warns(UserWarning, match="names are not unique"):
            adata = ad.AnnData(X=sim[k].X, obs=pd.DataFrame(index=names), var=sim[k].var)
        adata.write_h5ad(tmp_path / f"dup.mod{i}.h5ad")
        paths.append(tmp_path / f"dup.mod{i}.h5ad")
    message = r"dup\.mod1\.h5ad has 1 duplicated cell name \(e\.g\. '.*'\); cell names must be unique"
    with pytest.raises(ValueError, match=message):
        open_competition(*paths)
    with pytest.raises(ValueError, match=message):
        JAE(JAEConfig(max_epochs=1, n_svd=5), device="cpu").fit(
            InputFiles(mod1=paths[0], mod2=paths[1]).open(plan=False), memory_budget=1, batch_key=None,
            cell_type_key=None, progress_bar=False)
    with pytest.raises(ValueError, match=message):
        read_competition(*paths)


def test_an_h5mu_copy_written_by_embed_keeps_the_users_obs_dtypes(sim, tmp_path):
    """jae embed --out x.h5mu writes the input "as stored" plus X_jae: MuData's reader turned whole-number floats into
    int64 (Int64 with missing values) in that copy."""
    import h5py

    from jae import JAE, JAEConfig, embed_files
    from jae.io.elems import read_elem

    n = sim.n_obs
    obs = sim.obs.assign(size=np.arange(n) % 4 + 1.0, donor=pd.Series(np.arange(n) % 3 + 1.0).where(
        np.arange(n) % 7 != 0).to_numpy())
    path = _write_h5mu(tmp_path / "in.h5mu", sim, obs=obs)
    model = JAE(JAEConfig(max_epochs=1, n_svd=5, mode="unsupervised"), device="cpu").fit(
        read_h5mu(path), cell_type_key=None, progress_bar=False)
    embed_files(InputFiles(h5mu=path), model, tmp_path / "out.h5mu", finetune_epochs=0, progress_bar=False)
    with h5py.File(path, "r") as f, h5py.File(tmp_path / "out.h5mu", "r") as g:
        given, written = read_elem(f["obs"]), read_elem(g["obs"])
        assert "X_jae" in g["obsm"]
    pd.testing.assert_frame_equal(written[given.columns], given)


def _with_duplicate_entries(X) -> sp.csr_matrix:
    """``X`` (CSR) with each count of 2 or more stored as two entries of one column, which sum to it (scipy's meaning of
    repeated entries; files assembled from triplets can hold them)."""
    X = sp.csr_matrix(X)
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    first = np.ceil(X.data / 2)
    second = X.data - first
    again = second > 0
    rows = np.concatenate([rows, rows[again]])
    order = np.argsort(rows, kind="stable")
    cols = np.concatenate([X.indices, X.indices[again]])[order]
    data = np.concatenate([first, second[again]])[order].astype(np.float32)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=X.shape[0]))])
    out = sp.csr_matrix((data, cols, indptr), shape=X.shape)
    assert out.nnz > X.nnz and not out.has_canonical_format
    return out


def test_counts_stored_with_repeated_entries_are_summed_in_memory_and_streamed(sim, tmp_path):
    """The same counts written with repeated (i, j) entries give the embedding of the canonical file, read whole and
    streamed (each entry was log-normalised on its own: embeddings 10 apart)."""
    from jae import JAE, JAEConfig

    config = JAEConfig(max_epochs=1, n_svd=5)
    paths = {"canonical": [], "repeated": []}
    for variant, edit in (("canonical", lambda X: X), ("repeated", _with_duplicate_entries)):
        for i, k in ((1, "rna"), (2, "atac")):
            path = tmp_path / f"{variant}.mod{i}.h5ad"
            ad.AnnData(X=edit(sim[k].X), obs=sim.obs, var=sim[k].var).write_h5ad(path)
            paths[variant].append(path)
    before = [_fingerprint(p) for p in paths["repeated"]]
    files = InputFiles(mod1=paths["canonical"][0], mod2=paths["canonical"][1])
    expected = JAE(config, device="cpu").fit(files.read(), progress_bar=False).embed(files.read(), key_added=None)
    repeated = InputFiles(mod1=paths["repeated"][0], mod2=paths["repeated"][1])
    for budget in ("100G", 1):  # read whole, streamed
        model = JAE(config, device="cpu").fit(repeated.open(plan=False), memory_budget=budget, progress_bar=False)
        np.testing.assert_allclose(model.embed(repeated.open(plan=False), key_added=None),
                                   expected, rtol=0, atol=1e-5)
    assert [_fingerprint(p) for p in paths["repeated"]] == before


def test_a_file_another_process_holds_open_for_writing_is_named_with_that_fix(sim, tmp_path):
    """HDF5 locks a file a writer holds (a notebook with it backed in 'r+' mode): the fix is to close it there, not to
    download the file again."""
    import subprocess
    import sys

    from jae.io import open_competition, read_competition

    paths = []
    for i, k in ((1, "rna"), (2, "atac")):
        ad.AnnData(X=sim[k].X, obs=sim.obs, var=sim[k].var).write_h5ad(tmp_path / f"x.mod{i}.h5ad")
        paths.append(tmp_path / f"x.mod{i}.h5ad")
    writer = subprocess.Popen(  # holds mod2 open for writing until its stdin closes
        [sys.executable, "-c", f"import h5py, sys; f = h5py.File({str(paths[1])!r}, 'a'); print('open', flush=True); "
         "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        for call in (read_competition, open_competition):
            with pytest.raises(ValueError, match=r"mod2 file .*x\.mod2\.h5ad cannot be read as \.h5ad: another process "
                                                 r"has it open for writing .*; close it there"):
                call(*paths)
    finally:
        writer.communicate("")
    assert get_paired(read_competition(*paths)).n_obs == sim.n_obs  # once closed, read as usual
    cut = tmp_path / "cut.mod2.h5ad"  # h5py's message for it names 'sblock', which holds no lock
    cut.write_bytes(paths[1].read_bytes()[:2000])
    with pytest.raises(ValueError, match=r"cut\.mod2\.h5ad cannot be read as \.h5ad: it is truncated; check the file"):
        read_competition(paths[0], cut)


def test_cells_measured_in_the_second_modality_only_keep_their_annotations_in_memory_and_streamed(sim, tmp_path):
    """Mosaic data whose second file (or modality) annotates its own cells: those annotations were dropped for the
    cells the first lacks (batch NaN, labels lost), and the second file's own columns were kept when streamed only."""
    from jae.io import open_competition, open_h5mu, read_competition

    first, second = slice(0, 70), slice(20, 90)  # 20 cells in RNA only, 20 in ATAC only
    obs = sim.obs[["batch", "cell_type"]]
    paths = []
    for i, k, cells in ((1, "rna", first), (2, "atac", second)):
        frame = obs.iloc[cells].copy()
        if k == "atac":
            frame["tss_enrichment"] = np.linspace(1, 2, len(frame))
        ad.AnnData(X=sim[k].X[cells], obs=frame, var=sim[k].var).write_h5ad(tmp_path / f"m.mod{i}.h5ad")
        paths.append(tmp_path / f"m.mod{i}.h5ad")
    mods = {k: ad.AnnData(X=sim[k].X[cells], obs=obs.iloc[cells].copy(), var=sim[k].var)
            for k, cells in (("rna", first), ("atac", second))}
    h5mu = tmp_path / "m.h5mu"
    with _quiet_mudata():
        md.MuData(mods).write(h5mu)  # the annotations in each modality's obs only
    for in_memory, streamed in ((read_competition(*paths).obs, open_competition(*paths, mosaic=True).obs),
                                (read_h5mu(h5mu).obs, open_h5mu(h5mu, mosaic=True).obs)):
        for frame in (in_memory, streamed):
            cells = frame.index
            assert cells.isin(sim.obs_names).all() and len(cells) == sim.n_obs
            for column in ("batch", "cell_type"):
                assert frame[column].astype(str).equals(sim.obs[column].reindex(cells).astype(str)), column
        pd.testing.assert_frame_equal(in_memory[streamed.columns], streamed)
    assert list(read_competition(*paths).obs.columns) == ["batch", "cell_type", "tss_enrichment"]


def test_a_cell_ranger_file_with_peaks_and_proteins_pairs_rna_with_the_kind_chosen(tmp_path, caplog):
    """TEA-seq / DOGMA-seq: Gene Expression, Peaks and Antibody Capture in one Cell Ranger file. ``jae fit --10x`` was
    refused at fitting with 'choose them with --rna-mod NAME and --other-mod NAME', flags --10x does not read;
    now the file is refused when read, naming --mod2-kind, which chooses the second modality."""
    from jae.cli import main

    rng = np.random.default_rng(3)
    X = rng.poisson(2.0, size=(12, 12))
    types = ["Gene Expression"] * 5 + ["Peaks"] * 4 + ["Antibody Capture"] * 3
    names = [f"G{i}" for i in range(5)] + [f"chr1:{100 * i}-{100 * i + 50}" for i in range(4)] + ["CD3", "CD4", "CD8"]
    path = write_10x(tmp_path / "filtered_feature_bc_matrix.h5", X, names, types)
    with pytest.raises(ValueError, match="mod2_kind='ATAC' or mod2_kind='ADT'"):
        InputFiles(tenx=path).read()
    for kind, name, cols in (("ADT", "prot", slice(9, 12)), ("atac", "atac", slice(5, 9))):
        mdata = InputFiles(tenx=path, mod2_kind=kind).read()
        assert list(mdata.mod) == ["rna", name]
        np.testing.assert_array_equal(mdata[name].layers["counts"].toarray(), X[:, cols])
    assert main(["fit", "--10x", str(path), "--out", str(tmp_path / "model"), "--batch-key", "none",
                 "--mode", "unsupervised"]) == 1
    import logging

    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "choose it with --mod2-kind ATAC or ADT" in errors[0] and "--other-mod" not in errors[0]
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize("name", ["raw_feature_bc_matrix.h5", "sample.h5", "filtered_feature_bc_matrix.h5"])
def test_a_cell_ranger_matrix_of_every_barcode_names_the_filtered_file(tmp_path, name, caplog):
    """Cell Ranger's raw_feature_bc_matrix.h5 (every barcode, mostly empty droplets) given to --10x: the empty
    barcodes were refused with a fix for a MuData ('leave them out of 'rna' only ... mu.pp.intersect_obs(mdata)'),
    which a --10x user has not, and low-count droplets were fitted as cells; the fix is the file of called cells."""
    import logging

    from jae.cli import main
    from jae.io import read_10x_h5

    rng = np.random.default_rng(2)
    X = rng.poisson(2.0, size=(20, 8))
    X[15:] = 0  # barcodes without a count
    if name.startswith("raw"):
        X[15:, 0] = 1  # a droplet's stray molecule: counts, but no cell
    path = write_10x(tmp_path / name, X, [f"G{i}" for i in range(5)] + ["CD3", "CD4", "CD8"],
                     ["Gene Expression"] * 5 + ["Antibody Capture"] * 3)
    filtered = name.startswith("filtered")  # the file of called cells already: not named as the fix
    with pytest.raises(ValueError, match="call the cells in Python first") as err:
        InputFiles(tenx=path).read()
    assert ("pass filtered_feature_bc_matrix.h5" in str(err.value)) != filtered
    assert read_10x_h5(path).n_obs == 20  # Python reads every barcode, for the user to call the cells
    out = tmp_path / "model"
    assert main(["fit", "--10x", str(path), "--out", str(out), "--mode", "unsupervised", "--batch-key", "none"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "call the cells in Python first" in errors[0] and "intersect_obs" not in errors[0]
    assert ("every barcode" in errors[0]) == name.startswith("raw") and not out.exists()
    if not name.startswith("raw"):
        assert "5 of 20 barcodes have no 'rna' counts, 5 of 20 barcodes have no 'prot' counts" in errors[0]
