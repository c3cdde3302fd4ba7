"""jae evaluate --out MODEL_FOLDER wrote its report (metrics.csv, index.html, UMAPs) into a model folder (s38 real-data
walk: a REAP-seq reference's folder), after which 'jae fit --out MODEL_FOLDER --overwrite' refused it for the stray
files. jae embed, jae map and now jae predict refuse an output inside the model folder they read; jae evaluate reads no
model, so it now refuses an --out that is, or lies inside, any model folder (model.json beside weights.pt), before
any data is read. Another folder is written as before."""

from __future__ import annotations

import numpy as np
import pytest

from jae import evaluate_files
from jae.datasets import simulate
from jae.io import InputFiles
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("s38_realwalk_eval_model_folder")
    data = simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    rna = data["rna"].copy()
    rna.obs["cell_type"] = data.obs["cell_type"].to_numpy()
    rna.obs["batch"] = data.obs["batch"].to_numpy()
    rna.obsm["X_emb"] = np.random.default_rng(0).normal(size=(rna.n_obs, 6)).astype(np.float32)
    rna.write_h5ad(d / "rna.h5ad")
    source, target = paired(60, seed=0)
    ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False).save(d / "m")
    return d


@pytest.mark.parametrize("where", ["m", "m/report"])
def test_out_in_a_model_folder_is_refused(files, where):
    with pytest.raises(ValueError, match=r"^out .* a model folder \(model\.json and weights\.pt\), which only jae fit, "
                                         r"jae map and jae predict --save-model write .*: choose another out outside "
                                         r"it$"):
        evaluate_files(InputFiles(mod1=files / "rna.h5ad"), ["X_emb"], files / where, progress_bar=False)
    assert sorted(p.name for p in (files / "m").iterdir()) == ["model.json", "weights.pt"]


def test_another_folder_is_written(files):
    table = evaluate_files(InputFiles(mod1=files / "rna.h5ad"), ["X_emb"], files / "eval", report=False,
                           progress_bar=False)
    assert list(table.index) == ["X_emb"] and (files / "eval" / "metrics.csv").is_file()


def test_the_cli_names_its_flags(files, caplog, capsys):
    from jae.cli import main

    code = main(["evaluate", "--mod1", str(files / "rna.h5ad"), "--obsm", "X_emb", "--out", str(files / "m")])
    said = caplog.text + capsys.readouterr().err
    assert code == 1 and "Traceback" not in said
    assert "which only jae fit, jae map and jae predict --save-model write" in said
    assert "replacing it with --overwrite): choose another --out outside it" in said
