"""Paths as a user types them: a leading ``~`` is the home folder, as a shell reads it.

A shell expands ``~`` before a program sees it, but not inside quotes, and Python never does; every path a user
passes to jae (inputs, outputs, model folders; in Python and on the command line) goes through :func:`user_path`.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_path", "is_empty_folder"]


def user_path(path: str | os.PathLike, *, name: str = "path") -> Path:
    """``path`` as a :class:`~pathlib.Path`, with a leading ``~`` (or ``~user``) expanded to the home folder; anything
    but a path (a number, None, a model or data object) is refused in one line naming the argument ``name``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or pathlib.Path), not {_not_a_path(path)}")
    try:
        return Path(path).expanduser()
    except RuntimeError:  # '~name' of no user ("Could not determine home directory"): kept as written, as a shell does
        return Path(path)


def _not_a_path(value) -> str:
    """What ``value`` is, for :func:`user_path`'s message: for data in memory, where it goes instead."""
    kind = type(value).__name__
    if hasattr(value, "obs_names"):  # AnnData, MuData: what the file readers return
        return (f"an in-memory {kind}: jae's file functions take paths; data in memory goes as it is to "
                "jae.JAE().fit(data), model.embed(data), model.predict_cell_type(data) or jae.predict(...) (two "
                "AnnData: {'rna': rna, 'atac': atac} or a MuData), or write it to a file first "
                "(adata.write_h5ad(path), mdata.write(path))")
    text = repr(value)
    return f"{kind} {text}" if len(text) <= 60 and "\n" not in text else kind


def is_empty_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an existing folder holding nothing: a model output may take its place, as nothing is lost
    (``mkdir models/ref`` before ``jae fit --out models/ref``)."""
    path = user_path(path)
    return path.is_dir() and not path.is_symlink() and next(path.iterdir(), None) is None
