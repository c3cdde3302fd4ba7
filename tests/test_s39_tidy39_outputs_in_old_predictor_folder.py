"""Session 39: an output inside a predictor folder saved by an older jae (predictor.json + weights.pt) was written there
by every verb but the one reading it (jae embed --out OLD/x.h5ad, jae evaluate --out OLD, ...), after which
'jae predict ... --save-model OLD --overwrite' refused OLD for the stray file ('holds x.h5ad besides the model'). Only
folders of today's layout (model.json + weights.pt) were recognised; both are now, in the same words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jae import embed_files, evaluate_files
from jae.datasets import simulate
from jae.io import InputFiles

LEGACY = Path(__file__).parent / "fixtures" / "predictor_v1"
SAID = (r"^{flag} .*old{rest} {where} a model folder \(predictor\.json and weights\.pt\), which only jae fit, jae map "
        r"and jae predict --save-model write \(a stray file there stops them replacing it with overwrite=True\): "
        r"choose another {flag} outside it$")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("s39_tidy39_old_predictor")
    simulate(40, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=2, seed=0)["rna"].write_h5ad(
        d / "rna.h5ad")
    shutil.copytree(LEGACY, d / "old")
    return d


def test_outputs_in_an_old_layout_predictor_folder_are_refused(files):
    with pytest.raises(ValueError, match=SAID.format(flag="out", rest=r"/x\.h5ad", where=r"lies inside .*old,")):
        embed_files(InputFiles(mod1=files / "rna.h5ad"), files / "no_model", files / "old" / "x.h5ad",
                    progress_bar=False)
    with pytest.raises(ValueError, match=SAID.format(flag="out", rest="", where="is")):
        evaluate_files(InputFiles(mod1=files / "rna.h5ad"), ["X_emb"], files / "old", progress_bar=False)
    assert sorted(p.name for p in (files / "old").iterdir()) == ["predictor.json", "weights.pt"]
