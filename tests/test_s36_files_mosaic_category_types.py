"""Mosaic files (an RNA and an ADT ``.h5ad`` holding partly different cells) whose categorical column holds numbers
in one file and text in the other (batch ``1`` and ``'1'``; session 36): ``jae fit --mod1 --mod2`` stopped with
pandas' traceback "TypeError: dtype of categories must be the same". The categories are now joined as text, so the
cells of both files share the batches ``'1'``, ``'2'``, ..."""

from __future__ import annotations

import anndata as ad
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from jae.io.paired import modality_obs


def test_modality_obs_joins_number_and_text_categories():
    a = pd.DataFrame({"batch": pd.Categorical([1, 1, 2])}, index=["a", "b", "c"])
    b = pd.DataFrame({"batch": pd.Categorical(["1", "2", "2"])}, index=["b", "c", "d"])
    out = modality_obs([a, b], pd.Index(["a", "b", "c", "d"]))["batch"]
    assert isinstance(out.dtype, pd.CategoricalDtype)
    assert out.astype(str).tolist() == ["1", "1", "2", "2"]
    assert sorted(out.cat.categories) == ["1", "2"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    m = simulate(90, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=2, seed=0)
    out = tmp_path_factory.mktemp("mosaic")
    number = {b: i + 1 for i, b in enumerate(m.obs["batch"].cat.categories)}
    rna = ad.AnnData(X=m["rna"].layers["counts"][:60].copy(), obs=m.obs.iloc[:60][[]].copy(), var=m["rna"].var[[]])
    adt = ad.AnnData(X=m["prot"].layers["counts"][30:].copy(), obs=m.obs.iloc[30:][[]].copy(), var=m["prot"].var[[]])
    rna.obs["batch"] = pd.Categorical(m.obs["batch"].iloc[:60].map(number).astype(int))
    adt.obs["batch"] = pd.Categorical(m.obs["batch"].iloc[30:].map(number).astype(str))
    rna.write_h5ad(out / "rna.h5ad")
    adt.write_h5ad(out / "adt.h5ad")
    expected = m.obs["batch"].map(number).astype(str)
    return out, expected


def test_mosaic_files_read(files):
    out, expected = files
    mdata = jae.read_competition(out / "rna.h5ad", out / "adt.h5ad")
    assert mdata.obs["batch"].astype(str).tolist() == expected.reindex(mdata.obs_names).tolist()
    opened = jae.io.InputFiles(mod1=out / "rna.h5ad", mod2=out / "adt.h5ad").open(plan=False)
    assert opened.obs["batch"].astype(str).tolist() == expected.reindex(opened.obs.index).tolist()
    assert opened.obs["batch"].nunique() == 2


def test_whole_number_float_categories_join_as_integers():
    a = pd.DataFrame({"batch": pd.Categorical([1.0, 1.0, 2.0])}, index=["a", "b", "c"])  # written as floats
    b = pd.DataFrame({"batch": pd.Categorical(["1", "2", "2"])}, index=["b", "c", "d"])
    out = modality_obs([a, b], pd.Index(["a", "b", "c", "d"]))["batch"]
    assert out.astype(str).tolist() == ["1", "1", "2", "2"] and sorted(out.cat.categories) == ["1", "2"]
