"""Session 33 audit of model files: where a model may be saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


@pytest.mark.parametrize("where", [".", "./", "sub/.."])
def test_saving_into_dot_is_refused_before_anything_is_written(tmp_path, monkeypatch, where):
    """In an empty working folder, save('.') failed with OSError "[Errno 16] Device or resource busy: '.' ->
    '..<hex>.old'", and save('sub/..') left the folder 'sub' behind."""
    model = JAE.load(FIXTURE, device="cpu")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"ends in '\.' or '\.\.', a folder in use .* e\.g\. jae_model$"):
        model.save(where)
    assert list(tmp_path.iterdir()) == []
