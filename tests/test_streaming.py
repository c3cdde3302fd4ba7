"""The scale path: streamed simulation to disk, row-block reading, streaming SVD and projection."""

from __future__ import annotations

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.datasets import simulate, write_simulated
from jae.io import read_competition, read_h5mu
from jae.io.chunked import BackedCounts, iter_row_blocks
from jae.preprocess import fit_svd, log_normalize
from jae.preprocess.streaming import collect_rows, fit_svd_streaming, project_blocks, split_blocks

SIZES = dict(n_genes=400, n_peaks=900, n_proteins=20, n_cell_types=5, n_batches=2)


@pytest.fixture(scope="module")
def lognorm():
    m = simulate(1200, seed=11, **SIZES)
    return log_normalize(m["atac"].X)


def _blocks(A, rows):
    return lambda: (A[s : s + rows] for s in range(0, A.shape[0], rows))


def _energy(A, components) -> float:
    return float(np.square(A @ components.T).sum())


def test_streaming_svd_matches_exact_and_sklearn(lognorm):
    A = lognorm
    k = 20
    basis = fit_svd_streaming(_blocks(A, 250), n_features=A.shape[1], n_components=k, seed=0)
    assert basis.components.shape == (k, A.shape[1]) and basis.components.dtype == np.float32
    assert np.allclose(basis.components @ basis.components.T, np.eye(k), atol=1e-4)  # orthonormal rows
    _, s, Vt = np.linalg.svd(A.toarray().astype(np.float64), full_matrices=False)
    exact = _energy(A, Vt[:k])
    assert np.isclose(exact, np.square(s[:k]).sum(), rtol=1e-4)
    # a flat ATAC-like spectrum after the first few components: randomized solvers capture ~99.3%
    assert _energy(A, basis.components) > 0.99 * exact
    assert _energy(A, basis.components) > 0.998 * _energy(A, fit_svd(A, n_components=k, seed=0).components)
    # components with a clear spectral gap are recovered individually, with scikit-learn's sign convention
    gaps = s[:5] / s[1:6]
    for i in np.flatnonzero(gaps > 1.1):
        assert abs(basis.components[i] @ Vt[i]) > 0.99
        assert basis.components[i, np.argmax(np.abs(basis.components[i]))] > 0


def test_streaming_svd_power_iterations_help(lognorm):
    A = lognorm
    energies = [
        _energy(A, fit_svd_streaming(_blocks(A, 300), n_features=A.shape[1], n_components=20, n_iter=it).components)
        for it in (0, 2, 5)
    ]
    assert energies[0] < energies[1] <= energies[2] * (1 + 1e-6)


def test_streaming_svd_seeded_and_block_size_free(lognorm):
    A = lognorm
    a = fit_svd_streaming(_blocks(A, 250), n_features=A.shape[1], n_components=10, seed=3)
    b = fit_svd_streaming(_blocks(A, 250), n_features=A.shape[1], n_components=10, seed=3)
    c = fit_svd_streaming(_blocks(A, 1000), n_features=A.shape[1], n_components=10, seed=3)
    assert np.array_equal(a.components, b.components)
    assert np.allclose(a.components[:3], c.components[:3], atol=1e-3)
    dense = fit_svd_streaming(lambda: iter([A.toarray()]), n_features=A.shape[1], n_components=10, seed=3)
    assert np.allclose(a.components[:3], dense.components[:3], atol=1e-3)


def test_streaming_svd_errors(lognorm):
    with pytest.raises(ValueError, match="same features"):
        fit_svd_streaming(_blocks(lognorm, 500), n_features=lognorm.shape[1] + 1, n_components=5)
    with pytest.raises(ValueError, match="empty"):
        fit_svd_streaming(lambda: iter([]), n_features=10, n_components=5)


def test_project_blocks_and_collect_rows(lognorm):
    A = lognorm
    basis = fit_svd(A, n_components=8, seed=0)
    expected = A @ basis.components.T
    assert np.allclose(project_blocks(_blocks(A, 333)(), basis), expected, atol=1e-4)
    assert np.allclose(project_blocks(_blocks(A, 333)(), basis, n_rows=A.shape[0]), expected, atol=1e-4)
    with pytest.raises(ValueError, match="n_rows"):
        project_blocks(_blocks(A, 333)(), basis, n_rows=A.shape[0] + 1)
    rows = np.sort(np.random.default_rng(0).choice(A.shape[0], 100, replace=False))
    assert (collect_rows(_blocks(A, 333)(), rows) != A[rows]).nnz == 0
    with pytest.raises(ValueError, match="increasing"):
        collect_rows(_blocks(A, 333)(), rows[::-1])
    assert sum(b.shape[0] for b in split_blocks(_blocks(A, 1000)(), 64)) == A.shape[0]


