"""The one-line messages about the input layouts name what the file holds."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae.datasets import simulate
from jae.io import InputFiles


def test_asking_an_scvi_layout_file_for_atac_names_its_proteins_in_obsm(tmp_path):
    """An .h5ad of RNA with proteins in obsm (and var['feature_types'] of the genes alone) given --mod2-kind ATAC was
    said to hold "no ATAC features ('Gene Expression' (200 features))", as if it held RNA alone."""
    sim = simulate(40, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=0)
    rna, prot = sim["rna"], sim["prot"]
    one = ad.AnnData(X=rna.X.copy(), obs=sim.obs.copy(), var=rna.var.copy())
    assert set(one.var["feature_types"]) == {"GEX"}
    one.obsm["protein_expression"] = pd.DataFrame(np.asarray(prot.X.todense()), index=sim.obs_names,
                                                  columns=prot.var_names)
    one.write_h5ad(tmp_path / "x.h5ad")
    with pytest.raises(ValueError, match=r"x\.h5ad holds no ATAC features \(RNA, and proteins in "
                                         r"obsm\['protein_expression'\]\); pass the right mod2_kind"):
        InputFiles(h5ad=tmp_path / "x.h5ad", mod2_kind="ATAC").read()
    assert list(InputFiles(h5ad=tmp_path / "x.h5ad", mod2_kind="ADT").read().mod) == ["rna", "prot"]
