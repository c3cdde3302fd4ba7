"""Under torchrun every process runs the same ``jae`` command line; only process 0 logs progress and shows bars."""

import logging
from types import SimpleNamespace

import pytest

import jae
from jae.cli import main


@pytest.mark.parametrize("rank, shown", [("0", True), ("1", False)])
def test_only_process_0_of_torchrun_logs_progress_and_shows_bars(monkeypatch, caplog, tmp_path, rank, shown):
    # every process logged each INFO line and drew its own preprocessing bar over process 0's on the same terminal
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    monkeypatch.delenv("JAE_DISTRIBUTED", raising=False)
    calls = []

    def fit_files(*args, progress_bar, **kwargs):
        calls.append(progress_bar)
        logging.getLogger("jae.joint").info("fitting preprocessing")
        logging.getLogger("jae.joint").warning("a warning every process gives")
        return SimpleNamespace(written=(), model=None)

    monkeypatch.setattr(jae, "fit_files", fit_files)
    monkeypatch.setattr(logging.getLogger("jae"), "level", logging.getLogger("jae").level)  # main sets it
    with caplog.at_level(logging.DEBUG):
        assert main(["fit", "--mod1", "a.h5ad", "--mod2", "b.h5ad", "--out", str(tmp_path / "m")]) == 0
    assert calls == [shown]
    said = [r.getMessage() for r in caplog.records if r.name.startswith("jae")]
    assert said == (["fitting preprocessing"] if shown else []) + ["a warning every process gives"], said


@pytest.mark.parametrize("rank, shown", [("0", True), ("1", False)])
def test_only_process_0_of_torchrun_says_what_it_wrote(monkeypatch, capsys, tmp_path, rank, shown):
    # torchrun -m jae embed: both processes printed "embedded ... written to OUT", though process 1 writes nothing
    import numpy as np

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    monkeypatch.delenv("JAE_DISTRIBUTED", raising=False)
    monkeypatch.setattr(jae, "embed_files", lambda *a, **k: SimpleNamespace(embedding=np.zeros((3, 2)), model="JAE"))
    monkeypatch.setattr(logging.getLogger("jae"), "level", logging.getLogger("jae").level)  # main sets it
    out = tmp_path / "e.h5ad"
    assert main(["embed", "--mod1", "a.h5ad", "--mod2", "b.h5ad", "--model", "m", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said == (f"embedded 3 cells into 2 dimensions with JAE\nwritten to {out}\n" if shown else ""), said


def test_a_summary_read_by_head_is_not_an_error(monkeypatch, caplog, tmp_path):
    # jae embed ... | head -1 (or any reader that stops early): "ERROR jae: [Errno 32] Broken pipe" and status 1, after
    # every output had been written
    import sys

    import numpy as np

    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setattr(jae, "embed_files", lambda *a, **k: SimpleNamespace(embedding=np.zeros((3, 2)), model="JAE"))
    monkeypatch.setattr(logging.getLogger("jae"), "level", logging.getLogger("jae").level)  # main sets it
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    with caplog.at_level(logging.ERROR):
        status = main(["embed", "--mod1", "a.h5ad", "--mod2", "b.h5ad", "--model", "m", "--out", str(tmp_path / "e")])
    assert status == 0 and not caplog.records, caplog.text
