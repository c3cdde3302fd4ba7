"""A query naming its genes by Ensembl ID for a model of symbols, or the reverse (session 52): the refusal's fix named
scanpy's column (``adata.var['gene_symbols']`` / ``['gene_ids']``) whatever the data held, so the line raised a
KeyError for data keeping the other naming in, e.g., ``var['gene_name']`` or ``var['gene_id']``. It now names the
data's own column when it has one, and the line, run as written, embeds the cells as the model's naming would."""

from __future__ import annotations

import re

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from test_s51_review_ensembl_scheme import _names_alone


def _ids(n: int) -> list[str]:
    return [f"ENSG{i:011d}" for i in range(n)]


@pytest.fixture(scope="module")
def cells():
    ref = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=5)
    return ref, query


def _fix_runs(model, rna, column):
    with pytest.raises(ValueError) as err:
        _names_alone(model, rna)
    said = str(err.value)
    fix = re.search(r"e\.g\. (adata\.var_names = .*?) \(on a copy, or write the file again so\)", said)
    assert fix is not None and f"adata.var['{column}']" in fix.group(1), said
    namespace = {"adata": rna.copy()}
    read = model.embed(rna, key_added=None)  # the query itself: read by its column (session 52), as the fix gives
    exec(fix.group(1), namespace)  # as written: was a KeyError ('gene_symbols' / 'gene_ids' not in var)
    fixed = model.embed(namespace["adata"], key_added=None)
    np.testing.assert_array_equal(read, fixed)
    return fixed


@pytest.mark.parametrize("model_by", ["symbol", "ensembl"])
def test_the_datas_own_column_of_the_models_naming_is_named(cells, model_by):
    ref, query = cells
    symbols = query["rna"].var_names.astype(str)
    rna = query["rna"].copy()
    if model_by == "symbol":  # data: Ensembl IDs, symbols in var['gene_name'] (GENCODE-derived files)
        rna.var["gene_name"], column = symbols, "gene_name"
        rna.var_names = _ids(rna.n_vars)
    else:  # data: symbols, IDs in var['gene_id']; the model fitted on those IDs
        rna.var["gene_id"], column = _ids(rna.n_vars), "gene_id"
        ref = ref.copy()
        ref["rna"].var_names = _ids(ref["rna"].n_vars)  # same genes, same order as the query's
        ref.update()
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False)
    fixed = _fix_runs(model, rna, column)
    same = rna.copy()
    same.var_names = rna.var[column].astype(str).to_numpy()
    np.testing.assert_array_equal(fixed, model.embed(same, key_added=None))


def test_a_file_gives_its_column_read_alone(tmp_path):
    from jae.io.gene_names import stored_gene_symbols

    adata = ad.AnnData(np.zeros((2, 3), np.float32), var=pd.DataFrame(
        {"gene_ids": _ids(3), "gene_name": ["A", "B", "C"]}, index=pd.Index(_ids(3))))
    adata.write_h5ad(tmp_path / "a.h5ad")
    got = stored_gene_symbols(tmp_path / "a.h5ad")  # gene_ids are the var_names: the symbols' column is named
    assert got.name == "gene_name" and list(got) == ["A", "B", "C"]


def test_the_predictor_names_it_too(cells):
    ref, query = cells
    predictor = jae.ModalityPredictor("ridge").fit(ref["rna"], ref["prot"], seed=0)
    rna = query["rna"].copy()
    rna.var["gene_name"] = rna.var_names.astype(str)
    rna.var_names = _ids(rna.n_vars)
    predictor.predict(rna)  # since session 52 read by that column where it holds every source gene
    rna.var["gene_name"] = ["OTHER"] + list(rna.var["gene_name"][1:])  # one lacking: refused, the column named
    with pytest.raises(ValueError, match=r"e\.g\. adata\.var_names = adata\.var\['gene_name'\]\.astype\(str\)"):
        predictor.predict(rna)
