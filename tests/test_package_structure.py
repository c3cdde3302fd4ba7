"""Conventions checked by a test, not by memory: docstrings, logging instead of print, small modules."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import jae

SRC = Path(jae.__file__).parent
LIBRARY = [p for p in SRC.rglob("*.py") if "cli" not in p.relative_to(SRC).parts]


def test_library_code_never_prints():
    offenders = []
    for path in LIBRARY:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not offenders, f"library code must log via logging.getLogger(__name__), not print: {offenders}"


def test_modules_use_future_annotations_and_stay_small():
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        if text.strip():
            assert "from __future__ import annotations" in text, path
        assert len(text.splitlines()) <= 500, f"{path.relative_to(SRC)} is past 500 lines; split it"


def _public_modules():
    for info in pkgutil.walk_packages(jae.__path__, "jae."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            yield info.name


@pytest.mark.parametrize("name", jae.__all__)
def test_public_api_is_documented(name):
    obj = getattr(jae, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        assert inspect.getdoc(obj), f"jae.{name} has no docstring"


def test_every_module_imports_and_has_a_docstring():
    for name in _public_modules():
        module = importlib.import_module(name)
        assert module.__doc__, f"{name} has no module docstring"
