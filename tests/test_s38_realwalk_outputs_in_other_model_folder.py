"""Outputs inside a model folder other than the one read (s38 real-data walk): 'jae embed --model A --out B/x.h5ad',
'jae predict ... --output B/p.h5ad', 'jae map/fit --out B/sub' and 'jae predict --save-model B/sub', with B a saved
model, wrote into B, after which 'jae fit --out B --overwrite' (or --save-model B --overwrite) refused B for the stray
files. Only the folder a verb reads was guarded. Now any output inside a model folder (model.json beside weights.pt)
is refused before any data is read, in the words jae evaluate uses; outputs elsewhere are unaffected (the verbs'
other tests)."""

from __future__ import annotations

import pytest

from jae import embed_files, fit_files, map_files
from jae.datasets import simulate
from jae.io import InputFiles
from jae.prediction import ModalityPredictor
from jae.workflows.predict import predict_files

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

SAID = (r"lies inside .*other, a model folder \(model\.json and weights\.pt\), which only jae fit, jae map and jae "
        r"predict --save-model write \(a stray file there stops them replacing it with overwrite=True\): choose "
        r"another {} outside it$")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("s38_realwalk_other_model_folder")
    data = simulate(60, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=2, seed=0)
    data["rna"].write_h5ad(d / "rna.h5ad")
    source, target = paired(60, seed=0)
    source.write_h5ad(d / "tr1.h5ad")
    target.write_h5ad(d / "tr2.h5ad")
    ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False).save(d / "other")
    return d


def _untouched(d):
    assert sorted(p.name for p in (d / "other").iterdir()) == ["model.json", "weights.pt"]


@pytest.mark.parametrize("flag", ["out", "labels_out", "impute_out"])
def test_embed(files, flag):
    paths = {"out": files / "e.h5ad", flag: files / "other" / ("x.csv" if flag == "labels_out" else "x.h5ad")}
    with pytest.raises(ValueError, match=SAID.format(flag)):
        embed_files(InputFiles(mod1=files / "rna.h5ad"), files / "no_model", **paths, progress_bar=False)
    _untouched(files)


def test_map_and_fit(files):
    with pytest.raises(ValueError, match=SAID.format("out")):
        map_files(InputFiles(mod1=files / "rna.h5ad"), files / "no_model", files / "other" / "mapped",
                  progress_bar=False)
    with pytest.raises(ValueError, match=SAID.format("out")):
        fit_files(InputFiles(mod1=files / "rna.h5ad"), files / "other" / "fitted", progress_bar=False)
    _untouched(files)


def test_predict(files):
    with pytest.raises(ValueError, match=SAID.format("output")):
        predict_files(files / "tr1.h5ad", files / "tr2.h5ad", files / "tr1.h5ad", files / "other" / "p.h5ad",
                      method="mean", progress_bar=False)
    with pytest.raises(ValueError, match=SAID.format("save_model")):
        predict_files(files / "tr1.h5ad", files / "tr2.h5ad", files / "tr1.h5ad", files / "p.h5ad",
                      save_model=files / "other" / "m", method="mean", progress_bar=False)
    _untouched(files)
    assert not (files / "p.h5ad").exists()
    written = predict_files(files / "tr1.h5ad", files / "tr2.h5ad", files / "tr1.h5ad", files / "p.h5ad",
                            method="mean", progress_bar=False).written
    assert written == (files / "p.h5ad",)
