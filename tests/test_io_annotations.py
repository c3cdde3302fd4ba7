"""Annotation files (``--annotations`` / ``annotations=``) are joined by cell name; one that shares no cell name with
the data is refused in one line naming both files' cell names and the fix, wherever it is joined: files read whole,
files opened on disk (streamed), and the CLI (which said 'share no cell names' as a warning and then failed on the
empty columns with a fix that named --annotations again)."""

from __future__ import annotations

import logging
import re

import anndata as ad
import pandas as pd
import pytest

from jae.cli import main
from jae.datasets import simulate
from jae.io import InputFiles, open_competition, read_competition


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("annotations")
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    m.mod["rna"].write_h5ad(d / "x.mod1.h5ad")
    m.mod["prot"].write_h5ad(d / "x.mod2.h5ad")
    ad.AnnData(obs=pd.DataFrame({"cell_type": ["x"] * 4}, index=["c1", "c2", "c3", "c4"])).write_h5ad(d / "other.h5ad")
    ad.AnnData(obs=pd.DataFrame({"label": ["T"] * 5}, index=m.obs_names[:5])).write_h5ad(d / "some.h5ad")
    return d, m


def _check(text: str, d, m) -> None:
    assert f"file {d / 'other.h5ad'} shares no cell names with the data (x.mod1.h5ad): " in text
    assert "its cells are named like 'c1', 'c2', 'c3'" in text
    assert f"the data's like {', '.join(repr(str(c)) for c in m.obs_names[:3])}" in text
    assert "joined by cell name: give the annotation file of these cells" in text


def test_an_annotation_file_sharing_no_cell_is_refused_read_or_opened(files):
    d, m = files
    for read in (lambda: read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=d / "other.h5ad"),
                 lambda: open_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=d / "other.h5ad"),
                 lambda: InputFiles(mod1=d / "x.mod1.h5ad", annotations=[d / "other.h5ad"]).open(),
                 lambda: InputFiles(mod1=d / "x.mod1.h5ad", mod2=d / "x.mod2.h5ad",
                                    annotations=[d / "other.h5ad"]).read()):
        with pytest.raises(ValueError) as err:
            read()
        _check(str(err.value), d, m)


def test_a_partial_match_is_joined_with_its_count(files, caplog):
    d, _ = files
    with caplog.at_level(logging.INFO, logger="jae"):
        data = open_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=[d / "some.h5ad"])
    assert "annotations some.h5ad: 5 of 60 cells matched" in caplog.text
    assert data.obs["label"].notna().sum() == 5


def test_cells_a_partial_file_lacks_are_named_in_a_warning(files, caplog):
    """A file lacking some cells left them unlabelled with only an INFO count: now a WARNING says how many, names
    examples and what becomes of them; a file holding every cell stays an INFO line."""
    d, m = files
    with caplog.at_level(logging.INFO, logger="jae"):
        read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=d / "some.h5ad")
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert f"the other 55 (e.g. {m.obs_names[5]!r}, {m.obs_names[6]!r}, {m.obs_names[7]!r}) are not in it" in warned[0]
    assert "columns ['label']" in warned[0]
    # it said 'a cell without a cell type is fitted as an unlabelled (query) cell' for any step and any column
    # (jae embed; a file of batches): now what a fit does with each missing column, named as a fit's setting
    assert "a cell without a cell type" not in warned[0]
    assert ("(a fit takes a cell missing its cell-type column, cell_type_key, as an unlabelled query cell, and "
            "refuses one missing its batch_key)") in warned[0]


