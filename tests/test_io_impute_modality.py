"""``jae embed --impute-modality NAME`` (``jae.embed_files(..., impute_modality=)``): the modality to impute for the
cells lacking it, written as ``layers['jae_imputed']`` of that modality in the ``.h5mu`` output's copy, or to
``--impute-out``; each misuse refused in one line before any work."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pytest

import jae
from jae import JAE
from jae.cli import main
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def setup(own_cite_model):
    """A reference fitted on paired CITE-seq cells; query .h5mu files: ``rna_alone`` (RNA only), and ``both``, whose
    modalities hold different cells (cells 0-39 lack proteins, 40-59 lack RNA)."""
    d, model = own_cite_model("impute_modality")  # the shared reference (conftest), copied: this module's own
    q = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    cells = np.arange(q.n_obs)
    both = md.MuData({"rna": q["rna"][(cells < 40) | (cells >= 60)].copy(), "prot": q["prot"][cells >= 40].copy()})
    both.write(d / "both.h5mu")
    alone = md.MuData({"rna": q["rna"].copy()})
    alone.write(d / "rna_alone.h5mu")
    return model, d, alone, both


def test_the_imputed_modality_is_written_as_a_layer_of_the_h5mu_copy(setup, tmp_path):
    """RNA alone: the copy gets the proteins as layers['jae_imputed'] of a new modality 'prot' (no .X: no counts)."""
    model, d, alone, _ = setup
    before = (d / "rna_alone.h5mu").read_bytes()
    jae.embed_files(InputFiles(h5mu=d / "rna_alone.h5mu"), model, tmp_path / "out.h5mu", finetune_epochs=0,
                    impute_modality="prot", progress_bar=False)
    written = md.read_h5mu(tmp_path / "out.h5mu")
    assert list(written.mod) == ["rna", "prot"] and written["prot"].X is None
    expected = jae.impute(model, alone, modality="prot")
    assert list(written["prot"].obs_names) == list(expected.obs_names)
    np.testing.assert_allclose(written["prot"].layers["jae_imputed"], expected.X)
    assert written["prot"].uns["jae_imputed"]["modality"] == "prot" and written.obsm["X_jae"].shape[0] == 120
    assert (d / "rna_alone.h5mu").read_bytes() == before  # the input is never written


def test_the_layer_fills_the_rows_of_cells_a_modality_holds_unmeasured(setup):
    """A modality holding the cells lacking it as all-NaN rows (jae's in-memory mosaic layout) gets the prediction
    in those rows and NaN in the measured ones."""
    from jae.imputation import add_imputed_layer

    model, _, alone, _ = setup
    copy = md.MuData({"rna": alone["rna"].copy(), "prot": jae.impute(model, alone, modality="prot")})
    copy["prot"].X = np.full(copy["prot"].shape, np.nan, dtype=np.float32)
    part = jae.impute(model, alone, modality="prot")[:30]
    add_imputed_layer(copy, part, "prot")
    layer = copy["prot"].layers["jae_imputed"]
    np.testing.assert_allclose(layer[:30], part.X)
    assert np.isnan(layer[30:]).all()


def test_cells_lacking_each_modality_need_the_choice(setup, tmp_path, caplog):
    model, d, _, both = setup
    with pytest.raises(ValueError, match=r"cells lack 'rna' and cells lack 'prot'; pass impute_modality= to choose"):
        jae.embed_files(InputFiles(h5mu=d / "both.h5mu"), model, tmp_path / "e.h5ad", finetune_epochs=0,
                        impute_out=tmp_path / "imp.h5ad", progress_bar=False)
    assert main(["embed", "--model", str(d / "model"), "--h5mu", str(d / "both.h5mu"), "--out",
                 str(tmp_path / "e.h5ad"), "--impute-out", str(tmp_path / "imp.h5ad"), "--finetune-epochs", "0"]) == 1
    assert "pass --impute-modality NAME to choose which to impute" in caplog.text
    assert not (tmp_path / "e.h5ad").exists() and not (tmp_path / "imp.h5ad").exists()
    assert main(["-q", "embed", "--model", str(d / "model"), "--h5mu", str(d / "both.h5mu"), "--out",
                 str(tmp_path / "e.h5ad"), "--impute-out", str(tmp_path / "imp.h5ad"), "--impute-modality", "rna",
                 "--finetune-epochs", "0"]) == 0
    got = jae.impute(model, both, modality="rna")
    import anndata as ad

    imputed = ad.read_h5ad(tmp_path / "imp.h5ad")
    assert imputed.uns["jae_imputed"]["modality"] == "rna" and list(imputed.obs_names) == list(got.obs_names)
    np.testing.assert_allclose(imputed.X, got.X)


@pytest.mark.parametrize("case", ["h5ad_out", "unknown_name", "other_cells", "nothing_lacks"])
def test_impute_misuse_is_refused_in_one_line_before_any_work(setup, tmp_path, caplog, monkeypatch, case):
    model, d, _, _ = setup

    def never(*args, **kwargs):
        raise AssertionError("fine-tuned or embedded before the check")

    monkeypatch.setattr(JAE, "finetune", never)
    monkeypatch.setattr(JAE, "embed", never)
    source, out, name, said = {
        "h5ad_out": ("rna_alone.h5mu", "e.h5ad", "prot",
                     "--impute-modality writes the prediction as a layer of an .h5mu output (--out *.h5mu, for an "
                     "--h5mu input); with --out *.h5ad pass --impute-out FILE.h5ad too"),
        "unknown_name": ("rna_alone.h5mu", "e.h5mu", "atac",  # 'adt' is read as 'prot', the model's ADT modality
                         "--impute-modality 'atac' is not one of the model's modalities ['rna', 'prot']"),
        "other_cells": ("both.h5mu", "e.h5mu", "prot", "modality 'prot' of the .h5mu file holds other cells than those "
                        "lacking it, so their prediction cannot be written as a layer of it in the output's copy: "
                        "pass --impute-out FILE.h5ad"),
        "nothing_lacks": ("rna_alone.h5mu", "e.h5mu", "rna", "every cell of the data has 'rna': nothing to impute "
                          "(the measured values are there); 120 of the 120 cells lack 'prot': pass --impute-modality "
                          "prot to impute it, or drop --impute-modality"),
    }[case]
    caplog.clear()
    assert main(["embed", "--model", str(d / "model"), "--h5mu", str(d / source), "--out", str(tmp_path / out),
                 "--impute-modality", name]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and said in errors[0], errors
    assert not (tmp_path / out).exists()
