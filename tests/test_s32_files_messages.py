"""The one-line messages about the input layouts name what the file holds."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae.datasets import simulate
from jae.io import InputFiles


def test_asking_an_scvi_layout_file_for_atac_names_its_proteins_in_obsm(tmp_path):
    """An .h5ad of RNA with proteins in obsm (and var['feature_types'] of the genes alone) given --mod2-kind ATAC was
    said to hold "no ATAC features ('Gene Expression' (200 features))", as if it held RNA alone."""
    sim = simulate(40, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=0)
    rna, prot = sim["rna"], sim["prot"]
    one = ad.AnnData(X=rna.X.copy(), obs=sim.obs.copy(), var=rna.var.copy())
    assert set(one.var["feature_types"]) == {"GEX"}
    one.obsm["protein_expression"] = pd.DataFrame(np.asarray(prot.X.todense()), index=sim.obs_names,
                                                  columns=prot.var_names)
    one.write_h5ad(tmp_path / "x.h5ad")
    with pytest.raises(ValueError, match=r"x\.h5ad holds no ATAC features \(RNA, and proteins in "
                                         r"obsm\['protein_expression'\]\); pass the right mod2_kind"):
        InputFiles(h5ad=tmp_path / "x.h5ad", mod2_kind="ATAC").read()
    assert list(InputFiles(h5ad=tmp_path / "x.h5ad", mod2_kind="ADT").read().mod) == ["rna", "prot"]


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(tenx="f.h5", layer="spliced"), r"^layer='spliced': a Cell Ranger \.h5 or matrix folder \(tenx=\) holds one "
                                          r"matrix of raw counts and no layers: leave layer out$"),
    (dict(h5ad="x.h5ad", rna="gex"), r"^rna= and other= name the modalities of an h5mu= file; h5ad= has none"),
    (dict(tenx="f.h5", other="adt"), r"^rna= and other= name the modalities of an h5mu= file; tenx= has none"),
    (dict(mod1="x.mod1.h5ad", mod2="x.mod2.h5ad", other="adt"), r"; mod1=/mod2= has none to choose: leave them out$"),
])
def test_input_options_that_do_not_apply_to_the_layout_are_refused_in_python_as_in_the_cli(kwargs, message):
    """jae --10x FILE --layer L and --h5ad FILE --rna-mod M are refused by the CLI, but InputFiles(tenx=..., layer=L) or
    InputFiles(h5ad=..., rna=M) ignored them in silence, reading .X and the modalities it chose itself."""
    with pytest.raises(ValueError, match=message):
        InputFiles(**kwargs)
    for fine in (dict(tenx="f.h5", layer=None), dict(h5mu="x.h5mu", rna="gex", other="adt")):
        assert InputFiles(**fine).source in ("10x", "h5mu")


def test_rna_alone_reads_into_memory_from_an_h5mu_as_from_an_h5ad(tmp_path):
    """InputFiles(mod1=rna.h5ad).read() read RNA alone, but the same cells as an .h5mu holding RNA alone were refused
    by InputFiles(h5mu=...).read() ("fitting needs that second modality"), though open() and jae embed take them."""
    import mudata as md

    sim = simulate(40, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=0)
    rna = ad.AnnData(X=sim["rna"].X.copy(), obs=sim.obs.copy(), var=sim["rna"].var.copy())
    rna.write_h5ad(tmp_path / "rna.h5ad")
    mdata = md.MuData({"rna": ad.AnnData(X=rna.X.copy(), obs=pd.DataFrame(index=rna.obs_names), var=rna.var.copy())})
    for column in rna.obs.columns:
        mdata.obs[column] = rna.obs[column]
    mdata.write(tmp_path / "rna.h5mu")
    from_h5ad = InputFiles(mod1=tmp_path / "rna.h5ad").read()
    from_h5mu = InputFiles(h5mu=tmp_path / "rna.h5mu").read()
    assert list(from_h5mu.mod) == list(from_h5ad.mod) == ["rna"]
    assert from_h5mu.obs_names.equals(from_h5ad.obs_names)
    np.testing.assert_array_equal(from_h5mu["rna"].X.toarray(), from_h5ad["rna"].X.toarray())
    pd.testing.assert_frame_equal(from_h5mu.obs[rna.obs.columns], from_h5ad.obs[rna.obs.columns])


def test_an_h5mu_given_as_annotations_is_told_how_to_write_its_obs_as_an_h5ad(tmp_path, caplog):
    """--annotations x.h5mu was told "pass it as --h5mu FILE, or save each modality as an .h5ad first": neither gives
    the global obs where an .h5mu keeps its annotations."""
    from jae.cli import main

    sim = simulate(40, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=0)
    sim.write(tmp_path / "x.h5mu")
    for i, k in ((1, "rna"), (2, "prot")):
        ad.AnnData(X=sim[k].X, obs=pd.DataFrame(index=sim.obs_names), var=sim[k].var).write_h5ad(
            tmp_path / f"x.mod{i}.h5ad")
    fix = (r"annotations are read from an \.h5ad's obs: write its obs as one, e\.g\. anndata\.AnnData\(obs=mudata\."
           r"read_h5mu\('.*x\.h5mu'\)\.obs\)\.write_h5ad\(\.\.\.\), and pass that$")
    inputs = InputFiles(mod1=tmp_path / "x.mod1.h5ad", mod2=tmp_path / "x.mod2.h5ad", annotations=[tmp_path / "x.h5mu"])
    with pytest.raises(ValueError, match=r"annotation file .*x\.h5mu is a MuData file .*, not an \.h5ad; " + fix):
        inputs.read()
    assert main(["fit", "--mod1", str(tmp_path / "x.mod1.h5ad"), "--mod2", str(tmp_path / "x.mod2.h5ad"),
                 "--annotations", str(tmp_path / "x.h5mu"), "--out", str(tmp_path / "m")]) != 0
    assert "write its obs as one" in caplog.text
    assert "--h5mu FILE" not in caplog.text and "each modality" not in caplog.text
    assert not (tmp_path / "m").exists()


def test_a_cell_ranger_file_with_repeated_gene_names_says_it_made_them_unique(tmp_path, caplog):
    """read_10x_h5 (jae --10x) renamed the second of two genes of one name ('POLD3' -> 'POLD3-1') without a word, so
    a model's features differed from the file's names in silence; it now says so, once, with an example."""
    import logging

    from jae.io import read_10x_h5
    from conftest import write_10x

    X = np.random.default_rng(0).poisson(2.0, size=(8, 6))
    names = ["POLD3", "RFC2", "POLD3", "CD3", "CD4", "CD8"]
    types = ["Gene Expression"] * 3 + ["Antibody Capture"] * 3
    path = write_10x(tmp_path / "filtered_feature_bc_matrix.h5", X, names, types)
    with caplog.at_level(logging.INFO, logger="jae.io"):
        mdata = read_10x_h5(path)
    assert list(mdata["rna"].var_names) == ["POLD3", "RFC2", "POLD3-1"]
    assert ("filtered_feature_bc_matrix.h5: 1 repeated rna feature names made unique as anndata does: e.g. the second "
            "'POLD3' is 'POLD3-1'") in caplog.text
    assert "prot feature names made unique" not in caplog.text
