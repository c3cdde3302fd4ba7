"""Session 38: jae embed with a model without cell types (fitted unsupervised) of a file that already held jae's
label columns (an earlier run's output, e.g. jae_cell_type) wrote them into the output beside the new embedding
without a word, where they read as this embedding's labels. The output still keeps them (the input's own obs), with
a warning naming them."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate

STALE = ["jae_cell_type", "jae_confidence"]


@pytest.fixture(scope="module")
def unsupervised(tmp_path_factory):
    data = simulate(150, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=3)
    model = JAE(JAEConfig(max_epochs=1, n_svd=5, mode="unsupervised"), seed=0, device="cpu")
    return model.fit(data, cell_type_key=None, progress_bar=False), data


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "earlier run" in
            r.getMessage()]


@pytest.mark.parametrize("suffix", [".h5ad", ".h5mu"])
def test_labels_of_an_earlier_run_are_named(unsupervised, tmp_path, caplog, suffix):
    model, data = unsupervised
    data = data.copy()
    data.obs["jae_cell_type"] = "B cell"
    data.obs["jae_confidence"] = np.float32(0.9)
    if suffix == ".h5mu":
        data.write(tmp_path / "in.h5mu")
        inputs = jae.io.InputFiles(h5mu=tmp_path / "in.h5mu")
    else:
        rna, prot = data["rna"].copy(), data["prot"].copy()
        rna.obs = data.obs.copy()
        rna.write_h5ad(tmp_path / "in.mod1.h5ad")
        prot.write_h5ad(tmp_path / "in.mod2.h5ad")
        inputs = jae.io.InputFiles(mod1=tmp_path / "in.mod1.h5ad", mod2=tmp_path / "in.mod2.h5ad")
    out = tmp_path / f"out{suffix}"
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.embed_files(inputs, model, out, finetune_epochs=0, progress_bar=False)
    said = _warnings(caplog)
    assert len(said) == 1, said
    assert all(repr(k) in said[0] for k in STALE) and out.name in said[0] and "no cell types" in said[0]
    obs = ad.read_h5ad(out).obs if suffix == ".h5ad" else __import__("mudata").read_h5mu(out).obs
    assert (obs["jae_cell_type"] == "B cell").all()  # kept as the input holds them


def test_no_warning_without_such_columns(unsupervised, tmp_path, caplog):
    model, data = unsupervised
    data.write(tmp_path / "in.h5mu")
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.embed_files(jae.io.InputFiles(h5mu=tmp_path / "in.h5mu"), model, tmp_path / "out.h5mu",
                        finetune_epochs=0, progress_bar=False)
    assert not _warnings(caplog)
