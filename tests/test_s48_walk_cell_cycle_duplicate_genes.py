"""RNA with repeated gene symbols (as sc.read_10x_h5 reads them, before var_names_make_unique): jae evaluate scored
cc_cons n/a with 'CellCycleScorer: var_names are not unique; make them unique first (var_names_make_unique)', naming
neither the genes nor the call (session 48's walk). The reason now names how many, which, and the call."""

from __future__ import annotations

import numpy as np
import pytest

from jae.preprocess.cell_cycle import CellCycleGenes


def test_the_repeated_genes_and_the_call_are_named():
    genes = ["MCM5", "PCNA", "TOP2A", "MKI67", "ACTB", "ACTB", "GAPDH", "GAPDH", "CD3E"]
    with pytest.raises(ValueError) as err:
        CellCycleGenes.find(np.array(genes), "human", who="evaluate")
    assert str(err.value) == ("evaluate: var_names repeat 2 gene names (e.g. 'ACTB', 'GAPDH'); make them unique "
                              "first, e.g. adata.var_names_make_unique() on the RNA")
