"""Metrics at atlas scale: the approximate neighbour graph, sampled silhouettes, the knn switch, and the cell-cycle
reference and evaluation from files read in row blocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
import jae.metrics._graph as graph_module
from jae.metrics import (
    asw_batch,
    asw_label,
    cell_cycle_reference,
    cell_cycle_reference_blocks,
    evaluate_embedding,
    neighbor_graph,
)
from jae.metrics._graph import APPROXIMATE_MIN_CELLS, approximate_knn, knn, resolve_knn
from jae.preprocess import cell_cycle_genes


def _structured(n: int, seed: int = 0, n_types: int = 8, n_batches: int = 3, dims: int = 20):
    """Seeded embedding with cell types (clusters), batch shifts and a trajectory through types 0 -> 1 -> 2."""
    rng = np.random.default_rng(seed)
    types = rng.choice(n_types, size=n, p=rng.dirichlet(np.full(n_types, 3.0)))
    batches = rng.integers(0, n_batches, n)
    centres = rng.normal(scale=3.0, size=(n_types, dims))
    E = centres[types] + rng.normal(size=(n, dims)) + rng.normal(scale=0.4, size=(n_batches, dims))[batches]
    pt = np.full(n, np.nan)
    for k in range(3):
        idx = np.flatnonzero(types == k)
        u = rng.random(len(idx))
        E[idx] = centres[k] + np.outer(u, centres[k + 1] - centres[k]) + rng.normal(scale=0.6, size=(len(idx), dims))
        pt[idx] = (k + u) / 3
    return E.astype(np.float32), np.array([f"t{t}" for t in types]), np.array([f"b{b}" for b in batches]), pt


def _gex(n: int, batches: np.ndarray, seed: int = 0, n_genes: int = 600):
    """Seeded log-normalised GEX (CSR) with the human cell-cycle genes and a cycling signal, and its gene names.

    Block-wise gene means equal the in-memory ones up to summation order, so genes whose values are identical
    multisets (ties in integer data) could rank differently; per-cell normalisation avoids such ties, as real data.
    """
    rng = np.random.default_rng(seed)
    s_genes, g2m_genes = cell_cycle_genes("human")
    genes = list(s_genes[:20]) + list(g2m_genes[:20])
    genes += [f"GENE{i}" for i in range(n_genes - len(genes))]
    phase = rng.random(n)
    X = rng.poisson(0.3, size=(n, n_genes)).astype(np.float32)
    X[:, :20] += rng.poisson(2.0 * phase[:, None], size=(n, 20))
    X[:, 20:40] += rng.poisson(2.0 * (1 - phase)[:, None], size=(n, 20))
    X[:, 40:60] += rng.poisson(1.0 + (batches == batches[0])[:, None], size=(n, 20))
    X *= 1e4 / X.sum(axis=1, keepdims=True)  # per-cell totals make values continuous, as in real data (the
    return sp.csr_matrix(np.log1p(X)), pd.Index(genes)  # control genes depend on gene-mean ranks; no exact ties)


def test_approximate_knn_recall_and_seeding():
    E, *_ = _structured(3000)
    exact_idx, exact_dist = knn(E)
    idx, dist = approximate_knn(E, seed=0)
    assert idx.shape == exact_idx.shape == (3000, 15) and idx.dtype == np.int64 and dist.dtype == np.float32
    assert (idx[:, 0] == np.arange(3000)).all() and (dist[:, 0] == 0).all()
    assert (np.diff(dist[:, 1:], axis=1) >= 0).all()
    recall = np.mean([len(set(a[1:]) & set(b[1:])) / 14 for a, b in zip(idx, exact_idx)])
    assert recall >= 0.95
    again_idx, again_dist = approximate_knn(E, seed=0)
    np.testing.assert_array_equal(idx, again_idx)
    np.testing.assert_array_equal(dist, again_dist)
    for got, want in zip(approximate_knn(E[:50]), knn(E[:50], device="cpu")):  # tiny data: exact lists
        np.testing.assert_array_equal(got, want)
    g = neighbor_graph(E, knn="approximate", seed=0)
    np.testing.assert_array_equal(g.indices, idx)
    assert (g.connectivities != g.connectivities.T).nnz == 0


def test_suite_approximate_within_001_of_exact():
    E, types, batches, pt = _structured(4000, seed=1)
    gex, genes = _gex(4000, batches, seed=1)
    cc = cell_cycle_reference(gex, genes, batches)
    kw = dict(cell_type=types, batch=batches, pseudotime={"pt": pt}, cell_cycle=cc, progress_bar=False)
    exact = evaluate_embedding(E, knn="exact", **kw)
    approx = evaluate_embedding(E, knn="approximate", **kw)
    assert exact.attrs["knn"] == "exact" and approx.attrs["knn"] == "approximate"
    assert exact.notna().all()
    np.testing.assert_allclose(approx.to_numpy(), exact.to_numpy(), atol=0.01)
    for name in ("ilisi", "clisi"):
        assert abs(approx.attrs["diagnostics"][name] - exact.attrs["diagnostics"][name]) <= 0.01
    # the default below the threshold is the exact path, bit for bit
    pd.testing.assert_series_equal(evaluate_embedding(E, **kw), exact)


def test_auto_switch_picks_by_size(monkeypatch):
    assert resolve_knn("auto", APPROXIMATE_MIN_CELLS) == "exact"
    assert resolve_knn("auto", APPROXIMATE_MIN_CELLS + 1) == "approximate"
    assert resolve_knn("exact", 10**7) == "exact" and resolve_knn("approximate", 10) == "approximate"
    monkeypatch.setattr(graph_module, "APPROXIMATE_MIN_CELLS", 500)
    E, types, batches, _ = _structured(800, seed=2)
    assert evaluate_embedding(E, cell_type=types, batch=batches, progress_bar=False).attrs["knn"] == "approximate"
    small = evaluate_embedding(E[:400], cell_type=types[:400], batch=batches[:400], progress_bar=False)
    assert small.attrs["knn"] == "exact"


@pytest.mark.parametrize("call", ["resolve", "graph", "suite", "evaluate"])
def test_bad_knn_value_is_one_clear_line(call):
    E, types, *_ = _structured(100)
    with pytest.raises(ValueError, match=r"^knn must be one of 'auto', 'exact', 'approximate'; got 'fast'$"):
        if call == "resolve":
            resolve_knn("fast", 10)
        elif call == "graph":
            neighbor_graph(E, knn="fast")
        elif call == "suite":
            evaluate_embedding(E, cell_type=types, knn="fast", progress_bar=False)
        else:
            import anndata as ad
            import mudata as md

            data = md.MuData({"rna": ad.AnnData(np.ones((100, 3), dtype=np.float32))})
            data.obs["cell_type"] = types
            jae.evaluate(data, {"e": E}, knn="fast")


def test_sampled_silhouettes():
    E, types, batches, _ = _structured(3000, seed=3)
    exact = asw_label(E, types)
    assert asw_label(E, types, max_cells=3000) == exact  # a sample as large as the data: the exact path
    sampled = asw_label(E, types, max_cells=800, seed=0)
    assert sampled != exact and abs(sampled - exact) < 0.02
    assert asw_label(E, types, max_cells=800, seed=0) == sampled  # seeded
    assert abs(asw_batch(E, batches, types, max_cells=150) - asw_batch(E, batches, types)) < 0.02
    with pytest.raises(ValueError, match="max_cells"):
        asw_label(E, types, max_cells=0)


def test_cell_cycle_reference_from_blocks_matches_memory():
    E, types, batches, _ = _structured(2000, seed=4)
    gex, genes = _gex(2000, batches, seed=4)
    keep = np.arange(2000) % 9 != 0
    ref = cell_cycle_reference(gex[keep], genes, batches[keep])
    got = cell_cycle_reference_blocks(lambda: (gex[s : s + 300] for s in range(0, 2000, 300)), genes, batches[keep],
                                      keep=keep)
    assert got.batches == ref.batches and got.n_genes == ref.n_genes
    np.testing.assert_allclose(got.before, ref.before, rtol=1e-10)
    for a, b in zip(got.cells, ref.cells):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(got.covariates, ref.covariates):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # batches larger than max_cells: the before share on a seeded sample, the scores of every cell unchanged
    sampled = cell_cycle_reference_blocks(lambda: iter([gex]), genes, batches, max_cells=400)
    full = cell_cycle_reference(gex, genes, batches)
    assert not np.array_equal(sampled.before, full.before)
    for a, b in zip(sampled.covariates, full.covariates):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_cell_cycle_shares_side_by_side_equal_one_at_a_time(monkeypatch):
    """The batches' GEX variance shares (ARPACK above 200 cells) run on the compute threads: the same numbers, bit
    for bit, as one batch at a time, whatever the thread count; and the in-memory reference's."""
    import jae.metrics.cell_cycle_cons as ccc

    rng = np.random.default_rng(7)
    batches = np.repeat(np.array(["b0", "b1", "b2", "b3", "b4"]), [420, 380, 300, 450, 260])[rng.permutation(1810)]
    gex, genes = _gex(1810, batches, seed=7)
    blocks = lambda: (gex[s : s + 250] for s in range(0, 1810, 250))  # noqa: E731
    got = {}
    for threads in (1, 2, 5):
        monkeypatch.setattr(ccc, "compute_threads", lambda threads=threads: threads)
        got[threads] = ccc.cell_cycle_reference_blocks(blocks, genes, batches, max_cells=350)
    np.testing.assert_array_equal(got[2].before, got[1].before)
    np.testing.assert_array_equal(got[5].before, got[1].before)
    assert got[1].batches == tuple(dict.fromkeys(batches)) and len(set(got[1].before)) == 5
    full = cell_cycle_reference(gex, genes, batches)
    for b, n in enumerate(len(c) for c in full.cells):  # batches within max_cells: the in-memory share exactly
        if n <= 350:
            assert got[5].before[b] == pytest.approx(full.before[b], rel=1e-10)


