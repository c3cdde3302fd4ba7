"""Checks shared by the preprocessing's public functions, before any work."""

from __future__ import annotations

from .._words import with_article

__all__ = ["refuse_annotated"]


def refuse_annotated(X, who: str, name: str, example: str, *, backed: bool = False) -> None:
    """Refuse an AnnData or MuData passed where a matrix goes (numpy read it as a sequence of objects and failed with
    "setting an array element with a sequence", or ``'AnnData' object has no attribute 'ndim'``); ``example`` is the
    call with its matrix. Unless ``backed`` (the caller reads row slices, as :meth:`SVDBasis.transform`), also refuse
    a sparse matrix still on disk (``.X`` of an AnnData read with ``backed='r'``), which failed the same ways."""
    if hasattr(X, "obs_names"):
        kind = type(X).__name__
        raise TypeError(f"{who}: {name} is {with_article(kind)}, not a matrix; pass its matrix, e.g. {example}")
    if not backed and hasattr(X, "to_memory") and hasattr(X, "backend"):  # anndata's CSRDataset / CSCDataset
        raise TypeError(f"{who}: {name} is a {type(X).__name__.lstrip('_')}, a sparse matrix still on disk (an AnnData "
                        f"read with backed='r'), not one in memory; read it first with .to_memory(), e.g. adata.X.to_memory()")
