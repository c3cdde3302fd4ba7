"""Mosaic edge inputs (session 32): a modality measuring no cell, and writing an imputed layer."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pytest

import jae
from jae import JAE
from jae.datasets import simulate


@pytest.fixture(scope="module")
def setup(own_cite_model):
    d, model = own_cite_model("s32_mosaic_edges")  # the shared reference (conftest), copied: this module's own
    q = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    cells = np.arange(q.n_obs)
    mos = md.MuData({"rna": q["rna"][cells < 80].copy(), "prot": q["prot"][cells >= 40].copy()})
    return model, q, mos


def test_a_modality_measuring_no_cell_is_the_cells_without_it(setup, caplog):
    """Subsetting a mosaic MuData to its RNA-only cells (mdata[~mdata.obsm['prot']]) leaves 'prot' with 0 cells:
    embed, predict_cell_type and impute refused it as 'modality 'prot' ... is empty ...: check the file'. Those
    cells are now placed from their RNA, exactly as given as RNA alone, without the 'no cell has both' warning."""
    model, q, mos = setup
    sub = mos[~mos.obsm["prot"]].copy()
    assert sub["prot"].n_obs == 0 and sub["rna"].n_obs == 40
    alone = sub["rna"].copy()
    with caplog.at_level(logging.WARNING):
        emb = model.embed(sub, key_added=None)
    assert "no cell has both" not in caplog.text
    np.testing.assert_array_equal(emb, model.embed(alone, key_added=None))
    assert model.predict_cell_type(sub).equals(model.predict_cell_type(alone))
    np.testing.assert_array_equal(jae.impute(model, sub).X, jae.impute(model, alone).X)
    # the second modality alone, RNA measuring no cell
    prot_only = md.MuData({"rna": q["rna"][:0].copy(), "prot": q["prot"].copy()})
    np.testing.assert_array_equal(model.embed(prot_only, key_added=None),
                                  model.embed(md.MuData({"prot": q["prot"].copy()}), key_added=None))


def test_an_imputed_layer_for_cells_the_modality_lacks_is_refused(setup):
    """add_imputed_layer with cells the modality does not hold wrote their prediction into its last row (a measured
    cell's, get_indexer's -1) and left the rest out silently; it now refuses in one line, the modality unchanged."""
    from jae.imputation import add_imputed_layer

    model, q, _ = setup
    imputed = jae.impute(model, q["rna"][:40].copy(), modality="prot")
    mdata = md.MuData({"rna": q["rna"].copy(), "prot": q["prot"][30:].copy()})  # holds cells 30-39 only of the 40
    with pytest.raises(ValueError, match=r"^modality 'prot' lacks 30 of the 40 imputed cells \(e\.g\. .*write the "
                                         r"prediction to its own file"):
        add_imputed_layer(mdata, imputed, "prot")
    assert "jae_imputed" not in mdata["prot"].layers


def test_an_anndata_whose_obsm_proteins_are_all_nan_is_placed_from_rna(setup):
    """scvi-tools' layout (RNA counts, proteins in obsm) for cells none of which had proteins measured (all rows NaN,
    jae's mark of 'not measured', e.g. a batch without antibody staining) was refused as "obsm['protein_expression']
    is empty ... check the file"; the cells are now placed from their RNA, as RNA alone."""
    import pandas as pd

    model, q, _ = setup
    adata = q["rna"].copy()
    adata.obsm["protein_expression"] = pd.DataFrame(np.nan, index=adata.obs_names, columns=q["prot"].var_names)
    alone = q["rna"].copy()
    np.testing.assert_array_equal(model.embed(adata, key_added=None), model.embed(alone, key_added=None))
    np.testing.assert_array_equal(jae.impute(model, adata).X, jae.impute(model, alone).X)


