"""Annotation files (``--annotations`` / ``annotations=``) are joined by cell name; one that shares no cell name with
the data is refused in one line naming both files' cell names and the fix, wherever it is joined: files read whole,
files opened on disk (streamed), and the CLI (which said 'share no cell names' as a warning and then failed on the
empty columns with a fix that named --annotations again)."""

from __future__ import annotations

import logging

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