@pytest.mark.parametrize("tile", [1, 7, 64, 5000])
def test_tiled_sparse_products_match_scipy(lognorm, tile):
    from jae.preprocess._sparse import csr_dense, csr_t_dense_add
    from jae.preprocess.streaming import _small_svd

    rng = np.random.default_rng(3)
    A = lognorm[:300]
    Q = rng.standard_normal((A.shape[1], 13)).astype(np.float32)
    # B @ Q: the same float32 sums in the same order as scipy's column-major product
    assert np.array_equal(csr_dense(A, Q, tile=tile), np.asarray(A.tocsc() @ Q))
    unsorted = A.copy()
    unsorted.indices[unsorted.indptr[5] : unsorted.indptr[6]] = unsorted.indices[unsorted.indptr[5] : unsorted.indptr[6]][::-1]
    unsorted.data[unsorted.indptr[5] : unsorted.indptr[6]] = unsorted.data[unsorted.indptr[5] : unsorted.indptr[6]][::-1]
    unsorted.has_sorted_indices = False
    assert np.allclose(csr_dense(unsorted, Q, tile=tile), A @ Q, rtol=1e-5, atol=1e-5)
    Y = rng.standard_normal((A.shape[0], 13)).astype(np.float32)
    Z = np.ones((A.shape[1], 13))
    csr_t_dense_add(A, Y, Z, tile=tile)
    expected = np.ones((A.shape[1], 13))
    expected += A.tocsc().T @ Y  # scipy's float32 sums added to a float64 total, as the streaming SVD did
    assert np.array_equal(Z, expected)
    with pytest.raises(ValueError, match="features"):
        csr_dense(A[:, :-1], Q)
    # the small SVD from the Gram matrix equals LAPACK's, and falls back to it when nearly rank deficient
    wide = rng.standard_normal((12, 500)) * np.logspace(0, -2, 12)[:, None]
    for M in (wide, np.vstack([wide[:11], wide[:1] * 1e-9])):
        s, Vt = _small_svd(M)
        _, s_ref, Vt_ref = np.linalg.svd(M, full_matrices=False)
        assert np.allclose(s, s_ref, rtol=1e-10)
        assert np.allclose(np.abs(Vt[:10]), np.abs(Vt_ref[:10]), atol=1e-8)


def test_svd_on_tiled_blocks_and_in_place_normalisation_give_the_same_numbers(lognorm):
    from jae.io.chunked import InMemoryCounts
    from jae.preprocess._sparse import tiled

    pieces = [lognorm[s : s + 250] for s in range(0, lognorm.shape[0], 250)]
    kw = dict(n_features=lognorm.shape[1], n_components=8, seed=2, n_iter=2)
    plain = fit_svd_streaming(lambda: iter(pieces), **kw)
    kept = [tiled(b) for b in pieces]  # tiled once, read by every pass (as the pipeline's SVD sample)
    assert np.array_equal(fit_svd_streaming(lambda: iter(kept), **kw).components, plain.components)
    assert np.array_equal(project_blocks(kept, plain), project_blocks(pieces, plain))
    counts = simulate(300, seed=4, **SIZES)["atac"].X.astype(np.float32)
    counts_before = counts.copy()
    expected = log_normalize(counts)
    assert (counts != counts_before).nnz == 0  # copy=True (the default) leaves the input alone
    block = next(InMemoryCounts(counts).blocks(4096))  # one block of every row: still a copy, never a view
    assert not np.may_share_memory(block.data, counts.data)
    normed = log_normalize(block, copy=False)
    assert normed is block and np.array_equal(normed.data, expected.data)
    assert (counts != counts_before).nnz == 0
    ints = counts_before.astype(np.int64)  # other dtypes are converted, never changed in place
    assert log_normalize(ints, copy=False) is not ints and np.array_equal(log_normalize(ints).data, expected.data)


def _numpy_log_normalize(X, dtype):
    """The seed's formula with numpy's element-wise operations on every stored value (the reference)."""
    X = sp.csr_matrix(X, dtype=dtype, copy=True)
    factor = (1e4 / np.asarray(X.sum(axis=1)).ravel()).astype(dtype)
    X.data *= np.repeat(factor, np.diff(X.indptr))
    np.log1p(X.data, out=X.data)
    X.data /= dtype(np.log(10.0))
    return X


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_normalize_looks_up_whole_counts_and_equals_numpy_bit_for_bit(dtype):
    from jae.preprocess.normalize import TABLE_COUNTS

    rng = np.random.default_rng(0)
    X = sp.random(400, 300, density=0.2, format="csr", random_state=1, dtype=np.float64)
    X.data = np.ceil(rng.pareto(0.8, X.nnz) * 3)  # whole counts, a heavy tail past the table
    X.data[::97] += 0.5  # fractional values (e.g. ambient-corrected counts) take numpy's path
    X.data[5] = 0.0  # a stored zero
    assert (X.data > TABLE_COUNTS).any() and (X.data <= TABLE_COUNTS).mean() > 0.5
    before = X.copy()
    got = log_normalize(X, dtype=dtype)
    assert got.dtype == dtype and (X != before).nnz == 0  # the input is left alone
    assert np.array_equal(got.data, _numpy_log_normalize(before, dtype).data)
    assert np.array_equal(got.indices, before.indices) and np.array_equal(got.indptr, before.indptr)


