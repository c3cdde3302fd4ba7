"""A query sharing none of the model's features in a modality (another peak set, panel or organism) was told to
'fit a reference on features this data shares with it (subset both to the shared features, then refit)', of which
there are none (session 35: SNARE-seq peaks moved by 50 bp, jae map). It is told now that nothing is shared and what
helps (the model's features, for ATAC the fragments counted in its peaks; a reference like the data; beside RNA, the
RNA alone); a query sharing some features is told to subset and refit, as before."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from jae.cli import main
from jae.datasets import simulate
from jae.io.features import feature_overlap


def test_no_shared_feature_is_not_told_to_subset_to_shared_ones():
    model = pd.Index([f"chr1_{1000 * i}_{1000 * i + 400}" for i in range(40)])
    moved = pd.Index([f"chr1_{1000 * i + 50}_{1000 * i + 450}" for i in range(40)])  # another peak calling
    with pytest.raises(ValueError) as err:
        feature_overlap(moved, model, name="modality 'atac'")
    said = str(err.value)
    assert "subset both to the shared features" not in said, said
    assert "nothing to subset to" in said and "count the cells' fragments in the model's peaks" in said, said
    with pytest.raises(ValueError, match=r"subset both to the shared features, then refit\)$"):  # 10 of 40 shared
        feature_overlap(model[:10].append(moved[10:]), model, name="modality 'atac'")


def test_jae_map_of_another_panel_names_what_helps(own_cite_model, tmp_path, caplog):
    folder, model = own_cite_model("s35_mapq_none_shared")
    query = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=31)
    query.obs["batch"] = "q1"
    rna, prot = query["rna"].copy(), query["prot"].copy()
    rna.obs["batch"] = "q1"
    prot.var_names = [f"other{i}" for i in range(prot.n_vars)]
    with pytest.raises(ValueError, match="nothing to subset to.*or place these cells from their RNA alone"):
        model.map_query({"rna": rna, "prot": prot}, progress_bar=False)
    rna.write_h5ad(tmp_path / "q.rna.h5ad")
    prot.write_h5ad(tmp_path / "q.prot.h5ad")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "map", "--mod1", str(tmp_path / "q.rna.h5ad"), "--mod2", str(tmp_path / "q.prot.h5ad"),
                     "--model", str(folder / "model"), "--out", str(tmp_path / "out"), "--device", "cpu"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "subset both" not in errors[0] and (
        "or fit a reference on cells measured like these; or place these cells from their RNA alone: give --mod1 "
        "without --mod2") in errors[0], errors[0]


def test_jae_map_of_an_h5mu_with_another_panel_says_how_to_give_its_rna_alone(own_cite_model, tmp_path, caplog):
    """The RNA-alone fix read 'give --mod1 without --mod2' also for an --h5mu input, which has no --mod1 file; it now
    says how to write the RNA of an --h5mu or --h5ad input to an .h5ad of its own, which --mod1 then takes."""
    import mudata as md

    folder, _ = own_cite_model("s35_mapq_none_shared_h5mu")
    query = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=32)
    rna, prot = query["rna"].copy(), query["prot"].copy()
    prot.var_names = [f"other{i}" for i in range(prot.n_vars)]
    mdata = md.MuData({"rna": rna, "prot": prot})
    mdata.obs["batch"] = "q1"
    mdata.write(tmp_path / "q.h5mu")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "map", "--h5mu", str(tmp_path / "q.h5mu"), "--model", str(folder / "model"), "--out",
                     str(tmp_path / "out"), "--device", "cpu"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].endswith(
        "give --mod1 without --mod2 (from an --h5mu, --h5ad or --10x input, its RNA written to an .h5ad of its own, e.g. "
        "in "
        "Python mudata.read_h5mu(FILE)['rna'].write_h5ad('rna.h5ad') for an --h5mu (with its RNA modality's name "
        "in place of 'rna' where the file names it otherwise, e.g. 'gex' or 'RNA'), "
        "jae.io.split_anndata(anndata.read_h5ad(FILE))['rna'].write_h5ad('rna.h5ad') for an --h5ad, "
        "jae.read_10x_h5(FILE)['rna'].write_h5ad('rna.h5ad') for a --10x)"), errors[0]
    alone = md.read_h5mu(tmp_path / "q.h5mu")["rna"]  # the fix, as said
    alone.obs["batch"] = "q1"
    alone.write_h5ad(tmp_path / "rna.h5ad")
    assert main(["-q", "map", "--mod1", str(tmp_path / "rna.h5ad"), "--model", str(folder / "model"), "--out",
                 str(tmp_path / "out"), "--device", "cpu"]) == 0
