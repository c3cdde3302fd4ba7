"""jae.impute / add_imputed_layer given data of the wrong shape: one line naming the problem, for data in memory."""

from __future__ import annotations

import pytest

from jae.datasets import simulate
from jae.imputation import impute



def test_impute_of_no_cell_in_memory_says_so_without_naming_a_file(own_cite_model):
    """It said 'modality 'rna' is empty (...): check the file and any subsetting done before', naming no file held."""
    _, model = own_cite_model("mfit_impute_empty")
    m = simulate(20, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    for data in (m["rna"][:0].copy(), m["rna"][:0]):
        with pytest.raises(ValueError, match=r"^data holds no cell \(0 cells x 200 features\), so there is nothing to "
                                             r"impute for: .*adata\[mask\] keeping no cell\)$") as err:
            impute(model, data, modality="prot")
        assert "file" not in str(err.value)
