"""A CLI run in a Slurm job or a container with a CPU quota: torch, BLAS and numba counted every core of the host
(torch.get_num_threads() was the host's count under SLURM_CPUS_PER_TASK=1), so 64 threads shared 2 CPUs. Now the CLI
lowers them to the job's CPUs, and says so once when the host shows at least 4 times as many."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import Processes  # tests/ is on sys.path

#: One CLI run in a fresh interpreter (its thread counts are the process's), then the counts it leaves.
_SCRIPT = """
import sys, numba, torch, threadpoolctl
import jae._threads
jae._threads.CGROUP_ROOT = {root!r}  # the machine's own cgroup files are not the test's
from jae.cli import main
code = main({argv!r})
print("COUNTS", code, torch.get_num_threads(), numba.get_num_threads(),
      max(lib["num_threads"] for lib in threadpoolctl.threadpool_info()))
"""

_BASE = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                          "NUMBA_NUM_THREADS", "SLURM_JOB_ID", "SLURM_CPUS_PER_TASK")}
#: name: (extra environment, cgroup v2 cpu.max or None, CLI flags before the verb)
_CASES = {
    "slurm": ({"SLURM_JOB_ID": "1", "SLURM_CPUS_PER_TASK": "1"}, None, []),
    "quota_far_below": ({"NUMBA_NUM_THREADS": "4"}, "100000 100000\n", []),
    "slurm_far_below_quiet": ({"SLURM_JOB_ID": "7", "SLURM_CPUS_PER_TASK": "2", "NUMBA_NUM_THREADS": "8"}, None, ["-q"]),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("a limit of 1 CPU is no limit on a machine of 1")
    base = tmp_path_factory.mktemp("threads_cli")
    commands = {}
    for name, (env, quota, flags) in _CASES.items():
        root = base / name
        root.mkdir()
        if quota is not None:
            (root / "cpu.max").write_text(quota)
        argv = [*flags, "simulate", str(root / "sim.h5mu"), "--format", "h5mu", "--preset", "none", "--n-cells", "20",
                "--n-genes", "200", "--n-peaks", "30"]
        commands[name] = [sys.executable, "-c", _SCRIPT.format(root=str(root), argv=argv)], {"env": {**_BASE, **env}}
    procs = Processes(commands)
    try:
        out = {}
        for name in commands:
            stdout, stderr = procs[name].communicate(timeout=300)
            assert procs[name].returncode == 0, stderr[-2000:]
            counts = [line.split()[1:] for line in stdout.splitlines() if line.startswith("COUNTS")]
            assert counts and counts[0][0] == "0", stdout + stderr[-2000:]
            out[name] = [int(c) for c in counts[0][1:]], stderr
    finally:
        procs.close()
    return out


def test_a_slurm_job_of_one_cpu_runs_torch_numba_and_blas_on_one_thread(runs):
    (torch_threads, numba_threads, blas_threads), err = runs["slurm"]
    assert (torch_threads, numba_threads, blas_threads) == (1, 1, 1)
    assert "running on" not in err  # the host's 2 CPUs are not 4 times 1: nothing said


def test_a_quota_far_below_the_hosts_cpus_is_said_once(runs):
    (torch_threads, numba_threads, blas_threads), err = runs["quota_far_below"]
    assert (torch_threads, numba_threads, blas_threads) == (1, 1, 1)
    said = [line for line in err.splitlines() if "running on" in line]
    assert len(said) == 1 and "running on 1 thread: the container's CPU quota (cgroup) allows 1 of the 4 CPUs" in said[0]


def test_quiet_runs_say_nothing_but_still_keep_to_the_job(runs):
    (torch_threads, numba_threads, blas_threads), err = runs["slurm_far_below_quiet"]
    assert numba_threads == 2 and torch_threads <= 2 and blas_threads <= 2
    assert "running on" not in err
