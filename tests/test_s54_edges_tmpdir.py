"""Session 54: the temporary write of `jae embed --impute-modality NAME` into an .h5mu copy that lacks that modality
(jae.io.write.graft_h5mu writes the new modality, the dense prediction, to a temporary file first; read_h5mu_bare
too) went through tempfile alone: a TMPDIR that Python passes over was not said, as it is for jae's other temporary
files (jae.io.samples_files.temporary_folder), and a TMPDIR without room for the prediction failed while writing,
said as the output's folder running out of room. (`--impute-out FILE.h5ad` writes no temporary file in TMPDIR: its
file is written atomically beside itself.)"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import namedtuple

import anndata as ad
import mudata as md
import numpy as np
import pytest

import jae
from jae.io.write import graft_h5mu, read_h5mu_bare


@pytest.fixture
def rna_alone(tmp_path):
    mdata = jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=0)
    path = tmp_path / "rna.h5mu"
    md.MuData({"rna": mdata["rna"]}).write(path)
    return path


def _with_prot(bare):
    """The bare MuData with an added modality 'prot' holding a prediction as its only matrix (as
    jae.imputation.run.add_imputed_layer adds it)."""
    prot = ad.AnnData(obs=bare.obs[[]].copy(), var=ad.AnnData(np.zeros((1, 8))).var)
    prot.layers["jae_imputed"] = np.ones((bare.n_obs, 8), np.float32)
    bare.mod["prot"] = prot
    bare.update()
    return bare


def test_a_tmpdir_python_passes_over_is_said_by_the_imputed_copy(rna_alone, tmp_path, monkeypatch, caplog):
    asked = tmp_path / "missing"
    monkeypatch.setenv("TMPDIR", str(asked))
    monkeypatch.setattr(tempfile, "tempdir", None)  # Python reads TMPDIR again
    with caplog.at_level(logging.WARNING, logger="jae"):
        mdata = _with_prot(read_h5mu_bare(rna_alone))
        graft_h5mu(mdata, rna_alone, tmp_path / "out.h5mu", "prot")
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert said == [f"TMPDIR={asked} does not exist, so temporary files go to {tempfile.gettempdir()} instead "
                    "(Python's fallback): create it, or point TMPDIR at a folder you can write to"]
    assert "jae_imputed" in md.read_h5mu(tmp_path / "out.h5mu")["prot"].layers


def test_a_tmpdir_without_room_for_the_new_modality_is_refused_before_writing(rna_alone, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    mdata = _with_prot(read_h5mu_bare(rna_alone))
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    with pytest.raises(ValueError, match=rf"^writing modality 'prot' of out\.h5mu needs about .* in the temporary "
                                         rf"folder {scratch}, which has .* free; point TMPDIR at a disk with that much "
                                         r"room \(e\.g\. TMPDIR=/scratch/tmp\), or write the prediction to its own "
                                         r"file \(impute_out=FILE\.h5ad\)$"):
        graft_h5mu(mdata, rna_alone, tmp_path / "out.h5mu", "prot")
    assert not (tmp_path / "out.h5mu").exists() and list(scratch.iterdir()) == []
