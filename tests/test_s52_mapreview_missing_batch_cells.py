"""A query with no batch label for a few of its cells (NaN, or 'nan' text) was refused as '5 of 289 cells have no
batch label in 'batch'; fill the missing labels ... or drop those cells', without saying which cells: among thousands
they had to be searched for. The refusal now names the first of them (one check: map_query, a mapped model's embed,
fit, finetune)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def mapped(own_cite_model):
    model = own_cite_model("s52_mapreview_nan_batch")[1]
    query = jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=6)
    query.obs["batch"] = "query_1"
    return model, model.map_query(query, progress_bar=False), query


def _gaps(query, rows, value=np.nan):
    out = query.copy()
    batch = out.obs["batch"].astype(object).to_numpy()
    batch[rows] = value
    out.obs["batch"] = batch
    return out, [str(c) for c in out.obs_names[rows]]


def test_map_query_names_the_cells_without_a_batch(mapped):
    model, _, query = mapped
    data, names = _gaps(query, [4, 9, 17, 30])
    with pytest.raises(ValueError, match=r"^4 of 60 cells have no batch label in 'batch'; fill the missing labels "
                                         r"\(e\.g\. with the sample name\) or drop those cells \(e\.g\. "
                                         + f"'{names[0]}', '{names[1]}', '{names[2]}', ...\\)$"):
        model.map_query(data, progress_bar=False)


def test_a_mapped_model_names_them_too(mapped):
    _, mapped_model, query = mapped
    data, names = _gaps(query, [2], "nan")  # 'nan' text is no batch either
    with pytest.raises(ValueError, match=rf"1 of 60 cells have no batch label in 'batch'.*\(e\.g\. '{names[0]}'\)$"):
        copy.deepcopy(mapped_model).embed(data, key_added=None)
