"""benchmarks/mapping.py: a mistyped set, missing data or a bad --out stop with one line before any set runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import mapping  # noqa: E402


@pytest.fixture
def never_runs(monkeypatch):
    for name in ("run_set", "run_rna_only", "run_mosaic", "run_labels"):
        monkeypatch.setattr(mapping, name, lambda *a, **k: pytest.fail("a set ran"))



def _refused(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exc:
        mapping.main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_bad_sets_and_flags_stop_before_the_first_set(capsys, monkeypatch, never_runs, tmp_path):
    # was: bmmc_cite ran to the end, then a KeyError traceback for the typo, the finished rows lost
    line = _refused(capsys, ["--sets", "bmmc_cite", "bmmc_cte", "--mode", "labels"])
    assert "--sets bmmc_cte is no set; sets: bmmc_cite," in line
    assert "--max-epochs must be a positive" in _refused(capsys, ["--sets", "bmmc_cite", "--max-epochs", "0"])
    absent = tmp_path / "absent" / "table.md"
    assert f"folder {absent.parent} does not exist" in _refused(capsys, ["--sets", "sim_multiome", "--out", str(absent)])
    monkeypatch.setenv("JAE_DATA_DIR", str(tmp_path))
    line = _refused(capsys, ["--sets", "sim_multiome", "reapseq_pbmc"])
    assert f"set reapseq_pbmc needs {tmp_path / 'reapseq_pbmc' / 'rna.h5ad'}" in line


def test_an_existing_out_is_replaced_only_with_overwrite(capsys, monkeypatch, tmp_path):
    out = tmp_path / "mapping.md"
    out.write_text("# recorded sessions\n")
    rows = []
    monkeypatch.setattr(mapping, "run_labels", lambda name, config, seed: rows.append(name) or {"set": name, "acc": 0.5})
    argv = ["--mode", "labels", "--sets", "sim_multiome", "--out", str(out)]
    # was: the table replaced the file (results/mapping.md holds three sessions' tables)
    assert f"--out {out} exists; pass --overwrite" in _refused(capsys, argv)
    assert out.read_text() == "# recorded sessions\n" and not rows
    assert mapping.main([*argv, "--overwrite"]) == 0
    assert rows == ["sim_multiome"] and out.read_text().startswith("# Label transfer")


def test_a_mosaic_section_cut_short_leaves_the_earlier_sections_whole(monkeypatch, tmp_path):
    out = tmp_path / "mosaic.md"
    out.write_text("# Mosaic fit\n\n## earlier run\n\n| a |\n")
    monkeypatch.setattr(mapping, "run_mosaic", lambda name, config, seed: {"set": name, "acc": 0.5})
    real = Path.write_text

    def cut_short(self, text, *a, **k):
        real(self, text[:10], *a, **k)
        raise OSError("No space left on device")

    monkeypatch.setattr(Path, "write_text", cut_short)
    with pytest.raises(OSError, match="No space"):  # was: the file rewritten in place, its earlier runs cut off
        mapping.main(["--mode", "mosaic", "--sets", "sim_multiome", "--out", str(out)])
    monkeypatch.undo()
    assert out.read_text() == "# Mosaic fit\n\n## earlier run\n\n| a |\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mosaic.md"]
