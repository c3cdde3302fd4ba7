"""Session 34 audit of jae demo / jae.run_demo: refusals before any work."""

from __future__ import annotations

import json

import pytest

from jae.cli import main


def test_demo_overwrite_refuses_files_beside_the_earlier_model_before_training(tmp_path, caplog, monkeypatch):
    """``jae demo --overwrite`` over an earlier demo whose model/ folder also held a file of the user's simulated and
    trained for minutes, then refused to replace the model folder ('holds notes.txt besides the model'); it now
    refuses before simulating, and the file stays."""
    import jae.joint

    model = tmp_path / "d" / "model"
    model.mkdir(parents=True)
    (model / "model.json").write_text(json.dumps({"model_kind": "jae"}))
    (model / "notes.txt").write_text("mine")
    monkeypatch.setattr(jae.joint.JAE, "fit", lambda *a, **k: pytest.fail("trained before refusing"))
    assert main(["-q", "demo", "--out", str(tmp_path / "d"), "--overwrite", "--n-cells", "200", "--device", "cpu"]) == 1
    assert (f"{model} holds notes.txt besides the model, which replacing the model folder would delete; move it out "
            "of the folder or choose another --out") in caplog.text
    assert (model / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in model.iterdir()) == ["model.json", "notes.txt"]
