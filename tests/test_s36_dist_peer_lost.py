"""Under ``torchrun``, when one process of a data-parallel ``jae fit`` ends mid-training (killed, out of memory, its
own error), the others printed a 40-line traceback ending in gloo's 'RuntimeError: [.../gloo/transport/tcp/pair.cc:553]
Connection closed by peer ...' beside the real cause. Now each says in one line that it lost contact with the other
processes (a ``ConnectionError``, which the CLI shows without traceback).

The two processes are started by hand with the variables torchrun sets, so that no agent kills the survivor before
it speaks; process 1 ends abruptly (``os._exit``) after its first epoch, as a killed process would.
"""

from __future__ import annotations

import os
import socket
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import Processes  # tests/ is on sys.path

from jae.datasets import write_simulated

WORKER = textwrap.dedent("""
    import os, sys
    import torch
    torch.set_num_threads(1)
    from jae.train import loop
    from jae.cli import main

    check = loop._check_finite
    def _check_finite(entry, desc, fix):  # process 1 dies after its first epoch, between two collectives
        check(entry, desc, fix)
        if os.environ["RANK"] == "1":
            os._exit(3)
    loop._check_finite = _check_finite
    sys.exit(main(sys.argv[1:]))
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peers(tmp_path: Path, *, background: bool = False) -> Processes:
    """Processes 0 and 1 of the data-parallel fit, started side by side on 160 simulated cells written to tmp_path."""
    prefix = tmp_path / "sim"
    write_simulated(prefix, n_cells=160, preset=None, n_genes=200, n_peaks=100, n_cell_types=3, n_batches=2, seed=0,
                    progress_bar=False)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {k: v for k, v in os.environ.items() if k not in ("JAE_DISTRIBUTED", "LOCAL_RANK", "RANK", "WORLD_SIZE")}
    env.update(OMP_NUM_THREADS="1", WORLD_SIZE="2", LOCAL_WORLD_SIZE="2", MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(_free_port()))
    argv = [sys.executable, str(script), "fit", "--mod1", f"{prefix}.mod1.h5ad", "--mod2", f"{prefix}.mod2.h5ad",
            "--out", str(tmp_path / "model"), "--device", "cpu", "--max-epochs", "5", "--set", "n_svd=20", "-q"]
    return Processes({r: (argv, {"env": {**env, "RANK": str(r), "LOCAL_RANK": str(r)}}) for r in range(2)},
                     background=background)


#: The processes :func:`start_early` started when the session started (conftest's ``_early_starts``), and their folder.
_EARLY: list[tuple[Path, Processes]] = []
EARLY_FIXTURE = "peers"


class _Started(tuple):
    def close(self) -> None:
        self[1].close()


def start_early(tmp_path_factory) -> _Started:
    """:func:`peers`' processes, started in the background at the session's start (the same data, script, commands and
    environments): they spend seconds importing jae and fitting, with nothing to wait for."""
    folder = tmp_path_factory.mktemp("peer_lost")
    _EARLY.append(_Started((folder, _peers(folder, background=True))))
    return _EARLY[-1]


@pytest.fixture
def peers(tmp_path):
    """``(folder, processes)``: the fit's folder (data, script, the model's place) and its two processes."""
    started = _EARLY.pop() if _EARLY else _Started((tmp_path, _peers(tmp_path)))
    yield started
    started.close()


def test_the_survivor_of_a_dead_process_says_so_in_one_line(peers):
    tmp_path, started = peers
    procs = [started[0], started[1]]
    try:
        said = [p.communicate(timeout=120) for p in procs]  # a hang fails here instead of blocking the run
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert procs[1].returncode == 3, said[1][1][-2000:]
    err = said[0][1]
    assert procs[0].returncode == 1, err[-3000:]
    assert "Traceback" not in err and "RuntimeError" not in err, err[-3000:]
    lines = [line for line in err.splitlines() if "ERROR" in line]
    assert len(lines) == 1 and "process 0 of 2 of this data-parallel run lost contact with the others" in lines[0], err
    assert "Connection closed by peer" in lines[0] or "Connection reset by peer" in lines[0], lines[0]
    assert not (tmp_path / "model").exists()
