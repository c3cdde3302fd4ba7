"""benchmarks/quality_variants.py: a mistyped setting (``pretrain``) was fitted and scored as the online setting
under its own name; a mistyped set, a bad seed list or config JSON ended in a traceback (a set after the sets before
it were fitted). Each is now one argparse line before the first fit.

Session 41: it wrote its rows to /tmp/jae_variants_<tag>.csv after all the fits, replacing a CSV already there (an
earlier run's, same default tag) without a word. The rows now go to
benchmarks/results/quality_variants_<tag>.csv or --out, and an existing file is refused in one argparse line before
the first fit unless --overwrite."""

from __future__ import annotations

import logging
import runpy
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPT = BENCH / "quality_variants.py"


class _Fitted(Exception):
    pass


@pytest.fixture
def no_fit(monkeypatch):
    """A fit, if the script reached one, raises _Fitted; the logging the script configures is put back."""
    monkeypatch.syspath_prepend(str(BENCH))
    import quality

    def fit(*a, **k):
        raise _Fitted

    monkeypatch.setattr(quality, "fit_embed", fit)
    root = list(logging.root.handlers)
    yield
    logging.root.handlers[:] = root


@pytest.mark.parametrize("argv, words", [
    (["sim_cite_small", "0", "pretrain"], "'pretrain' is neither pretrained nor online"),
    (["sim_cite_small,reapseq800", "0", "online"], "reapseq800 is no set"),
    (["sim_cite_small", "0;1", "online"], "'0;1' is not comma-separated integers"),
    (["sim_cite_small", "0", "online", '{"max_epoch": 2}'], "is not a JSON object of JAEConfig fields"),
    (["sim_cite_small", "0", "online", "max_epochs=2"], "is not a JSON object of JAEConfig fields"),
])
def test_bad_arguments_stop_with_one_line_before_any_fit(capsys, monkeypatch, no_fit, argv, words):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *argv])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert stop.value.code == 2
    assert words in capsys.readouterr().err


def test_valid_arguments_reach_the_fit(monkeypatch, no_fit):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "sim_cite_small", "0", "online", '{"max_epochs": 2}'])
    with pytest.raises(_Fitted):
        runpy.run_path(str(SCRIPT), run_name="__main__")


# session 41: where the rows go (formerly tests/test_s41_bench41_quality_variants_out.py)
def _main(monkeypatch, *argv):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "sim_cite_small", "0", "online", *argv])
    runpy.run_path(str(SCRIPT), run_name="__main__")


def test_an_existing_csv_is_refused_before_the_first_fit(capsys, monkeypatch, no_fit, tmp_path):
    out = tmp_path / "rows.csv"
    out.write_text("set,seed\nearlier,0\n")
    with pytest.raises(SystemExit) as stop:
        _main(monkeypatch, "--out", str(out))
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert f"{out} exists; pass --overwrite" in err[-1] and "Traceback" not in "\n".join(err)
    assert out.read_text() == "set,seed\nearlier,0\n"


def test_a_missing_folder_is_refused_before_the_first_fit(capsys, monkeypatch, no_fit, tmp_path):
    with pytest.raises(SystemExit) as stop:
        _main(monkeypatch, "--out", str(tmp_path / "absent" / "rows.csv"))
    assert stop.value.code == 2
    assert f"folder {tmp_path / 'absent'} does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--overwrite"], []])
def test_overwrite_or_a_new_file_reaches_the_fit(monkeypatch, no_fit, tmp_path, extra):
    out = tmp_path / "rows.csv"
    if extra:
        out.write_text("earlier\n")
    with pytest.raises(_Fitted):
        _main(monkeypatch, "--out", str(out), *extra)


def test_the_default_csv_is_the_tag_beside_the_results(capsys, monkeypatch, no_fit, tmp_path):
    """A copy of the script in tmp_path/benchmarks: its default CSV is tmp_path/benchmarks/results/..., refused when
    there (the script's own results folder is left alone)."""
    copy = tmp_path / "benchmarks" / SCRIPT.name
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    copy.write_text(SCRIPT.read_text())
    taken = tmp_path / "benchmarks" / "results" / "quality_variants_probe.csv"
    taken.write_text("earlier\n")
    monkeypatch.setattr(sys, "argv", [str(copy), "sim_cite_small", "0", "online", "{}", "probe"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(copy), run_name="__main__")
    assert stop.value.code == 2
    assert f"{taken} exists; pass --overwrite" in capsys.readouterr().err
