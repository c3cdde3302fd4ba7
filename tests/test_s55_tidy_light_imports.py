"""Session 55: numba and torch are imported where they are used. jae.metrics._graph and jae.metrics.silhouette import
torch in the functions that compute distance blocks (reading the modules, or scoring with the CPU kernel, loaded it:
~2 s), and jae.simulate names its cell-cycle genes from jae._cell_cycle_genes, not through jae.preprocess, whose
scoring kernels import numba (~0.5 s). Same simulated data (checked against a digest of the counts of main) and the
same silhouettes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
for _name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
    ENV.pop(_name, None)


def _child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it sets ``out``, printed as JSON with 'loaded': numba and torch if
    imported by then."""
    tail = ("\nimport json as _j, sys as _s\n"
            "print(_j.dumps({**out, 'loaded': [m for m in ('numba', 'torch') if m in _s.modules]}))")
    proc = subprocess.run([sys.executable, "-c", code + tail], env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_simulating_imports_neither_numba_nor_torch():
    out = _child("""
import hashlib, sys
import jae.datasets
out = {'after_import': [m for m in ('numba', 'torch') if m in sys.modules]}
mdata = jae.datasets.simulate(40, kind='cite', n_genes=200, n_proteins=8, seed=1)
rna = mdata['rna']
out['digest'] = hashlib.sha256(rna.X.toarray().tobytes() + ''.join(rna.var_names).encode()).hexdigest()[:16]
""")
    assert out["after_import"] == []
    assert out["loaded"] == []  # was ['numba']: the gene names were read through jae.preprocess
    assert out["digest"] == "60caeb8c5bbb7b7c"  # main's


def test_reading_the_silhouette_and_graph_modules_imports_no_torch():
    out = _child("""
import sys
import numpy as np
import jae.metrics.silhouette as s
import jae.metrics._graph as g
out = {'after_import': [m for m in ('numba', 'torch') if m in sys.modules]}
X = np.random.default_rng(0).normal(size=(60, 4))
labels = np.repeat([0, 1, 2], 20)
out['asw'] = [s.asw_label(X, labels, device='cpu'), s.asw_batch(X, np.tile([0, 1], 30), labels, device='cpu')]
""")
    assert out["after_import"] == []  # was ['torch']
    assert "torch" in out["loaded"]  # the distance blocks import it when they run
    assert out["asw"] == [0.4800391922770244, 0.8827067700509179]  # main's, bit for bit
