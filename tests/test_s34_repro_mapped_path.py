"""Same data, same answer: a model made by map_query embeds and labels an .h5mu given by its path as the same file
read into memory, opened (jae.io.open_h5mu) or backed; the path's cells are shifted by the batch in its obs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jae.datasets import simulate


@pytest.fixture(scope="module")
def mapped(own_cite_model):
    folder, reference = own_cite_model("s34_repro_mapped_path")
    query = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    query.obs["batch"] = ("q_" + query.obs["batch"].astype(str)).astype("category")
    query.obs_names = "q" + query.obs_names
    query.write(folder / "query.h5mu")
    return reference.map_query(query, batch_key="batch", epochs=2, progress_bar=False), query, folder / "query.h5mu"


@pytest.mark.parametrize("as_path", [str, Path])
def test_a_mapped_model_embeds_and_labels_an_h5mu_path_as_the_file_in_memory(mapped, as_path):
    """The path was refused: 'this model was made by map_query ... found in obs['batch']; the data has no such
    column' although the file's obs holds it (its cells' batches were read from the path's own obs, which a text
    has none of), while the same file opened, backed or in memory was embedded."""
    model, query, path = mapped
    np.testing.assert_array_equal(model.embed(as_path(path), key_added=None), model.embed(query, key_added=None))
    pd.testing.assert_frame_equal(model.predict_cell_type(as_path(path)), model.predict_cell_type(query))


def test_finetune_with_batch_key_reads_the_batches_of_an_h5mu_path_as_of_the_file_in_memory(mapped, own_cite_model):
    """finetune(path, batch_key='batch') was refused ('finetune needs data with an .obs frame ... holding
    obs['batch']') although finetune(path) without batch_key, and embed(path), read the file."""
    from jae import JAE

    _, query, path = mapped
    folder, _ = own_cite_model("s34_repro_finetune_path")
    tuned = [JAE.load(folder / "model", device="cpu").finetune(data, batch_key="batch", progress_bar=False)
             for data in (query, str(path))]
    np.testing.assert_array_equal(*(model.embed(query, key_added=None) for model in tuned))


def test_a_path_that_does_not_exist_is_named_when_finetune_reads_its_batches(mapped, tmp_path):
    model, _, _ = mapped
    with pytest.raises(FileNotFoundError, match="nothing.h5mu"):
        model.finetune(str(tmp_path / "nothing.h5mu"), batch_key="batch", progress_bar=False)
