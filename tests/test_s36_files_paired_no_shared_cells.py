"""``jae.io.get_paired`` (and ``jae.svd_baseline``, which reads data through it) on two modalities sharing no cell
name (session 36): the refusal's fix was to subset both to the shared cells with ``mu.pp.intersect_obs(mdata)``,
which leaves no cell. When the names are the same cells with another prefix or suffix (``AAAC-1`` for ``AAAC``), it
now names the renaming that pairs them (as fitting says it); otherwise it says they share no cell name."""

from __future__ import annotations

import re

import pytest

from jae.datasets import simulate
from jae.io import get_paired


@pytest.fixture(scope="module")
def mods():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    return m["rna"].copy(), m["prot"].copy()


def test_suffix_renaming_named_and_it_works(mods):
    rna, prot = mods
    prot = prot.copy()
    prot.obs_names = [f"{n}-1" for n in prot.obs_names]
    with pytest.raises(ValueError, match="same cells named with another prefix or suffix") as err:
        get_paired({"rna": rna, "prot": prot})
    assert "intersect_obs" not in str(err.value)
    expr = re.search(r"adata\.obs_names = \[(.+) for n in adata\.obs_names\]", str(err.value)).group(1)
    prot.obs_names = [eval(expr, {"n": n}) for n in prot.obs_names]  # the fix as said
    assert get_paired({"rna": rna, "prot": prot}).n_obs == 60


def test_unrelated_names(mods):
    rna, prot = mods
    prot = prot.copy()
    prot.obs_names = [f"other{i}" for i in range(prot.n_obs)]
    with pytest.raises(ValueError, match="they share no cell name: pass the two modalities of the same cells"):
        get_paired({"rna": rna, "prot": prot})


def test_some_shared_keeps_the_subset_fix(mods):
    rna, prot = mods
    with pytest.raises(ValueError, match=r"intersect_obs\(mdata\)$"):
        get_paired({"rna": rna, "prot": prot[:50].copy()})
