"""obs columns of the competition's embedding file that anndata cannot write as they are (session 33's audit)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd

import jae
from jae.io import write_embedding_h5ad


def test_object_columns_of_bools_with_missing_values_numbers_or_mixes_are_written(tmp_path):
    """A column of True, False and NaN (or numbers, or a mix) as objects failed in anndata's write with
    "Can't implicitly convert non-string objects to strings"."""
    cells = ["a", "b", "c"]
    obs = {"qc": np.array([True, np.nan, False], dtype=object), "n": np.array([1, 2, np.nan], dtype=object),
           "mixed": np.array(["x", 3, np.nan], dtype=object), "text": np.array(["u", np.nan, "v"], dtype=object)}
    write_embedding_h5ad(np.ones((3, 2)), cells, tmp_path / "e.h5ad", dataset_id="d", obs=obs)
    back = ad.read_h5ad(tmp_path / "e.h5ad").obs
    assert str(back["qc"].dtype) == "boolean" and back["qc"].tolist()[::2] == [True, False] and back["qc"].isna().iloc[1]
    assert back["n"].dtype == np.float64 and back["n"].tolist()[:2] == [1.0, 2.0] and np.isnan(back["n"].iloc[2])
    assert back["mixed"].astype(object).tolist()[:2] == ["x", "3"] and back["mixed"].isna().iloc[2]
    assert back["text"].astype(object).tolist()[::2] == ["u", "v"] and back["text"].isna().iloc[1]


def test_jae_embed_with_a_bool_annotation_some_cells_lack_writes_its_output(own_cite_model, tmp_path):
    """An annotation file of a bool column for some of the cells: jae embed failed writing --out after every step."""
    from jae.datasets import simulate

    folder, model = own_cite_model("s33_out_obs_bool")
    sim = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, seed=2)
    sim.write(tmp_path / "q.h5mu")
    ann = pd.DataFrame({"qc_pass": np.arange(30) % 2 == 0}, index=sim.obs_names[:30])
    ad.AnnData(obs=ann).write_h5ad(tmp_path / "ann.h5ad")
    jae.embed_files(jae.io.InputFiles(h5mu=tmp_path / "q.h5mu", annotations=[tmp_path / "ann.h5ad"]), model,
                    tmp_path / "e.h5ad", finetune_epochs=0, progress_bar=False)
    qc = ad.read_h5ad(tmp_path / "e.h5ad").obs["qc_pass"]
    assert qc.iloc[:30].tolist() == ann["qc_pass"].tolist() and qc.iloc[30:].isna().all()


def test_obs_indexed_by_the_cell_names_in_another_order_is_matched_by_name(tmp_path):
    """write_embedding_h5ad(obs=adata.obs) of cells in another order than obs_names gave each cell another cell's
    annotation, by position, without a word."""
    cells = pd.Index(["a", "b", "c", "d"])
    obs = pd.DataFrame({"cell_type": pd.Categorical(["T", "B", "NK", "T"]), "n": [4, 2, 3, 1]}, index=cells)
    shuffled = obs.iloc[[3, 1, 0, 2]]
    write_embedding_h5ad(np.ones((4, 2)), cells, tmp_path / "e.h5ad", dataset_id="d", obs=shuffled)
    back = ad.read_h5ad(tmp_path / "e.h5ad").obs
    assert back["cell_type"].tolist() == ["T", "B", "NK", "T"] and back["n"].tolist() == [4, 2, 3, 1]
    positional = {"n": pd.Series([9, 8, 7, 6], index=[10, 11, 12, 13])}  # not indexed by cell names: by position
    write_embedding_h5ad(np.ones((4, 2)), cells, tmp_path / "p.h5ad", dataset_id="d", obs=positional)
    assert ad.read_h5ad(tmp_path / "p.h5ad").obs["n"].tolist() == [9, 8, 7, 6]
