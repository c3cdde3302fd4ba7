"""One AnnData holding both modalities (scanpy's feature types in one matrix, scvi-tools' proteins in obsm): read as
the MuData of the same cells, in the Python API and the CLI."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae import JAEConfig
from jae.cli import main
from jae.datasets import simulate
from jae.io import get_paired, split_anndata

CELL_RANGER_NAMES = {"GEX": "Gene Expression", "ATAC": "Peaks", "ADT": "Antibody Capture"}


def _one_matrix(mdata) -> ad.AnnData:
    """The MuData's two modalities side by side, marked by Cell Ranger's feature-type names (scanpy's layout)."""
    rna, other = (mdata.mod[n] for n in mdata.mod)
    var = pd.concat([rna.var, other.var])
    var["feature_types"] = [CELL_RANGER_NAMES[k] for k in var["feature_types"]]
    X = sp.hstack([rna.layers["counts"], other.layers["counts"]]).tocsr()
    adata = ad.AnnData(X=X, obs=mdata.obs.copy(), var=var)
    adata.layers["counts"] = X.copy()
    return adata


def _totalvi(mdata) -> ad.AnnData:
    """scvi-tools' CITE-seq layout: RNA counts in the AnnData, protein counts in obsm['protein_expression']."""
    rna, prot = mdata.mod["rna"], mdata.mod["prot"]
    adata = ad.AnnData(X=rna.layers["counts"].copy(), obs=mdata.obs.copy(), var=rna.var.copy())
    adata.layers["counts"] = adata.X.copy()
    adata.obsm["protein_expression"] = pd.DataFrame(prot.layers["counts"].toarray(), index=adata.obs_names,
                                                    columns=prot.var_names)
    return adata


@pytest.mark.parametrize("kind", ["multiome", "cite"])
def test_one_matrix_with_feature_types_fits_as_the_mudata(kind):
    mdata = simulate(300, kind=kind, n_genes=300, n_peaks=400, n_proteins=20, n_cell_types=3, n_batches=2, seed=4)
    one = _one_matrix(mdata)
    before = one.X.copy()
    config = JAEConfig(max_epochs=2)
    expected = jae.JAE(config, seed=1).fit(mdata, progress_bar=False).embed(mdata, key_added=None)
    model = jae.JAE(config, seed=1).fit(one, progress_bar=False)
    np.testing.assert_array_equal(model.embed(one), expected)  # the same cells, the same seed: the same embedding
    assert one.obsm["X_jae"].shape == expected.shape  # stored where scanpy users look for it
    assert (one.X != before).nnz == 0 and list(one.var["feature_types"].unique()) == [
        "Gene Expression", CELL_RANGER_NAMES["ATAC" if kind == "multiome" else "ADT"]]  # the input is not modified
    labels = model.predict_cell_type(one)
    assert list(labels.index) == list(one.obs_names) and labels["cell_type"].notna().all()
    table = jae.evaluate(one, ["X_jae"], baseline=True, report=False, progress_bar=False)
    assert {"X_jae", "svd_baseline"} <= set(table.index) and table.loc["X_jae", "nmi"] > 0


def test_totalvi_layout_fits_as_the_mudata_and_array_names_come_from_uns():
    mdata = simulate(300, kind="cite", n_genes=300, n_proteins=20, n_cell_types=3, n_batches=2, seed=5)
    config = JAEConfig(max_epochs=2)
    expected = jae.JAE(config, seed=0).fit(mdata, progress_bar=False).embed(mdata, key_added=None)
    adata = _totalvi(mdata)
    before = adata.copy()
    got = jae.JAE(config, seed=0).fit(adata, progress_bar=False).embed(adata, key_added=None)
    np.testing.assert_array_equal(got, expected)
    # the RNA's matrices are shared with the modality jae reads, and stay unmodified
    assert (adata.X != before.X).nnz == 0 and list(adata.layers) == ["counts"]
    assert list(adata.obs.columns) == list(before.obs.columns) and list(adata.obsm) == ["protein_expression"]

    as_array = _totalvi(mdata)
    as_array.obsm["protein_expression"] = as_array.obsm["protein_expression"].to_numpy()
    as_array.uns["protein_expression_names"] = np.asarray(mdata.mod["prot"].var_names)
    mods = split_anndata(as_array)
    assert list(mods) == ["rna", "prot"] and list(mods["prot"].var_names) == list(mdata.mod["prot"].var_names)
    paired = get_paired(as_array)
    assert paired.kinds == ("GEX", "ADT") and list(paired.obs["batch"]) == list(mdata.obs["batch"])
    np.testing.assert_array_equal(paired.counts[1].toarray(), mdata.mod["prot"].layers["counts"].toarray())


def test_one_modality_anndata_gets_one_line_naming_the_layouts():
    mdata = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=1, seed=0)
    assert split_anndata(mdata.mod["rna"]) is None
    with pytest.raises(ValueError, match=r"holds one modality.*feature_types.*obsm\['protein_expression'\]"):
        jae.JAE(JAEConfig(max_epochs=1)).fit(mdata.mod["rna"], progress_bar=False)
    one = _one_matrix(mdata)
    with pytest.raises(KeyError, match=r"no layer 'umi' \(layers: \['counts'\]\)"):
        get_paired(one, layer="umi")
    one.var["feature_types"] = ["Peaks"] * 200 + ["Antibody Capture"] * 10  # two kinds, no RNA
    with pytest.raises(ValueError, match="no Gene Expression"):
        get_paired(one)


