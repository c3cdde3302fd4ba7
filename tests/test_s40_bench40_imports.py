"""Every benchmark script still imports, and every name it takes from jae (or from a sibling script) exists.

Nobody runs benchmarks/*.py in CI, so a function moved or renamed in src broke them silently: session 40 found
benchmarks/_unknown_select.py importing ``nearest`` from ``jae.labels`` inside a function, a crash only when a fit
reached the SNN smoothing. The imports are read from the source (module level and inside functions alike) and
resolved without running the scripts.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(BENCH.glob("*.py"))
SIBLINGS = {p.stem for p in SCRIPTS}
#: Scripts that run their experiment at import time (no ``__main__`` guard): only their imports are resolved.
RUN_ON_IMPORT = {"_recalibration"}


def _imported_names(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, name or None) for each import of jae or of a sibling benchmark script in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "jae" or node.module in SIBLINGS:
                found += [(node.lineno, node.module, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, None) for a in node.names if a.name.split(".")[0] == "jae"]
    return found


@pytest.fixture(scope="module")
def bench_path():
    sys.path.insert(0, str(BENCH))
    yield
    sys.path.remove(str(BENCH))


def test_every_name_the_scripts_import_from_jae_exists(bench_path):
    missing = []
    for path in SCRIPTS:
        for line, module, name in _imported_names(path):
            try:
                mod = importlib.import_module(module)
            except ImportError as err:
                missing.append(f"{path.name}:{line}: {module} ({err})")
                continue
            if name is not None and not hasattr(mod, name):
                try:
                    importlib.import_module(f"{module}.{name}")
                except ImportError:
                    missing.append(f"{path.name}:{line}: {module}.{name}")
    assert not missing, "benchmark scripts import names that no longer exist: " + "; ".join(missing)


def test_every_script_imports(bench_path):
    failed = []
    for path in SCRIPTS:
        if path.stem in RUN_ON_IMPORT:
            continue
        try:
            importlib.import_module(path.stem)
        except Exception as err:  # noqa: BLE001 - report every script that fails, not the first
            failed.append(f"{path.name}: {type(err).__name__}: {err}")
    assert not failed, "; ".join(failed)


#: Names the scripts give a fitted ``jae.JAE`` (``model = JAE(...).fit(...)``, ``ref``, ``m``).
MODEL_NAMES = {"model", "ref", "m"}


def test_every_private_jae_method_the_scripts_call_exists():
    """The scripts reach into the model (``model._features``, ``model._readout``, ...); a rename in src broke them
    only when a run got there."""
    import jae

    missing = []
    for path in SCRIPTS:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in MODEL_NAMES
                    and node.attr.startswith("_") and not node.attr.startswith("__")
                    and not hasattr(jae.JAE, node.attr)):
                missing.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not missing, "benchmark scripts use JAE attributes that no longer exist: " + "; ".join(missing)
