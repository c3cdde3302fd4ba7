"""Checks shared by the preprocessing's public functions, before any work."""

from __future__ import annotations

__all__ = ["refuse_annotated"]


def refuse_annotated(X, who: str, name: str, example: str) -> None:
    """Refuse an AnnData or MuData passed where a matrix goes (numpy read it as a sequence of objects and failed with
    "setting an array element with a sequence", or ``'AnnData' object has no attribute 'ndim'``); ``example`` is the
    call with its matrix."""
    if hasattr(X, "obs_names"):
        kind = type(X).__name__
        article = "an" if kind[:1] in "AEIOU" else "a"
        raise TypeError(f"{who}: {name} is {article} {kind}, not a matrix; pass its matrix, e.g. {example}")
