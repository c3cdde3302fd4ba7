"""Keyword arguments of jae.metrics' functions checked in one line naming the argument, before any work (s33)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae import metrics

# read before any test patches metrics._graph.neighbor_graph: jae.metrics' names are imported when first read
# (jae._lazy), so a first read under the patch would keep the patched function in jae.metrics after the test
neighbor_graph = metrics.neighbor_graph


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    types = np.array(["a", "b", "c"])[np.arange(n) % 3]
    batch = np.array(["x", "y"])[np.arange(n) % 2]
    return X, types, batch


@pytest.mark.parametrize("seed", [1.5, -1, "1", True])
def test_metric_seeds_are_checked_like_evaluate_embeddings(seed, monkeypatch):
    # nmi(seed=1.5) ran Louvain with seed 1, seed=-1 with another; asw / trajectory / cc failed in numpy (after the
    # graph, naming no argument) or not at all; now each refuses as evaluate_embedding does, before the graph
    X, types, batch = _blobs()
    t = np.linspace(0, 1, len(X))
    monkeypatch.setattr(metrics._graph, "neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    calls = [
        lambda: metrics.nmi(X, types, seed=seed),
        lambda: metrics.louvain(neighbor_graph(X).connectivities, seed=seed),
        lambda: metrics.asw_label(X, types, max_cells=10, seed=seed),
        lambda: metrics.asw_batch(X, batch, types, seed=seed),
        lambda: metrics.trajectory_conservation(X, types, t, seed=seed),
        lambda: metrics.ti_cons(X, types, {"GEX": t}, seed=seed),
        lambda: metrics.cell_cycle_reference(np.ones((len(X), 3)), ["A", "B", "C"], batch, seed=seed),
    ]
    for call in calls:
        with pytest.raises((TypeError, ValueError), match="seed must be an integer"):
            call()


@pytest.mark.parametrize("resolutions", [[], 1.0, [-1.0], [0.5, float("nan")], "1.0", [True]])
def test_nmi_refuses_resolutions_that_are_no_list_of_positive_numbers(resolutions, monkeypatch):
    # [] raised IndexError, 1.0 "'float' object is not subscriptable", [-1.0] scored a silent 0.0
    X, types, _ = _blobs()
    monkeypatch.setattr(metrics._graph, "neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    with pytest.raises(ValueError, match="resolutions must be a non-empty list of numbers >= 0"):
        metrics.nmi(X, types, resolutions=resolutions)


def test_nmi_takes_resolutions_as_any_sequence_of_positive_numbers():
    X, types, _ = _blobs()
    graph = metrics.neighbor_graph(X)
    one = metrics.nmi(None, types, graph=graph, resolutions=[1.0])
    assert metrics.nmi(None, types, graph=graph, resolutions=np.array([1.0])) == one
    assert metrics.nmi(None, types, graph=graph, resolutions=(1,)) == one
    assert metrics.nmi(None, types, graph=graph, resolutions=[0.0, 1.0]) == one  # 0: one cluster, an NMI of 0


@pytest.mark.parametrize("bad", [{"n_neighbors": -3}, {"n_neighbors": 2.5}, {"n_neighbors": True},
                                 {"n_neighbors": 0}, {"perplexity": "10"}, {"perplexity": -1}, {"perplexity": True}])
@pytest.mark.parametrize("neighbors", ["graph", "knn"])
def test_lisi_refuses_bad_list_lengths_and_perplexities_before_the_lists(bad, neighbors, monkeypatch):
    # n_neighbors=-3 failed with numpy's "negative dimensions not allowed", 2.5 in a range, True built lists of one
    # neighbour; perplexity=-1 or 'a' was refused only after the neighbour lists (or in a comparison)
    X, types, batch = _blobs()
    monkeypatch.setattr(metrics.mixing, "neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    monkeypatch.setattr(metrics.mixing, "knn", lambda *a, **k: pytest.fail("lists built"))
    name = next(iter(bad))
    for call in (metrics.ilisi, metrics.clisi):
        with pytest.raises(ValueError, match=f"^{name} must be"):
            call(X, batch if call is metrics.ilisi else types, neighbors=neighbors, **bad)
    if name == "n_neighbors":
        with pytest.raises(ValueError, match="^n_neighbors must be"):
            metrics.lisi_neighbors(X, neighbors=neighbors, **bad)
        with pytest.raises(ValueError, match="^n_neighbors must be"):
            metrics.shortest_path_neighbors(sp.eye(5, format="csr"), **bad)


def test_lisi_labels_of_other_length_are_named_before_the_lists(monkeypatch):
    # ilisi(X, batch[:50]) built the 90-neighbour lists, then said "labels has 50 entries"
    X, types, batch = _blobs()
    graph = metrics.neighbor_graph(X)
    lists = metrics.lisi_neighbors(X, graph=graph)
    monkeypatch.setattr(metrics.mixing, "neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    monkeypatch.setattr(metrics.mixing, "shortest_path_neighbors", lambda *a, **k: pytest.fail("lists built"))
    for given in ({"embedding": X}, {"embedding": None, "graph": graph}, {"embedding": None, "lists": lists}):
        with pytest.raises(ValueError, match="^batch has 50 entries but the embedding has 60 cells"):
            metrics.ilisi(given.pop("embedding"), batch[:50], **given)
    with pytest.raises(ValueError, match="^cell_type has 59 entries but the embedding has 60 cells"):
        metrics.clisi(X, types[1:])


@pytest.mark.parametrize("max_cells", [True, "10", 2.5, 0, -5])
def test_silhouettes_refuse_a_max_cells_that_is_no_whole_number(max_cells):
    # True and 2.5 failed in numpy (after the labels were read), "10" in a comparison, 0 only once a group was larger
    X, types, batch = _blobs()
    with pytest.raises(ValueError, match="^max_cells must be a whole number >= 1"):
        metrics.asw_label(X, types, max_cells=max_cells)
    with pytest.raises(ValueError, match="^max_cells must be a whole number >= 1"):
        metrics.asw_batch(X, batch, types, max_cells=max_cells)


def test_silhouettes_take_max_cells_as_a_numpy_integer():
    X, types, batch = _blobs()
    assert metrics.asw_label(X, types, max_cells=np.int64(30)) == metrics.asw_label(X, types, max_cells=30)


def test_graph_arguments_refuse_scanpys_connectivity_matrix_in_one_line():
    # graph=adata.obsp['connectivities'] failed with "'csr_matrix' object has no attribute 'n_cells'"
    X, types, batch = _blobs()
    C = metrics.neighbor_graph(X).connectivities
    t = np.linspace(0, 1, len(X))
    calls = [
        lambda: metrics.nmi(None, types, graph=C),
        lambda: metrics.graph_connectivity(None, types, graph=C),
        lambda: metrics.trajectory_conservation(None, types, t, graph=C),
        lambda: metrics.ti_cons(None, types, {"GEX": t}, graph=C),
        lambda: metrics.ilisi(None, batch, graph=C),
        lambda: metrics.clisi(None, types, graph=C),
        lambda: metrics.lisi_neighbors(graph=C),
        lambda: metrics.diagnose_embedding(X, batch=batch, cell_type=types, graph=C),
    ]
    for call in calls:
        with pytest.raises(TypeError, match=r"^graph must be a jae.metrics.NeighborGraph, not a csr_matrix; pass "
                                            r"graph=jae.metrics.neighbor_graph\(embedding\)"):
            call()


@pytest.mark.parametrize("seed", [None, 1.5, -1, "a"])
def test_approximate_neighbour_search_refuses_a_seed_that_is_no_integer(seed):
    # seed=None ran pynndescent unseeded; 1.5, -1 and 'a' failed in numpy's RandomState check naming no argument
    X = np.random.default_rng(0).normal(size=(300, 4)).astype(np.float32)
    with pytest.raises((TypeError, ValueError), match="^seed must be an integer"):
        metrics.neighbor_graph(X, knn="approximate", seed=seed)
    with pytest.raises((TypeError, ValueError), match="^seed must be an integer"):
        metrics._graph.approximate_knn(X, seed=seed)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="needs a machine without a CUDA GPU")
@pytest.mark.parametrize("device", ["gpu", "cuda"])
def test_metric_devices_torch_cannot_use_are_named_in_one_line(device):
    # device='gpu' failed with torch's list of twenty device types, 'cuda' without a GPU with an AssertionError
    X, types, batch = _blobs()
    calls = [
        lambda: metrics.nmi(X, types, device=device),
        lambda: metrics.asw_label(X, types, device=device),
        lambda: metrics.asw_batch(X, batch, types, device=device),
        lambda: metrics.silhouette_samples(X, types, device=device),
        lambda: metrics.graph_connectivity(X, types, device=device),
        lambda: metrics.ilisi(X, batch, neighbors="knn", device=device),
        lambda: metrics.evaluate_embedding(X, cell_type=types, device=device, progress_bar=False),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=f"^device={device!r}"):
            call()


@pytest.mark.parametrize("resolution", ["1", -1.0, float("inf"), None, True])
def test_louvain_refuses_a_resolution_that_is_no_number_from_zero(resolution):
    # resolution='1' and -1.0 clustered without a word
    X, _, _ = _blobs()
    with pytest.raises(ValueError, match="^resolution must be a number >= 0"):
        metrics.louvain(metrics.neighbor_graph(X).connectivities, resolution=resolution)


def test_a_complex_embedding_is_refused_not_cast_to_its_real_part():
    # torch dropped the imaginary part with a warning and the metrics scored the real part
    X, types, _ = _blobs()
    Z = X + 1j * np.random.default_rng(1).normal(size=X.shape)
    for call in (lambda: metrics.asw_label(Z, types), lambda: metrics.graph_connectivity(Z, types),
                 lambda: metrics.evaluate_embedding(Z, cell_type=types, progress_bar=False)):
        with pytest.raises(ValueError, match=r"^embedding must be numeric \(real numbers\); got dtype complex128"):
            call()


def test_diagnose_embedding_checks_column_names_and_reference_before_the_graph(monkeypatch):
    # 4 column_names for 5 columns, or a cell-cycle reference of other cells, were refused only after the graph
    # (and, for the names, after the LISI path search)
    from jae.metrics import diagnostics

    rng = np.random.default_rng(0)
    X, types, batch = _blobs()
    X = np.column_stack([X, rng.normal(size=len(X))])
    genes = ["MCM5", "PCNA", "TYMS", "FEN1", "MCM2", "MCM4", "RRM1", "UNG", "GINS2", "MCM6", "CDCA7", "DTL", "PRIM1",
             "UHRF1", "HMGB2", "CDK1", "NUSAP1", "UBE2C", "BIRC5", "TPX2", "TOP2A", "NDC80", "CKS2", "NUF2", "CKS1B"]
    gex = rng.poisson(1.0, size=(40, len(genes) + 30)).astype(float)
    names = genes + [f"G{i}" for i in range(30)]
    reference = metrics.cell_cycle_reference(np.log1p(gex), names, np.zeros(40))
    monkeypatch.setattr(diagnostics, "neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    with pytest.raises(ValueError, match="^diagnose_embedding: 4 column names for an embedding of 5 columns"):
        metrics.diagnose_embedding(X, batch=batch, cell_type=types, column_names=["a:1", "a:2", "b:1", "b:2"])
    # one text was read letter by letter ('abcde': five columns of blocks 'other') and scored after the graph
    with pytest.raises(TypeError, match="^diagnose_embedding: column_names must hold one name per column"):
        metrics.diagnose_embedding(X, batch=batch, cell_type=types, column_names="abcde")
    with pytest.raises(TypeError, match="^embedding_variance_shares: column_names must hold one name per column"):
        metrics.embedding_variance_shares(X, "abcde")
    with pytest.raises(ValueError, match="^diagnose_embedding: the cell_cycle reference covers 40 cells but the "
                                         "embedding has 60"):
        metrics.diagnose_embedding(X, batch=batch, cell_cycle=reference)


def test_trajectory_inputs_of_other_lengths_are_refused_before_the_graph(monkeypatch):
    # cell_type, pseudotime or batch of another length (or a missing cell type) were refused after the kNN graph
    X, types, batch = _blobs()
    t = np.linspace(0, 1, len(X))
    monkeypatch.setattr(metrics.trajectory, "neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    cases = [
        (lambda: metrics.trajectory_conservation(X, types[:50], t), "^cell_type has 50 entries"),
        (lambda: metrics.trajectory_conservation(X, types, t[:50]), "^pseudotime has 50 entries"),
        (lambda: metrics.trajectory_conservation(X, types, t, batch=batch[:10]), "^batch has 10 entries"),
        (lambda: metrics.trajectory_conservation(X, np.where(t == 0, None, types), t), "^cell_type has 1 missing"),
        (lambda: metrics.ti_cons(X, types[:50], {"GEX": t}), "^cell_type has 50 entries"),
        (lambda: metrics.ti_cons(X, types, {"GEX": t, "ADT": t[:5]}), "^pseudotime 'ADT' has 5 entries"),
        (lambda: metrics.ti_cons(X, types, {"GEX": t}, batch=batch[:10]), "^batch has 10 entries"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_labels_of_several_columns_are_refused_not_read_row_by_row():
    # obs[['batch', 'cell_type']] as batch was read row by row: "batch has 120 entries but the embedding has 60
    # cells", and an (n/2, 2) array was taken as n labels, pairing cells with other cells' labels
    X, types, batch = _blobs()
    frame = pd.DataFrame({"batch": batch, "cell_type": types})
    with pytest.raises(ValueError, match=r"^batch has shape \(60, 2\), several values per cell; pass one label"):
        metrics.asw_batch(X, frame, types)
    with pytest.raises(ValueError, match=r"^batch has shape \(30, 2\), several values per cell"):
        metrics.ilisi(X, batch.reshape(30, 2))
    one_column = metrics.asw_label(X, frame[["cell_type"]])
    assert one_column == metrics.asw_label(X, types)


def test_a_cell_cycle_reference_that_is_no_reference_is_refused_in_one_line(monkeypatch):
    # cc_cons(X, gex) or cell_cycle=None-like values failed with "'numpy.ndarray' object has no attribute 'n_cells'"
    X, types, batch = _blobs()
    gex = np.ones((len(X), 5))
    with pytest.raises(TypeError, match="^reference must be a jae.metrics.CellCycleReference, not a ndarray; build"):
        metrics.cc_cons(X, gex)
    with pytest.raises(TypeError, match="^reference must be a jae.metrics.CellCycleReference, not a NoneType"):
        metrics.cc_cons_details(X, None)
    monkeypatch.setattr(metrics.suite, "knn_and_cluster_sums", lambda *a, **k: pytest.fail("graph built"))
    with pytest.raises(TypeError, match="^cell_cycle must be a jae.metrics.CellCycleReference, not a ndarray"):
        metrics.evaluate_embedding(X, cell_type=types, cell_cycle=gex, progress_bar=False)
    with pytest.raises(TypeError, match="^cell_cycle must be a jae.metrics.CellCycleReference, not a str"):
        metrics.diagnose_embedding(X, batch=batch, cell_cycle="cc")


@pytest.mark.parametrize("n_jobs", ["a", 2.5, True, 0, -3])
def test_nmi_refuses_an_n_jobs_that_is_no_number_of_threads(monkeypatch, n_jobs):
    # 'a' failed in int() after the graph had been built; 2.5, True, 0 and -3 ran as some other number of threads
    X, types, _ = _blobs()
    monkeypatch.setattr(metrics._graph, "neighbor_graph", lambda *a, **k: pytest.fail("graph built"))
    with pytest.raises(ValueError, match="^nmi: n_jobs must be a whole number of threads"):
        metrics.nmi(X, types, n_jobs=n_jobs)
