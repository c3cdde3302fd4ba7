"""jae embed / jae map --mod1 FILE alone (cells with RNA only) with --mod2-kind ADT ran and ignored the flag (the
model's second modality, ATAC, was filled in from RNA): a kind named for a --mod2 that is not there is now refused in
one line, before any file is read."""

from __future__ import annotations

import logging

import pytest

from jae.cli import main


@pytest.mark.parametrize("verb", [["embed", "--finetune-epochs", "0"], ["map"]])
def test_mod2_kind_without_mod2_is_refused(tmp_path, caplog, verb):
    argv = [verb[0], "--model", str(tmp_path / "model"), "--mod1", str(tmp_path / "rna.h5ad"), "--mod2-kind", "ADT",
            "--out", str(tmp_path / ("out.h5ad" if verb[0] == "embed" else "mapped")), *verb[1:]]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(said) == 1 and "--mod2-kind ADT" in said[0] and "--mod1 comes alone" in said[0], said
    assert "leave --mod2-kind out" in said[0]
