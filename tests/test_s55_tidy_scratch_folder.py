"""Session 55: jae.io.write's two temporary copies (read_h5mu_bare's bare .h5mu, graft_h5mu's new modality) go through
jae.io.samples_files.scratch_folder, beside temporary_file the one helper of jae's temporary folders (TMPDIR, one
passed over said), instead of each calling tempfile.TemporaryDirectory on temporary_folder() itself. Each folder is
gone when its step ends, as before, and the output is the same."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager

import anndata as ad
import mudata as md
import numpy as np
import scipy.sparse as sp

import jae
import jae.io.samples_files as samples_files
from jae.io.write import graft_h5mu, read_h5mu_bare


def _dense(matrix):
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def test_both_copies_use_the_one_helper_and_leave_nothing(tmp_path, monkeypatch):
    source = tmp_path / "rna.h5mu"
    md.MuData({"rna": jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2,
                                   seed=0)["rna"]}).write(source)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    made = []
    helper = samples_files.scratch_folder

    @contextmanager
    def recorded():
        with helper() as folder:
            assert folder.parent == scratch
            made.append(folder)
            yield folder
            assert [p.name for p in folder.iterdir()] == ["bare.h5mu"]

    monkeypatch.setattr(samples_files, "scratch_folder", recorded)
    bare = read_h5mu_bare(source)
    assert len(made) == 1 and not made[0].exists()
    prot = ad.AnnData(obs=bare.obs[[]].copy(), var=ad.AnnData(np.zeros((1, 8))).var)
    prot.layers["jae_imputed"] = np.ones((bare.n_obs, 8), np.float32)
    bare.mod["prot"] = prot
    bare.update()
    out = graft_h5mu(bare, source, tmp_path / "out.h5mu", "prot")
    assert len(made) == 2 and not made[1].exists() and list(scratch.iterdir()) == []
    written = md.read_h5mu(out)
    assert np.array_equal(written["prot"].layers["jae_imputed"], np.ones((60, 8), np.float32))
    assert np.array_equal(_dense(written["rna"].X), _dense(md.read_h5mu(source)["rna"].X))
