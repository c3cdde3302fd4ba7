"""A query naming its genes by Ensembl ID for a model fitted on symbols, or the other way round (session 51 review):
the refusal said "var_names from var['gene_ids'] or var['gene_symbols']" in either case, offering the column of the
data's own naming beside the other and no line to run. It now names the column of the model's naming, as scanpy's
10x readers keep it, in a line that, run as written, gives the embedding of the same cells named as the model's."""

from __future__ import annotations

import re

import numpy as np
import pytest

import jae
from jae.datasets import simulate


def _both_namings(adata):
    adata = adata.copy()
    adata.var["gene_symbols"] = adata.var_names.astype(str)
    adata.var["gene_ids"] = [f"ENSG{i:011d}" for i in range(adata.n_vars)]
    return adata


def _refused_then_fixed(model, query, names):
    """The query's RNA named by the var column ``names``: refused, the fix run as the message writes it, embedded."""
    rna = query["rna"].copy()
    rna.var_names = rna.var[names].astype(str).to_numpy()
    with pytest.raises(ValueError) as err:
        _names_alone(model, rna)
    said = str(err.value)
    fix = re.search(r"e\.g\. (adata\.var_names = .*?) \(on a copy, or write the file again so\)", said)
    assert fix is not None and "\n" not in said, said
    namespace = {"adata": rna}
    read = model.embed(rna, key_added=None)  # the query itself: read by its column (session 52), as the fix gives
    exec(fix.group(1), namespace)  # as written
    fixed = model.embed(namespace["adata"], key_added=None)
    np.testing.assert_array_equal(read, fixed)
    return said, fixed


def _names_alone(model, rna):
    """The refusal of the query's genes by their names alone (:func:`jae.io.features.feature_overlap`): since session
    52 a query is read by its column of the model's naming instead (tests/test_s52_symcol_name_column.py)."""
    from jae.io.features import feature_overlap, gene_symbols

    feature_overlap(rna.var_names, model.preprocessor.var_names[0], name="modality 'rna'",
                    symbols=gene_symbols(rna.var))


@pytest.fixture(scope="module")
def cells():
    ref = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=5)
    ref.mod["rna"], query.mod["rna"] = _both_namings(ref["rna"]), _both_namings(query["rna"])
    return ref, query


@pytest.mark.parametrize(("model_names", "query_names", "told"), [
    ("gene_symbols", "gene_ids", "the data names genes by Ensembl ID and the model by symbol"),
    ("gene_ids", "gene_symbols", "the data names genes by symbol and the model by Ensembl ID"),
])
def test_the_column_of_the_models_naming_is_named_and_its_line_works(cells, model_names, query_names, told):
    ref, query = cells
    ref = ref.copy()
    ref["rna"].var_names = ref["rna"].var[model_names].astype(str).to_numpy()
    ref.update()
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False)
    said, fixed = _refused_then_fixed(model, query, query_names)
    assert told in said and f"adata.var['{model_names}']" in said and f"var['{query_names}']" not in said, said
    same = query["rna"].copy()
    same.var_names = same.var[model_names].astype(str).to_numpy()
    np.testing.assert_array_equal(fixed, model.embed(same, key_added=None))
