"""Mosaic files opened by jae.io.open_h5mu / open_competition without mosaic=True (session 35): the refusal named
only 'subset both to the shared cells', which drops every cell measured in one modality; it now names mosaic=True,
and that opens every cell."""

from __future__ import annotations

import re

import mudata as md
import numpy as np
import pytest

from jae.datasets import simulate
from jae.io import open_competition, open_h5mu


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s35_mosaic_open_files")
    q = simulate(100, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=3)
    cells = np.arange(q.n_obs)
    mods = {"rna": q["rna"][cells < 70].copy(), "prot": q["prot"][cells >= 20].copy()}
    md.MuData(mods).write(folder / "mos.h5mu")
    mods["rna"].write_h5ad(folder / "rna.h5ad")
    mods["prot"].write_h5ad(folder / "prot.h5ad")
    return folder


@pytest.mark.parametrize("opener", [
    lambda d, **kw: open_h5mu(d / "mos.h5mu", **kw),
    lambda d, **kw: open_competition(d / "rna.h5ad", d / "prot.h5ad", **kw),
])
def test_mosaic_files_opened_as_paired_name_mosaic_true_and_it_opens_every_cell(files, opener):
    with pytest.raises(ValueError, match="hold different cells") as err:
        opener(files)
    message = str(err.value)
    assert re.search(r"pass mosaic=True to open them as mosaic data.*, or subset both to the shared cells, which "
                     r"drops every cell measured in one modality$", message), message
    opened = opener(files, mosaic=True)
    assert opened.n_obs == 100 and opened.observed.sum(axis=0).tolist() == [70, 80] and int(opened.paired.sum()) == 50
