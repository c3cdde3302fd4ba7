"""Session 47 walk: ``jae embed --remap-peaks`` with a model without peaks (a CITE-seq model) said "give a model
fitted on RNA + ATAC, or the peak names to put the counts on", a fix the command line has no flag for, and only
after reading the query; now it names the flags (as --fragments' refusal does), before the query is read."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
import jae.io
from jae.cli import main
from jae.cli._messages import cli_message


def test_the_refusal_names_the_flags(small_cite_model, tmp_path, caplog, monkeypatch):
    def no_read(*args, **kwargs):  # the refusal comes before the query is read
        raise AssertionError("the query was read")

    monkeypatch.setattr(jae.io.InputFiles, "open", no_read)
    for name in ("none.mod1.h5ad", "none.mod2.h5ad"):  # there (a missing one is refused first, session 57), not read
        (tmp_path / name).write_bytes(b"")
    with caplog.at_level(logging.ERROR, logger="jae"):
        code = main(["-q", "embed", "--model", str(small_cite_model), "--mod1", str(tmp_path / "none.mod1.h5ad"),
                     "--mod2", str(tmp_path / "none.mod2.h5ad"), "--remap-peaks", "--out", str(tmp_path / "e.h5ad")])
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert code == 1 and len(errors) == 1, errors
    assert "without peaks" in errors[0] and "peak names" not in errors[0], errors
    assert errors[0].endswith("pass such a model as --model, or drop --remap-peaks"), errors


def test_python_callers_keep_the_names_fix(small_cite_model):
    model = jae.JAE.load(small_cite_model, device="cpu")
    atac = ad.AnnData(X=sp.csr_matrix(np.ones((3, 2), np.float32)), var=pd.DataFrame(index=["chr1:1-9", "chr1:20-29"]))
    with pytest.raises(ValueError, match=r"^remap_peaks: the model was fitted on GEX \+ ADT, without peaks; .*or the "
                                         r"peak names to put the counts on$") as info:
        jae.remap_peaks(atac, model)
    assert cli_message(str(info.value)) == ("--remap-peaks: the model was fitted on GEX + ADT, without peaks: it puts "
                                            "a query's own peaks onto a Multiome (RNA + ATAC) model's; pass such a "
                                            "model as --model, or drop --remap-peaks")
