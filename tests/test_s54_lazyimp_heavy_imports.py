"""scikit-learn and torch are imported where they are used: ``import jae.metrics`` imports neither, scoring a
prediction (:func:`jae.metrics.rmse`) neither, and simulating (``jae.simulate``, ``jae simulate``) no torch.

Before: ``import jae.metrics`` imported every metric module (scikit-learn and torch, ~3 s of a fresh process), and
``jae.simulate`` imported torch through ``jae.io.plan`` -> ``jae._device`` (~2 s), as did ``jae simulate`` through
the CLI's writer check, although simulating needs no torch."""

from __future__ import annotations

from functools import partial

from _imports import loaded  # tests/ is on sys.path

HEAVY = ("torch", "sklearn")
_loaded = partial(loaded, heavy=HEAVY)


def test_import_jae_metrics_imports_neither_sklearn_nor_torch_and_names_resolve_to_the_same_objects():
    out = _loaded("""
import sys
import jae.metrics as m
out = {'after_import': [x for x in ('torch', 'sklearn') if x in sys.modules], 'all': list(m.__all__)}
import numpy as np
y = np.arange(12.0).reshape(3, 4)
out['rmse'] = m.rmse(y, y + 1.0)
""")
    assert out["after_import"] == []  # was: ['torch', 'sklearn']
    assert out["rmse"] == 1.0
    assert out["heavy"] == []  # scoring a prediction needs neither
    assert len(out["all"]) == 33 and "evaluate_embedding" in out["all"] and "nmi" in out["all"]

    out = _loaded("""
import jae.metrics as m
from jae.metrics import nmi, evaluate_embedding
import jae.metrics.clustering, jae.metrics.suite, jae.metrics.pc_regression, jae.metrics.cell_cycle_cons
assert nmi is m.nmi is jae.metrics.clustering.nmi
assert evaluate_embedding is m.evaluate_embedding is jae.metrics.suite.evaluate_embedding
assert m.variance_explained is jae.metrics.pc_regression.variance_explained is jae.metrics.cell_cycle_cons.variance_explained
for name in m.__all__:
    assert name in dir(m), name
    getattr(m, name)
assert m._graph.__name__ == 'jae.metrics._graph'  # a submodule, read as an attribute
try:
    m.no_such_metric
except AttributeError as err:
    assert "no attribute 'no_such_metric'" in str(err)
else:
    raise AssertionError('m.no_such_metric')
out = {}
""")
    assert out["heavy"] == []  # torch waits for the distance blocks (session 55; was loaded by reading the kNN
    # metrics' modules), scikit-learn for nmi


def test_nmi_imports_sklearn_when_it_scores():
    out = _loaded("""
import sys
import numpy as np
import jae.metrics.clustering as c
out = {'after_import': 'sklearn' in sys.modules}
rng = np.random.default_rng(0)
labels = np.repeat(['a', 'b'], 40)
E = rng.normal(size=(80, 5)) + (labels == 'a')[:, None] * 6.0
out['nmi'] = c.nmi(E, labels, device='cpu', n_jobs=1)
""")
    assert out["after_import"] is False  # was: True (imported by the module)
    assert out["nmi"] == 1.0 and "sklearn" in out["heavy"]


def test_simulate_imports_no_torch(tmp_path):
    out = _loaded("""
import jae
mdata = jae.simulate(40, n_genes=200, n_peaks=80, n_batches=2, seed=0)
out = {'shape': [mdata.n_obs, mdata['rna'].n_vars]}
""")
    assert out["shape"] == [40, 200]
    assert out["heavy"] == []  # was: ['torch'] (jae.io.plan -> jae._device)

    out = _loaded("""
import sys
from jae.cli import main
out = {'code': main(['simulate', '--n-cells', '40', '--n-genes', '200', '--n-peaks', '80', '--format', 'h5mu',
                     '--out', sys.argv[1], '-q'])}
""", str(tmp_path / "sim.h5mu"))
    assert out["code"] == 0 and (tmp_path / "sim.h5mu").is_file()
    assert out["heavy"] == []  # was: ['torch'] (the CLI's writer check, jae.train.distributed)
