"""Outputs that would be lost to another output of the same call (session 33's audit)."""

from __future__ import annotations

import logging

import pytest

from jae.io.outputs import check_outputs
from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


def test_jae_predict_output_inside_the_save_model_folder_is_refused_before_any_work(tmp_path, caplog):
    """jae predict --output pm/p.h5ad --save-model pm --overwrite trained and predicted, then failed naming a
    temporary file ('pm holds .p.h5ad.<hex>.tmp.h5ad besides the model'); refused now, before any work."""
    from jae.cli import main

    (src, tgt), (query, _) = paired(60, seed=0), paired(5, seed=1, prefix="q")
    for adata, name in ((src, "tr1"), (tgt, "tr2"), (query, "te1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    train = ["-q", "predict", "--train-mod1", str(tmp_path / "tr1.h5ad"), "--train-mod2", str(tmp_path / "tr2.h5ad"),
             "--test-mod1", str(tmp_path / "te1.h5ad"), "--method", "mean"]
    assert main(train + ["--output", str(tmp_path / "o.h5ad"), "--save-model", str(tmp_path / "pm")]) == 0
    caplog.clear()
    assert main(train + ["--output", str(tmp_path / "pm" / "p.h5ad"), "--save-model", str(tmp_path / "pm"),
                         "--overwrite"]) != 0
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert said == [f"--output {tmp_path / 'pm' / 'p.h5ad'} lies in the model folder --save-model {tmp_path / 'pm'}, "
                    "which is written as a whole; choose a path for --output outside pm"]
    assert sorted(p.name for p in (tmp_path / "pm").iterdir()) == ["model.json", "weights.pt"]


def test_check_outputs_refuses_a_file_in_a_model_folder_output(tmp_path):
    with pytest.raises(ValueError, match=r"^output .*m/x\.h5ad lies in the model folder save_model .*m, which is "
                                         r"written as a whole; choose a path for output outside m$"):
        check_outputs([("output", tmp_path / "m" / "x.h5ad"), ("save_model", tmp_path / "m")], inputs=(),
                      overwrite=True, models={"save_model": "model.json"})
    check_outputs([("output", tmp_path / "x.h5ad"), ("save_model", tmp_path / "m")], inputs=(), overwrite=True,
                  models={"save_model": "model.json"})  # beside it: accepted


def test_a_file_name_too_long_for_the_temporary_file_is_refused_before_any_work(tmp_path):
    """An --out name of 233 to 255 bytes passed the checks, then failed writing with 'File name too long' after all
    the work (jae writes through a temporary file named after it); names up to 232 bytes are written."""
    import numpy as np

    from jae.io import write_embedding_h5ad

    fits, too_long = tmp_path / ("a" * 227 + ".h5ad"), tmp_path / ("b" * 228 + ".h5ad")
    check_outputs([("out", fits)], inputs=(), overwrite=False)
    write_embedding_h5ad(np.ones((3, 2)), ["x", "y", "z"], fits, dataset_id="d")
    assert fits.exists()
    with pytest.raises(ValueError, match=r"^out b{40}\.\.\. is a file name of 233 bytes; jae writes it through a "
                                         r"temporary file named after it, and its folder takes names of at most 255 "
                                         r"bytes: choose a shorter name for out \(at most 232 bytes\)$"):
        check_outputs([("out", too_long)], inputs=(), overwrite=False)
