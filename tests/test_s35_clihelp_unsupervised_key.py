"""jae fit --mode unsupervised --cell-type-key COLUMN (or --set mode=unsupervised) read no labels and said nothing,
so a user could believe the model trained on them; a warning now names the flag that is not read and the fix. Neither
mode alone, nor --cell-type-key in supervised mode, warns."""

from __future__ import annotations

import logging

import pytest

from jae.cli import main


@pytest.mark.parametrize("extra, warned", [
    (["--mode", "unsupervised", "--cell-type-key", "celltype"], "--mode unsupervised"),
    (["--set", "mode=unsupervised", "--cell-type-key", "cell_type"], "--set mode=unsupervised"),
    (["--mode", "unsupervised"], None),
    (["--cell-type-key", "celltype"], None),
])
def test_cell_type_key_unread_in_unsupervised_mode_is_said(tmp_path, caplog, extra, warned):
    # an --out whose folder is missing: refused by the library before any file is read, after the flags are checked
    argv = ["fit", "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"),
            "--out", str(tmp_path / "missing" / "m"), *extra]
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(argv) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "--cell-type-key" in r.getMessage()]
    if warned is None:
        assert not said, said
    else:
        assert len(said) == 1 and warned in said[0] and "is not read" in said[0] and "drop --cell-type-key" in said[0]
