"""Session 55: the unknown call's anchors (a large query's seeded sample, :func:`jae.labels.unknown.anchor_rows`)
are chosen by the cells' names, so a cell whose embedding changes in its last bits (numpy's BLAS rounds a product's
rows by their position on some CPUs: the same cells embedded in another order) keeps its place in the sample."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jae.labels.unknown import anchor_rows, other_cells


def _cells(n=400, seed=0):
    rest = np.random.default_rng(seed).normal(size=(n, 12)).astype(np.float32)
    return rest, pd.Index([f"cell{i}" for i in range(n)])


def test_anchors_by_name_ignore_the_last_bits_and_the_order():
    rest, names = _cells()
    nudged = np.nextafter(rest, np.float32(np.inf))  # every value one float32 step up
    rows = anchor_rows(rest, 100, seed=3, names=names)
    assert len(rows) == 100 and np.array_equal(rows, np.unique(rows))
    assert np.array_equal(rows, anchor_rows(nudged, 100, seed=3, names=names))
    assert not np.array_equal(anchor_rows(rest, 100, seed=3), anchor_rows(nudged, 100, seed=3))  # values: others
    perm = np.random.default_rng(1).permutation(len(rest))
    again = anchor_rows(nudged[perm], 100, seed=3, names=names[perm])
    assert set(names[perm][again]) == set(names[rows])
    assert len(set(names[anchor_rows(rest, 100, seed=4, names=names)]) & set(names[rows])) < 60  # another seed


def test_the_neighbours_follow_the_names_and_values_without_them():
    rest, names = _cells()
    perm = np.random.default_rng(2).permutation(len(rest))
    one = other_cells(rest, seed=3, anchors=150, names=names)
    two = other_cells(rest[perm], seed=3, anchors=150, names=names[perm])
    assert np.array_equal(perm[two], one[perm])  # the same neighbours, named the same, in any order
    repeated = pd.Index(["a"] * len(rest))  # names that repeat cannot choose: the values do, as without names
    assert np.array_equal(anchor_rows(rest, 100, seed=3, names=repeated), anchor_rows(rest, 100, seed=3))


def test_predict_cell_type_and_unknown_scores_choose_the_anchors_by_the_same_names(monkeypatch):
    import jae
    import jae.labels.unknown as unknown
    from jae.labels import unknown_scores

    cells = jae.simulate(300, kind="cite", n_genes=250, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0, device="cpu").fit(
        cells, cell_type_key="cell_type", batch_key="batch", progress_bar=False)
    for function in (unknown.other_cells, unknown.smooth_over_cells):
        monkeypatch.setitem(function.__kwdefaults__, "anchors", 100)  # the large-query path on 300 cells
    given = []
    real = unknown.anchor_rows
    monkeypatch.setattr(unknown, "anchor_rows", lambda *a, **k: given.append(k.get("names")) or real(*a, **k))
    labels = model.predict_cell_type(cells)
    E = model.embed(cells, key_added=None)
    from_array = unknown_scores(model, E, names=cells.obs_names)["head_or_far"]
    assert len(given) == 2 and all(list(g) == list(cells.obs_names) for g in given)
    np.testing.assert_allclose(from_array, labels["unknown_score"], rtol=1e-5, atol=1e-6)
    by_values = unknown_scores(model, E)["head_or_far"]  # an array without names: its values choose
    assert given[-1] is None and not np.allclose(by_values, from_array)


def test_row_numbers_are_no_names_and_a_list_has_none():
    rest, _ = _cells()
    perm = np.random.default_rng(5).permutation(len(rest))
    rows = pd.Index([str(i) for i in range(len(rest))])  # an AnnData or a DataFrame made from an array
    assert np.array_equal(anchor_rows(rest, 100, seed=3, names=rows), anchor_rows(rest, 100, seed=3))
    assert np.array_equal(anchor_rows(rest[perm], 100, seed=3, names=rows[perm]), anchor_rows(rest[perm], 100, seed=3))
    assert np.array_equal(anchor_rows(rest, 100, seed=3, names=pd.RangeIndex(len(rest))), anchor_rows(rest, 100, seed=3))
    padded = pd.Index([f"{i:04d}" for i in range(len(rest))])  # zero-padded numbers are names
    assert not np.array_equal(anchor_rows(rest, 100, seed=3, names=padded), anchor_rows(rest, 100, seed=3))


def test_unknown_scores_of_a_list_or_a_frame_without_names(monkeypatch):
    import jae
    import jae.labels.unknown as unknown
    from jae.labels import unknown_scores

    cells = jae.simulate(300, kind="cite", n_genes=250, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0, device="cpu").fit(
        cells, cell_type_key="cell_type", batch_key="batch", progress_bar=False)
    for function in (unknown.other_cells, unknown.smooth_over_cells):
        monkeypatch.setitem(function.__kwdefaults__, "anchors", 100)
    E = model.embed(cells, key_added=None)
    perm = np.random.default_rng(0).permutation(len(E))
    want = unknown_scores(model, E)["head"]
    # a list: its values, as an array (read as float64: rounding apart)
    np.testing.assert_allclose(unknown_scores(model, E.tolist())["head"], want, rtol=1e-6)
    framed = unknown_scores(model, pd.DataFrame(E[perm]))["head"]  # a default index numbers rows, not cells
    np.testing.assert_allclose(framed, want[perm], rtol=1e-6)  # by name, the rows' numbers: 1e-2 apart
