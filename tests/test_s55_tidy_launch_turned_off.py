"""Session 55: jae._launch.launch_turned_off reads JAE_DISTRIBUTED through distributed_on (the one reader of its
values) instead of parsing it again; each value keeps its answer, a malformed one included (None: distributed_on's
refusal is left to the checks before any work, as a malformed WORLD_SIZE is)."""

from __future__ import annotations

import pytest

import jae._launch as launch_module
from jae._launch import launch_turned_off

EXPECTED = {"0": 2, "off": 2, " OFF ": 2, "1": None, "on": None, "auto": None, "": None, "garbage": None,
            None: None}


@pytest.mark.parametrize("torchrun", [True, False])
@pytest.mark.parametrize("value", list(EXPECTED))
def test_each_value_keeps_its_answer(monkeypatch, value, torchrun):
    monkeypatch.setenv("WORLD_SIZE", "2")
    if value is None:
        monkeypatch.delenv("JAE_DISTRIBUTED", raising=False)
    else:
        monkeypatch.setenv("JAE_DISTRIBUTED", value)
    if torchrun:
        monkeypatch.setenv("TORCHELASTIC_RUN_ID", "none")
    else:
        monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    assert launch_turned_off() == (EXPECTED[value] if torchrun else None)


@pytest.mark.parametrize("world", ["1", "", "two"])
def test_one_process_or_a_malformed_world_is_no_launch(monkeypatch, world):
    monkeypatch.setenv("WORLD_SIZE", world)
    monkeypatch.setenv("JAE_DISTRIBUTED", "0")
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "none")
    assert launch_turned_off() is None


def test_the_value_is_read_by_distributed_on(monkeypatch):
    """One reader: what distributed_on answers is what launch_turned_off goes by."""
    monkeypatch.setenv("WORLD_SIZE", "3")
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "none")
    monkeypatch.setenv("JAE_DISTRIBUTED", "1")
    monkeypatch.setattr(launch_module, "distributed_on", lambda: False)
    assert launch_turned_off() == 3
    monkeypatch.setenv("JAE_DISTRIBUTED", "0")
    monkeypatch.setattr(launch_module, "distributed_on", lambda: True)
    assert launch_turned_off() is None
