"""Session 39: jae embed / jae map / jae predict given a model path that does not exist (or is no model folder) and
an output under it ('--model MISSING --out MISSING/x.h5ad', or '--out x.h5ad' with --model a folder holding the
working folder but no model) said the output 'lies inside the model folder MISSING'. Such a model path is now
refused as such (missing, or not a model folder), in one line naming it and the fix, first."""

from __future__ import annotations

import logging

import pytest

from jae.cli import main


def _error(caplog, args):
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records), said
    return said[0]


@pytest.mark.parametrize("verb", ["embed", "map"])
def test_missing_model_is_said_before_an_output_inside_it(verb, tmp_path, caplog):
    missing = tmp_path / "MISSING"
    out = missing / ("x.h5ad" if verb == "embed" else "mapped")
    err = _error(caplog, ["-q", verb, "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"),
                          "--model", str(missing), "--out", str(out)])
    assert "does not exist" in err and str(missing) in err and "lies inside" not in err, err
    assert "model was saved to" in err, err


@pytest.mark.parametrize("verb", ["embed", "map"])
def test_a_folder_that_is_no_model_is_said_so(verb, tmp_path, caplog):
    (tmp_path / "data").mkdir()
    out = tmp_path / "data" / ("x.h5ad" if verb == "embed" else "mapped")
    err = _error(caplog, ["-q", verb, "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"),
                          "--model", str(tmp_path), "--out", str(out)])
    assert "is not a jae model folder" in err and "lies inside" not in err, err


def test_predict_missing_model_is_said_before_an_output_inside_it(tmp_path, caplog):
    missing = tmp_path / "MISSING"
    err = _error(caplog, ["-q", "predict", "--model", str(missing), "--test-mod1", str(tmp_path / "a.h5ad"),
                          "--output", str(missing / "p.h5ad")])
    assert "does not exist" in err and "jae predict --save-model" in err and "lies inside" not in err, err


def test_predict_folder_that_is_no_model_is_said_so(tmp_path, caplog):
    err = _error(caplog, ["-q", "predict", "--model", str(tmp_path), "--test-mod1", str(tmp_path / "a.h5ad"),
                          "--output", str(tmp_path / "p.h5ad")])
    assert "is not a jae model folder" in err and "lies inside" not in err, err
