"""Session 37: jae evaluate --obsm '' was refused after the data was read, in Python's words ("an embedding is named
''; give each embedding a name: {'name': Z}"); it is now refused at parsing, naming the flag."""

from __future__ import annotations

import pytest

from jae.cli import build_parser


def test_an_empty_obsm_key_is_refused_naming_the_flag(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["evaluate", "--h5mu", "x.h5mu", "--out", "r", "--obsm", ""])
    assert exit_.value.code == 2
    assert "argument --obsm: expected an obsm key (e.g. X_jae), got an empty one" in capsys.readouterr().err
    assert build_parser().parse_args(["evaluate", "--h5mu", "x.h5mu", "--out", "r", "--obsm", "X_pca"]).obsm == ["X_pca"]
