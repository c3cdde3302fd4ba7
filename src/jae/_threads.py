"""The one rule for how many threads jae's compiled kernels and thread pools use.

The CPUs this process may use (:func:`usable_cpus`): numba's configured thread count (``NUMBA_NUM_THREADS``, else
the process's CPU affinity), at most what a Slurm job step asked for (``SLURM_CPUS_PER_TASK``) and the container's
CPU quota (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``): both leave the affinity at every core of the host. The
compute threads (:func:`compute_threads`): those, at most ``OMP_NUM_THREADS`` when set (as torch and BLAS read it).
The CLI also lowers torch's, BLAS's and numba's own counts to them (:func:`limit_process_threads`).
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

__all__ = ["compute_threads", "limit_process_threads", "numba_threads", "start_numba_pool", "threads_within_memory",
           "usable_cpus"]

logger = logging.getLogger(__name__)

#: Where the cgroup file systems are mounted, and the file naming this process's cgroups (tests point them elsewhere).
CGROUP_ROOT = "/sys/fs/cgroup"
PROC_CGROUP = "/proc/self/cgroup"
#: cgroup v1's mount points of the ``cpu`` controller under :data:`CGROUP_ROOT` (distributions name it either way).
_V1_CPU_MOUNTS = ("cpu", "cpu,cpuacct", "cpuacct,cpu")
#: The limits a job was given, as the messages name them.
SLURM, QUOTA = "SLURM_CPUS_PER_TASK", "cgroup CPU quota"
_LOGGED: set[tuple] = set()  # what was said once


def _own_cgroups(proc: str) -> dict[str, str]:
    """This process's cgroup path by hierarchy (``""``: cgroup v2's unified one; else v1's controller names), as
    ``proc`` (``/proc/self/cgroup``) lists them; empty when it cannot be read."""
    paths: dict[str, str] = {}
    try:
        with open(proc) as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return paths
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    return paths


def _dirs_up(mount: str, path: str | None) -> list[str]:
    """``mount`` and the folders down to the process's own cgroup ``path`` under it (a quota on any of them
    applies); only ``mount`` where it is the process's own (a container's namespace) or the path is unknown."""
    parts = [p for p in (path or "").split("/") if p and p not in (".", "..")]
    return [os.path.join(mount, *parts[:i]) for i in range(len(parts) + 1)]


def _read(path: str) -> list[str]:
    """The whitespace-separated fields of a small file; empty when it cannot be read."""
    try:
        with open(path) as f:
            return f.read().split()
    except (OSError, UnicodeDecodeError):
        return []


def _cpus(quota: str, period: str) -> int | None:
    """CPUs a quota of ``quota`` microseconds per ``period`` allows (ceil, at least 1); None for no limit ("max",
    -1) or for what is no quota."""
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return max(1, math.ceil(q / p)) if q > 0 and p > 0 else None


def cgroup_cpus() -> int | None:
    """CPUs the cgroup CPU quota of this process allows (cgroup v2 and v1; the smallest over its cgroup and those
    above it), None when there is none or nothing can be read. Read once per process (each read took 0.15 ms, and
    the streaming SVD asks for the thread count at every product)."""
    return _cgroup_cpus(CGROUP_ROOT, PROC_CGROUP)


@functools.lru_cache(maxsize=None)
def _cgroup_cpus(root: str, proc: str) -> int | None:
    """:func:`cgroup_cpus` from the cgroup file systems under ``root``, this process's cgroups listed in ``proc``."""
    own = _own_cgroups(proc)
    found = []
    for mount in (root, os.path.join(root, "unified")):
        for folder in _dirs_up(mount, own.get("")):
            fields = _read(os.path.join(folder, "cpu.max"))
            if fields:
                found.append(_cpus(fields[0], fields[1] if len(fields) > 1 else "100000"))
    for name in _V1_CPU_MOUNTS:
        for folder in _dirs_up(os.path.join(root, name), own.get("cpu")):
            quota, period = _read(os.path.join(folder, "cpu.cfs_quota_us")), _read(os.path.join(folder,
                                                                                                 "cpu.cfs_period_us"))
            if quota and period:
                found.append(_cpus(quota[0], period[0]))
    return min((n for n in found if n is not None), default=None)