def test_jae_fit_says_what_an_annotation_file_matched_once(files, tmp_path, caplog):
    """jae fit opens the files (joining the annotations) and then reads them into memory (joining them again): the
    match count, and a partial file's WARNING, were said twice."""
    d, m = files
    with caplog.at_level(logging.INFO, logger="jae"):
        rc = main(["fit", "--mod1", str(d / "x.mod1.h5ad"), "--mod2", str(d / "x.mod2.h5ad"), "--annotations",
                   str(d / "some.h5ad"), "--mode", "unsupervised", "--batch-key", "none", "--max-epochs", "1",
                   "--out", str(tmp_path / "m")])
    assert rc == 0
    said = [r for r in caplog.records if "annotations some.h5ad: 5 of 60 cells matched" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING, [r.getMessage() for r in said]


def test_jae_fit_says_it_in_one_line_naming_the_flag(files, tmp_path, caplog, capsys):
    d, m = files
    with caplog.at_level(logging.INFO, logger="jae"):
        rc = main(["fit", "--mod1", str(d / "x.mod1.h5ad"), "--mod2", str(d / "x.mod2.h5ad"), "--annotations",
                   str(d / "other.h5ad"), "--out", str(tmp_path / "m")])
    assert rc == 1 and not (tmp_path / "m").exists()
    said = [r for r in caplog.records if "other.h5ad" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.ERROR, [r.getMessage() for r in said]
    assert said[0].getMessage().startswith("--annotations file ")
    _check(said[0].getMessage(), d, m)
    assert "labelled cells" not in caplog.text and "Traceback" not in capsys.readouterr().err


def test_annotation_columns_replace_the_datas_own_for_every_source(files, tmp_path):
    """--annotations (jae.io.InputFiles) replaces a column the data files already hold, whichever the source: the
    competition files (--mod1/--mod2) kept the files' own column, so jae fit trained on a stale 'cell_type' of mod1
    while jae evaluate and the --h5mu, --h5ad and --mod1-alone inputs scored and read the annotation's."""
    import mudata as md

    d, m = files
    rna = m.mod["rna"].copy()
    rna.obs["cell_type"] = "stale"
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    md.MuData({"rna": rna, "prot": m.mod["prot"].copy()}).write(tmp_path / "x.h5mu")
    truth = m.obs["cell_type"].astype(str).tolist()
    ad.AnnData(obs=pd.DataFrame({"cell_type": truth}, index=m.obs_names)).write_h5ad(tmp_path / "sol.h5ad")
    sol = [tmp_path / "sol.h5ad"]
    for inputs in (InputFiles(mod1=tmp_path / "x.mod1.h5ad", mod2=d / "x.mod2.h5ad", annotations=sol),
                   InputFiles(h5mu=tmp_path / "x.h5mu", annotations=sol),
                   InputFiles(mod1=tmp_path / "x.mod1.h5ad", annotations=sol)):
        for data in (inputs.read(), inputs.open()):
            assert data.obs["cell_type"].astype(str).tolist() == truth, inputs.source


@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_csv_of_annotations_is_read_as_a_table(files, tmp_path, sep, caplog, capsys):
    """Cell annotations kept as a CSV / TSV (the usual metadata table) were refused as 'not an HDF5 file; check the
    file (copy or download it again)', then (session 29) with the conversion to an .h5ad; since session 57 the table
    is read (jae.io.annotation_tables; tests/test_s57_mapkey_annotation_tables.py)."""
    d, m = files
    table = tmp_path / ("meta.csv" if sep == "," else "meta.tsv")
    m.obs[["cell_type"]].to_csv(table, sep=sep)
    data = InputFiles(mod1=d / "x.mod1.h5ad", mod2=d / "x.mod2.h5ad", annotations=[table]).read()
    assert data.obs["cell_type"].astype(str).tolist() == m.obs["cell_type"].astype(str).tolist()
    with caplog.at_level(logging.INFO, logger="jae"):
        rc = main(["fit", "--mod1", str(d / "x.mod1.h5ad"), "--mod2", str(d / "x.mod2.h5ad"), "--annotations",
                   str(table), "--batch-key", "none", "--max-epochs", "1", "--device", "cpu", "--out",
                   str(tmp_path / "m")])
    assert rc == 0 and "text table" not in caplog.text and "Traceback" not in capsys.readouterr().err


def test_an_annotation_file_of_the_same_cells_with_a_suffix_names_the_rename(files, tmp_path):
    """Annotations whose barcodes carry a suffix the data's lack ('AAAC-1' / 'AAAC') share no cell name; the message
    now says they are the data's cells and gives the rename, which then joins every cell."""
    import re

    d, m = files
    ad.AnnData(obs=pd.DataFrame({"label": ["T"] * m.n_obs}, index=[f"{c}-1" for c in m.obs_names])).write_h5ad(
        tmp_path / "sfx.h5ad")
    with pytest.raises(ValueError, match=r"60 of them are the data's cells named with another prefix or suffix") as err:
        open_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=tmp_path / "sfx.h5ad")
    expr = re.search(r"adata\.obs_names = \[(.+) for n in adata\.obs_names\]", str(err.value)).group(1)
    fixed = ad.read_h5ad(tmp_path / "sfx.h5ad")
    fixed.obs_names = [eval(expr, {"n": n}) for n in fixed.obs_names]
    fixed.write_h5ad(tmp_path / "fixed.h5ad")
    data = open_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=tmp_path / "fixed.h5ad")
    assert data.obs["label"].notna().all()


