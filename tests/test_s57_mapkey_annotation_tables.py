"""Session 57: ``--annotations`` / ``InputFiles(..., annotations=FILE)`` took .h5ad files alone and refused a CSV / TSV
(Seurat's metadata, GEO tables), giving a conversion. Such a table is read now: the first column names the cells, a
header row names the columns; columns are typed as pandas.read_csv types them (text categorical, as scanpy writes it),
except that whole numbers stay integers where some cells lack one (a batch 1, 2 never reads '1.0') and numbers with
leading zeros stay text. A table joins as the .h5ad written from it does, and the checks on annotation files apply to
it, with fixes that edit the table."""

from __future__ import annotations

import gzip
import logging
import re

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main
from jae.io import InputFiles


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("s57tables")
    m = jae.simulate(80, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=0)
    for name in ("rna", "prot"):
        m[name].write_h5ad(d / f"x.mod{1 if name == 'rna' else 2}.h5ad")
    rng = np.random.default_rng(0)
    table = pd.DataFrame({
        "run": np.where(np.arange(m.n_obs) % 2, 1, 2),  # a batch of whole numbers, as pandas reads them
        "nCount_RNA": np.arange(m.n_obs) * 37 + 1000,  # Seurat's counts: numbers, not categories
        "cell_type": pd.Categorical(m.obs["cell_type"].astype(str)),
        "S_score": rng.normal(size=m.n_obs), "G2M_score": rng.normal(size=m.n_obs),
        "barcode": pd.Categorical([f"{i:04d}" for i in range(m.n_obs)]),  # leading zeros: text
    }, index=pd.Index(m.obs_names, name="cell"))
    table = table.iloc[::-1]  # in another order than the data's
    ad.AnnData(obs=table).write_h5ad(d / "meta.h5ad")
    table.to_csv(d / "meta.csv")
    with gzip.open(d / "meta.tsv.gz", "wt") as f:
        table.to_csv(f, sep="\t")
    return d, m, table


@pytest.mark.parametrize("name", ["meta.csv", "meta.tsv.gz"])
def test_a_table_joins_as_the_h5ad_written_from_it(files, name):
    d, _, table = files
    inputs = dict(mod1=d / "x.mod1.h5ad", mod2=d / "x.mod2.h5ad")
    expected = InputFiles(**inputs, annotations=d / "meta.h5ad").read().obs
    for data in (InputFiles(**inputs, annotations=d / name).read(), InputFiles(**inputs, annotations=d / name).open()):
        pd.testing.assert_frame_equal(data.obs, expected)
    obs = InputFiles(**inputs, annotations=d / name).read().obs
    assert obs["run"].dtype == np.int64 and obs["nCount_RNA"].dtype == np.int64 and obs["S_score"].dtype == np.float64
    assert obs["barcode"].iloc[0] == table["barcode"].loc[obs.index[0]] and obs["barcode"].str.len().eq(4).all()


def test_a_fit_on_a_table_is_the_fit_on_its_h5ad(files, tmp_path):
    d, m, _ = files
    common = ["fit", "--mod1", str(d / "x.mod1.h5ad"), "--mod2", str(d / "x.mod2.h5ad"), "--batch-key", "run",
              "--cell-type-key", "cell_type", "--max-epochs", "1", "--device", "cpu", "-q"]
    for name in ("meta.h5ad", "meta.tsv.gz"):
        assert main([*common, "--annotations", str(d / name), "--out", str(tmp_path / name.split(".")[1])]) == 0
    a, b = (jae.JAE.load(tmp_path / n, device="cpu") for n in ("h5ad", "tsv"))
    assert list(a.batches) == list(b.batches) == ["1", "2"]
    np.testing.assert_array_equal(a.embed(m, key_added=None), b.embed(m, key_added=None))


def test_a_table_missing_some_batches_keeps_them_whole(files, tmp_path):
    d, m, _ = files
    path = tmp_path / "some.csv"
    path.write_text("cell,run\n" + "".join(f"{c},{i % 3}\n" for i, c in enumerate(m.obs_names[:10]))
                    + "".join(f"{c},\n" for c in m.obs_names[10:]))
    obs = InputFiles(mod1=d / "x.mod1.h5ad", annotations=path).read().obs
    assert obs["run"].dtype == "Int64" and sorted(obs["run"].dropna().astype(str).unique()) == ["0", "1", "2"]


