"""Preprocessor.fit and preprocess given odd arguments: a correct result or one line naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

from jae import Preprocessor
from jae.datasets import simulate
from jae.preprocess import preprocess


@pytest.fixture(scope="module")
def cite():
    m = simulate(80, kind="cite", n_genes=200, n_proteins=6, n_cell_types=3, n_batches=2, seed=1)
    rna, prot = m.mod["rna"], m.mod["prot"]
    return [rna.layers["counts"], prot.layers["counts"]], [rna.var_names, prot.var_names]


def test_kinds_in_another_spelling_are_read_as_those_kinds(cite):
    # 'adt' was matched as no protein kind: the proteins were reduced by an SVD like peaks, with no message
    counts, names = cite
    expected = Preprocessor.fit(counts, ["GEX", "ADT"], names, n_components=5)
    for kinds in (["rna", "adt"], ["gex", "Protein"]):
        pre = Preprocessor.fit(counts, kinds, names, n_components=5)
        assert pre.kinds == ("GEX", "ADT") and pre.bases[1] is None
        np.testing.assert_array_equal(pre.transform(counts), expected.transform(counts))
    assert preprocess(counts, ["rna", "adt"], names, n_components=5)[0].kinds == ("GEX", "ADT")


@pytest.mark.parametrize("kinds", [["GEX", "RNA-seq"], "GEX"])
def test_a_kind_that_is_no_modality_is_refused_in_one_line(cite, kinds):
    counts, names = cite
    with pytest.raises((ValueError, TypeError), match=r"unknown modality 'RNA-seq'|^kinds must be a list"):
        Preprocessor.fit(counts, kinds, names, n_components=5)
