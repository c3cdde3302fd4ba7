"""jae predict --model FOLDER --output FOLDER/x.h5ad wrote the prediction into the saved predictor's folder (s38
real-data walk, BMMC CITE), after which 'jae predict ... --save-model FOLDER --overwrite' refused the folder for the
stray file ('holds x.h5ad besides the model'). jae embed and jae map refuse an output inside the model folder they
read; now jae predict does too, before any file is read, and a path beside the folder is still written."""

from __future__ import annotations

import pytest

from jae.prediction import ModalityPredictor
from jae.workflows.predict import predict_files

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture
def saved(tmp_path):
    source, target = paired(60, seed=0)
    query = paired(10, seed=1, prefix="q")[0]
    query.write_h5ad(tmp_path / "te1.h5ad")
    ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False).save(tmp_path / "m")
    return tmp_path


def test_an_output_inside_the_predictor_folder_is_refused(saved):
    inside = saved / "m" / "x.h5ad"
    with pytest.raises(ValueError, match=r"^output .*x\.h5ad lies inside the predictor folder .*m, which only "
                                         r"save_model writes .*: choose a path for output outside it$"):
        predict_files(None, None, saved / "te1.h5ad", inside, model=saved / "m", progress_bar=False)
    assert sorted(p.name for p in (saved / "m").iterdir()) == ["model.json", "weights.pt"]
    result = predict_files(None, None, saved / "te1.h5ad", saved / "beside.h5ad", model=saved / "m",
                           progress_bar=False)
    assert result.written == (saved / "beside.h5ad",) and (saved / "beside.h5ad").is_file()


def test_the_cli_names_its_flags(saved, caplog, capsys):
    from jae.cli import main

    code = main(["predict", "--model", str(saved / "m"), "--test-mod1", str(saved / "te1.h5ad"), "--output",
                 str(saved / "m" / "x.h5ad")])
    said = caplog.text + capsys.readouterr().err
    assert code == 1 and "Traceback" not in said
    assert "lies inside the predictor folder" in said and "choose a path for --output outside it" in said
    assert "stops --save-model with --overwrite replacing it" in said
    assert not (saved / "m" / "x.h5ad").exists()
