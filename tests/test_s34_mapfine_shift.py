"""Fine-tuning a model made by map_query trains on the features its embed encodes: the query cells shifted by
their mapped batch's shift (cells of other batches unshifted), not the unshifted features it never embeds."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from jae.datasets import simulate
from jae.mapping import held_out_scale_of


@pytest.fixture(scope="module")
def mapped(own_cite_model):
    _, reference = own_cite_model("s34_mapfine_shift")
    query = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    query.obs["batch"] = ("q_" + query.obs["batch"].astype(str)).astype("category")
    query.obs_names = "q" + query.obs_names
    return reference.map_query(query, batch_key="batch", epochs=2, progress_bar=False), query


def _weights(model):
    return {k: v.clone() for k, v in model.network.state_dict().items()}


def test_finetune_of_a_mapped_model_trains_on_the_shifted_features_its_embed_encodes(mapped):
    """finetune trained the network on the unshifted query features, then embed shifted them: the fine-tuning fit
    inputs the model never embeds."""
    model, query = mapped
    X, cells, batch, _, new = model._features(query, layer="counts")
    # every query cell is of a mapped batch: shifted by the adapter, not divided again (jae.query.fit_cells)
    assert new.all()
    shifted = model.adapter.apply(X, batch)
    assert not np.array_equal(shifted, X)
    by_hand = copy.deepcopy(model).finetune_transformed(shifted, seed=5, progress_bar=False)
    tuned = copy.deepcopy(model).finetune(query, seed=5, progress_bar=False)
    want, got = _weights(by_hand), _weights(tuned)
    assert all(np.array_equal(want[k], got[k]) for k in want)
    np.testing.assert_array_equal(tuned.embed(query, key_added=None), by_hand.embed(query, key_added=None))


def test_finetune_of_a_mapped_model_leaves_cells_of_other_batches_unshifted(mapped):
    model, query = mapped
    other = query.copy()
    first = sorted(other.obs["batch"].unique())[0]
    other.obs["batch"] = other.obs["batch"].astype(str).where(other.obs["batch"] != first, "never_mapped")
    X, _, batch, _, new = model._features(other, layer="counts")
    assert (batch == "never_mapped").any()
    # new cells of a batch the model does not map are divided by the held-out scale, as embed reads them (session 42)
    scale = held_out_scale_of(model.preprocessor)
    X = np.where(((batch == "never_mapped") & new)[:, None], X / scale, X).astype(np.float32)
    by_hand = copy.deepcopy(model).finetune_transformed(model.adapter.apply(X, batch), seed=5, progress_bar=False)
    tuned = copy.deepcopy(model).finetune(other, seed=5, progress_bar=False)
    want, got = _weights(by_hand), _weights(tuned)
    assert all(np.array_equal(want[k], got[k]) for k in want)


def test_finetune_of_a_mapped_model_needs_the_mapping_column_before_any_work(mapped):
    model, query = mapped
    bare = query.copy()
    del bare.obs["batch"]
    for mod in bare.mod.values():
        mod.obs = mod.obs.drop(columns=[c for c in mod.obs.columns if c == "batch"])
    before = _weights(model)
    with pytest.raises(ValueError, match=r"made by map_query .* no such column"):
        model.finetune(bare, seed=5, progress_bar=False)
    assert all(np.array_equal(before[k], v) for k, v in model.network.state_dict().items())


def test_the_record_says_which_fine_tunings_came_before_a_mapping_and_which_after(mapped, own_cite_model, tmp_path):
    """map_query then finetune, and finetune then map_query, gave the same record (finetune_seeds and the mapping,
    no order), though the first trains on shifted features and the second shifts a fine-tuned network's inputs."""
    from jae import JAE

    model, query = mapped
    after = copy.deepcopy(model).finetune(query, seed=5, progress_bar=False)
    _, reference = own_cite_model("s34_mapfine_record")
    before = reference.finetune(query, seed=5, progress_bar=False).map_query(query, epochs=2, progress_bar=False)
    assert after.mappings[-1]["finetunes_before"] == 0 and before.mappings[-1]["finetunes_before"] == 1
    assert after.provenance()["mapping"] != before.provenance()["mapping"]
    after.save(tmp_path / "m")
    back = JAE.load(tmp_path / "m", device="cpu")
    assert back.mappings == after.mappings
    assert back.provenance()["finetune_seeds"] == [5] and back.provenance()["mapping"]["1"]["finetunes_before"] == 0


def test_a_mapped_model_fitted_again_keeps_no_record_of_the_old_mapping(mapped, tmp_path):
    """fit dropped the adapter of a mapped model but kept its mappings: embeddings of the refitted model said
    uns['jae']['mapping'] (batches it no longer shifts), as did its model.json, and a new mapping was appended to them."""
    from jae import JAE
    from jae.mapping import mappings_of

    model, query = mapped
    refit = copy.deepcopy(model)
    reference = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    refit.fit(reference, progress_bar=False)
    assert refit.adapter is None and mappings_of(refit) == [] and "mapping" not in refit.provenance()
    refit.save(tmp_path / "m")
    assert JAE.load(tmp_path / "m", device="cpu").mappings == []
    again = refit.map_query(query, epochs=1, progress_bar=False)
    assert len(again.mappings) == 1