def test_python_readers_replace_the_data_columns_as_the_cli_does(files, tmp_path):
    """read_competition(annotations=...) kept the data files' own 'batch' where the CLI (--annotations) replaced it
    with the annotation file's: the same files gave different batches in Python and on the command line."""
    d, m = files
    rna = m.mod["rna"].copy()
    rna.obs["batch"] = m.obs["batch"].values  # the data file's own batch
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    mod1, mod2, ann = tmp_path / "x.mod1.h5ad", d / "x.mod2.h5ad", tmp_path / "batches.h5ad"
    ad.AnnData(obs=pd.DataFrame({"batch": ["from_file"] * m.n_obs}, index=m.obs_names)).write_h5ad(ann)
    cli = InputFiles(mod1=mod1, mod2=mod2, annotations=[ann]).read()
    python = read_competition(mod1, mod2, annotations=ann)
    opened = open_competition(mod1, mod2, annotations=ann)
    for obs in (cli.obs, python.obs, opened.obs, opened.load().obs):
        assert obs["batch"].astype(str).tolist() == ["from_file"] * m.n_obs


def test_loading_opened_files_reads_each_annotation_file_once(files, monkeypatch):
    """PairedFiles.load read each annotation file's obs twice: once for its column names, once to join it."""
    import jae.io.annotations as annotations

    d, m = files
    opened = open_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=[d / "some.h5ad"])
    read, real = [], annotations.read_obs
    monkeypatch.setattr(annotations, "read_obs", lambda path, **kw: read.append(str(path)) or real(path, **kw))
    loaded = opened.load()
    assert read == [str(d / "some.h5ad")]
    assert list(loaded.obs["label"][:5]) == ["T"] * 5 and loaded.obs["label"][5:].isna().all()
    assert list(loaded.obs_names) == list(opened.obs.index)


def test_reading_and_opening_read_each_annotation_files_obs_once(files, monkeypatch):
    """read_competition and open_competition read each annotation file's obs twice: in full for its column names
    (which replace the data's own), then again to join it; the names now come from the file's header."""
    import jae.io.annotations as annotations
    import jae.io.readers as readers
    from jae.io import read_competition

    d, m = files
    read, real = [], readers.read_obs

    def counted(path, **kw):
        read.append(str(path))
        return real(path, **kw)

    monkeypatch.setattr(annotations, "read_obs", counted)
    monkeypatch.setattr(readers, "read_obs", counted)
    mdata = read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=[d / "some.h5ad"])
    assert read == [str(d / "some.h5ad")] and "label" in mdata.obs
    read.clear()
    open_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=[d / "some.h5ad"]).load()
    assert read == [str(d / "some.h5ad")] * 2  # once when opened (the matched cells), once when loaded
    assert readers.obs_columns(d / "some.h5ad") == list(real(d / "some.h5ad").columns)