def test_cli_reads_one_h5ad_holding_both_modalities(tmp_path):
    mdata = simulate(300, kind="multiome", n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    src = tmp_path / "both.h5ad"
    one = _one_matrix(mdata)
    del one.layers["counts"]  # raw counts in .X, as scanpy.read_10x_h5 leaves them: the default layer falls back
    one.write_h5ad(src)
    model, out = tmp_path / "model", tmp_path / "emb.h5ad"
    assert main(["-q", "fit", "--h5ad", str(src), "--max-epochs", "2", "--out", str(model)]) == 0
    assert main(["-q", "embed", "--model", str(model), "--h5ad", str(src), "--out", str(out)]) == 0
    emb = ad.read_h5ad(out)
    assert emb.shape == (300, 3 + JAEConfig().n_principal) and emb.obs["jae_cell_type"].notna().all()
    assert "X_jae" not in ad.read_h5ad(src).obsm  # the input is untouched (a file holding one modality: hostile CLI)


def test_totalvi_cells_without_proteins_are_named_with_the_fix_that_places_them_from_rna():
    """scvi-tools marks cells of a batch that measured no proteins by zeros in obsm['protein_expression']. That was
    refused with a fix for a MuData ('leave them out of 'prot' only ... that modality's AnnData'), which this layout
    has not, and NaN rows, jae's mark of an unmeasured modality, were refused as 'NaN values ... not normalised'."""
    mdata = simulate(300, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=3)
    adata = _totalvi(mdata)
    proteins = adata.obsm["protein_expression"].astype(float)
    proteins.iloc[:40] = 0.0
    adata.obsm["protein_expression"] = proteins
    with pytest.raises(ValueError, match=r"40 of 300 cells have no protein counts \(all zero\) in "
                                         r"obsm\['protein_expression'\].*with NaN"):
        jae.JAE(JAEConfig(max_epochs=1), seed=0).fit(adata, progress_bar=False)
    p = adata.obsm["protein_expression"]
    adata.obsm["protein_expression"] = p.where(p.sum(axis=1) > 0)  # the fix the message gives
    before = adata.obsm["protein_expression"].copy()
    model = jae.JAE(JAEConfig(max_epochs=1), seed=0).fit(adata, progress_bar=False)
    emb = model.embed(adata, key_added=None)
    assert emb.shape[0] == 300 and np.isfinite(emb).all()  # the cells without proteins are placed from RNA
    pd.testing.assert_frame_equal(adata.obsm["protein_expression"], before)  # the input is not modified
    normalised = before.copy()
    normalised.iloc[40:] = normalised.iloc[40:] / 3.0  # NaN rows do not hide values that are no counts
    adata.obsm["protein_expression"] = normalised
    with pytest.raises(ValueError, match=r"obsm\['protein_expression'\] has \d+ non-integer values"):
        split_anndata(adata)


def test_feature_types_missing_for_the_genes_are_named_not_read_as_one_modality(tmp_path, caplog):
    """RNA (no var['feature_types']) and proteins ('Antibody Capture') concatenated side by side leave the genes'
    type missing: that was read as 'holds one modality (N features)', naming layouts the file already has."""
    import logging

    mdata = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=1, seed=0)
    one = _one_matrix(mdata)
    one.var["feature_types"] = [None] * 200 + ["Antibody Capture"] * 10
    message = (r"var\['feature_types'\] is missing for 200 of 210 features \(e.g\. .*\), while the others are "
               r"'Antibody Capture' \(10 features\).*fillna\('Gene Expression'\)")
    with pytest.raises(ValueError, match=message):
        split_anndata(one)
    path = tmp_path / "both.h5ad"
    one.write_h5ad(path)
    with caplog.at_level(logging.ERROR):
        assert main(["fit", "--h5ad", str(path), "--out", str(tmp_path / "m"), "--max-epochs", "1"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "is missing for 200 of 210 features" in errors[0] and "one modality" not in errors[0]
    one.var["feature_types"] = one.var["feature_types"].astype(object).fillna("Gene Expression")  # the fix given
    assert {k: m.n_vars for k, m in split_anndata(one).items()} == {"rna": 200, "prot": 10}
    genes = _one_matrix(mdata)[:, :200].copy()  # genes marked, nothing else: one modality, as before
    genes.var.iloc[:5, genes.var.columns.get_loc("feature_types")] = None
    assert split_anndata(genes) is None
