"""A CPU process waiting for the other processes of its launch (torchrun's variables set; here it is alone) sat in one
C++ call, where Python cannot run its signal handlers: SIGTERM (timeout, scancel, kill) and Ctrl-C did nothing for
torch's 30 minutes, and only SIGKILL ended it. The wait now runs in a helper thread, so SIGTERM ends it at once with
jae's own line ('terminated (SIGTERM); no output was written ...') and status 143."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

from jae.datasets import write_simulated


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_ends_a_process_waiting_for_its_peers(tmp_path):
    prefix = tmp_path / "sim"
    write_simulated(prefix, n_cells=120, preset=None, n_genes=200, n_peaks=100, n_cell_types=3, n_batches=2, seed=0,
                    progress_bar=False)
    env = {k: v for k, v in os.environ.items() if k not in ("JAE_DISTRIBUTED", "LOCAL_RANK")}
    env.update(OMP_NUM_THREADS="1", WORLD_SIZE="2", RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jae", "fit", "--mod1", f"{prefix}.mod1.h5ad", "--mod2", f"{prefix}.mod2.h5ad",
         "--out", str(tmp_path / "model"), "--device", "cpu", "--max-epochs", "1", "--set", "n_svd=20"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    guard = threading.Timer(150, proc.kill)  # a process that ignores SIGTERM fails the test instead of blocking it
    guard.start()
    try:
        said = []
        for line in proc.stderr:  # the last line before training: the process then waits for process 1
            said.append(line)
            if "latent layout" in line:
                break
        time.sleep(2)  # in the wait
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=140)[1]
        took = time.monotonic() - sent
    finally:
        guard.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = "".join(said) + rest
    assert proc.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert took < 20, took
    assert "ERROR jae: terminated (SIGTERM); no output was written" in err and "Traceback" not in err, err[-3000:]
    assert not (tmp_path / "model").exists()
