"""The suite runs its files on several processes (session 56): pyproject's addopts ask pytest-xdist for ``-n auto``,
one file's tests to one process (``--dist loadfile``, so a module's fixtures are built once), and conftest's
``pytest_xdist_auto_num_workers`` picks the count from the CPUs this job may use and the memory available."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import conftest

REPO = Path(__file__).resolve().parents[1]


def _workers(monkeypatch, cpus: int, available: int):
    import jae._threads
    import jae.io.plan

    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.setattr(jae._threads, "usable_cpus", lambda: cpus)
    monkeypatch.setattr(jae.io.plan, "available_memory", lambda: available)
    return conftest.pytest_xdist_auto_num_workers(None)


def test_worker_count_follows_cpus_memory_and_the_cap(monkeypatch):
    gib = 1 << 30
    assert _workers(monkeypatch, 2, 20 * gib) == 2  # CI's machine: 2 cores, plenty of memory
    assert _workers(monkeypatch, 16, 20 * gib) == 20 * gib // conftest.WORKER_BYTES  # memory bounds it first
    assert _workers(monkeypatch, 64, 1000 * gib) == conftest.MAX_WORKERS
    assert _workers(monkeypatch, 1, 20 * gib) == 0  # one CPU: every test in the main process, no worker to start
    assert _workers(monkeypatch, 8, 4 * gib) == 0  # room for one worker only: the same
    assert _workers(monkeypatch, 4, None) == 4  # memory unknown: the CPUs decide


def test_the_environment_variable_leaves_the_count_to_xdist(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "3")
    assert conftest.pytest_xdist_auto_num_workers(None) is None


def test_the_projects_settings_run_each_file_on_one_worker_process(tmp_path):
    """The repository's pytest settings on two small test files: two worker processes, each file's tests in one."""
    for name in ("a", "b"):
        (tmp_path / f"test_{name}.py").write_text(
            "import os\n"
            + "".join(f"def test_{i}():\n    with open({str(tmp_path / f'{name}{i}.txt')!r}, 'w') as f:\n"
                      "        f.write(f\"{os.getpid()} {os.environ.get('PYTEST_XDIST_WORKER')}\")\n"
                      for i in range(3)))
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "pytest-xdist>=3.1" in settings["project"]["optional-dependencies"]["dev"]  # what gives -n its meaning
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
           "PYTEST_XDIST_AUTO_NUM_WORKERS": "2"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
                          str(REPO / "pyproject.toml"), "--rootdir", str(tmp_path), str(tmp_path)],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6 passed" in run.stdout
    seen = {name: {(tmp_path / f"{name}{i}.txt").read_text() for i in range(3)} for name in ("a", "b")}
    assert all(len(s) == 1 for s in seen.values()), seen  # one process ran each file's three tests
    (a,), (b,) = seen.values()
    assert a != b and a.split()[1].startswith("gw") and b.split()[1].startswith("gw"), seen
    assert str(os.getpid()) not in (a.split()[0], b.split()[0])


def test_without_xdist_the_settings_still_parse_and_every_test_runs_in_one_process(tmp_path):
    """jae installed without its dev extra (or ``-p no:xdist``): pyproject's ``-n auto --dist loadfile`` are taken
    by conftest as options that do nothing, and the run says so in its header."""
    shutil.copy(REPO / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_one.py").write_text("import os\n\ndef test_here():\n    assert 'PYTEST_XDIST_WORKER' not in "
                                          "os.environ\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}  # this run's own worker's
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-c",
                          str(REPO / "pyproject.toml"), "--rootdir", str(tmp_path), str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout and "pytest-xdist is not in use" in run.stdout
