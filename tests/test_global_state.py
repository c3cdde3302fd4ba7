"""Library code leaves the caller's global state as it found it: torch's thread count, RNGs, logging, warnings."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import Processes  # tests/ is on sys.path

#: A fresh interpreter (numba starts its thread pool once per process): the caller's torch thread count, then a jae
#: call that runs parallel numba kernels, then the count.
_THREADS_AFTER = """
import numpy as np, scipy.sparse as sp, torch
{setup}
before = torch.get_num_threads()
{call}
print(before, torch.get_num_threads())
"""
#: jae's own kernel: the log-normalisation of every fit, embed and prediction. (The approximate neighbour search of
#: ``evaluate(knn='approximate')`` starts no numba thread pool: its threads are Python's, as the vote's.)
_CALLS = {
    "log_normalize": "from jae.preprocess import log_normalize\n"
                     "log_normalize(sp.random(50, 40, density=0.3, format='csr', random_state=0) * 10)",
}


#: The caller's thread count: set in the environment, or by the script.
_CASES = {
    "OMP_NUM_THREADS": ("", {"OMP_NUM_THREADS": "1"}),  # the count a cluster job sets for torch and BLAS
    "torch.set_num_threads": ("torch.set_num_threads(1)", {}),  # the count a script sets
}


def _interpreters(*, background: bool = False) -> Processes:
    commands = {}
    for call, code in _CALLS.items():
        for case, (setup, env) in _CASES.items():
            env = {**{k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}, "NUMBA_NUM_THREADS": "3", **env}
            commands[case, call] = [sys.executable, "-c", _THREADS_AFTER.format(setup=setup, call=code)], {"env": env}
    return Processes(commands, background=background)


#: The interpreters :func:`start_early` started when the session started (conftest's ``_early_starts``).
_EARLY: list[Processes] = []
EARLY_FIXTURE = "interpreters"


def start_early(tmp_path_factory) -> Processes:
    """:func:`interpreters`' processes, started in the background at the session's start (the same commands and
    environments: each spends seconds importing jae, with nothing to wait for)."""
    _EARLY.append(_interpreters(background=True))
    return _EARLY[-1]


@pytest.fixture(scope="module")
def interpreters():
    """Every case's interpreter, started side by side (each spends seconds importing jae, on a core of its own)."""
    procs = _EARLY.pop() if _EARLY else _interpreters()
    yield procs
    procs.close()


@pytest.mark.parametrize("call", list(_CALLS))
@pytest.mark.parametrize("case", list(_CASES))
def test_numba_kernels_leave_torch_thread_count_as_the_caller_set_it(interpreters, case, call):
    """numba's OpenMP pool set the process's OpenMP thread count to numba's own (every core) when the first parallel
    kernel started it, so after the first fit or evaluation torch ran on every core although the caller asked for one."""
    proc = interpreters[case, call]
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    assert out.split() == ["1", "1"]
