"""Session 37: an empty --device (--device "$DEV" with DEV unset) was refused as Python writes it ("device='' is not a
device torch knows"), beside the CLI's "--device cpu" for any other value; the CLI now names the flag for it too."""

from __future__ import annotations

import logging

from jae.cli import main


def test_an_empty_device_is_named_as_the_flag(tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "embed", "--model", str(tmp_path / "m"), "--h5mu", str(tmp_path / "x.h5mu"),
                     "--out", str(tmp_path / "e.h5ad"), "--device", ""]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--device '' is not a device torch knows; pass --device auto, cpu, cuda or cuda:N"]