def test_checks_on_annotation_files_apply_to_tables_with_fixes_that_edit_the_table(files, tmp_path):
    d, m, _ = files
    path = tmp_path / "twice.tsv"
    rows = [f"{c}\tT\n" for c in m.obs_names] + [f"{m.obs_names[0]}\tB\n"]
    path.write_text("cell\tlabel\n" + "".join(rows))
    with pytest.raises(ValueError, match="repeated cell names") as err:
        InputFiles(mod1=d / "x.mod1.h5ad", annotations=path).read()
    text = str(err.value)
    assert "\n" not in text and "AnnData" not in text, text
    found = re.search(r"e\.g\. (t = t\[.*?\]) on the table read as (t = pandas\.read_csv\(.*?dtype=str\)\.set_index\(.*?\))"
                      r".*then write it "
                      r"again, (t\.to_csv\(.*\))$", text)
    assert found, text
    keep, read, write = found.group(1, 2, 3)
    exec(f"{read}; {keep}; {write}", {"pandas": pd})  # the fix as written
    assert InputFiles(mod1=d / "x.mod1.h5ad", annotations=path).read().obs["label"].eq("T").all()
    other = tmp_path / "other.csv"
    other.write_text("cell,label\n" + "".join(f"{c}-x,T\n" for c in m.obs_names))
    with pytest.raises(ValueError, match=r"shares no cell names with the data") as err:
        InputFiles(mod1=d / "x.mod1.h5ad", annotations=other).read()
    assert "t.index = [" in str(err.value) and "t.to_csv(" in str(err.value), str(err.value)


def test_the_cli_takes_a_table(files, tmp_path, caplog):
    d, _, _ = files
    with caplog.at_level(logging.INFO, logger="jae"):
        assert main(["fit", "--mod1", str(d / "x.mod1.h5ad"), "--mod2", str(d / "x.mod2.h5ad"), "--annotations",
                     str(d / "meta.csv"), "--batch-key", "run", "--max-epochs", "1", "--device", "cpu", "-q",
                     "--out", str(tmp_path / "m")]) == 0
    assert "text table" not in caplog.text


def test_cell_names_that_read_as_numbers_stay_the_cells_names(tmp_path):
    """Cell names '0', '1', ... (an AnnData built from an array) or '0001': pandas' index_col=0 reads them as numbers
    (dtype=str does not reach the index), and the values were joined to no cell, every one NaN."""
    m = jae.simulate(30, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=1)
    for names in ([str(i) for i in range(m.n_obs)], [f"{i:04d}" for i in range(m.n_obs)]):
        rna = m["rna"].copy()
        rna.obs_names = names
        rna.write_h5ad(tmp_path / "rna.h5ad")
        types = pd.Series(np.where(np.arange(m.n_obs) % 2, "A", "B"), index=names)
        for header, name in (("cell", "named.csv"), ("", "seurat.csv")):  # Seurat's write.csv: an empty first field
            (tmp_path / name).write_text(f'"{header}","ct"\n' + "".join(f'"{c}","{t}"\n' for c, t in types.items()))
            obs = InputFiles(mod1=tmp_path / "rna.h5ad", annotations=tmp_path / name).read().obs
            assert obs["ct"].astype(str).tolist() == types.loc[obs.index].tolist(), (names[:2], name)


def test_labels_that_python_reads_as_numbers_stay_labels_and_flags_stay_flags(files, tmp_path):
    """float('1_2') is 12.0: lanes '1_1', '1_2' became the numbers 11, 12 (and '1_1' the same as a lane '11'); a
    True / False column (scDblFinder's, a QC flag) reads as booleans, as pandas.read_csv reads it."""
    d, m, _ = files
    path = tmp_path / "lanes.csv"
    lanes = ["1_1", "1_2", "11", "2_1"]
    path.write_text("cell,lane,doublet,depth\n" + "".join(
        f"{c},{lanes[i % 4]},{'TRUE' if i % 3 else 'FALSE'},{1e5 * (i + 1):g}\n" for i, c in enumerate(m.obs_names)))
    obs = InputFiles(mod1=d / "x.mod1.h5ad", annotations=path).read().obs
    assert sorted(obs["lane"].astype(str).unique()) == sorted(lanes)
    assert obs["doublet"].dtype == bool and obs["doublet"].sum() == sum(1 for i in range(m.n_obs) if i % 3)
    assert obs["depth"].dtype == np.float64
