"""The memory budget a refusal asks for is enough: passing the size it shows reads the files whole."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.io import open_competition
from jae.io.chunked import format_bytes
from jae.io.plan import parse_bytes, plan_input


def test_format_bytes_up_rounds_up_at_the_shown_digits():
    assert format_bytes(601_400_000, up=True) == "602 MB"
    assert format_bytes(601_000_000, up=True) == "601 MB"
    assert format_bytes(2_430_000_000, up=True) == "2.5 GB"
    assert format_bytes(9_960_000_000, up=True) == "10 GB"
    assert format_bytes(1.5, up=True) == "2 bytes"
    # without up= as before
    assert format_bytes(601_400_000) == "601 MB" and format_bytes(2_430_000_000) == "2.4 GB"


def _misordered(tmp_path):
    mdata = jae.simulate(n_cells=300, n_genes=200, n_peaks=400, seed=0)
    rna, atac = mdata["rna"].copy(), mdata["atac"].copy()
    atac = atac[np.random.default_rng(0).permutation(atac.n_obs)].copy()
    m1, m2 = tmp_path / "d.mod1.h5ad", tmp_path / "d.mod2.h5ad"
    rna.write_h5ad(m1)
    atac.write_h5ad(m2)
    return m1, m2


def test_budget_named_by_the_refusal_is_enough(tmp_path):
    m1, m2 = _misordered(tmp_path)
    files = open_competition(m1, m2)
    need = files.memory_needed(in_memory=True)
    budget = need - 1  # just short of the estimate: the sizes of both read alike at the digits shown
    with pytest.raises(ValueError, match="different orders") as err:
        plan_input(files, memory_budget=budget)
    shown = str(err.value).split("(about ")[-1].split(";")[0]
    assert parse_bytes(shown) >= need, str(err.value)
    plan_input(files, memory_budget=shown)  # the size shown is taken: read whole, paired by cell name
