"""A job scheduler's SIGTERM (Slurm's time limit, scancel, kill) during a write leaves no hidden temporary."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def test_sigterm_mid_write_leaves_no_temporary(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = tmp_path / "sim.h5mu"
    # large enough to be still writing when the temporary appears (killed long before it ends)
    cmd = [sys.executable, "-m", "jae", "-q", "simulate", str(out), "--format", "h5mu", "--preset", "none",
           "--n-cells", "100000", "--chunk-size", "1024"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".*tmp*")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no temporary appeared"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [], err  # neither the output nor a hidden temporary
    assert "terminated" in err and "Traceback" not in err, err
