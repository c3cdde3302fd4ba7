"""benchmarks/scale.py --delete-data removed the two simulated files under the name without --simulate-args only
(with ``--simulate-args '--preset none'`` they stayed), and never the run folder's model, embedding and metrics.
It now removes what each size's run wrote (the simulated files it made, the outputs of the stages run), keeps the
stage logs, data files it found and reused, and every other file in --data-dir. The jae verbs are stubs here: each
writes what the real one writes."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import scipy.sparse as sp

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import scale  # noqa: E402


def _stage(name, argv, log, *, threads):
    """Writes the outputs of ``jae <argv>`` (files of the right names, no content) and a log."""
    log.write_text(f"{name} log\n")
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else None
    if name == "simulate":
        for suffix in (".mod1.h5ad", ".mod2.h5ad"):
            Path(f"{argv[1]}{suffix}").write_text("counts")
    elif name in ("fit", "evaluate"):
        out.mkdir(exist_ok=True)
        (out / ("weights.pt" if name == "fit" else "metrics.csv")).write_text("overall\n0.5\n")
    else:
        out.write_text("embedding")
    return {"stage": name, "wall_s": 1.0, "cpu_s": 1.0, "peak_rss_gb": 0.1, "exit": 0, "load_avg_end": 0.5}


@pytest.fixture
def stub_verbs(monkeypatch):
    monkeypatch.setattr(scale, "run_stage", _stage)
    files = SimpleNamespace(memory_needed=lambda in_memory: 1e6, counts=[sp.csr_matrix((3, 4))] * 2)
    monkeypatch.setattr("jae.io.open_competition", lambda mod1, mod2: files)
    monkeypatch.setattr(scale, "machine", lambda: {"cpu": "test", "cores": 1, "ram_gb": 1.0, "torch": "-",
                                                   "gpu": None, "python": "-", "os": "-"})


def _main(tmp_path, *extra):
    return scale.main(["--sizes", "300", "--threads", "1", "--data-dir", str(tmp_path / "data"), "--results",
                       str(tmp_path / "results" / "scale"), "--delete-data", *extra])


@pytest.mark.parametrize("simulate_args, prefix", [([], "multiome_300_seed0"),
                                                   (["--simulate-args", "--preset none"],
                                                    "multiome_300_seed0_preset_none")])
def test_delete_data_removes_what_the_run_wrote_and_keeps_the_logs(capsys, stub_verbs, tmp_path, simulate_args,
                                                                    prefix):
    data = tmp_path / "data"
    (data / "run_multiome_300").mkdir(parents=True)
    mine = [data / "notes.txt", data / "run_multiome_300" / "notes.txt"]
    for path in mine:
        path.write_text("the user's")
    (tmp_path / "results").mkdir()
    assert _main(tmp_path, *simulate_args) == 0
    left = sorted(str(p.relative_to(data)) for p in data.rglob("*"))
    logs = [f"run_multiome_300/{stage}.log" for stage in scale.STAGES]
    assert left == sorted(["notes.txt", "run_multiome_300", "run_multiome_300/notes.txt", *logs])
    assert all(path.read_text() == "the user's" for path in mine)
    assert f"{prefix}.mod1.h5ad" not in left


def test_data_found_and_reused_is_kept(capsys, stub_verbs, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    found = [data / f"multiome_300_seed0{suffix}" for suffix in (".mod1.h5ad", ".mod2.h5ad")]
    for path in found:
        path.write_text("simulated earlier")
    (tmp_path / "results").mkdir()
    assert _main(tmp_path) == 0
    assert all(path.read_text() == "simulated earlier" for path in found)
    run = data / "run_multiome_300"
    assert not (run / "model").exists() and not (run / "embedding.h5ad").exists() and not (run / "metrics").exists()
    assert not (run / "simulate.log").exists() and (run / "fit.log").exists()
