"""Replacing a model folder never deletes files the user keeps beside the model (session 33)."""

from __future__ import annotations

import pytest

from _cli_server import shared_server  # noqa: E402  (tests/ is on sys.path)
from test_cli_hostile import ENV


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
    # a process of its own, forked from the suite's CLI server (a fresh `python -m jae` spent ~5 s importing torch)
    rc, _, err = shared_server(ENV)(["fit", "--h5mu", data, "--out", folder / "model", "--overwrite"], cwd=tmp_path,
                                    logs=tmp_path / "logs")
    assert rc != 0
    assert "a.csv, b.csv, c.csv and 1 more besides the model" in err
    assert "Traceback" not in err
    assert (folder / "model" / "notes.txt").exists()
