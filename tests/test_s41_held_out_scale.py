"""Session 41 (issue 15): the SVD bases' held-out scale, measured at fit, and map_query's use of it.

New cells' SVD projections are less spread along the trailing components than the reference cells the bases were
fitted on (each fitted cell's own noise is in them); a mapped model divides its query batches' features by the
held-out scale for the embedding and labels, and keeps the unknown call on the features as they are.
"""

from __future__ import annotations

import json
from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp

import jae
import jae.mapping.train
from jae import JAE, JAEConfig
from jae.preprocess.held_out import MIN_SCALE, held_out_scale


def _low_rank_noise(n=600, p=300, rank=5, seed=0):
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, p)) * 3.0
    return (signal + rng.normal(size=(n, p))).astype(np.float32)


def test_held_out_scale_is_one_for_signal_and_below_one_for_noise_components():
    X = _low_rank_noise()
    pieces = [sp.csr_matrix(X[:250]), sp.csr_matrix(X[250:])]
    before = [p.copy() for p in pieces]
    scale = held_out_scale(pieces, n_features=300, n_components=30, seed=0, n_iter=5)
    assert scale.shape == (30,) and scale.dtype == np.float32
    assert np.all(np.abs(scale[:5] - 1) < 0.1)  # signal: held-out cells spread as much as fitted ones
    assert np.all(scale[5:] < 0.9) and np.all(scale >= MIN_SCALE)  # noise directions: fitted cells' own noise
    assert all((a != b).nnz == 0 for a, b in zip(pieces, before))  # the pieces are read, never changed
    again = held_out_scale(pieces, n_features=300, n_components=30, seed=0, n_iter=5)
    assert np.array_equal(scale, again)
    dense = held_out_scale([X[:250], X[250:]], n_features=300, n_components=30, seed=0, n_iter=5)
    # the same scale from dense pieces, up to float32 rounding, which the power iterations carry into the noise
    # components' bases (1.1e-4 apart on an AMD EPYC, where numpy's BLAS rounds otherwise than scipy's sparse product)
    assert np.allclose(dense, scale, atol=1e-3)


@pytest.fixture(scope="module")
def split():
    md = jae.datasets.simulate(n_cells=900, kind="cite", n_batches=3, seed=0)
    last = md.obs["batch"].unique()[-1]
    return md[md.obs["batch"] != last].copy(), md[md.obs["batch"] == last].copy()


@pytest.fixture(scope="module")
def reference(split):
    return JAE(JAEConfig(max_epochs=5), seed=0, device="cpu").fit(split[0], cell_type_key="cell_type",
                                                                 batch_key="batch", progress_bar=False)


@pytest.fixture(scope="module")
def mapped(reference, split):
    return reference.map_query(split[1], batch_key="batch", progress_bar=False)


def test_fit_measures_a_held_out_scale_per_svd_basis(reference):
    pre = reference.preprocessor
    for basis, kind in zip(pre.bases, pre.kinds):
        if kind == "ADT":
            assert basis is None
            continue
        s = basis.held_out_scale
        assert s.shape == (basis.n_components,) and np.all(s > 0) and s.min() < 0.95
    full = jae.mapping.held_out_scale_of(pre)
    assert full.shape == (pre.n_output,)
    assert np.all(full[pre.widths[0]:] == 1.0)  # the proteins: no SVD, no scale


def test_mapped_model_embeds_query_cells_scaled_and_calls_unknown_on_them_as_before(reference, mapped, split):
    ref_cells, query = split
    assert mapped.adapter.scale is not None and mapped.adapter.scaled_shift.shape == mapped.adapter.shift.shape
    # the reference's own cells: bit-identical through the mapped model
    assert np.array_equal(mapped.embed(ref_cells, key_added=None), reference.embed(ref_cells, key_added=None))
    with mock.patch.object(jae.mapping.train, "held_out_scale_of", return_value=None):
        before = reference.map_query(query, batch_key="batch", progress_bar=False)
    assert before.adapter.scale is None and np.array_equal(before.adapter.shift, mapped.adapter.shift)
    E, E_before = mapped.embed(query, key_added=None), before.embed(query, key_added=None)
    assert not np.allclose(E, E_before)
    pred, pred_before = mapped.predict_cell_type(query), before.predict_cell_type(query)
    # the unknown call reads the features as before (its thresholds were set on undivided held-out cells)
    assert np.array_equal(pred["unknown_score"].to_numpy(), pred_before["unknown_score"].to_numpy())
    # labels from the scaled embedding: the same whether the embedding is given or computed
    given = mapped.predict_cell_type(query, embedding=E)
    assert given["cell_type"].equals(pred["cell_type"])
    assert np.allclose(given["confidence"], pred["confidence"], atol=1e-5)
    assert np.allclose(given["unknown_score"], pred["unknown_score"], atol=1e-5)


