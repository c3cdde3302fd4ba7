"""Session 39: 'jae demo --out D', D an earlier demo's folder whose model/ also holds a file of the user's, said
"D already holds demo output; pass --overwrite", and with --overwrite then "D/model holds notes.txt besides the model"
(session 34's refusal): the advice led to another refusal. What --overwrite would not replace is now said first; an
earlier demo's folder alone still asks for --overwrite."""

from __future__ import annotations

import json
import logging

import pytest

import jae
from jae.cli import main


@pytest.fixture
def earlier(tmp_path, monkeypatch):
    model = tmp_path / "d" / "model"
    model.mkdir(parents=True)
    (model / "model.json").write_text(json.dumps({"model_kind": "jae"}))
    (model / "weights.pt").write_bytes(b"")
    monkeypatch.setattr("jae.datasets.simulate", lambda *a, **k: 1 / 0)  # reached: refused too late
    return tmp_path / "d"


def test_the_file_beside_the_model_is_said_first(earlier, caplog):
    (earlier / "model" / "notes.txt").write_text("mine")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "demo", "--out", str(earlier), "--n-cells", "200", "--device", "cpu"]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert said == [f"{earlier / 'model'} holds notes.txt besides the model, which replacing the model folder would "
                    "delete; move it out of the folder or choose another --out"]
    assert (earlier / "model" / "notes.txt").read_text() == "mine"


def test_an_earlier_demo_alone_asks_for_overwrite(earlier):
    with pytest.raises(FileExistsError, match=r"^.*d already holds demo output; pass overwrite=True or choose another "
                                              r"out$"):
        jae.run_demo(earlier, n_cells=200, device="cpu", progress_bar=False)
