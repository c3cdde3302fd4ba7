"""Library code leaves the caller's global state as it found it: torch's thread count, RNGs, logging, warnings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

#: A fresh interpreter (numba starts its thread pool once per process): the caller's torch thread count, then a jae
#: call that runs parallel numba kernels, then the count.
_THREADS_AFTER = """
import numpy as np, scipy.sparse as sp, torch
{setup}
before = torch.get_num_threads()
{call}
print(before, torch.get_num_threads())
"""
#: jae's own kernel: the log-normalisation of every fit, embed and prediction. (pynndescent's, run first by
#: ``evaluate(knn='approximate')`` on a given embedding, is kept the same way; its compilation takes a minute.)
_CALLS = {
    "log_normalize": "from jae.preprocess import log_normalize\n"
                     "log_normalize(sp.random(50, 40, density=0.3, format='csr', random_state=0) * 10)",
}


@pytest.mark.parametrize("call", list(_CALLS))
@pytest.mark.parametrize("setup, env", [
    ("", {"OMP_NUM_THREADS": "1"}),  # the count a cluster job sets for torch and BLAS
    ("torch.set_num_threads(1)", {}),  # the count a script sets
], ids=["OMP_NUM_THREADS", "torch.set_num_threads"])
def test_numba_kernels_leave_torch_thread_count_as_the_caller_set_it(setup, env, call):
    """numba's OpenMP pool set the process's OpenMP thread count to numba's own (every core) when the first parallel
    kernel started it, so after the first fit or evaluation torch ran on every core although the caller asked for one."""
    env = {**{k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}, "NUMBA_NUM_THREADS": "3", **env}
    out = subprocess.run([sys.executable, "-c", _THREADS_AFTER.format(setup=setup, call=_CALLS[call])], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "1"]
