"""Session 39: jae demo --out FOLDER, FOLDER a saved model (or a folder inside one), simulated, trained and wrote
demo.h5mu, embedding.h5ad, model/ and report/ into it, after which 'jae fit --out FOLDER --overwrite' refused it for
the stray files (jae evaluate refuses such an --out since session 38). jae demo now refuses it in the same words,
before anything is simulated."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture
def saved(tmp_path, monkeypatch):
    source, target = paired(40, seed=0)
    ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False).save(tmp_path / "m")
    monkeypatch.setattr("jae.datasets.simulate", lambda *a, **k: 1 / 0)  # reached: the refusal came too late
    return tmp_path


@pytest.mark.parametrize("where, said", [("m", "is"), ("m/demo", "lies inside .*m,")])
def test_an_out_in_a_model_folder_is_refused(saved, where, said):
    with pytest.raises(ValueError, match=rf"^out .*{where} {said} a model folder \(model\.json and weights\.pt\), "
                                         r"which only jae fit, jae map and jae predict --save-model write .*: choose "
                                         r"another out outside it$"):
        jae.run_demo(saved / where, overwrite=True, progress_bar=False)
    assert sorted(p.name for p in (saved / "m").iterdir()) == ["model.json", "weights.pt"]


def test_the_cli_names_its_flag(saved, caplog):
    from jae.cli import main

    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["demo", "--out", str(saved / "m")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records), said
    assert "is a model folder" in said[0] and "choose another --out outside it" in said[0], said
    assert "with --overwrite" in said[0], said
