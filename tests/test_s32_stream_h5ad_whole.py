"""One ``.h5ad`` holding both modalities (``jae fit --h5ad``) is read whole whatever ``--memory-budget``: said so."""

from __future__ import annotations

import logging

import anndata as ad
import pandas as pd
import scipy.sparse as sp

import jae
from jae.io import InputFiles


def test_one_h5ad_of_both_modalities_says_it_is_read_whole_whatever_the_budget(tmp_path, caplog):
    m = jae.simulate(60, kind="cite", seed=1, n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2)
    rna, prot = m["rna"], m["prot"]
    var = pd.DataFrame({"feature_types": ["Gene Expression"] * rna.n_vars + ["Antibody Capture"] * prot.n_vars},
                       index=list(rna.var_names) + list(prot.var_names))
    path = tmp_path / "both.h5ad"
    ad.AnnData(X=sp.hstack([rna.layers["counts"], prot.layers["counts"]]).tocsr(), obs=m.obs.copy(),
               var=var).write_h5ad(path)
    with caplog.at_level(logging.INFO, logger="jae.io"):
        data = InputFiles(h5ad=path, layer=None).open(memory_budget=1, what="fit")
    assert data.n_obs == 60  # read whole, a budget of one byte notwithstanding (was logged as 'already in memory')
    assert "fit: read both.h5ad into memory whole, whatever the memory budget" in caplog.text


def test_a_bad_memory_budget_is_refused_for_a_file_read_whole_too(tmp_path):
    # jae embed --h5ad FILE --memory-budget abc embedded the cells, the budget never read
    import pytest

    path = tmp_path / "x.h5ad"
    ad.AnnData(X=sp.csr_matrix((3, 2), dtype="float32")).write_h5ad(path)
    for budget in ("abc", -5, 0):
        with pytest.raises(ValueError, match=r"^memory_budget=.* is not a size"):
            InputFiles(h5ad=path).open(memory_budget=budget, what="embed", once=True)


def test_a_file_refused_as_the_wrong_kind_is_not_first_said_to_be_read(tmp_path, caplog):
    """--10x x.h5ad logged 'x.h5ad is read into memory whole' just before refusing the file as no Cell Ranger file."""
    import pytest

    path = tmp_path / "x.h5ad"
    ad.AnnData(X=sp.csr_matrix((3, 2), dtype="float32")).write_h5ad(path)
    with caplog.at_level(logging.INFO, logger="jae.io"), pytest.raises(ValueError):
        InputFiles(tenx=path).open(what="embed", once=True)
    assert "into memory whole" not in caplog.text
