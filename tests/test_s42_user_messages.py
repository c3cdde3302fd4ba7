"""Wording of refusals a first-hour user meets: one AnnData holding both modalities (scvi-tools' layout) with one
repeated cell name said '1 repeated cell names'."""

from __future__ import annotations

import pandas as pd
import pytest

from jae.datasets import simulate
from jae.io import split_anndata


def test_one_repeated_cell_name_in_the_singular():
    m = simulate(30, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=0)
    adata = m["rna"].copy()
    adata.obsm["protein_expression"] = pd.DataFrame(m["prot"].layers["counts"].toarray(), index=adata.obs_names,
                                                    columns=m["prot"].var_names)
    adata.obs_names = [adata.obs_names[1], *adata.obs_names[1:]]  # the first two cells share a name
    with pytest.raises(ValueError, match=r"^the AnnData has 1 repeated cell name \(2 rows, e\.g\. "):
        split_anndata(adata)
