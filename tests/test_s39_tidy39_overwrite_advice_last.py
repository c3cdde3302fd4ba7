"""Session 39: the advice to pass overwrite came before refusals that overwrite does not lift, so following it led to
another refusal: 'jae fit --out M' (M a model folder holding notes.txt, or a predictor's folder) said "--out M exists;
pass --overwrite", and with --overwrite "M holds notes.txt besides the model" (or "holds a 'predictor' model");
model.save(M) alike; and 'jae embed --out E.h5ad --labels-out NO_DIR/l.csv', E.h5ad there already, said E.h5ad
exists, then with --overwrite that NO_DIR does not exist. The existing output is now refused last; plain existing
outputs are refused as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import jae
from jae import embed_files, fit_files
from jae.datasets import simulate
from jae.io import InputFiles

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def files(tmp_path):
    simulate(40, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=2, seed=0)["rna"].write_h5ad(
        tmp_path / "rna.h5ad")
    shutil.copytree(FIXTURES / "model_v6" / "model", tmp_path / "notes")
    (tmp_path / "notes" / "notes.txt").write_text("mine")
    shutil.copytree(FIXTURES / "predictor_v6" / "jae", tmp_path / "predictor")
    shutil.copytree(FIXTURES / "model_v6" / "model", tmp_path / "plain")
    return tmp_path


def test_fit_names_what_overwrite_would_not_replace(files):
    rna = InputFiles(mod1=files / "rna.h5ad")
    with pytest.raises(FileExistsError, match=r"^out .*notes holds notes\.txt besides the model, which replacing the "
                                              r"model folder would delete; move it out of the folder or choose "
                                              r"another out$"):
        fit_files(rna, files / "notes", progress_bar=False)
    with pytest.raises(ValueError, match=r"^out .*predictor holds a 'predictor' model; overwrite=True replaces only "
                                         r"a 'jae' model: choose another out$"):
        fit_files(rna, files / "predictor", progress_bar=False)
    with pytest.raises(FileExistsError, match=r"^out .*plain exists; pass overwrite=True to replace it or choose "
                                              r"another out$"):
        fit_files(rna, files / "plain", progress_bar=False)


def test_save_names_the_files_beside_the_model(files):
    model = jae.JAE.load(files / "plain", device="cpu")
    with pytest.raises(FileExistsError, match=r"notes holds notes\.txt besides the model"):
        model.save(files / "notes")
    with pytest.raises(FileExistsError, match=r"plain exists; pass overwrite=True \(CLI: --overwrite\)"):
        model.save(files / "plain")
    assert (files / "notes" / "notes.txt").read_text() == "mine"


def test_an_existing_output_is_said_after_the_other_outputs(files):
    (files / "e.h5ad").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"^the folder .*no_dir of labels_out .*l\.csv does not exist"):
        embed_files(InputFiles(mod1=files / "rna.h5ad"), files / "plain", files / "e.h5ad",
                    labels_out=files / "no_dir" / "l.csv", progress_bar=False)
