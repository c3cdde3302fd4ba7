"""WORLD_SIZE / RANK / LOCAL_RANK (torchrun's variables) holding text that is no number failed with int()'s bare
"invalid literal for int() with base 10" (a traceback in Python); each is now one line naming the variable and the
fix, as LOCAL_WORLD_SIZE already was. Unset or empty: as before (one process)."""

from __future__ import annotations

import pytest
import torch

from jae._device import resolve_device, usable_device
from jae.train.distributed import data_parallel, is_writer

FIX = r"unset it, or set it to a whole number \(torchrun sets it\)"


@pytest.fixture(autouse=True)
def _no_torchrun(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "JAE_DISTRIBUTED"):
        monkeypatch.delenv(name, raising=False)


def test_world_size_that_is_no_number_is_named(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "two")
    said = rf"^the environment variable WORLD_SIZE='two' is not a number of processes: {FIX}$"
    for call in (is_writer, lambda: data_parallel(torch.device("cpu")), lambda: usable_device("cpu")):
        with pytest.raises(ValueError, match=said):
            call()


def test_rank_that_is_no_number_is_named(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "first")
    with pytest.raises(ValueError, match=rf"^the environment variable RANK='first' is not a process's rank: {FIX}$"):
        is_writer()


def test_local_rank_that_is_no_number_is_named(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "gpu0")
    with pytest.raises(ValueError, match=rf"^the environment variable LOCAL_RANK='gpu0' is not a process's rank on "
                                         rf"this machine: {FIX}$"):
        resolve_device("cuda")


def test_numbers_and_unset_variables_read_as_before(monkeypatch):
    assert is_writer() and data_parallel(torch.device("cpu")) is None
    assert resolve_device("cuda") == torch.device("cuda")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert not is_writer()
    assert resolve_device("cuda") == torch.device("cuda", 1)
    monkeypatch.setenv("RANK", "0")
    assert is_writer()


def test_the_cli_says_it_in_one_line(monkeypatch, tmp_path, caplog, capsys):
    from jae.cli import main

    monkeypatch.setenv("WORLD_SIZE", "two")
    assert main(["simulate", "--n-cells", "200", "--format", "h5mu", "--out", str(tmp_path / "s.h5mu")]) == 1
    err = caplog.text + capsys.readouterr().err
    assert "WORLD_SIZE='two' is not a number of processes" in err and "Traceback" not in err
    assert not (tmp_path / "s.h5mu").exists()
