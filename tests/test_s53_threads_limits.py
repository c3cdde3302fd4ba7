"""The CPUs a job was given, not the host's: a Slurm job without core binding (SLURM_CPUS_PER_TASK) and a container's
CPU quota (docker --cpus, Kubernetes limits: cgroup v2 cpu.max, v1 cpu.cfs_quota_us) leave the CPU affinity at every
core of the host, and jae's thread count followed the affinity and OMP_NUM_THREADS only: 64 threads on 2 CPUs.

Each test plays a 64-core host (numba's configured count) with the cgroup files in tmp_path."""

from __future__ import annotations

import logging

import numba
import numpy as np
import pytest
import scipy.sparse as sp

from jae import _threads
from jae._threads import compute_threads, usable_cpus

HOST = 64


@pytest.fixture(autouse=True)
def host(monkeypatch, tmp_path):
    """No Slurm job, no OMP_NUM_THREADS, no cgroup files, 64 visible CPUs; the messages said once not yet said."""
    for name in ("SLURM_JOB_ID", "SLURM_CPUS_PER_TASK", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", HOST)
    # raising=False: main had none of these, and its answer (the visible count) is what the assertions catch
    monkeypatch.setattr(_threads, "CGROUP_ROOT", str(tmp_path / "none"), raising=False)
    monkeypatch.setattr(_threads, "PROC_CGROUP", str(tmp_path / "no_proc_cgroup"), raising=False)
    monkeypatch.setattr(_threads, "_LOGGED", set(), raising=False)


def _cgroups(monkeypatch, root, files: dict[str, str | bytes], own: str | None = None) -> None:
    """Cgroup files under ``root`` (relative path: content), and ``own`` as /proc/self/cgroup's text."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    monkeypatch.setattr(_threads, "CGROUP_ROOT", str(root), raising=False)
    if own is not None:
        (root.parent / f"{root.name}.proc").write_text(own)
        monkeypatch.setattr(_threads, "PROC_CGROUP", str(root.parent / f"{root.name}.proc"), raising=False)


@pytest.mark.parametrize("line, cpus", [("200000 100000", 2), ("150000 100000", 2), ("50000 100000", 1),
                                        ("400000 200000", 2)])
def test_cgroup_v2_quota_caps_the_threads_at_its_cpus_rounded_up(monkeypatch, tmp_path, line, cpus):
    _cgroups(monkeypatch, tmp_path / "v2", {"cpu.max": line + "\n"})
    assert usable_cpus() == cpus
    assert compute_threads() == cpus


def test_cgroup_v2_max_is_no_limit_and_a_quota_above_the_process_applies(monkeypatch, tmp_path):
    """Outside a container's namespace /proc/self/cgroup names the process's cgroup; a quota on the slice above
    it (systemd's CPUQuota) limits it as well, and "max" (no quota) limits nothing."""
    own = "0::/job.slice/step\n"
    _cgroups(monkeypatch, tmp_path / "above", {"job.slice/cpu.max": "300000 100000",
                                               "job.slice/step/cpu.max": "max 100000"}, own=own)
    assert compute_threads() == 3
    _cgroups(monkeypatch, tmp_path / "none", {"job.slice/cpu.max": "max 100000", "job.slice/step/cpu.max": "max 100000"},
             own=own)
    assert compute_threads() == HOST


@pytest.mark.parametrize("folder", ["cpu", "cpu,cpuacct"])
def test_cgroup_v1_quota_caps_the_threads_and_minus_one_is_no_limit(monkeypatch, tmp_path, folder):
    own = "4:memory:/x\n1:cpu,cpuacct:/job\n0::/\n"
    _cgroups(monkeypatch, tmp_path / "v1", {f"{folder}/job/cpu.cfs_quota_us": "300000\n",
                                            f"{folder}/job/cpu.cfs_period_us": "100000\n",
                                            f"{folder}/cpu.cfs_quota_us": "-1\n", f"{folder}/cpu.cfs_period_us": "100000\n"},
             own=own)
    assert compute_threads() == 3
    _cgroups(monkeypatch, tmp_path / "none", {f"{folder}/job/cpu.cfs_quota_us": "-1\n",
                                              f"{folder}/job/cpu.cfs_period_us": "100000\n"}, own=own)
    assert compute_threads() == HOST


@pytest.mark.parametrize("odd", [
    {"cpu.max/oops": ""},  # a folder where the file should be: unreadable
    {"cpu.max": b"\xff\xfe\x00"},  # not text
    {"cpu.max": "lots 100000"},  # not a number
    {"cpu.max": "200000 0"},  # no period
    {"unified/cpu.max": ""},  # empty
    {"cpu,cpuacct/cpu.cfs_quota_us": "200000"},  # v1 quota without its period
])
def test_unreadable_or_odd_cgroup_files_are_passed_over_silently(monkeypatch, tmp_path, caplog, odd):
    """... and a readable quota beside them still counts (v1's here)."""
    _cgroups(monkeypatch, tmp_path / "odd", {**odd, "cpu/cpu.cfs_quota_us": "200000", "cpu/cpu.cfs_period_us": "100000"},
             own="\xff garbage\n")
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert compute_threads() == 2
    assert caplog.records == []


def test_slurm_cpus_per_task_counts_inside_a_job_only(monkeypatch):
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "3")
    assert compute_threads() == HOST  # left over in a login shell: no job, no limit
    monkeypatch.setenv("SLURM_JOB_ID", "12345")
    assert usable_cpus() == 3
    assert compute_threads() == 3
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "many")
    assert compute_threads() == HOST


