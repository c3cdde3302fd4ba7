"""jae.impute (and jae embed --impute-out) returned the predicted modality with an empty var: the columns of the
data's own var of that modality (REAP-seq's protein / is_control, 10x's gene_ids / feature_types) were lost even where
mosaic input held that modality for some cells. The prediction's var now keeps them, matched by feature name (missing
for features the data lacks); without the modality in the data it holds the model's feature names alone (a saved
model keeps no var columns)."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pytest

from jae.datasets import simulate


@pytest.fixture(scope="module")
def mosaic(own_cite_model):
    import mudata as md

    folder, model = own_cite_model("s38_followups_imputed_var")
    q = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    rna, prot = q["rna"].copy(), q["prot"][:30].copy()  # 30 cells measured in RNA alone
    prot.var["is_control"] = np.arange(prot.n_vars) < 2
    prot.var["protein"] = [f"P{i}" for i in range(prot.n_vars)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        mdata = md.MuData({"rna": rna, "prot": prot})
    return folder, model, mdata


def test_impute_keeps_the_data_var_columns(mosaic):
    import jae

    _, model, mdata = mosaic
    out = jae.impute(model, mdata)
    assert list(out.var_names) == list(model.preprocessor.var_names[1])
    assert {"feature_types", "is_control", "protein"} <= set(out.var.columns)
    want = mdata["prot"].var.reindex(out.var_names)
    assert out.var["is_control"].tolist() == want["is_control"].tolist()
    assert out.var["protein"].tolist() == want["protein"].tolist()


def test_features_the_data_lacks_get_missing_columns_and_the_file_writes(mosaic, tmp_path):
    import jae
    import mudata as md

    _, model, mdata = mosaic
    prot = mdata["prot"][:, 3:].copy()  # the data lacks 3 of the model's proteins
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        part = md.MuData({"rna": mdata["rna"].copy(), "prot": prot})
    out = jae.impute(model, part)
    assert out.var["is_control"].isna().sum() == 3
    out.write_h5ad(tmp_path / "i.h5ad")  # a bool column with gaps: nullable, which .h5ad stores
    back = ad.read_h5ad(tmp_path / "i.h5ad")
    assert back.var["protein"].notna().sum() == out.n_vars - 3


def test_rna_alone_gives_the_feature_names(mosaic):
    import jae

    _, model, mdata = mosaic
    out = jae.impute(model, mdata["rna"].copy())
    assert list(out.var_names) == list(model.preprocessor.var_names[1]) and out.var.shape[1] == 0


def test_embed_impute_out_file_keeps_the_var_columns(mosaic):
    from jae.cli import main

    folder, _, mdata = mosaic
    data = folder / "mosaic.h5mu"
    mdata.write(data)
    rc = main(["embed", "--h5mu", str(data), "--model", str(folder / "model"), "--out", str(folder / "o.h5ad"),
               "--impute-out", str(folder / "imp.h5ad")])
    assert rc == 0
    var = ad.read_h5ad(folder / "imp.h5ad").var
    assert var["protein"].tolist() == mdata["prot"].var["protein"].reindex(var.index).tolist()
