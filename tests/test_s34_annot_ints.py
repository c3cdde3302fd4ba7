"""An annotation file of integer labels (cluster ids 0, 1, 2) for some of the data's cells: the cells it lacks got
NaN, which turned the whole column into floats, so a fit's cell types were '0.0', '1.0', ... (the embedding's column
names, predict_cell_type's labels) and batches 0.0 / 1.0; the joined column now keeps the integers (pandas' Int64,
missing for the cells the file lacks)."""

from __future__ import annotations

import anndata as ad
import pandas as pd
import pytest

from jae.datasets import simulate
from jae.io import open_competition, read_competition
from jae.labels import label_categories


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ints")
    m = simulate(40, kind="cite", n_genes=200, n_proteins=8, n_batches=2, seed=0)
    rna = m.mod["rna"].copy()
    rna.obs["sample"] = (pd.factorize(m.obs["batch"])[0] + 1).astype("int64")  # the data's own integer column
    rna.write_h5ad(d / "x.mod1.h5ad")
    m.mod["prot"].write_h5ad(d / "x.mod2.h5ad")
    codes = pd.factorize(m.obs["cell_type"])[0].astype("int64")
    obs = pd.DataFrame({"cell_type": codes[:30], "sample": [7] * 30}, index=m.obs_names[:30])
    ad.AnnData(obs=obs).write_h5ad(d / "clusters.h5ad")
    return d, codes, rna.obs["sample"].to_numpy()


@pytest.mark.parametrize("reader", [read_competition, open_competition])
def test_integer_labels_of_some_cells_stay_integers(files, reader):
    d, codes, sample = files
    data = reader(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=d / "clusters.h5ad")
    labels = data.obs["cell_type"]
    assert labels.dtype == "Int64"
    assert labels.iloc[:30].tolist() == codes[:30].tolist() and labels.iloc[30:].isna().all()
    names, values = label_categories(labels.dropna(), key="cell_type")
    assert names == [str(c) for c in sorted(set(codes[:30]))]  # was ['0.0', '1.0', ...]
    assert values == sorted(set(codes[:30].tolist()))
    joined = data.obs["sample"]  # the file's 7 for its cells, the data's own integers for the others
    assert joined.tolist() == [7] * 30 + sample[30:].tolist()
    assert sorted(joined.astype(str).unique()) == sorted({"7", *map(str, sample[30:])})  # no '7.0' beside '1'
