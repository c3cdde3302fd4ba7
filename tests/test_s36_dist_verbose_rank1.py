"""``torchrun ... -m jae -v fit`` (or ``jae fit ... -v``): process 0 alone logs progress, but -v set the other processes'
jae logger to DEBUG after their -q, so each of them logged every INFO and DEBUG line again beside process 0's. They
now keep to warnings and errors with -v too."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

import jae
from jae.cli import main


@pytest.mark.parametrize("flags", [["-v", "fit"], ["fit", "-v"]])
@pytest.mark.parametrize("rank, shown", [("0", True), ("1", False)])
def test_verbose_is_process_0s_alone(monkeypatch, caplog, tmp_path, flags, rank, shown):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    monkeypatch.delenv("JAE_DISTRIBUTED", raising=False)

    def fit_files(*args, progress_bar, **kwargs):
        logging.getLogger("jae.joint").debug("a debug line")
        logging.getLogger("jae.joint").info("fitting preprocessing")
        logging.getLogger("jae.joint").warning("a warning every process gives")
        return SimpleNamespace(written=(), model=None)

    monkeypatch.setattr(jae, "fit_files", fit_files)
    monkeypatch.setattr(logging.getLogger("jae"), "level", logging.getLogger("jae").level)  # main sets it
    with caplog.at_level(logging.DEBUG):
        assert main(flags + ["--mod1", "a.h5ad", "--mod2", "b.h5ad", "--out", str(tmp_path / "m")]) == 0
    said = [r.getMessage() for r in caplog.records if r.name.startswith("jae")]
    assert said == (["a debug line", "fitting preprocessing"] if shown else []) + ["a warning every process gives"]