def test_evaluate_files_on_disk_equals_in_memory(tmp_path):
    from jae.datasets.write import write_simulated

    paths = write_simulated(tmp_path / "sim", n_cells=1200, kind="cite", preset=None, seed=0, progress_bar=False)
    mdata = jae.io.read_competition(*paths)
    files = jae.io.open_competition(*paths)
    codes = pd.factorize(mdata.obs["cell_type"])[0]
    rng = np.random.default_rng(0)
    E = rng.normal(scale=3.0, size=(codes.max() + 1, 12))[codes] + rng.normal(size=(mdata.n_obs, 12))
    in_memory = jae.evaluate(mdata, {"e": E}, progress_bar=False)
    on_disk = jae.evaluate(files, {"e": E}, progress_bar=False)
    pd.testing.assert_frame_equal(on_disk, in_memory)
    assert np.isfinite(on_disk.loc["e", "cc_cons"])


def test_louvain_skipped_visits_leave_the_memberships_bit_identical():
    """The local moving skips a visit when a bound shows the node would stay (see ``_move_nodes``): the memberships
    equal those of visiting every node, on the unweighted symmetric path scib's NMI uses, with weights and on a
    directed graph, at resolutions where the clusterings differ."""
    from jae.metrics import _louvain

    rng = np.random.default_rng(3)
    E = rng.normal(size=(2500, 10)) + rng.normal(scale=1.5, size=(12, 10))[rng.integers(0, 12, 2500)]
    g = neighbor_graph(E.astype(np.float32), knn="exact")
    n, k = g.indices.shape
    directed = sp.csr_matrix((np.ones(n * (k - 1)), (np.repeat(np.arange(n), k - 1), g.indices[:, 1:].ravel())),
                             shape=(n, n))
    sizes = set()
    for A, weighted in ((g.connectivities, False), (g.connectivities, True), (directed, False)):
        graph = _louvain._prepare(A, weighted)
        for resolution in (0.1, 0.5, 1.0, 2.0):
            for seed in (0, 1):
                want = _louvain._run(graph, resolution, seed, skip=False)
                np.testing.assert_array_equal(_louvain._run(graph, resolution, seed, skip=True), want)
                sizes.add(len(np.unique(want)))
    assert len(sizes) >= 4  # the clusterings compared differ from one another
