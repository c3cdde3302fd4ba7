"""Conventions checked by a test, not by memory: docstrings, logging instead of print, small modules."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
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


_SECTION = re.compile(r"^Parameters\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", re.S | re.M)
_SUBPACKAGES = ("datasets", "io", "preprocess", "workflows", "metrics", "baseline", "report", "prediction")


def _public_callables():
    """(name, function) of every public function, class, public method and property (its getter) in ``__all__`` of
    jae and its subpackages: what docs/api.md renders (jae._apidoc)."""
    seen = set()
    for module in [jae] + [importlib.import_module(f"jae.{name}") for name in _SUBPACKAGES]:
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if id(obj) in seen or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            seen.add(id(obj))
            yield f"{module.__name__}.{name}", obj
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    member = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                    if not attr.startswith("_") and inspect.isfunction(member):
                        yield f"{module.__name__}.{name}.{attr}", member


def test_parameters_sections_name_every_parameter():
    """A numpydoc Parameters section names each parameter of the signature (``a, b`` lines count) and no other."""
    problems = []
    for name, obj in _public_callables():
        section = _SECTION.search(inspect.getdoc(obj) or "")
        if section is None:
            continue
        documented = {part.strip().lstrip("*") for line in section.group(1).splitlines()
                      if line and not line[0].isspace() for part in line.split(":")[0].split(",")}
        try:
            parameters = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            continue
        actual = {p.name for p in parameters if p.name not in ("self", "cls")
                  and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if actual - documented or documented - actual - {"args", "kwargs"}:
            problems.append(f"{name}: undocumented {sorted(actual - documented)}, "
                            f"not in the signature {sorted(documented - actual)}")
    assert not problems, "\n".join(problems)


def test_public_methods_are_documented():
    undocumented = [name for name, obj in _public_callables() if not inspect.getdoc(obj)]
    assert not undocumented, f"public functions and methods without a docstring: {undocumented}"


def test_docstrings_without_a_parameters_section_name_every_parameter():
    """A function's or method's docstring in the inline style (``query``: ..., as :meth:`jae.JAE.map_query`'s) names
    each parameter in double backticks (``copy=False`` counts), or says whose parameters it takes ("Parameters as
    :func:`...`"): docs/api.md shows these docstrings as the entries' parameters. Before session 53, 24 did not
    (``seed`` of JAE.finetune_transformed, ``X`` of Preprocessor.transform_one, ``path`` of jae.io.read_h5ad, ...)."""
    problems = []
    for name, obj in _public_callables():
        doc = inspect.getdoc(obj) or ""
        if inspect.isclass(obj) or not doc or _SECTION.search(doc) or re.search(r"Parameters (as|are those of) ", doc):
            continue  # (a dataclass's fields: its Attributes section, or the comments docs/api.md tabulates)
        try:
            parameters = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            continue
        unnamed = [p.name for p in parameters if p.name not in ("self", "cls")
                   and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and not re.search(rf"``{p.name}\b", doc)]
        if unnamed:
            problems.append(f"{name}: {unnamed}")
    assert not problems, "parameters their docstring does not name:\n" + "\n".join(problems)
