"""Session 37: an empty --device (--device "$DEV" with DEV unset) was refused as Python writes it ("device='' is not a
device torch knows"), beside the CLI's "--device cpu" for any other value; the CLI now names the flag for it too."""

from __future__ import annotations

import logging
from pathlib import Path

from jae.cli import main


def test_an_empty_device_is_named_as_the_flag(tmp_path, caplog):
    model = Path(__file__).parent / "fixtures" / "model_v6" / "model"  # a model and an input that are there: a
    (tmp_path / "x.h5mu").write_bytes(b"")  # missing one is refused before the device is checked (session 57)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "embed", "--model", str(model), "--h5mu", str(tmp_path / "x.h5mu"),
                     "--out", str(tmp_path / "e.h5ad"), "--device", ""]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--device '' is not a device torch knows; pass --device auto, cpu, cuda or cuda:N"]
