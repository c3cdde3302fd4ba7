"""Session 54: each module of the packages that import their names on first use (jae.metrics, jae.checkpoint,
jae.io, jae.prediction; jae._lazy) imports when it is the first of jae's modules a process imports. Once
jae.metrics' __init__ no longer imported _graph before anything else, a process importing jae.metrics._knn_approx first
met the two modules' import cycle ('cannot import name approximate_knn from partially initialized module'): the
numba-cache test's child process failed on a fresh clone."""

from __future__ import annotations

import subprocess
import sys

CHILD = r"""
import importlib, pkgutil, sys
import numpy, scipy, torch  # third-party imports stay loaded: only jae's own import order is under test
packages = ["jae.metrics", "jae.checkpoint", "jae.io", "jae.prediction"]
names = []
for package in packages:
    names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(importlib.import_module(package).__path__)]
failed = []
for name in names:
    for key in [k for k in sys.modules if k == "jae" or k.startswith("jae.")]:
        del sys.modules[key]
    try:
        importlib.import_module(name)
    except Exception as err:
        failed.append(f"{name}: {type(err).__name__}: {err}")
print(len(names))
print("\n".join(failed))
"""


def test_every_module_of_the_lazy_packages_imports_first():
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert int(lines[0]) > 60  # the four packages' modules were all tried
    assert [line for line in lines[1:] if line] == []
