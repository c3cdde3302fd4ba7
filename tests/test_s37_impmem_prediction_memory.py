"""jae.impute and jae embed --impute-modality / --impute-out made the whole prediction (the cells lacking a modality x
the model's features of it, float32) whatever its size: RNA-only cells' peaks of a full ATAC model (100,000 cells x
116,490 peaks: 46 GB) ran out of memory after fine-tuning and embedding, with a traceback. A prediction larger than
the memory available is now refused in one line naming its size and the fix (impute in parts of a number of cells
that fits), before the network's work (in jae embed, before fine-tuning and embedding); one that fits is made as
before, bit for bit."""

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
    """A reference fitted on paired CITE-seq cells (15 proteins); 60 query cells with RNA alone, in memory and in an
    .h5mu file."""
    d, model = own_cite_model("s37_impmem_prediction_memory")
    q = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    alone = md.MuData({"rna": q["rna"].copy()})
    alone.write(d / "rna_alone.h5mu")
    return model, d, alone


def _tight(monkeypatch, available) -> None:
    import jae.io.plan

    monkeypatch.setattr(jae.io.plan, "available_memory", lambda: available)


def _no_network(monkeypatch) -> None:
    def never(*args, **kwargs):
        raise AssertionError("the network ran before the check")

    monkeypatch.setattr(JAE, "finetune", never)
    monkeypatch.setattr(JAE, "embed", never)
    monkeypatch.setattr("jae.imputation.run._decoded", never)


def test_jae_impute_refuses_a_prediction_larger_than_the_memory_available(setup, monkeypatch):
    model, _, alone = setup
    n_vars = len(model.preprocessor.var_names[1])
    _no_network(monkeypatch)
    _tight(monkeypatch, 20 * 4 * n_vars + 3)  # room for 20 of the 60 cells' proteins
    said = (rf"^the prediction of 'prot' for the 60 cells lacking it \({n_vars} features, float32\) would take .* kB, "
            r"more than the .* of memory available: impute the cells in parts of at most 20 cells lacking it, each "
            r"written to its own file \(e\.g\. jae\.impute\(model, mdata\[:20\]\)\.write_h5ad\(FILE\), then the "
            r"next cells\)$")
    with pytest.raises(ValueError, match=said):
        jae.impute(model, alone, modality="prot")


def test_the_suggested_parts_give_the_same_prediction_bit_for_bit(setup, monkeypatch):
    model, _, alone = setup
    whole = jae.impute(model, alone, modality="prot")
    n_vars = len(model.preprocessor.var_names[1])
    _tight(monkeypatch, 60 * 4 * n_vars)  # exactly enough: made as before
    np.testing.assert_array_equal(jae.impute(model, alone, modality="prot").X, whole.X)
    _tight(monkeypatch, None)  # unknown: nothing refused
    np.testing.assert_array_equal(jae.impute(model, alone, modality="prot").X, whole.X)
    assert whole.X.dtype == np.float32 and whole.shape == (60, n_vars)


def test_jae_embed_refuses_it_before_fine_tuning_and_embedding(setup, tmp_path, monkeypatch, caplog):
    model, d, _ = setup
    _no_network(monkeypatch)
    _tight(monkeypatch, 1000)
    for impute in (["--impute-modality", "prot"], ["--impute-out", str(tmp_path / "imp.h5ad")]):
        caplog.clear()
        assert main(["embed", "--model", str(d / "model"), "--h5mu", str(d / "rna_alone.h5mu"), "--out",
                     str(tmp_path / "e.h5mu"), "--memory-budget", "1G", *impute]) == 1
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        drop = impute[0]
        assert len(errors) == 1, errors
        assert errors[0].startswith("the prediction of 'prot' for the 60 cells lacking it ("), errors
        assert ("memory available: split the input into files of at most 16 cells lacking it, or drop "
                f"{drop} and impute in Python in parts") in errors[0], errors
        assert "Traceback" not in caplog.text
        assert not (tmp_path / "e.h5mu").exists() and not (tmp_path / "imp.h5ad").exists()
    with pytest.raises(ValueError, match=r"or pass impute_modality=None and impute in Python in parts"):
        jae.embed_files(InputFiles(h5mu=d / "rna_alone.h5mu"), model, tmp_path / "e.h5mu", impute_modality="prot",
                        memory_budget="1G", progress_bar=False)