def test_an_h5mu_whose_second_modality_measures_no_cell_embeds_from_rna(setup, tmp_path):
    """The same data written to an .h5mu (a subset of mosaic data to its RNA-only cells) was refused (streamed, as
    embedding reads files) as '... modality 'prot' is empty (0 cells x 15 features) ...: check the file'; it now embeds, in Python
    and with jae embed, as RNA alone."""
    from jae.cli import main

    model, q, mos = setup
    sub = mos[~mos.obsm["prot"]].copy()
    path = tmp_path / "rna_only_cells.h5mu"
    sub.write(path)
    expected = model.embed(sub["rna"].copy(), key_added=None)
    np.testing.assert_array_equal(model.embed(str(path), key_added=None), expected)
    np.testing.assert_array_equal(model.embed(jae.io.open_mosaic_h5mu(path), key_added=None), expected)
    model.save(tmp_path / "model")
    assert main(["-q", "embed", "--h5mu", str(path), "--model", str(tmp_path / "model"), "--finetune-epochs", "0",
                 "--out", str(tmp_path / "emb.h5mu")]) == 0
    np.testing.assert_allclose(md.read_h5mu(tmp_path / "emb.h5mu").obsm["X_jae"], expected, atol=1e-6)


def test_impute_modality_into_an_h5mu_whose_modality_measures_no_cell(setup, tmp_path):
    """jae embed --impute-modality prot on an .h5mu whose 'prot' holds no cell refused with "modality 'prot' of the
    .h5mu file holds other cells than those lacking it"; the copy's 'prot' now holds the imputed cells, as for a file
    without 'prot'."""
    from jae.cli import main

    model, q, mos = setup
    sub = mos[~mos.obsm["prot"]].copy()
    path = tmp_path / "rna_only_cells.h5mu"
    sub.write(path)
    model.save(tmp_path / "model")
    assert main(["-q", "embed", "--h5mu", str(path), "--model", str(tmp_path / "model"), "--finetune-epochs", "0",
                 "--impute-modality", "prot", "--out", str(tmp_path / "emb.h5mu")]) == 0
    written = md.read_h5mu(tmp_path / "emb.h5mu")
    expected = jae.impute(model, sub["rna"].copy(), modality="prot")
    assert list(written["prot"].obs_names) == list(expected.obs_names) == list(sub.obs_names)
    np.testing.assert_allclose(written["prot"].layers["jae_imputed"], expected.X, atol=1e-6)


def test_a_modality_obsm_of_a_mosaic_file_lacking_cells_names_the_fix(setup, tmp_path, caplog):
    """Scoring a mosaic .h5mu's embedding kept in one modality's obsm (its cells only) said "obsm 'X_pca' of FILE
    lacks 59 of the cells", naming neither the modality nor a fix (in memory the same case names both); it now
    names both, in Python's words for Python and jae evaluate's flags for the CLI."""
    from jae.cli import main

    _, q, mos = setup
    d = mos.copy()
    d.obs = d.obs.join(q.obs[["batch", "cell_type"]])
    d["rna"].obsm["X_pca"] = np.random.default_rng(0).normal(size=(d["rna"].n_obs, 5))
    path = tmp_path / "mos.h5mu"
    d.write(path)
    with pytest.raises(ValueError, match=r"^obsm\['X_pca'\] of modality 'rna' of mos\.h5mu lacks 40 of the data's 120 "
                                         r"cells; store the embedding of every cell in the global obsm .*or pass it as "
                                         r"an embedding file: embeddings=\{name: FILE\}$"):
        jae.evaluate(jae.io.open_mosaic_h5mu(path), embeddings=["X_pca"], progress_bar=False)
    with caplog.at_level(logging.ERROR):
        assert main(["-q", "evaluate", "--h5mu", str(path), "--obsm", "X_pca", "--out", str(tmp_path / "ev")]) != 0
    assert "of modality 'rna' of mos.h5mu lacks 40 of the data's 120 cells" in caplog.text
    assert "or give it as --prediction NAME=FILE" in caplog.text and "embeddings=" not in caplog.text
    assert not (tmp_path / "ev").exists()


def test_impute_of_a_file_path_keeps_the_cells_annotations(setup, tmp_path):
    """jae.impute(model, 'mosaic.h5mu') returned obs with 'jae_imputed' alone, the cells' batch and cell type lost,
    while the same file opened (jae.io.open_mosaic_h5mu) or read kept them; a path now keeps them too."""
    model, q, mos = setup
    d = mos.copy()
    d.obs = d.obs.join(q.obs[["batch", "cell_type"]])
    path = tmp_path / "mos.h5mu"
    d.write(path)
    opened = jae.impute(model, jae.io.open_mosaic_h5mu(path), modality="prot")
    model._files_features = None
    for given in (str(path), path):
        out = jae.impute(model, given, modality="prot")
        assert list(out.obs.columns) == ["batch", "cell_type", "jae_imputed"]
        assert out.obs["cell_type"].astype(str).tolist() == q.obs.loc[out.obs_names, "cell_type"].astype(str).tolist()
        np.testing.assert_array_equal(out.X, opened.X)
    assert model._files_features is None  # a path's features are not kept on the model (as for embed)


