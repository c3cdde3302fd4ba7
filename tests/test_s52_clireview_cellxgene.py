"""A misspelled obs column on the command line (session 52): a CELLxGENE file's obs holds some 30 columns with
``cell_type`` 22nd, so ``--cell-type-key celltype`` was refused with a list of the first 20 columns, which left out the
one meant, and ``jae map --batch-key donor`` named no column at all (its refusal went on to suggest writing a column
'donor'). Every such refusal now names the close columns first ('did you mean 'cell_type'?'), then the list; ``jae fit --h5ad`` says so before
reading the file's counts. And ``jae fit --mod1`` of such a file, which holds both modalities, names --h5ad."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main
from test_s50_mtx_cli import _error  # one refusal line, no traceback

#: CELLxGENE's obs columns in the order its downloads hold them (schema 5): cell_type is the 22nd.
CXG_OBS = ["donor_id", "self_reported_ethnicity_ontology_term_id", "organism_ontology_term_id", "sample_uuid",
           "sample_preservation_method", "tissue_ontology_term_id", "development_stage_ontology_term_id",
           "suspension_uuid", "suspension_type", "library_uuid", "assay_ontology_term_id",
           "mapped_reference_annotation", "is_primary_data", "cell_type_ontology_term_id", "author_cell_type",
           "disease_ontology_term_id", "sex_ontology_term_id", "nCount_RNA", "nFeature_RNA", "percent.mt", "Phase",
           "cell_type", "assay", "disease", "organism", "sex", "tissue", "self_reported_ethnicity",
           "development_stage", "observation_joinid"]


def test_close_names_come_first():
    from jae._words import close_names, columns_near

    assert close_names("celltype", CXG_OBS)[0] == "cell_type"
    assert close_names("donor", CXG_OBS) == ["donor_id"]
    assert close_names("phase", CXG_OBS) == ["Phase"]
    assert close_names("seurat_clusters", CXG_OBS) == []
    text = columns_near(CXG_OBS, "celltype")
    assert text.startswith("did you mean 'cell_type'") and "and 10 more" in text
    assert columns_near(["cell_type"], "sample") == "its columns: ['cell_type']"
    assert columns_near([], "batch") == "its columns: none"


@pytest.fixture(scope="module")
def cxg(tmp_path_factory):
    """A CELLxGENE-style .h5ad holding RNA and proteins (Ensembl ids, symbols in var['feature_name'], counts in .raw,
    .X normalised, 30 obs columns), and an embedding of its cells."""
    folder = tmp_path_factory.mktemp("s52_close_columns")
    cells = jae.simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    rna, prot = cells["rna"], cells["prot"]
    counts = np.hstack([np.asarray(rna.layers["counts"].todense() if hasattr(rna.layers["counts"], "todense")
                                   else rna.layers["counts"]),
                        np.asarray(prot.layers["counts"].todense() if hasattr(prot.layers["counts"], "todense")
                                   else prot.layers["counts"])]).astype(np.float32)
    var = pd.DataFrame({"feature_name": list(rna.var_names) + list(prot.var_names),
                        "feature_types": ["Gene Expression"] * rna.n_vars + ["Antibody Capture"] * prot.n_vars},
                       index=[f"ENSG{i:011d}" for i in range(rna.n_vars)] + [f"ADT_{p}" for p in prot.var_names])
    obs = pd.DataFrame({c: pd.Categorical(["x"] * cells.n_obs) for c in CXG_OBS}, index=cells.obs_names)
    obs["cell_type"] = pd.Categorical(cells.obs["cell_type"].astype(str))
    obs["donor_id"] = pd.Categorical(cells.obs["batch"].astype(str))
    adata = ad.AnnData(np.log1p(counts), obs=obs, var=var)
    adata.raw = ad.AnnData(counts, obs=obs, var=var)
    adata.write_h5ad(folder / "cxg.h5ad")
    ad.AnnData(np.random.default_rng(0).normal(size=(cells.n_obs, 4)).astype(np.float32),
               obs=pd.DataFrame(index=cells.obs_names)).write_h5ad(folder / "emb.h5ad")
    return folder


def test_fit_names_the_column_meant(cxg, caplog, monkeypatch):
    """... from the file's stored obs, before its counts are read (they were read whole first: 22 s and 3.4 GB for
    8,000 Multiome cells)."""
    import jae.io.paired_h5ad

    def read(*args, **kwargs):
        raise AssertionError("the counts were read before the refusal")

    monkeypatch.setattr(jae.io.paired_h5ad, "read_paired_h5ad", read)
    base = ["fit", "--h5ad", str(cxg / "cxg.h5ad"), "--layer", "raw", "--device", "cpu", "--out", str(cxg / "m")]
    err = _error(caplog, [*base, "--batch-key", "donor_id", "--cell-type-key", "celltype"])
    assert "no column 'celltype' (did you mean 'cell_type'" in err and "--cell-type-key COLUMN" in err
    err = _error(caplog, [*base, "--batch-key", "donor"])
    assert "no batch column 'donor' in obs (did you mean 'donor_id'?" in err and "--batch-key COLUMN" in err
    assert not (cxg / "m").exists()


def test_evaluate_names_the_column_meant(cxg, caplog):
    base = ["evaluate", "--h5ad", str(cxg / "cxg.h5ad"), "--layer", "raw", "--prediction",
            f"jae={cxg / 'emb.h5ad'}", "--out", str(cxg / "report")]
    err = _error(caplog, [*base, "--cell-type-key", "celltype"])
    assert "no cell-type column 'celltype' in obs (did you mean 'cell_type'" in err
    err = _error(caplog, [*base, "--batch-key", "donor"])
    assert "no batch column 'donor' in obs (did you mean 'donor_id'?" in err
    assert not (cxg / "report").exists()


def test_map_names_the_column_meant(cxg, small_cite_model, caplog):
    err = _error(caplog, ["map", "--model", str(small_cite_model), "--h5ad", str(cxg / "cxg.h5ad"), "--layer", "raw",
                          "--batch-key", "donor", "--device", "cpu", "--out", str(cxg / "mapped")])
    assert "the query has no obs column 'donor' for --batch-key (did you mean 'donor_id'?)" in err
    assert not (cxg / "mapped").exists()


def test_fit_of_mod1_alone_names_h5ad_for_a_file_of_both(cxg, caplog):
    """``jae fit --mod1 FILE`` of a CELLxGENE file holding both modalities only said that --mod2 is needed."""
    err = _error(caplog, ["fit", "--mod1", str(cxg / "cxg.h5ad"), "--layer", "raw", "--out", str(cxg / "m1")])
    assert err.endswith(f"is read with --h5ad {cxg / 'cxg.h5ad'}"), err
    assert main(["-q", "fit", "--h5ad", str(cxg / "cxg.h5ad"), "--layer", "raw", "--batch-key", "donor_id",
                 "--max-epochs", "1", "--device", "cpu", "--out", str(cxg / "m1")]) == 0
