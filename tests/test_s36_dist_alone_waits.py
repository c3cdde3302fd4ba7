"""A process started alone with torchrun's variables set (``WORLD_SIZE=2``, ``RANK``, ``MASTER_ADDR``, ``MASTER_PORT``:
a cluster's job environment, a copied command line), or whose peers never reach training, waited at the start of
training with no word for torch's 30 minutes (its last line the latent layout), then ended in a DistStoreError
traceback. Now a warning says after a minute what it waits for and the fix (JAE_DISTRIBUTED=0), and a wait that ends
without the others is one line (a ConnectionError, shown by the CLI without traceback)."""

from __future__ import annotations

import datetime
import functools
import logging
import socket

import pytest
import torch
import torch.distributed as dist

from jae.train import distributed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_process_whose_peers_never_come_says_so(monkeypatch, caplog):
    for name in ("JAE_DISTRIBUTED", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    port = _free_port()
    for name, value in {"WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(distributed, "WAIT_WARNING_S", 0.5)  # a minute in use
    # torch's 30 minutes, here 3 seconds
    monkeypatch.setattr(dist, "init_process_group",
                        functools.partial(dist.init_process_group, timeout=datetime.timedelta(seconds=3)))
    with caplog.at_level(logging.WARNING, logger="jae"):
        with pytest.raises(ConnectionError) as caught:
            distributed.data_parallel(torch.device("cpu"))
    assert not dist.is_initialized()
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == 1 and said[0].startswith("data-parallel training: process 0 of 2 has waited 0.5 s for the "
                                                 f"other processes of this launch at 127.0.0.1:{port} (WORLD_SIZE=2)")
    assert said[0].endswith("set JAE_DISTRIBUTED=0 to train this process alone")
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"data-parallel training: process 0 of 2 could not join the other "
                                                f"processes of this launch at 127.0.0.1:{port} (")
    assert "1/2 clients joined" in text and text.endswith("set JAE_DISTRIBUTED=0 to train this process alone"), text


def test_processes_that_meet_at_once_say_nothing(monkeypatch, caplog):
    # a group of one (WORLD_SIZE=1 is no launch: here the join itself, as torchrun's processes meeting at once)
    port = _free_port()
    for name, value in {"WORLD_SIZE": "1", "RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(distributed, "WAIT_WARNING_S", 0.5)
    with caplog.at_level(logging.WARNING, logger="jae"):
        try:
            distributed._join("gloo")
            assert dist.get_world_size() == 1
        finally:
            if dist.is_initialized():
                dist.destroy_process_group()
        import time

        time.sleep(1)  # past the warning's time: it was cancelled
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
