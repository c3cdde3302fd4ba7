"""jae.read_competition (and the readers built on it) given a mod2_kind that is no second modality's kind."""

from __future__ import annotations

import pytest

import jae


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pair")
    m = jae.simulate(40, kind="cite", n_genes=200, n_proteins=10, seed=0)
    m["rna"].write_h5ad(folder / "x.mod1.h5ad")
    m["prot"].write_h5ad(folder / "x.mod2.h5ad")
    return folder / "x.mod1.h5ad", folder / "x.mod2.h5ad"


@pytest.mark.parametrize("kind", ["GEX", "rna", "bogus"])
@pytest.mark.parametrize("reader", ["read_competition", "open_competition"])
def test_a_mod2_kind_that_is_no_second_modality_is_named_not_blamed_on_the_files(pair, kind, reader):
    read = jae.read_competition if reader == "read_competition" else jae.io.open_competition
    with pytest.raises(ValueError, match=rf"^mod2_kind='{kind}' is no kind of a second modality; pass "
                                         r"mod2_kind='ATAC' or 'ADT', or None to tell it from the file$"):
        read(*pair, mod2_kind=kind)


def test_a_mod2_kind_alias_of_a_second_modality_is_still_taken(pair):
    assert set(jae.read_competition(*pair, mod2_kind="Antibody Capture").mod) == {"rna", "prot"}


def test_an_h5mu_read_with_an_unknown_other_kind_names_other_kind(tmp_path):
    """read_h5mu(other_kind='bogus') told the user to pass kind=, an argument it does not take."""
    import jae

    path = tmp_path / "x.h5mu"
    jae.simulate(60, seed=0).write(path)
    with pytest.raises(ValueError, match=r"unknown modality 'bogus'.*e\.g\. other_kind='ATAC'$"):
        jae.read_h5mu(path, other_kind="bogus")