def test_an_h5mu_whose_modality_measures_no_cell_reads_whole_as_streamed(setup, tmp_path):
    """jae.io.read_h5mu of such a file (and a fit reading it whole) still said "modality 'prot' is empty ...: check
    the file" where streamed the cells are placed from RNA and a fit is told it has no paired cell: read whole, the
    file now gives the same answers."""
    from jae import JAEConfig

    model, q, mos = setup
    sub = mos[~mos.obsm["prot"]].copy()
    path = tmp_path / "rna_only_cells.h5mu"
    sub.write(path)
    read = jae.io.read_h5mu(path)
    assert read["prot"].n_obs == 0 and read["rna"].n_obs == 40
    np.testing.assert_array_equal(model.embed(read, key_added=None), model.embed(sub["rna"].copy(), key_added=None))
    for budget in (None, 1):  # read whole, streamed
        with pytest.raises(ValueError, match=r"^only 0 cells have both modalities \(40 cells: 0 with both"):
            JAE(JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu").fit(str(path), memory_budget=budget,
                                                                              progress_bar=False)


def test_impute_of_a_paired_file_names_a_fix_that_works_as_written(setup, tmp_path):
    """jae.impute(model, 'paired.h5mu') said "pass 'rna' alone, e.g. jae.impute(model, mdata['rna'])": the user holds
    a path, no mdata (and the file may call the modality 'gex'). The example now reads the modality from the file,
    under the file's name for it, and runs as written."""
    import re

    import anndata
    import mudata

    model, q, _ = setup
    path = tmp_path / "paired.h5mu"
    md.MuData({"gex": q["rna"].copy(), "adt": q["prot"].copy()}).write(path)
    for modality, shown, imputed in ((None, "gex", "prot"), ("rna", "adt", "rna")):
        fix = r"e\.g\. jae\.impute\(model, mudata\.read_h5mu\(.*\)\[" + f"'{shown}'" + r"\]\)$"
        with pytest.raises(ValueError, match=fix) as err:
            jae.impute(model, str(path), modality=modality)
        example = re.search(r"e\.g\. (jae\.impute\(model, .*\))$", str(err.value)).group(1)
        out = eval(example, {"jae": jae, "model": model, "mudata": mudata, "anndata": anndata})
        assert out.uns["jae_imputed"]["modality"] == imputed and out.n_obs == q.n_obs


def test_one_modality_alone_with_nan_rows_names_those_cells_and_the_fix(setup):
    """The RNA of NaN-layout mosaic data given alone (mdata['rna'], its protein-only cells' rows all NaN) was refused
    as "modality 'rna' has 600 NaN or infinite values; jae needs raw counts: pass layer=...", a wrong fix (the counts
    are there); the message now names the unmeasured cells and how to drop them, which then embeds the others."""
    import re

    import scipy.sparse as sp
    from jae.io.mosaic import missing_rows

    model, q, _ = setup
    adata = q["rna"].copy()
    X = adata.layers["counts"].toarray().astype(np.float32)
    X[:3] = np.nan
    adata.layers["counts"] = sp.csr_matrix(X)
    for data in (adata, md.MuData({"rna": adata})):
        with pytest.raises(ValueError, match=r"^modality 'rna' has 3 of 120 cells whose row is all NaN \(not measured "
                                             r"in it\) and the data has no other modality .*; drop them, e\.g\. ") as err:
            model.embed(data, key_added=None)
    fix = re.search(r"; adata = (adata\[.*\]\.copy\(\))", str(err.value)).group(1)
    kept = eval(fix, {"adata": adata, "missing_rows": missing_rows})
    assert kept.n_obs == 117
    np.testing.assert_array_equal(model.embed(kept, key_added=None), model.embed(q["rna"][3:].copy(), key_added=None))
