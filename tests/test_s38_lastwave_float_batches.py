"""A batch column stored as float (0.0, 1.0: common after a pandas join or merge) against a model fitted with integer
batches (0, 1): jae compares batch names as text, so '0.0' is not '0'. map_query maps them as new batches and a
decoder_batch model's fine-tuning gives them no batch; both now say so in one warning naming the fix (the mapping and
the fine-tuning themselves are unchanged)."""

from __future__ import annotations

import logging

import pytest

from conftest import int_batch_cells  # tests/ is on sys.path


@pytest.fixture(scope="module")
def int_model(int_batch_fit):
    model = int_batch_fit()
    assert list(model.batches) == ["0", "1"]
    query = int_batch_cells(80, seed=4)
    query.obs_names = "q" + query.obs_names
    query.obs["batch"] = query.obs["batch"].astype(float)  # 0.0, 1.0
    return model, query


def test_map_query_warns_of_float_batches_equal_to_the_reference_ones(int_model, caplog):
    model, query = int_model
    with caplog.at_level(logging.WARNING, logger="jae"):
        mapped = model.map_query(query, epochs=1, progress_bar=False)
    assert list(mapped.adapter.batches) == ["0.0", "1.0"]  # the mapping itself: as before
    said = [r.getMessage() for r in caplog.records if "as numbers" in r.getMessage()]
    assert len(said) == 1, caplog.text
    assert "0.0, 1.0" in said[0] and "batches 0, 1 as numbers" in said[0]
    assert "obs['batch'] = obs['batch'].astype(int).astype(str)" in said[0]


def test_map_query_of_truly_new_batches_does_not_warn(int_model, caplog):
    model, query = int_model
    q = query.copy()
    q.obs["batch"] = q.obs["batch"].map({0.0: "7", 1.0: "8"}).astype(str)
    with caplog.at_level(logging.WARNING, logger="jae"):
        model.map_query(q, epochs=1, progress_bar=False)
    assert "as numbers" not in caplog.text


def test_finetune_of_a_decoder_batch_model_warns_of_float_batches(int_model, caplog):
    import copy

    model, query = int_model
    with caplog.at_level(logging.WARNING, logger="jae"):
        copy.deepcopy(model).finetune(query, batch_key="batch", epochs=1, seed=3, progress_bar=False)
    assert "equal its batches 0, 1 as numbers" in caplog.text and "decoder no batch" in caplog.text
    q = query.copy()
    q.obs["batch"] = q.obs["batch"].astype(int)  # the fix: no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        copy.deepcopy(model).finetune(q, batch_key="batch", epochs=1, seed=3, progress_bar=False)
    assert "as numbers" not in caplog.text
