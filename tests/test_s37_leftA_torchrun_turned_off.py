"""Session 37: JAE_DISTRIBUTED=0 under torchrun made every process of the launch run the verb alone and write the
same outputs (racing for the same files: the same --out, written by each). The CLI now refuses it in one line before
any work, naming the fixes; one process (WORLD_SIZE unset or 1) with JAE_DISTRIBUTED=0 runs as before, and Python
scripts keep their documented behaviour (every process writes: it can give each its own output)."""

from __future__ import annotations

import logging

import pytest

from jae.cli import main
from jae.train.distributed import is_writer


@pytest.fixture
def launch(monkeypatch):
    for name in ("LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("JAE_DISTRIBUTED", "0")
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "none")  # torchrun sets it in the processes it starts


def _simulate(tmp_path):
    return ["simulate", str(tmp_path / "sim.h5mu"), "--format", "h5mu", "--n-cells", "30", "--preset", "none",
            "--n-genes", "200", "--n-peaks", "300", "-q"]


def test_the_cli_refuses_a_launch_turned_off_before_any_work(launch, tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(_simulate(tmp_path)) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["JAE_DISTRIBUTED=0 turns data-parallel training off, but this is one of 2 processes torchrun "
                      "started (WORLD_SIZE=2), each of which would run the same command alone and write the same "
                      "outputs: unset JAE_DISTRIBUTED to train them together, or run jae without torchrun to train one "
                      "process alone"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("unset", ["WORLD_SIZE", "TORCHELASTIC_RUN_ID"])
def test_one_process_with_it_turned_off_runs_as_before(launch, tmp_path, monkeypatch, unset):
    """No launch, or a process alone whose environment holds a launch's variables without torchrun (as some cluster
    jobs set them): JAE_DISTRIBUTED=0 trains it alone, as the README says."""
    monkeypatch.delenv(unset)
    assert main(_simulate(tmp_path)) == 0 and (tmp_path / "sim.h5mu").is_file()


def test_python_keeps_every_process_a_writer(launch):
    assert is_writer()  # documented: a script under torchrun with JAE_DISTRIBUTED=0 writes in every process