def test_scaled_query_cells_neighbour_the_reference_more(reference, mapped, split):
    ref_cells, query = split
    with mock.patch.object(jae.mapping.train, "held_out_scale_of", return_value=None):
        before = reference.map_query(query, batch_key="batch", progress_bar=False)
    n_ct = reference.layout.n_cell_type

    def reference_share(model):
        from sklearn.neighbors import NearestNeighbors

        E = np.vstack([model.embed(ref_cells, key_added=None), model.embed(query, key_added=None)])[:, n_ct:]
        is_ref = np.arange(len(E)) < ref_cells.n_obs
        idx = NearestNeighbors(n_neighbors=11).fit(E).kneighbors(E[~is_ref], return_distance=False)[:, 1:]
        return is_ref[idx].mean()

    assert reference_share(mapped) > reference_share(before) + 0.05


def test_epochs_zero_and_models_without_the_scale_map_as_before(reference, split, tmp_path):
    query = split[1]
    zero = reference.map_query(query, batch_key="batch", epochs=0, progress_bar=False)
    assert zero.adapter.scale is None and zero.adapter.scaled_shift is None
    # a model saved before jae measured the scale: no held_out_scale in model.json
    folder = reference.save(tmp_path / "old")
    description = json.loads((folder / "model.json").read_text())
    for m in description["modalities"]:
        m.pop("held_out_scale", None)
    (folder / "model.json").write_text(json.dumps(description))
    old = JAE.load(folder)
    assert all(b is None or b.held_out_scale is None for b in old.preprocessor.bases)
    mapped_old = old.map_query(query, batch_key="batch", progress_bar=False)
    assert mapped_old.adapter.scale is None and mapped_old.adapter.scaled_shift is None


def test_scale_and_scaled_shift_survive_save_and_load_and_mapping_again(mapped, split, tmp_path):
    query = split[1]
    folder = mapped.save(tmp_path / "m")
    description = json.loads((folder / "model.json").read_text())
    assert description["adapter"]["scaled"] is True
    assert any(m.get("held_out_scale") for m in description["modalities"])
    loaded = JAE.load(folder)
    assert np.array_equal(loaded.adapter.scale, mapped.adapter.scale)
    assert np.array_equal(loaded.adapter.scaled_shift, mapped.adapter.scaled_shift)
    assert np.array_equal(loaded.embed(query, key_added=None), mapped.embed(query, key_added=None))
    assert loaded.provenance()["weights"] == mapped.provenance()["weights"]
    again_data = query.copy()
    again_data.obs["batch"] = "second_" + again_data.obs["batch"].astype(str)
    again = loaded.map_query(again_data, batch_key="batch", progress_bar=False)
    assert again.adapter.scaled_shift.shape == (2, again.adapter.shift.shape[1])
    assert np.array_equal(again.adapter.scaled_shift[:1], mapped.adapter.scaled_shift)


def test_a_model_file_missing_its_scaled_shift_or_scale_is_refused(mapped, tmp_path):
    import torch

    folder = mapped.save(tmp_path / "m")
    tensors = torch.load(folder / "weights.pt", weights_only=True)
    del tensors["adapter.scaled_shift"]
    torch.save(tensors, folder / "weights.pt")
    with pytest.raises(ValueError, match="scaled shift"):
        JAE.load(folder)
    folder2 = mapped.save(tmp_path / "m2")
    tensors = torch.load(folder2 / "weights.pt", weights_only=True)
    tensors["svd.0.held_out_scale"] = -tensors["svd.0.held_out_scale"]
    torch.save(tensors, folder2 / "weights.pt")
    with pytest.raises(ValueError, match="held-out scale"):
        JAE.load(folder2)
