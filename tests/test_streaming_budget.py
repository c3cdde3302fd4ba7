"""The default memory budget of ``fit`` (half the available memory) is shared by the torchrun processes of a machine."""

import io

import pytest

from jae.io import plan


@pytest.fixture
def sixteen_gb(monkeypatch):
    meminfo = "MemTotal:       33554432 kB\nMemAvailable:   16000000 kB\n"
    monkeypatch.setattr(plan, "open", lambda path, *a, **k: io.StringIO(meminfo), raising=False)
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)


def test_one_process_may_read_half_the_available_memory(sixteen_gb):
    assert plan.default_memory_budget() == 16000000 * 1024 // 2


def test_each_of_four_torchrun_processes_may_read_an_eighth(sixteen_gb, monkeypatch):
    # each process read its inputs whole up to half the available memory: four processes of one machine (torchrun
    # --nproc-per-node=4) could take twice the memory there was, all measured before any had read
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    assert plan.default_memory_budget() == 16000000 * 1024 // 8
