"""Session 39: the 'a' / 'an' before a type name in two refusals was built by hand, apart from jae._words.with_article:
jae.evaluate's embedding given as a data object read only capital vowels, and a dict of modalities holding a non-AnnData
always said 'a' ("data['rna'] is a int"). Both now use with_article: 'an' before a vowel, 'a' before a consonant."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from jae.datasets import simulate
from jae.evaluation.checks import check_argument_shapes
from jae.io.single import check_dict_values


@pytest.mark.parametrize("value, words", [(3, "an int"), (np.zeros(3), "a ndarray"),
                                          (sp.csr_matrix((2, 2)), "a csr_matrix"), (None, "None")])
def test_a_dict_of_modalities(value, words):
    with pytest.raises(TypeError, match=rf"^data\['rna'\] is {words}, not an AnnData: a dict of modalities"):
        check_dict_values({"rna": value})


class anndata_like:  # noqa: N801 - a type named in lower case, as with_article reads either
    obs_names = obsm = None


class MuDataLike:
    obs_names = obsm = None


def test_an_embedding_given_as_a_data_object():
    data = simulate(30, kind="cite", n_genes=200, n_proteins=5, n_cell_types=2, n_batches=1, seed=0)
    for value, words in ((data["rna"], "an AnnData"), (data, "a MuData"), (anndata_like(), "an anndata_like"),
                         (MuDataLike(), "a MuDataLike")):
        with pytest.raises(TypeError, match=rf"^embedding 'x' is {words}, not an embedding; pass the embedding itself"):
            check_argument_shapes({"x": value}, cell_type_key="cell_type", batch_key="batch", pseudotime_keys=())