def test_the_smallest_limit_applies(monkeypatch, tmp_path):
    _cgroups(monkeypatch, tmp_path / "v2", {"cpu.max": "400000 100000"})
    monkeypatch.setenv("SLURM_JOB_ID", "1")
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "6")
    monkeypatch.setenv("OMP_NUM_THREADS", "5")
    assert compute_threads() == 4  # the quota
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "3")
    assert compute_threads() == 3  # Slurm's
    monkeypatch.setenv("OMP_NUM_THREADS", "2,1")
    assert compute_threads() == 2  # the user's OMP_NUM_THREADS
    assert usable_cpus() == 3  # the CPUs, whatever OMP_NUM_THREADS says
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 1)
    assert compute_threads() == 1  # never more than numba's pool


def test_the_limit_that_applied_is_logged_once_at_debug(monkeypatch, tmp_path, caplog):
    _cgroups(monkeypatch, tmp_path / "v2", {"cpu.max": "200000 100000"})
    with caplog.at_level(logging.DEBUG, logger="jae"):
        compute_threads()
        compute_threads()
    said = [r.getMessage() for r in caplog.records if r.name == "jae._threads"]
    assert said == [f"2 CPUs (cgroup CPU quota of {HOST} visible)"]


def test_louvain_default_threads_follow_the_quota(monkeypatch, tmp_path):
    """Its default was NUMBA_NUM_THREADS or the affinity: a pool of every host core for the resolutions."""
    from jae.metrics import _louvain

    pools = []
    real = _louvain.ThreadPoolExecutor

    def recording(max_workers=None, **kwargs):
        pools.append(max_workers)
        return real(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(_louvain, "ThreadPoolExecutor", recording)
    _cgroups(monkeypatch, tmp_path / "v2", {"cpu.max": "100000 100000"})
    graph = sp.random(40, 40, density=0.2, format="csr", random_state=0)
    graph = graph + graph.T
    one = _louvain.louvain_memberships(graph, [0.5, 1.0, 2.0], seed=0)
    assert pools == []  # one CPU: the resolutions one after another, no pool
    _cgroups(monkeypatch, tmp_path / "v2b", {"cpu.max": "200000 100000"})
    two = _louvain.louvain_memberships(graph, [0.5, 1.0, 2.0], seed=0)
    assert pools == [2]
    assert all(np.array_equal(a, b) for a, b in zip(one, two))
