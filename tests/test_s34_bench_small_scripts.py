"""benchmarks/scale_matmul.py and svd_subsample.py: a recorded result is replaced only on request, checked first."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def _refused(capsys, main, argv) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_scale_matmul_replaces_its_table_only_with_overwrite(capsys, monkeypatch, tmp_path):
    import numpy as np
    import scale_matmul

    monkeypatch.setattr(np.random, "default_rng", lambda *a: pytest.fail("the timing started"))
    # was: results/scale_matmul.md (its default --out) replaced by the run
    assert "scale_matmul.md exists; pass --overwrite" in _refused(capsys, scale_matmul.main, [])
    out = tmp_path / "m.md"
    out.write_text("earlier")
    assert "--overwrite" in _refused(capsys, scale_matmul.main, ["--out", str(out)])
    assert out.read_text() == "earlier"


def test_svd_subsample_checks_its_files_and_earlier_results_first(capsys, monkeypatch, tmp_path):
    import svd_subsample

    absent = tmp_path / "sim"
    # was: an h5py FileNotFoundError traceback
    assert f"--prefix: {absent}.mod1.h5ad does not exist" in _refused(capsys, svd_subsample.main, ["--prefix", str(absent)])
    for suffix in (".mod1.h5ad", ".mod2.h5ad"):
        (tmp_path / f"sim{suffix}").write_text("")
    # was: the recorded results/scale_svd_subsample.json / .md replaced by the run
    line = _refused(capsys, svd_subsample.main, ["--prefix", str(absent)])
    assert "scale_svd_subsample.json exists; pass --overwrite" in line


def _full_disk(src, dst):
    raise OSError(28, "No space left on device")


def test_svd_subsample_leaves_the_recorded_results_whole_when_a_write_fails(monkeypatch, tmp_path):
    import os

    import svd_subsample

    results = tmp_path / "scale_svd_subsample"
    for suffix in (".json", ".md"):
        results.with_suffix(suffix).write_text("recorded\n")
    row = {"variant": "all cells, n_iter=5", "fit_s": 1.0, "energy_vs_ref": [1.0, 1.0], "nmi": 0.5}
    run = {"prefix": "sim", "n_cells": 10, "rows": [row]}
    monkeypatch.setattr(os, "replace", _full_disk)
    with pytest.raises(OSError, match="No space"):  # was: written in place at the end of the run
        svd_subsample.write_results(results, run)
    assert [results.with_suffix(s).read_text() for s in (".json", ".md")] == ["recorded\n"] * 2
    assert len(list(tmp_path.iterdir())) == 2  # no temporary file left
    monkeypatch.undo()
    lines = svd_subsample.write_results(results, run)
    assert "| all cells, n_iter=5 | 1.0 | 1.0000 | 1.0000 | 0.500 |" in lines
    assert results.with_suffix(".md").read_text() == "\n".join(lines) + "\n"


def test_scale_matmul_leaves_the_recorded_table_whole_when_the_write_fails(monkeypatch, tmp_path):
    import os

    import scale_matmul

    out = tmp_path / "scale_matmul.md"
    out.write_text("recorded\n")
    argv = ["--rows", "20", "--features", "30", "--nnz-per-row", "3", "--basis", "2", "--threads", "1",
            "--out", str(out), "--overwrite"]
    monkeypatch.setattr(os, "replace", _full_disk)
    with pytest.raises(OSError, match="No space"):  # was: the table rewritten in place
        scale_matmul.main(argv)
    assert out.read_text() == "recorded\n" and [p.name for p in tmp_path.iterdir()] == ["scale_matmul.md"]
    monkeypatch.undo()
    assert scale_matmul.main(argv) == 0 and "| B @ Q, B CSR (torch) | 1 |" in out.read_text()


def test_svd_subsample_counts_below_one_stop_at_argparse(capsys, tmp_path):
    import svd_subsample

    prefix = tmp_path / "sim"
    for i in (1, 2):  # the files are there: the count is what is refused
        Path(f"{prefix}.mod{i}.h5ad").write_text("")
    results = ["--results", str(tmp_path / "out")]
    line = _refused(capsys, svd_subsample.main, ["--prefix", str(prefix), "--fit-cells", "2000", "0", *results])
    assert "--fit-cells must be positive whole numbers, not 2000 0" in line  # was: an h5py / fit traceback
    line = _refused(capsys, svd_subsample.main, ["--prefix", str(prefix), "--n-svd", "0", *results])
    assert "--n-svd must be positive whole numbers, not 0" in line


def test_scale_matmul_counts_below_one_stop_at_argparse(capsys, monkeypatch, tmp_path):
    import numpy as np
    import scale_matmul

    monkeypatch.setattr(np.random, "default_rng", lambda *a: pytest.fail("the timing started"))
    out = ["--out", str(tmp_path / "m.md")]
    for flag, argv in (("--rows", ["--rows", "0"]), ("--features", ["--features", "0"]),
                       ("--nnz-per-row", ["--nnz-per-row", "0"]), ("--basis", ["--basis", "0"]),
                       ("--threads", ["--threads", "1", "0"])):
        line = _refused(capsys, scale_matmul.main, [*argv, *out])  # was: timings, then a traceback
        assert f"{flag} must be positive whole numbers" in line
    assert not (tmp_path / "m.md").exists()
