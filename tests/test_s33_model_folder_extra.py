"""Replacing a model folder never deletes files the user keeps beside the model (session 33)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_overwrite_refuses_a_model_folder_holding_other_files(own_cite_model):
    """``save(folder, overwrite=True)`` replaced the whole folder, so an embedding written beside the model (``jae
    embed --out model/emb.h5ad``) was deleted without a word; it is now refused, naming the file, and nothing changes."""
    folder, model = own_cite_model("extra_files")
    kept = folder / "model" / "emb.h5ad"
    kept.write_text("the user's embedding")
    weights = (folder / "model" / "weights.pt").read_bytes()
    with pytest.raises(FileExistsError, match=r"holds emb\.h5ad besides the model.*move it out of the folder"):
        model.save(folder / "model", overwrite=True)
    assert kept.read_text() == "the user's embedding"
    assert (folder / "model" / "weights.pt").read_bytes() == weights
    kept.unlink()
    model.save(folder / "model", overwrite=True)  # a folder of the model's own files alone is replaced as before
    assert sorted(p.name for p in (folder / "model").iterdir()) == ["model.json", "weights.pt"]


def test_cli_names_the_other_files_before_any_work(own_cite_model, tmp_path):
    folder, _ = own_cite_model("extra_files_cli")
    for name in ("a.csv", "b.csv", "c.csv", "notes.txt"):
        (folder / "model" / name).write_text("x")
    data = tmp_path / "d.h5mu"
    proc = subprocess.run([sys.executable, "-m", "jae", "fit", "--h5mu", str(data), "--out", str(folder / "model"),
                           "--overwrite"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "a.csv, b.csv, c.csv and 1 more besides the model" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (folder / "model" / "notes.txt").exists()
