"""Every ``jae.<module>.<name>`` a benchmark script's text names in backquotes (docstrings, help, comments) exists.

Session 40: metrics_scale.py's docstring sent readers to ``jae.metrics.CC_MAX_CELLS``, which lives in
``jae.metrics.cell_cycle_cons``; renamed or moved names in src leave such pointers behind silently."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
REF = re.compile(r"`jae(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def _resolves(ref: str) -> bool:
    parts = ref.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for name in parts[i:]:
                obj = getattr(obj, name)
        except AttributeError:
            return False
        return True
    return False


def test_every_named_jae_object_exists():
    missing = sorted({f"{p.name}: {m[1:]}" for p in BENCH.glob("*.py")
                      for m in REF.findall(p.read_text()) if not _resolves(m[1:])})
    assert not missing, "benchmark scripts name jae objects that do not exist: " + "; ".join(missing)
