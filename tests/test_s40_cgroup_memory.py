"""The memory jae plans with is at most what the process's control group has left (a container's or a SLURM job's
limit): it read the machine's MemAvailable alone, so a job limited to 16 GB on a 512 GB node got a budget of about
200 GB, read its input whole and was killed for memory."""

from __future__ import annotations

import pytest

from jae.io import plan

GB = 10**9


def _v2(tmp_path, limits: dict[str, str], current: int, inactive: int = 0, path: str = "/slurm/job_7/step_0"):
    root = tmp_path / "cg"
    for group, limit in limits.items():
        folder = root.joinpath(*[q for q in group.split("/") if q])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "memory.max").write_text(limit + "\n")
        (folder / "memory.current").write_text(f"{current}\n")
        (folder / "memory.stat").write_text(f"anon {current - inactive}\ninactive_file {inactive}\nactive_file 5\n")
    proc = tmp_path / "proc_cgroup"
    proc.write_text(f"0::{path}\n")
    return root, proc


@pytest.fixture
def big_node(monkeypatch):
    monkeypatch.setattr(plan, "_machine_available", lambda: 400 * GB)


def test_a_job_limit_caps_the_memory_available_and_the_budget(tmp_path, monkeypatch, big_node):
    root, proc = _v2(tmp_path, {"/slurm/job_7/step_0": str(16 * GB)}, current=6 * GB, inactive=1 * GB)
    monkeypatch.setattr(plan, "CGROUP_ROOT", str(root))
    monkeypatch.setattr(plan, "PROC_CGROUP", str(proc))
    assert plan.available_memory() == 11 * GB  # 16 GB limit - (6 GB used - 1 GB reclaimable cache)
    assert plan.default_memory_budget() == int(11 * GB * plan.BUDGET_SHARE)


def test_the_tightest_limit_above_the_process_binds(tmp_path, monkeypatch, big_node):
    root, proc = _v2(tmp_path, {"/slurm/job_7/step_0": "max", "/slurm/job_7": str(8 * GB), "/": "max"},
                     current=2 * GB)
    monkeypatch.setattr(plan, "CGROUP_ROOT", str(root))
    monkeypatch.setattr(plan, "PROC_CGROUP", str(proc))
    assert plan.available_memory() == 6 * GB


def test_no_limit_leaves_the_machines_figure(tmp_path, monkeypatch, big_node):
    root, proc = _v2(tmp_path, {"/slurm/job_7/step_0": "max"}, current=2 * GB)
    monkeypatch.setattr(plan, "CGROUP_ROOT", str(root))
    monkeypatch.setattr(plan, "PROC_CGROUP", str(proc))
    assert plan.available_memory() == 400 * GB
    monkeypatch.setattr(plan, "PROC_CGROUP", str(tmp_path / "absent"))  # no control groups at all
    assert plan.available_memory() == 400 * GB


def test_cgroup_v1_limit(tmp_path, monkeypatch, big_node):
    folder = tmp_path / "cg" / "memory" / "docker" / "abc"
    folder.mkdir(parents=True)
    (folder / "memory.limit_in_bytes").write_text(f"{4 * GB}\n")
    (folder / "memory.usage_in_bytes").write_text(f"{3 * GB}\n")
    (folder / "memory.stat").write_text(f"cache 9\ntotal_inactive_file {GB}\n")
    top = tmp_path / "cg" / "memory"
    (top / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # v1's "no limit"
    (top / "memory.usage_in_bytes").write_text(f"{50 * GB}\n")
    proc = tmp_path / "proc_cgroup"
    proc.write_text("12:pids:/docker/abc\n9:memory:/docker/abc\n1:name=systemd:/docker/abc\n")
    monkeypatch.setattr(plan, "CGROUP_ROOT", str(tmp_path / "cg"))
    monkeypatch.setattr(plan, "PROC_CGROUP", str(proc))
    assert plan.available_memory() == 2 * GB  # 4 GB - (3 GB - 1 GB)