def test_cell_cycle_block_scores_equal_scipy_column_sums():
    """The row-wise sums over gene columns give scipy's ``X[:, columns].sum(axis=1)`` numbers bit for bit,
    whatever the order of the columns."""
    from jae.preprocess.cell_cycle import _row_means

    X = log_normalize(simulate(500, seed=2, **SIZES)["rna"].X)
    for columns in (np.arange(0, 400, 7), np.random.default_rng(3).permutation(400)[:60]):
        expected = np.asarray(sp.csc_matrix(X)[:, columns].sum(axis=1, dtype=np.float64)).ravel() / len(columns)
        assert np.array_equal(_row_means(X, columns), expected)
        assert np.array_equal(_row_means(sp.csc_matrix(X), columns), expected)


@pytest.mark.parametrize("kind", ["multiome", "cite"])
def test_write_simulated_pair_equals_simulate(tmp_path, kind):
    n = 2600  # three generation blocks, the last one partial
    paths = write_simulated(tmp_path / "sim", n_cells=n, kind=kind, preset=None, chunk_size=1024, seed=5,
                            progress_bar=False, **SIZES)
    assert [p.name for p in paths] == ["sim.mod1.h5ad", "sim.mod2.h5ad"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left
    mem = simulate(n, kind=kind, seed=5, **SIZES)
    second = "atac" if kind == "multiome" else "prot"
    read = read_competition(*paths)
    assert list(read.mod) == ["rna", second]
    assert read.obs_names.equals(mem.obs_names)
    pd.testing.assert_frame_equal(read.obs[mem.obs.columns], mem.obs, check_dtype=False, check_categorical=False)
    for path, mod in zip(paths, ["rna", second]):
        assert (read[mod].layers["counts"] != mem[mod].X).nnz == 0
        counts = BackedCounts(path)
        assert counts.shape == mem[mod].shape and counts.nnz == mem[mod].X.nnz
        assert counts.var_names.equals(mem[mod].var_names) and counts.obs_names.equals(mem.obs_names)
        stacked = sp.vstack(list(iter_row_blocks(path, block_rows=999)), format="csr")
        assert stacked.dtype == np.float32 and (stacked != mem[mod].X).nnz == 0
        with h5py.File(path, "r") as f:  # X is the same HDF5 object as layers/counts: no second copy on disk
            assert f["X"].id == f["layers/counts"].id
        partial = list(counts.blocks(500, start=1000, stop=1700))
        assert [b.shape[0] for b in partial] == [500, 200]
        assert (sp.vstack(partial) != mem[mod].X[1000:1700]).nnz == 0


def test_write_simulated_h5mu_and_chunk_size_free(tmp_path):
    (path,) = write_simulated(tmp_path / "s.h5mu", n_cells=2100, format="h5mu", preset=None, chunk_size=3000, seed=1,
                              progress_bar=False, **SIZES)
    mem = simulate(2100, seed=1, **SIZES)
    mdata = read_h5mu(path)
    assert {"batch", "cell_type", "phase"} <= set(mdata.obs.columns)
    for mod in ("rna", "atac"):
        assert (mdata[mod].layers["counts"] != mem[mod].X).nnz == 0
        blocks = list(BackedCounts(path, modality=mod).blocks(4096))
        assert len(blocks) == 1 and (blocks[0] != mem[mod].X).nnz == 0
    with pytest.raises(ValueError, match="modality="):
        BackedCounts(path)
    with pytest.raises(KeyError, match="no modality 'prot'"):
        BackedCounts(path, modality="prot")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_simulated(path, n_cells=2100, format="h5mu", preset=None, progress_bar=False, **SIZES)


def test_write_simulated_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="prefix"):
        write_simulated(tmp_path / "x.h5ad", n_cells=10, preset=None, progress_bar=False)
    with pytest.raises(ValueError, match=r"\.h5mu"):
        write_simulated(tmp_path / "x", n_cells=10, format="h5mu", preset=None, progress_bar=False)
    with pytest.raises(ValueError, match="preset"):
        write_simulated(tmp_path / "x", n_cells=10, preset="huge", progress_bar=False)
    assert not list(tmp_path.iterdir())


