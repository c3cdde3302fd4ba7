"""Query cells naming their genes by Ensembl ID (scanpy.read_10x_h5(..., gex_only=True) with var_names='gene_ids'
keeps the symbols in var['gene_symbols']) for a predictor trained on symbols, or the other way round, were told
that every feature was missing and to train on the features both have (none): the joint model's check says the two
naming schemes differ and how to switch, and the predictor's says so now; that fix works."""

from __future__ import annotations

import numpy as np
import pytest

from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


def _named(adata, names):
    adata = adata.copy()
    adata.var["gene_ids"] = [f"ENSG{i:011d}" for i in range(adata.n_vars)]
    adata.var["gene_symbols"] = [f"SYM{i}" for i in range(adata.n_vars)]
    adata.var_names = adata.var[names].astype(str).to_numpy()
    return adata


@pytest.mark.parametrize(("model_names", "query_names", "told"), [
    ("gene_symbols", "gene_ids", "the data names genes by Ensembl ID and the model by symbol"),
    ("gene_ids", "gene_symbols", "the data names genes by symbol and the model by Ensembl ID"),
])
def test_the_naming_scheme_is_named_and_the_fix_works(model_names, query_names, told):
    source, target = paired(60, seed=0)
    query = paired(10, seed=1, prefix="q")[0]
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(_named(source, model_names), target,
                                                                progress_bar=False)
    renamed = _named(query, query_names)
    read = model.predict(renamed).X  # since session 52 read by the column of the model's naming
    renamed.var[model_names] = ["OTHER", *renamed.var[model_names][1:]]  # one lacking: refused, the column named
    with pytest.raises(ValueError, match=rf"40 of the predictor's 40 features are missing .*; {told}: give the data "
                                         rf"in the model's naming, e\.g\. adata\.var_names = "
                                         rf"adata\.var\['{model_names}'\]"):  # the column of the model's naming
        model.predict(renamed)
    renamed = _named(query, query_names)
    renamed.var_names = renamed.var[model_names].astype(str).to_numpy()  # the fix, as named
    np.testing.assert_array_equal(model.predict(renamed).X, model.predict(_named(query, model_names)).X)
    np.testing.assert_array_equal(read, model.predict(renamed).X)