def test_an_annotation_file_naming_a_cell_twice_is_refused_with_a_fix_that_keeps_the_match(files, tmp_path, caplog):
    """Repeated cell names in an annotation file were refused with 'make obs_names unique there', whose way
    (obs_names_make_unique: 'AAAC-1-1') would no longer match the data's cells; the message now counts them and
    gives the fix that keeps one row per cell."""
    d, m = files
    obs = pd.DataFrame({"cell_type": ["a", "b", "a"]}, index=[m.obs_names[0], m.obs_names[1], m.obs_names[0]])
    path = tmp_path / "twice.h5ad"
    with pytest.warns(UserWarning, match="not unique"):  # anndata's own warning, writing such a file
        ad.AnnData(obs=obs).write_h5ad(path)
    expected = (rf"file {re.escape(str(path))} names 2 rows by 1 repeated cell names \(e.g. '{m.obs_names[0]}'\).*"
                r"a = a\[~a.obs_names.duplicated\(\)\].copy\(\)")
    files_ = InputFiles(mod1=d / "x.mod1.h5ad", mod2=d / "x.mod2.h5ad", annotations=[path])
    for read in (files_.read, lambda: files_.open(memory_budget=1),
                 lambda: read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=path)):
        with pytest.raises(ValueError, match=expected):
            read()
    with caplog.at_level(logging.ERROR):
        assert main(["fit", "--mod1", str(d / "x.mod1.h5ad"), "--mod2", str(d / "x.mod2.h5ad"), "--annotations",
                     str(path), "--out", str(tmp_path / "model")]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith(f"--annotations file {path} names 2 rows")
    assert "make obs_names unique" not in errors[0]


def test_a_file_of_some_cells_batches_keeps_the_other_cells_batches(files, tmp_path):
    """An annotation file holding the batch of some cells wiped the batch of every other cell (NaN), whichever the
    reader: the cells it lacks now keep the data's own batch (a column the data lacks still gets NaN for them)."""
    d, m = files
    rna = m.mod["rna"].copy()
    rna.obs["batch"] = m.obs["batch"].values  # the data file's own batch
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    mod1, mod2, ann = tmp_path / "x.mod1.h5ad", d / "x.mod2.h5ad", tmp_path / "part.h5ad"
    ad.AnnData(obs=pd.DataFrame({"batch": ["fixed"] * 5, "label": ["T"] * 5}, index=m.obs_names[:5])).write_h5ad(ann)
    expected = ["fixed"] * 5 + m.obs["batch"].astype(str).tolist()[5:]
    opened = open_competition(mod1, mod2, annotations=ann)
    for data in (read_competition(mod1, mod2, annotations=ann), opened, opened.load(),
                 InputFiles(mod1=mod1, mod2=mod2, annotations=[ann]).read()):
        assert data.obs["batch"].astype(str).tolist() == expected, type(data)
        assert data.obs["label"].notna().sum() == 5
    assert rna.obs["batch"].astype(str).tolist() == m.obs["batch"].astype(str).tolist()


def test_the_kept_batches_beside_the_files_text_ones_stay_writable(files, tmp_path):
    """Numeric batches kept for the cells the file lacks, beside the file's text batches for the others, made a
    column of numbers and text that anndata refuses to write ('Can't implicitly convert non-string objects'): they
    are joined as text."""
    d, m = files
    rna = m.mod["rna"].copy()
    rna.obs["batch"] = pd.Categorical(m.obs["batch"].cat.codes.to_numpy() + 1)  # the data's batches: 1, 2
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    ann = tmp_path / "part.h5ad"
    ad.AnnData(obs=pd.DataFrame({"batch": ["fixed"] * 5}, index=m.obs_names[:5])).write_h5ad(ann)
    mdata = read_competition(tmp_path / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=ann)
    assert list(mdata.obs["batch"]) == ["fixed"] * 5 + [str(c + 1) for c in m.obs["batch"].cat.codes[5:]]
    ad.AnnData(obs=mdata.obs).write_h5ad(tmp_path / "obs.h5ad")


def test_a_gzip_compressed_annotation_table_is_read(files, tmp_path):
    """A .csv.gz of annotations (as GEO serves them) was told to read it with anndata.read_csv(path), which reads the
    table as a matrix (and fails on its text), then (session 29) the line that makes it an .h5ad's obs; since session
    57 it is read as a table."""
    import gzip

    d, m = files
    table = tmp_path / "labels.csv.gz"
    with gzip.open(table, "wt") as f:
        f.write("cell,cell_type\n" + "".join(f"{c},T\n" for c in m.obs_names[:5]))
    mdata = read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=table)
    assert mdata.obs["cell_type"].iloc[:5].tolist() == ["T"] * 5


def test_an_annotation_file_naming_its_cells_in_a_column_is_told_to_name_them_by_it(files, tmp_path):
    """An annotation file whose cell names are a column ('barcode') under a numbered index (a table converted without
    its index, an R export) was told only to 'give the annotation file of these cells, or write one of the files
    again'; it now names the column and the line that names its cells by it, which then joins."""
    d, m = files
    obs = pd.DataFrame({"n_genes": range(6), "barcode": list(m.obs_names[:6]), "label": ["B"] * 6},
                       index=[str(i) for i in range(6)])
    ad.AnnData(obs=obs).write_h5ad(tmp_path / "numbered.h5ad")
    with pytest.raises(ValueError) as err:
        read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=tmp_path / "numbered.h5ad")
    text = str(err.value)
    assert "its cells are named like '0', '1', '2'" in text
    assert "its column 'barcode' holds 6 of the data's cell names: name its cells by it" in text
    line = re.search(r"e\.g\. (adata\.obs_names = .*?) on the annotation", text).group(1)
    adata = ad.read_h5ad(tmp_path / "numbered.h5ad")
    exec(line, {"adata": adata})
    adata.write_h5ad(tmp_path / "named.h5ad")
    mdata = read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=tmp_path / "named.h5ad")
    assert mdata.obs["label"].iloc[:6].tolist() == ["B"] * 6


def test_an_annotation_file_without_obs_columns_is_said_to_join_nothing(files, tmp_path, caplog):
    """An annotation file whose obs has no columns (labels kept in X, obsm or uns) was logged as 'N of N cells
    matched' and joined nothing, so jae embed's output lacked the labels without a word; a warning now says so."""
    d, m = files
    ad.AnnData(obs=pd.DataFrame(index=m.obs_names)).write_h5ad(tmp_path / "bare.h5ad")
    with caplog.at_level(logging.INFO, logger="jae"):
        mdata = read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=tmp_path / "bare.h5ad")
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(w.startswith("annotations bare.h5ad: its obs has no columns, so nothing is joined") for w in warned)
    assert not any("cells matched" in r.getMessage() for r in caplog.records)
    assert list(mdata.obs.columns) == list(read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad").obs.columns)