def test_backed_counts_refuses_csc_blocks_and_reads_dense(tmp_path):
    X = sp.random(50, 30, density=0.2, format="csc", dtype=np.float32, random_state=0)
    a = ad.AnnData(X=X.toarray(), layers={"counts": X})
    a.write_h5ad(tmp_path / "a.h5ad")
    csc = BackedCounts(tmp_path / "a.h5ad")
    assert csc.encoding == "csc_matrix" and csc.shape == (50, 30) and csc.nnz == X.nnz
    with pytest.raises(ValueError, match="needs CSR"):
        next(csc.blocks())
    assert (csc.read() != X).nnz == 0 and csc.read().format == "csr"  # read whole instead
    dense = BackedCounts(tmp_path / "a.h5ad", layer=None)
    assert np.allclose(sp.vstack(list(dense.blocks(16))).toarray(), X.toarray())
    with pytest.raises(KeyError, match="no layer 'raw'"):
        BackedCounts(tmp_path / "a.h5ad", layer="raw")
    with pytest.raises(FileNotFoundError):
        BackedCounts(tmp_path / "missing.h5ad")


def test_cli_simulate(tmp_path, capsys):
    from jae.cli import main

    args = ["simulate", str(tmp_path / "cli"), "--n-cells", "1100", "--preset", "none", "--kind", "cite", "--seed", "2"]
    assert main(args) == 0
    assert "wrote 1100 simulated cite cells" in capsys.readouterr().out
    counts = BackedCounts(tmp_path / "cli.mod2.h5ad")
    assert counts.shape == (1100, 30)
    assert (sp.vstack(list(counts.blocks())) != simulate(1100, kind="cite", seed=2)["prot"].X).nnz == 0
    assert main(args) == 1  # refuses to overwrite without --overwrite
    assert main(args + ["--overwrite"]) == 0


def test_read_ahead_yields_the_same_blocks_in_order_and_stops_cleanly(tmp_path):
    """The transform pass reads the next block in a thread: the same blocks in the same order, never more than one
    read ahead of the caller, a reader's error raised in the caller, and an early stop ends the reader."""
    import threading

    from jae.io.chunked import read_ahead

    X = sp.random(1000, 40, density=0.2, format="csr", dtype=np.float32, random_state=0)
    path = tmp_path / "x.h5ad"
    ad.AnnData(X=X).write_h5ad(path)
    src = BackedCounts(path, layer=None)
    got = list(read_ahead(src.blocks(128)))
    assert [b.shape[0] for b in got] == [128] * 7 + [104]
    assert (sp.vstack(got) != X).nnz == 0

    produced = []

    def counting():
        for i in range(100):
            produced.append(i)
            yield i

    stream = read_ahead(counting())
    assert next(stream) == 0 and next(stream) == 1
    threading.Event().wait(0.2)  # give the reader time to run ahead if it could
    assert len(produced) <= 3  # the block in hand, the next one being read, and at most one more
    stream.close()
    assert not any(t.name == "jae-read-ahead" and t.is_alive() for t in threading.enumerate())

    def failing():
        yield 1
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(read_ahead(failing()))


def test_in_memory_row_blocks_copy_only_their_rows():
    """anndata reads a CSR with int64 ``indptr`` and int32 ``indices``; scipy's row slice of such a matrix converts
    the whole ``indices`` to int64 first (at 300,000 cells: 4 GB and about 20 s per block of 4,096 rows). The
    blocks are the rows' values, as float32 copies, each costing only its own rows."""
    import tracemalloc

    from jae.io.chunked import InMemoryCounts

    rng = np.random.default_rng(0)
    X = sp.random(20_000, 300, density=0.1, format="csr", dtype=np.float64, random_state=rng)
    X.data = np.ceil(X.data * 20)
    X = sp.csr_matrix((X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64)), shape=X.shape)
    X.indptr = X.indptr.astype(np.int64)  # (the constructor narrows it)
    assert X.indptr.dtype == np.int64 and X.indices.dtype == np.int32
    before = X.copy()
    source = InMemoryCounts(X)
    tracemalloc.start()
    for block in source.blocks(1000, start=500, stop=19_800):  # one block at a time: a block's worth of memory
        del block
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < X.indices.nbytes / 2  # not a copy of the whole matrix's indices
    blocks = list(source.blocks(1000, start=500, stop=19_800))
    assert [b.shape for b in blocks] == [(1000, 300)] * 19 + [(300, 300)]
    got = sp.vstack(blocks)
    assert got.dtype == np.float32 and (got != X[500:19_800].astype(np.float32)).nnz == 0
    for b in blocks:
        assert not np.may_share_memory(b.data, X.data) and not np.may_share_memory(b.indices, X.indices)
        b.data[:] = -1  # normalised in place downstream: the caller's matrix stays as it was
    assert (X != before).nnz == 0
