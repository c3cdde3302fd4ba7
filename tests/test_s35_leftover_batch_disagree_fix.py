"""Modalities of a MuData in memory disagreeing on a cell's batch (session 35): the refusal's fix was 'an annotation
file (annotations=FILE)', an argument JAE.fit and JAE.map_query do not have (only the readers do). It now offers, for
a MuData, the global obs column that replaces the modalities' (mdata.obs['batch'] = ...), which settles it as
written, and names the readers' argument as InputFiles(..., annotations=FILE) (the CLI: --annotations FILE); two
.h5ad files, with no MuData, get the annotation file alone."""

from __future__ import annotations

import re

import mudata as md
import pandas as pd
import pytest

from jae.cli._messages import cli_message
from jae.datasets import simulate
from jae.io import get_paired
from jae.io.paired import check_modalities_agree


def test_in_memory_mudata_gets_a_fix_that_runs():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m.mod["rna"].copy(), m.mod["prot"].copy()
    batch = m.obs["batch"].astype(str).to_numpy()
    rna.obs["batch"] = batch
    other = batch.copy()
    other[:2] = "other"
    prot.obs["batch"] = other
    mdata = md.MuData({"rna": rna, "prot": prot})
    with pytest.raises(ValueError, match=r"2 of 60 cells have a different obs\['batch'\]") as err:
        get_paired(mdata)
    text = str(err.value)
    assert "(annotations=FILE)" not in text and "InputFiles(..., annotations=FILE)" in text
    assert re.search(r"mdata\.obs\['batch'\] = <each cell's batch>", text)
    mdata.obs["batch"] = batch  # the fix as said
    assert get_paired(mdata).obs["batch"].astype(str).tolist() == batch.tolist()


def test_two_files_get_the_annotation_file_alone_and_the_cli_its_flag():
    frames = [pd.DataFrame({"batch": ["a", "b"]}, index=["c1", "c2"]), pd.DataFrame({"batch": ["a", "c"]},
                                                                                     index=["c1", "c2"])]
    with pytest.raises(ValueError) as err:
        check_modalities_agree(frames, ["x.mod1.h5ad", "x.mod2.h5ad"])
    assert "mdata.obs" not in str(err.value)
    assert str(err.value).endswith("give each cell's batch once for both: in an annotation file "
                                   "(InputFiles(..., annotations=FILE)), whose columns replace the data's")
    assert "in an annotation file (--annotations FILE), whose" in cli_message(str(err.value))
