"""A package's names imported on first use (PEP 562), so that importing the package costs almost nothing.

``import jae`` imported every subpackage at once (torch, anndata, numba: 2-7 s), which ``jae --help`` and a refused
flag paid before saying anything. :func:`lazy_names` gives a package the module-level ``__getattr__`` and ``__dir__``
that import a name's module when the name is first read (``jae.JAE``, ``from jae import JAE``); the value is then
kept in the package, so later reads cost nothing and every read gives the same object. A package's submodules are
reached the same way (``jae.metrics`` without ``import jae.metrics``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_names"]


def lazy_names(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` (its ``__name__``).

    ``names``: each public name -> the module holding it, relative to ``package`` (``"JAE": "joint"``,
    ``"evaluate": "evaluation.run"``); a name equal to its module's path is that module (``"io": "io"``). Any other
    submodule of the package is imported when read as an attribute too."""

    def submodules() -> set[str]:
        return {info.name for info in pkgutil.iter_modules(sys.modules[package].__path__)
                if not info.name.startswith("__")}

    def __getattr__(name: str):
        where = names.get(name)
        if where is None and name in submodules():
            where = name
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f".{where}", package)
        value = module if where == name else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names) | submodules())

    return __getattr__, __dir__
