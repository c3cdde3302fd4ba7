"""Cell Ranger files as real users have them (session 34's audit of the readers)."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.io import InputFiles, read_10x_h5
from conftest import write_10x  # tests/ is on sys.path


def _write_10x(path, X, names, feature_types):
    """:func:`conftest.write_10x` with Ensembl gene IDs, as Cell Ranger writes them (the .mtx folders here too)."""
    return write_10x(path, X, names, feature_types, ids=[f"ENSG{i:011d}" for i in range(len(names))])


def test_a_cell_ranger_file_of_gene_expression_alone_is_embedded_as_the_same_rna_file(own_cite_model, tmp_path,
                                                                                           caplog):
    """Cell Ranger's most common output, Gene Expression alone: jae embed --10x refused it ('jae needs a second
    modality'), and --mod1 sent the file back to --10x, although a fitted model embeds RNA-only cells; --10x now
    embeds it as the same cells' RNA .h5ad given as --mod1 alone, and fitting it is refused naming jae embed / map."""
    from jae.cli import main

    folder, _ = own_cite_model("s34_readers_10x")
    rng = np.random.default_rng(3)
    from jae.datasets import simulate

    genes = list(simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2,
                          seed=1)["rna"].var_names)  # the genes of the model (tests/conftest.py's small_cite_model)
    X = rng.poisson(1.5, size=(40, len(genes)))
    tenx = _write_10x(tmp_path / "filtered_feature_bc_matrix.h5", X, genes, ["Gene Expression"] * len(genes))
    barcodes = [f"AAACCTGAGC{i:06d}-1" for i in range(40)]
    rna = tmp_path / "rna.h5ad"
    ad.AnnData(X=sp.csr_matrix(X.astype(np.float32)), obs=pd.DataFrame(index=barcodes),
               var=pd.DataFrame(index=genes)).write_h5ad(rna)
    outs = {}
    for flag, path in (("--10x", tenx), ("--mod1", rna)):
        outs[flag] = tmp_path / f"emb{flag.strip('-')}.h5ad"
        assert main(["embed", "--model", str(folder / "model"), flag, str(path), "--out", str(outs[flag]),
                     "--device", "cpu"]) == 0
    from_10x, from_h5ad = ad.read_h5ad(outs["--10x"]), ad.read_h5ad(outs["--mod1"])
    assert list(from_10x.obs_names) == barcodes
    np.testing.assert_array_equal(from_10x.X, from_h5ad.X)
    # fitting needs a second modality: refused in one line naming the verbs that take the file
    caplog.clear()
    out = tmp_path / "fitted"
    assert main(["fit", "--10x", str(tenx), "--out", str(out), "--mode", "unsupervised", "--batch-key", "none"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "holds only Gene Expression" in errors[0] and not out.exists()
    assert "jae embed / jae map --model MODEL --10x FILE" in errors[0], errors[0]
    with pytest.raises(ValueError, match=r"jae\.embed_files / jae\.map_files with jae\.io\.InputFiles\(tenx=FILE\)"):
        read_10x_h5(tenx)
    assert list(InputFiles(tenx=tenx).read().mod) == ["rna"]


def _write_mtx_folder(folder, X, names, feature_types):
    """Cell Ranger's filtered_feature_bc_matrix/ folder (matrix.mtx.gz features x cells, features.tsv.gz,
    barcodes.tsv.gz), as GEO deposits often hold it without the .h5."""
    import gzip

    import scipy.io

    folder.mkdir()
    with gzip.open(folder / "matrix.mtx.gz", "wb") as f:
        scipy.io.mmwrite(f, sp.coo_matrix(np.asarray(X).T))
    with gzip.open(folder / "features.tsv.gz", "wt") as f:
        f.writelines(f"ENSG{i:011d}\t{n}\t{t}\n" for i, (n, t) in enumerate(zip(names, feature_types)))
    with gzip.open(folder / "barcodes.tsv.gz", "wt") as f:
        f.writelines(f"AAACCTGAGC{i:06d}-1\n" for i in range(X.shape[0]))
    return folder


def test_a_cell_ranger_matrix_folder_without_its_h5_is_read_as_the_h5(tmp_path):
    """A filtered_feature_bc_matrix/ folder (or its matrix.mtx.gz) given to --10x was told to pass the .h5 beside it,
    which a GEO download lacks, then (session 34) to convert it with scanpy.read_10x_mtx to an .h5ad; since session 50
    it is read as its .h5 is (jae.read_10x_mtx), the counts of each modality as in the folder."""
    rng = np.random.default_rng(4)
    X = rng.poisson(2.0, size=(25, 9))
    names = [f"G{i}" for i in range(6)] + ["CD3_TotalSeqB", "CD4_TotalSeqB", "CD8a_TotalSeqB"]
    types = ["Gene Expression"] * 6 + ["Antibody Capture"] * 3
    folder = _write_mtx_folder(tmp_path / "filtered_feature_bc_matrix", X, names, types)
    for given in (folder, folder / "matrix.mtx.gz"):
        mdata = InputFiles(tenx=given).read()
        np.testing.assert_array_equal(mdata["rna"].layers["counts"].toarray(), X[:, :6])
        np.testing.assert_array_equal(mdata["prot"].layers["counts"].toarray(), X[:, 6:])


def test_a_cell_ranger_2_matrix_names_the_rna_route_a_fitted_model_takes(tmp_path, caplog):
    """A Cell Ranger 2 .h5 (one group per genome, Gene Expression alone) given to jae was told 'jae needs a
    second modality', untrue for embedding; it now names the .h5ad route for --mod1 alone, which reads its counts."""
    import h5py
    import scanpy as sc

    from jae.cli import main

    rng = np.random.default_rng(6)
    X = rng.poisson(1.0, size=(20, 7))
    csc = sp.csc_matrix(X.T.astype(np.int32))
    path = tmp_path / "filtered_gene_bc_matrices_h5.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("GRCh38")
        g["data"], g["indices"], g["indptr"], g["shape"] = csc.data, csc.indices, csc.indptr, np.array(csc.shape)
        g["barcodes"] = np.array([f"AAACCTGAGC{i:06d}-1" for i in range(20)], dtype="S")
        g["genes"] = np.array([f"ENSG{i:011d}" for i in range(7)], dtype="S")
        g["gene_names"] = np.array([f"G{i}" for i in range(6)] + ["G0"], dtype="S")  # a repeated symbol, as in GRCh38
    assert main(["fit", "--10x", str(path), "--out", str(tmp_path / "model")]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "Cell Ranger 2 matrix" in errors[0] and "jae needs a second modality" not in errors[0]
    assert "a fitted model embeds or maps its RNA alone" in errors[0] and "pass that as --mod1 FILE" in errors[0]
    with pytest.warns(UserWarning, match="not unique"):  # scanpy's, for the repeated symbol: the fix named follows
        a = sc.read_10x_h5(path)  # the route named
    a.var_names_make_unique()
    a.write_h5ad(tmp_path / "rna.h5ad")
    mdata = InputFiles(mod1=tmp_path / "rna.h5ad").read()
    assert list(mdata.mod) == ["rna"]
    np.testing.assert_array_equal(mdata["rna"].X.toarray(), X)


def test_empty_droplets_in_a_gene_expression_file_name_a_route_that_reads_it(own_cite_model, tmp_path):
    """Barcodes without counts in a Cell Ranger file of Gene Expression alone (now read by --10x as a query) were
    refused naming mdata = jae.read_10x_h5(path), which refuses that file; the fix now reads it with scanpy and
    embeds the AnnData kept, which works."""
    import scanpy as sc

    from jae.datasets import simulate

    _, model = own_cite_model("s34_readers_droplets")
    genes = list(simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2,
                          seed=1)["rna"].var_names)
    X = np.random.default_rng(7).poisson(1.5, size=(30, len(genes)))
    X[25:] = 0  # empty droplets
    path = _write_10x(tmp_path / "raw_feature_bc_matrix.h5", X, genes, ["Gene Expression"] * len(genes))
    with pytest.raises(ValueError, match="call the cells in Python first") as err:
        InputFiles(tenx=path).read()
    assert "adata = scanpy.read_10x_h5(path)" in str(err.value) and "jae.read_10x_h5" not in str(err.value)
    adata = sc.read_10x_h5(path)  # the route named
    adata = adata[np.asarray(adata.X.sum(axis=1)).ravel() > 0].copy()
    assert model.embed(adata).shape[0] == 25


def test_proteins_kept_as_an_array_without_names_are_said_to_be_named_by_position(caplog):
    """scvi-tools' layout with obsm['protein_expression'] as a bare array (no DataFrame columns, no
    uns['protein_expression_names']) had its proteins named protein_0, protein_1, ... without a word, names a query's
    proteins must then match; the log line now says so and how to keep the names. Named proteins: unchanged line."""
    from jae.io import split_anndata

    rng = np.random.default_rng(8)
    adata = ad.AnnData(X=sp.csr_matrix(rng.poisson(1.0, size=(12, 5)).astype(np.float32)),
                       obs=pd.DataFrame(index=[f"c{i}" for i in range(12)]),
                       var=pd.DataFrame(index=[f"G{i}" for i in range(5)]))
    adata.obsm["protein_expression"] = rng.poisson(4.0, size=(12, 3))
    with caplog.at_level(logging.INFO, logger="jae.io"):
        mods = split_anndata(adata, layer=None)
    assert list(mods["prot"].var_names) == ["protein_0", "protein_1", "protein_2"]  # as before
    assert "3 proteins named protein_0 ... protein_2 (an array without names" in caplog.text
    caplog.clear()
    adata.obsm["protein_expression"] = pd.DataFrame(adata.obsm["protein_expression"], index=adata.obs_names,
                                                    columns=["CD3", "CD4", "CD8"])
    with caplog.at_level(logging.INFO, logger="jae.io"):
        split_anndata(adata, layer=None)
    assert "3 proteins" in caplog.text and "named protein_0" not in caplog.text
