"""JAE_DISTRIBUTED=0 (or off, false, no) makes every torchrun process train alone; any other text, e.g.
'disabled' or 'none', was read as on, silently: the processes trained data-parallel and all but process 0 wrote
nothing. A value that says neither on nor off is now refused in one line before any work; on and off read as
before."""

from __future__ import annotations

import pytest
import torch

from jae._device import usable_device
from jae.train.distributed import data_parallel, is_writer

SAID = r"^the environment variable JAE_DISTRIBUTED='{}' says neither on nor off: set it to 0 \(every process trains alone\) or 1, or unset it$"


@pytest.fixture(autouse=True)
def _process_1_of_2(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")


@pytest.mark.parametrize("value", ["disabled", "none"])
def test_a_value_neither_on_nor_off_is_refused(monkeypatch, value):
    monkeypatch.setenv("JAE_DISTRIBUTED", value)
    for call in (is_writer, lambda: data_parallel(torch.device("cpu")), lambda: usable_device("cpu")):
        with pytest.raises(ValueError, match=SAID.format(value)):
            call()
    assert is_writer(strict=False)  # the CLI before its logging: read as process 0, refused by the verb


def test_the_cli_says_it_in_one_line(monkeypatch, tmp_path, caplog, capsys):
    from jae.cli import main

    monkeypatch.setenv("JAE_DISTRIBUTED", "disabled")
    assert main(["simulate", "--n-cells", "200", "--format", "h5mu", "--out", str(tmp_path / "s.h5mu")]) == 1
    err = caplog.text + capsys.readouterr().err
    assert "JAE_DISTRIBUTED='disabled' says neither on nor off" in err and "Traceback" not in err


@pytest.mark.parametrize("value, writer", [("0", True), (" Off ", True), ("no", True), ("1", False), ("auto", False),
                                           ("", False), ("TRUE", False)])
def test_on_and_off_read_as_before(monkeypatch, value, writer):
    monkeypatch.setenv("JAE_DISTRIBUTED", value)
    assert is_writer() is writer and usable_device("cpu") == torch.device("cpu")
