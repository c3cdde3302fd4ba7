"""annotations= given as annotations held in memory (a pandas DataFrame such as other data's obs, one column of it, a
dict, an AnnData) was iterated as a list of paths: a DataFrame as its column names, each then read as a file
("annotation file batch does not exist; check the path"). It is now refused in one line saying that annotations
are .h5ad files and how to add the columns to the data's obs instead (the fix shown runs); paths, lists of paths and
a Series of .h5ad file names are read as before."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=7)
    folder = tmp_path_factory.mktemp("s38_annotations_in_memory")
    paths = []
    for key in ("rna", "prot"):
        adata = ad.AnnData(X=m[key].layers["counts"].copy(), obs=pd.DataFrame(index=m.obs_names.copy()),
                           var=m[key].var.copy())
        adata.write_h5ad(folder / f"{key}.h5ad")
        paths.append(folder / f"{key}.h5ad")
    labels = m.obs[["batch", "cell_type"]].copy()
    ad.AnnData(obs=labels).write_h5ad(folder / "labels.h5ad")
    return paths[0], paths[1], folder / "labels.h5ad", labels


@pytest.mark.parametrize("given", ["frame", "column", "dict", "anndata"])
def test_annotations_in_memory_refused(files, given):
    rna, prot, _, labels = files
    value = {"frame": labels, "column": labels["cell_type"], "dict": {"cell_type": labels["cell_type"]},
             "anndata": ad.AnnData(obs=labels)}[given]
    pattern = r"annotations must be \.h5ad files \(a path or a list of paths\), not (a|an) .*add the columns to its obs"
    with pytest.raises(TypeError, match=pattern):
        jae.read_competition(rna, prot, annotations=value)
    with pytest.raises(TypeError, match=pattern):
        jae.io.open_competition(rna, prot, annotations=value)
    with pytest.raises(TypeError, match=pattern):
        jae.io.InputFiles(mod1=rna, mod2=prot, annotations=value)


def test_the_fix_shown_runs(files):
    rna, prot, _, labels = files
    with pytest.raises(TypeError) as err:
        jae.read_competition(rna, prot, annotations=labels)
    fix = str(err.value).split("e.g. ")[1].split(", or write")[0]
    assert fix == "mdata.obs[list(df.columns)] = df.reindex(mdata.obs_names)"
    mdata = jae.read_competition(rna, prot)
    exec(fix, {"mdata": mdata, "df": labels})
    pd.testing.assert_series_equal(mdata.obs["cell_type"], labels["cell_type"])


def test_paths_still_read(files):
    rna, prot, path, labels = files
    for value in (path, str(path), [path], pd.Series([str(path)])):
        mdata = jae.read_competition(rna, prot, annotations=value)
        assert np.array_equal(mdata.obs["cell_type"].astype(str), labels["cell_type"].astype(str))
    assert jae.io.InputFiles(mod1=rna, mod2=prot, annotations=pd.Series([str(path)])).annotations == (path,)