def slurm_cpus() -> int | None:
    """``SLURM_CPUS_PER_TASK`` inside a Slurm job (``SLURM_JOB_ID`` set): the CPUs each task asked for with
    ``--cpus-per-task`` (Slurm sets it only then); None outside a job, when unset or not a positive number."""
    if not os.environ.get("SLURM_JOB_ID", "").strip():
        return None
    try:
        n = int(os.environ.get("SLURM_CPUS_PER_TASK", "").strip())
    except ValueError:
        return None
    return n if n > 0 else None


def _omp_threads() -> int | None:
    """``OMP_NUM_THREADS``'s first level (OpenMP's list form ``4,1``: 4 threads, then 1 in nested regions), as
    torch and BLAS read it; None when unset or no positive number."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", "0").split(",")[0].strip() or "0")
    except ValueError:
        return None
    return n if n > 0 else None


def _numba_count() -> int:
    """numba's configured thread count, ``numba.config.NUMBA_NUM_THREADS``, without importing numba where it is not
    loaded: numba's own rule, ``NUMBA_NUM_THREADS`` where it reads as a whole number, else the CPU affinity. numba is
    imported (and says its count) only where it is loaded already, a ``.numba_config.yaml`` in the working folder
    may set the count, or the variable reads as no number (numba then warns)."""
    value = os.environ.get("NUMBA_NUM_THREADS")
    if "numba" not in sys.modules and not os.path.isfile(".numba_config.yaml"):
        if value is None:
            return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        try:
            return int(value)
        except ValueError:
            pass
    import numba

    return numba.config.NUMBA_NUM_THREADS


def _limited(*, omp: bool) -> tuple[int, str | None]:
    """``(count, limit)``: the visible CPUs (numba's configured count) at most each limit found, and the name of the
    one that lowered it (None when none did; on a tie the job's). A job's limit is logged at DEBUG once (the user set
    ``OMP_NUM_THREADS``, but may not know the job's)."""
    visible = _numba_count()
    limits = [(slurm_cpus(), SLURM), (cgroup_cpus(), QUOTA)] + ([(_omp_threads(), "OMP_NUM_THREADS")] if omp else [])
    n, name = min(((v, k) for v, k in limits if v is not None and v < visible), default=(visible, None),
                  key=lambda found: found[0])
    if name in (SLURM, QUOTA) and (n, name) not in _LOGGED:
        _LOGGED.add((n, name))
        logger.debug("%d CPU%s (%s of %d visible)", n, "" if n == 1 else "s", name, visible)
    return n, name


def usable_cpus() -> int:
    """The CPUs this process may use: numba's configured count (``NUMBA_NUM_THREADS``, else the CPU affinity), at
    most a Slurm job step's ``SLURM_CPUS_PER_TASK`` and the cgroup CPU quota (``docker --cpus``, Kubernetes limits)."""
    return _limited(omp=False)[0]


def compute_threads() -> int:
    """Threads for the streaming SVD's sparse products and the label vote's neighbour search: :func:`usable_cpus`,
    at most ``OMP_NUM_THREADS`` when set. Its list form (``4,1``: 4 threads, then 1 in nested regions) counts its
    first level, as torch and BLAS do."""
    return _limited(omp=True)[0]


def threads_within_memory(threads: int, task_bytes: Sequence[int]) -> tuple[int, int]:
    """``(workers, budget)``: how many of ``threads`` a pool of tasks holding ``task_bytes`` each while they run
    takes (at least 1, at most one per task): the most whose largest tasks' summed bytes fit in ``budget``, the memory
    budget's rule (:func:`jae.io.plan.default_memory_budget`: half the memory available now). Each task's numbers are
    its own: the count changes the memory and the time, not a result."""
    from .io.plan import default_memory_budget

    budget = default_memory_budget()
    largest = sorted((int(b) for b in task_bytes), reverse=True)[: max(1, threads)]
    workers = 1
    while workers < len(largest) and sum(largest[: workers + 1]) <= budget:
        workers += 1
    return workers, budget


def start_numba_pool() -> None:
    """Start numba's thread pool (once per process; a no-op after) keeping the caller's torch thread count.

    numba's OpenMP layer sets the process's OpenMP thread count to numba's own (every core unless
    ``NUMBA_NUM_THREADS`` says otherwise) when its pool starts, and torch reads that count: without this, the first
    parallel kernel (jae's or UMAP's) undid ``OMP_NUM_THREADS=1`` or ``torch.set_num_threads(1)``.
    """
    import numba
    import torch

    threads = torch.get_num_threads()
    numba.get_num_threads()  # starts the pool
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@contextmanager
def numba_threads() -> Iterator[int]:
    """Run numba's parallel kernels on :func:`compute_threads` threads inside the block (yielding that count),
    restoring the caller's setting afterwards."""
    import numba

    start_numba_pool()
    previous = numba.get_num_threads()
    threads = compute_threads()
    numba.set_num_threads(threads)
    try:
        yield threads
    finally:
        numba.set_num_threads(previous)


class _WhenImported(importlib.abc.MetaPathFinder):
    """Runs ``then(module)`` once the top-level module ``name`` has been imported, and then leaves ``sys.meta_path``:
    the module is found by the finders after it and executed by its own loader, which stays its ``__loader__``. A
    look that imports nothing (``importlib.util.find_spec('torch')``, as anndata 0.10 does) leaves it in place; an
    error of ``then`` is logged, never the import's."""

    def __init__(self, name: str, then: Callable[[object], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name or self not in sys.meta_path:
            return None
        for finder in sys.meta_path[sys.meta_path.index(self) + 1:]:  # the finders after this one, as without it
            spec = finder.find_spec(fullname, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader, hook = spec.loader, self

        class _Then(importlib.abc.Loader):
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                if hook in sys.meta_path:
                    sys.meta_path.remove(hook)  # imported now: once
                spec.loader = module.__loader__ = loader
                loader.exec_module(module)
                try:
                    hook.then(module)
                except Exception as err:  # the module stays imported, on the threads it chose itself
                    logger.warning("could not lower %s's thread count to this job's CPUs: %s", hook.name, err)

        spec.loader = _Then()
        return spec


def _limit_libraries(n: int) -> None:
    """The BLAS and OpenMP libraries loaded by now (numpy's, torch's, numba's) on at most ``n`` threads."""
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits({lib["prefix"]: n for lib in threadpool_info() if lib["num_threads"] > n})


def _limit_torch(n: int) -> None:
    """torch's thread count (once it is imported) and the libraries loaded by then at most ``n``."""
    torch = sys.modules["torch"]
    if torch.get_num_threads() > n:
        torch.set_num_threads(n)
    _limit_libraries(n)


def _limit_numba(n: int) -> None:
    """numba's thread count (once it is imported) ``n``, its pool started keeping torch's count (which imports
    torch: :func:`start_numba_pool`), then torch's and the libraries' as :func:`_limit_torch`."""
    import numba

    start_numba_pool()
    numba.set_num_threads(n)
    _limit_torch(n)


def limit_process_threads() -> None:
    """For the CLI, which owns its process: torch's, the loaded BLAS and OpenMP libraries' and numba's thread counts
    lowered to :func:`compute_threads` when a Slurm job or a CPU quota gave fewer CPUs than the process sees (they
    count every core of the host), and ``OMP_NUM_THREADS`` (when unset) set to it for libraries loaded later;
    nothing otherwise. torch's and numba's counts are lowered at once where they are imported, else as each is first
    imported (:class:`_WhenImported`): a refusal imports neither. Said at INFO once when the host shows at least 4
    times as many CPUs."""
    n, limit = _limited(omp=True)
    if limit not in (SLURM, QUOTA):
        return
    if "numba" in sys.modules:
        _limit_numba(n)
    elif "torch" in sys.modules:
        _limit_torch(n)
    else:
        _limit_libraries(n)  # numpy's BLAS
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _WhenImported)]  # an earlier run's
    for name, limit_it in (("numba", _limit_numba), ("torch", _limit_torch)):
        if name not in sys.modules:
            sys.meta_path.insert(0, _WhenImported(name, lambda module, limit_it=limit_it: limit_it(n)))
    visible = _numba_count()
    if visible >= 4 * n and (n, limit, "info") not in _LOGGED:
        _LOGGED.add((n, limit, "info"))
        what = "this Slurm job's --cpus-per-task" if limit == SLURM else "the container's CPU quota (cgroup)"
        logger.info("running on %d thread%s: %s allows %d of the %d CPUs this machine shows", n, "" if n == 1 else "s",
                    what, n, visible)
