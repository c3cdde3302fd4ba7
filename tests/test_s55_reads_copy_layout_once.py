"""Session 55: jae embed --impute-modality into an .h5mu copy called jae.io.write.h5mu_copy_layout twice (opening
the input twice) when the imputed modality is new to the file: once with the modality, and again without it only to
learn whether the copy could be made once the modality is added (read bare, then grafted). The one call now says it
(layout['modality'] False); the output is as before."""

from __future__ import annotations

import mudata as md
import numpy as np
import pytest

import jae
import jae.io.write as jae_write
from jae.datasets import simulate
from jae.io import InputFiles
from jae.io.write import h5mu_copy_layout


@pytest.fixture(scope="module")
def setup(own_cite_model):
    d, model = own_cite_model("copy_layout_once")
    q = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    md.MuData({"rna": q["rna"].copy()}).write(d / "rna_alone.h5mu")
    return model, d


@pytest.fixture
def calls(monkeypatch):
    seen = []

    def counted(*args, **kwargs):
        seen.append(args[2:] + tuple(kwargs.values()))
        return h5mu_copy_layout(*args, **kwargs)

    monkeypatch.setattr(jae_write, "h5mu_copy_layout", counted)
    return seen


def test_a_new_modality_reads_the_layout_once(setup, calls, tmp_path):
    model, d = setup
    jae.embed_files(InputFiles(h5mu=d / "rna_alone.h5mu"), model, tmp_path / "out.h5mu", finetune_epochs=0,
                    impute_modality="prot", progress_bar=False)
    assert calls == [("prot",)]  # was [('prot',), ()]: again without the modality
    written = md.read_h5mu(tmp_path / "out.h5mu")
    assert list(written.mod) == ["rna", "prot"] and written["prot"].X is None  # grafted, as before
    expected = jae.impute(model, md.read_h5mu(d / "rna_alone.h5mu"), modality="prot")
    np.testing.assert_allclose(written["prot"].layers["jae_imputed"], expected.X)


def test_the_layout_says_whether_the_modality_was_read(setup):
    _, d = setup
    cells = md.read_h5mu(d / "rna_alone.h5mu").obs_names
    assert "modality" not in h5mu_copy_layout(d / "rna_alone.h5mu", cells)
    new = h5mu_copy_layout(d / "rna_alone.h5mu", cells, "prot")
    assert new["modality"] is False and "layers" not in new and list(new["cells"]) == list(cells)
    held = h5mu_copy_layout(d / "rna_alone.h5mu", cells, "rna")
    assert held["modality"] is True and list(held["obs_names"]) == list(cells) and len(held["var_names"]) == 200
