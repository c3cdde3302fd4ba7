"""``jae embed --h5mu X --annotations A --out E.h5mu``: the annotation file's columns are carried into the ``.h5mu``
copy as they are into the ``.h5ad`` output (they were left out of the copy without a word), on disk or written whole;
an annotation column replacing one of the file's own obs columns is logged."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae
import jae.io.write as jae_write
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def setup(own_cite_model):
    d, model = own_cite_model("s34_outs_h5mu_annotations")
    q = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    q.obs["note"] = "mine"
    q.write(d / "q.h5mu")
    a = ad.AnnData(obs=pd.DataFrame({"donor": np.where(np.arange(40) % 2, "d1", "d2"), "note": "from_file",
                                     "k": np.arange(40)}, index=q.obs_names[:40]))
    a.write_h5ad(d / "a.h5ad")
    return d, model


@pytest.mark.parametrize("whole", [False, True])
def test_the_h5mu_copy_carries_the_annotation_files_columns(setup, tmp_path, monkeypatch, caplog, whole):
    d, model = setup
    if whole:  # the copy written whole (the read-whole fallback)
        monkeypatch.setattr(jae_write, "h5mu_copy_layout", lambda *a, **k: None)
    files = InputFiles(h5mu=d / "q.h5mu", annotations=[d / "a.h5ad"])
    run = dict(finetune_epochs=0, progress_bar=False)
    jae.embed_files(files, model, tmp_path / "e.h5ad", **run)
    with caplog.at_level(logging.INFO, logger="jae.workflows.embedding_output"):
        jae.embed_files(files, model, tmp_path / "e.h5mu", **run)
    assert "obs column 'note' is replaced in the output e.h5mu by jae's and the annotation files'" in caplog.text
    h5ad = ad.read_h5ad(tmp_path / "e.h5ad").obs
    copy = md.read_h5mu(tmp_path / "e.h5mu").obs
    for key in ("donor", "note", "k"):
        pd.testing.assert_series_equal(copy[key], h5ad[key], check_categorical=False)
    assert copy["k"].dtype == "Int64" and copy["k"].isna().sum() == 20
    assert (copy["note"].iloc[:40] == "from_file").all() and (copy["note"].iloc[40:] == "mine").all()
    assert "jae_cell_type" in copy and md.read_h5mu(d / "q.h5mu").obs.columns.tolist().count("donor") == 0


def test_jae_embed_help_says_the_h5mu_copy_holds_the_annotations():
    from jae.cli import build_parser

    helptext = " ".join(build_parser()._subparsers._group_actions[0].choices["embed"].format_help().split())
    assert "a copy of an .h5mu input with obsm['X_jae'] (and the --annotations columns in obs)" in helptext
