"""benchmarks/quality.py's command line: bad arguments and missing data stop with one line before any run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import quality  # noqa: E402



def _refused(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        quality.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert ": error: " in err[-1]
    return err[-1]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--sets", "bmcc"], "--sets bmcc matches no set"),
        (["--set", "bogus=1"], "JAEConfig has no field 'bogus'"),
        (["--threads", "0"], "--threads must be a positive number"),
        (["--seeds"], "--seeds needs at least one seed"),
        (["--settings"], "--settings needs at least one of"),
        (["--merge", "no_such_stem_s34"], "no_such_stem_s34.json"),
        (["--merge"], "expected at least one argument"),  # was: an empty --merge ran the full benchmark
    ],
)
def test_bad_arguments_stop_with_one_line(capsys, monkeypatch, argv, words):
    monkeypatch.setattr(quality, "load_set", lambda *a, **k: pytest.fail("a set was read"))
    assert words in _refused(capsys, [*argv, "--stem", "s34_never_written"])


def test_missing_data_stops_before_any_run(capsys, monkeypatch, tmp_path):
    (tmp_path / "pbmc10k_cite").mkdir()
    (tmp_path / "pbmc10k_cite" / "rna.h5ad").write_text("")
    monkeypatch.setenv("JAE_DATA_DIR", str(tmp_path))
    ran = []
    monkeypatch.setattr(quality, "run_set", lambda *a, **k: ran.append(a) or [])
    monkeypatch.setattr(quality, "load_set", lambda name, *a: name)
    line = _refused(capsys, ["--sets", "pbmc10k", "reapseq", "--stem", "s34_never_written"])
    assert str(tmp_path / "pbmc10k_cite" / "adt.h5ad") in line and not ran
    monkeypatch.setenv("JAE_DATA_DIR", str(tmp_path / "absent"))
    assert "does not exist; set JAE_DATA_DIR" in _refused(capsys, ["--sets", "sim_cite_small", "reapseq",
                                                                   "--stem", "s34_never_written"])
    assert not ran


def test_an_earlier_run_is_replaced_only_with_overwrite(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(quality, "load_set", lambda *a, **k: pytest.fail("a set was read"))
    # the docstring's quick look wrote over the recorded benchmarks/results/quality.md
    line = _refused(capsys, ["--sets", "bmmc", "--seeds", "0"])
    assert "quality.md exists; pass --overwrite" in line
    stem = tmp_path / "sub" / "merged"  # a stem in a folder not there yet: written, not a crash after the run
    assert quality.main(["--merge", "quality_s5_snare", "--stem", str(stem)]) == 0
    first = (tmp_path / "sub" / "merged.md").read_text()
    assert "snare_mouse_cortex" in first and (tmp_path / "sub" / "merged.csv").is_file()
    assert "--overwrite" in _refused(capsys, ["--merge", "quality_s5_pbmc_cite", "--stem", str(stem)])
    assert (tmp_path / "sub" / "merged.md").read_text() == first
    assert quality.main(["--merge", "quality_s5_pbmc_cite", "--stem", str(stem), "--overwrite"]) == 0
    assert "pbmc10k_cite" in (tmp_path / "sub" / "merged.md").read_text()


def test_simulated_shapes_need_no_data_folder(monkeypatch, tmp_path):
    from _quality_data import missing_data

    monkeypatch.setenv("JAE_DATA_DIR", str(tmp_path / "absent"))
    assert missing_data(["sim_multiome", "sim_cite_800"]) is None
    assert "does not exist" in missing_data(["sim_multiome", "pbmc10k_small"])  # a subsample reads its real set


def test_the_docstring_names_every_set():
    doc = " ".join(quality.__doc__.split("See")[0].split())
    named = {"bmmc_cite": "BMMC starter CITE", "bmmc_multiome": "Multiome", "snare_mouse_cortex": "SNARE-seq",
             "pbmc10k_cite": "PBMC10k CITE", "reapseq_pbmc": "REAP-seq"}
    assert set(quality.SETS) == set(named)  # a new set: name it in the docstring and here
    assert [s for s, words in named.items() if words not in doc] == []  # was: REAP-seq left out
