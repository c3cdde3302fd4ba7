"""Session 37: an empty path flag (--out "$OUT" with OUT unset) was read as '.', the working folder: jae evaluate
wrote its report there (metrics.csv, index.html, ... beside the user's files), and other verbs refused '.' in words
that did not say the value was empty. Every path flag now refuses a blank value in one line naming the flag."""

from __future__ import annotations

import pytest

from jae.cli import build_parser, main


def test_evaluate_with_an_empty_out_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--h5mu", "x.h5mu", "--baseline", "--out", ""])
    assert exit_.value.code == 2
    assert "argument --out: expected a path, got an empty one (an unset shell variable?)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, flag", [
    (["fit", "--h5mu", " ", "--out", "m"], "--h5mu"),
    (["embed", "--model", "", "--mod1", "a.h5ad", "--out", "e.h5ad"], "--model"),
    (["predict", "--test-mod1", "t.h5ad", "--output", ""], "--output/--out"),
    (["simulate", "", "--n-cells", "10"], "out"),
    (["map", "--model", "m", "--h5mu", "x.h5mu", "--out", "n", "--annotations", ""], "--annotations"),
])
def test_every_path_flag_refuses_a_blank_value(argv, flag, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)
    assert f"argument {flag}: expected a path, got an empty one" in capsys.readouterr().err


def test_paths_are_read_as_before():
    args = build_parser().parse_args(["fit", "--h5mu", "data/x.h5mu", "--out", "~/m"])
    assert str(args.h5mu) == "data/x.h5mu" and str(args.out) == "~/m"
