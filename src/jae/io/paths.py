"""Paths as a user types them: a leading ``~`` is the home folder, as a shell reads it.

A shell expands ``~`` before a program sees it, but not inside quotes, and Python never does; every path a user
passes to jae (inputs, outputs, model folders; in Python and on the command line) goes through :func:`user_path`.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_path", "is_empty_folder", "annotation_paths"]

#: How the names of annotation files end (a pandas Series of them is taken as paths): ``.h5ad``, and the text tables
#: :mod:`jae.io.annotation_tables` reads.
ANNOTATION_SUFFIXES = (".h5ad", ".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")


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
    (``mkdir models/ref`` before ``jae fit --out models/ref``); a link to one too (outputs are written through links,
    :func:`jae.io.atomic.written_path`)."""
    path = user_path(path)
    return path.is_dir() and next(path.iterdir(), None) is None


def annotation_paths(paths) -> list:
    """``annotations=`` as a list of paths (None: none; one path: a list of it). Annotations held in memory (a pandas
    DataFrame or Series, a dict, an AnnData) are refused in one line naming where they go instead: a DataFrame was
    iterated as its column names, each then read as a file ("annotation file batch does not exist")."""
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        return [paths]
    kind = type(paths).__name__
    series = hasattr(paths, "index") and hasattr(paths, "dtype")  # a pandas Series: of file names, or of labels
    if series and all(isinstance(p, (str, os.PathLike)) and str(p).lower().endswith(ANNOTATION_SUFFIXES)
                      for p in paths):
        return list(paths)
    if series:  # one column, e.g. obs['cell_type'] of other data
        name = repr(str(paths.name)) if paths.name is not None else "'<column>'"
        held, add, frame = f"a {kind} in memory", f"mdata.obs[{name}] = s.reindex(mdata.obs_names)", "s.to_frame()"
    elif hasattr(paths, "obs_names") or hasattr(paths, "columns") or isinstance(paths, dict):
        frame = "adata.obs" if hasattr(paths, "obs_names") else "df" if hasattr(paths, "columns") else \
            "pandas.DataFrame(d)"  # an AnnData's obs, as its file's would be read; a DataFrame; a dict of columns
        held = f"an in-memory {kind}" if hasattr(paths, "obs_names") else f"a {kind} in memory"
        add = f"mdata.obs[list({frame}.columns)] = {frame}.reindex(mdata.obs_names)"
    else:
        return list(paths)
    raise TypeError(
        f"annotations must be .h5ad files (a path or a list of paths), not {held}: read the data without them and add "
        f"the columns to its obs by cell name, e.g. {add}, or write them to a file first, e.g. "
        f"anndata.AnnData(obs={frame}).write_h5ad('annotations.h5ad')")
