"""Test cells whose source counts all lie in features the predictor does not read (s37 audit).

A test file of the whole transcriptome given to a predictor trained on fewer genes (a gene panel, highly variable
genes): a cell with counts in none of the predictor's genes but in others was refused as a cell of "zero total
counts" with the fix sc.pp.filter_cells(adata, min_counts=1), which keeps it (its total over the file is not zero),
so the user was left with a fix that changes nothing. It is now refused naming those cells, the features that hold
their counts, and a fix that drops them. Cells truly without counts keep the old message.
"""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

SAID = "no counts in the 200 source features the predictor reads"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from jae.datasets import simulate

    folder = tmp_path_factory.mktemp("s37_counts_elsewhere")
    m = simulate(120, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=3)
    train = np.arange(m.n_obs) < 80
    m["rna"][train].copy().write_h5ad(folder / "train_mod1.h5ad")
    m["prot"][train].copy().write_h5ad(folder / "train_mod2.h5ad")
    test = m["rna"][~train].copy()
    counts = test.layers["counts"].toarray()
    counts[1] = 0  # cell 1: its counts only in a gene the predictor was not trained on
    extra = np.zeros((test.n_obs, 1), dtype=counts.dtype)
    extra[1] = 3
    whole = sp.csr_matrix(np.hstack([counts, extra]))
    var = pd.concat([test.var, pd.DataFrame({"feature_types": ["GEX"]}, index=["OTHER_GENE"])])
    query = ad.AnnData(whole.copy(), obs=test.obs.copy(), var=var, layers={"counts": whole})
    query.write_h5ad(folder / "test_mod1.h5ad")
    empty = query.copy()  # a cell without any count: the old message, whose fix works there
    empty.layers["counts"] = sp.csr_matrix(np.hstack([counts, np.zeros_like(extra)]))
    empty.X = empty.layers["counts"].copy()
    empty.write_h5ad(folder / "empty_mod1.h5ad")
    return folder, query


def test_cli_names_the_cells_and_a_fix_that_drops_them(files, caplog):
    from jae.cli import main

    folder, query = files
    argv = ["-q", "predict", "--train-mod1", folder / "train_mod1.h5ad", "--train-mod2", folder / "train_mod2.h5ad",
            "--method", "mean"]
    argv = [str(a) for a in argv]
    assert main([*argv, "--test-mod1", str(folder / "test_mod1.h5ad"), "--output", str(folder / "p.h5ad")]) == 1
    said = caplog.text
    assert SAID in said and "1 feature it does not know" in said and repr(str(query.obs_names[1])) in said
    assert "min_counts=1) keeps them" in said and "zero total counts" not in said
    assert not (folder / "p.h5ad").exists()
    caplog.clear()
    assert main([*argv, "--test-mod1", str(folder / "empty_mod1.h5ad"), "--output", str(folder / "p.h5ad")]) == 1
    assert "1 of 40 cells have zero total counts" in caplog.text  # no count anywhere: the fix that works there


def test_python_predict_of_an_anndata_says_the_same_and_its_fix_works(files):
    from jae import ModalityPredictor

    folder, query = files
    model = ModalityPredictor("mean").fit(ad.read_h5ad(folder / "train_mod1.h5ad"),
                                          ad.read_h5ad(folder / "train_mod2.h5ad"), progress_bar=False)
    for given in (query, str(folder / "test_mod1.h5ad")):  # in memory, and a path read in row blocks
        with pytest.raises(ValueError, match=SAID):
            model.predict(given)
    features = model.source_features  # the fix, as the message writes it
    kept = query[np.asarray(query[:, features].layers["counts"].sum(axis=1)).ravel() > 0].copy()
    assert model.predict(kept).n_obs == query.n_obs - 1
