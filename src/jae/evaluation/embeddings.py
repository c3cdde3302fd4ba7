"""The embeddings :func:`jae.evaluate` scores, read from what it was given: obsm keys (of the data or a modality),
embedding files (competition ``.h5ad``, ``jae embed``'s ``.h5mu``), DataFrames indexed by cell name, and arrays in the
data's cell order; each checked, and where it came from kept for the report."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .inputs import (ObsmKey, _is_file_name, as_array, files_obsm, frame_embedding, obsm_embedding, obsm_place,
                     read_embedding, recorded_columns)
from .checks import check_values, warn_ambiguous_obsm
from ..io.features import by_cell_names
from ..io.paths import user_path

__all__ = ["read_embeddings", "check_user_umaps"]


def read_embeddings(data, items: Mapping, *, labelled: np.ndarray, files: bool,
                    baseline: bool) -> tuple[dict, dict, dict]:
    """Each embedding of ``items`` (``{name: obsm key, path, DataFrame or array}``) as an ``(n_cells, n_dims)`` array
    in ``data``'s cell order, checked (:func:`jae.evaluation.checks.check_values`; ``labelled``: the cells scored, the
    others' rows may hold anything); a file named by its label gets a row name that no other row (nor the baseline's,
    with ``baseline``) takes; ``files``: ``data`` is opened lazily.

    Returns
    -------
    ``(arrays, columns, sources)``: ``{row name: array}``, ``{row name: jae's column names or None}`` (for the
    ``share:<block>`` diagnostics) and ``{row name: where it came from}`` (an obsm key, a path, or the value given).
    """
    arrays: dict[str, np.ndarray] = {}
    columns: dict[str, list[str] | None] = {}  # jae's column names, for the share:<block> diagnostics
    sources: dict = {}  # where each row's embedding came from, named in the report (attrs['description'])
    recorded: dict = {}  # jae's column names recorded beside an obsm key of files, read with it
    # every key (and the baseline's name) is kept: a file named by its label takes none of them, nor another's row
    given = set(items) | ({"svd_baseline"} if baseline else set())
    for name, value in items.items():
        if isinstance(value, os.PathLike) or (isinstance(value, str) and _names_path(value)):
            label, E = read_embedding(value, data.obs_names, name=None if name == str(value) else name,
                                      scored=labelled)  # the file may lack cells without a cell type
            name = label if name != str(value) else _file_row_name(label, value, taken=(given - {name}) | set(arrays))
            value = user_path(value)  # named as a file in the report
        elif isinstance(value, str):
            try:  # lazily opened files: each opened once, for the values, where they are, and jae's record
                stored = files_obsm(data, value) if files else None
                E = obsm_embedding(data, value) if stored is None else stored.values
                warn_ambiguous_obsm(data, value, None if stored is None else stored.held_by)
            except KeyError:
                if _is_file_name(value):  # a mistyped path, not an obsm key
                    raise FileNotFoundError(f"embedding {name!r}: no file {value} (nor an obsm key of that name); "
                                            "check the path") from None
                raise
            if stored is not None:
                recorded[name] = stored.columns
            value = ObsmKey(value, obsm_place(data, value) if stored is None else stored.place)
        elif isinstance(value, pd.DataFrame) and not isinstance(value.index, pd.RangeIndex):  # indexed by cell names
            E = frame_embedding(value, data.obs_names, name=name, scored=labelled)  # may lack unscored cells, as a file
        else:
            E = as_array(by_cell_names(value, data.obs_names, what=f"embedding {name!r}"))  # sparse, torch: numpy
        if E.ndim == 1 and len(E) == data.n_obs:  # one value per cell: "pass one row per cell" was no help
            raise ValueError(f"embedding {name!r} has shape {E.shape}, one value per cell; pass an (n_cells, n_dims) "
                             "array, e.g. np.reshape(values, (-1, 1)) for one dimension")
        if E.ndim != 2 or E.shape[0] != data.n_obs:
            raise ValueError(f"embedding {name!r} has shape {E.shape}; pass one row per cell ({data.n_obs} cells)")
        check_values(name, E, data.obs_names, labelled)
        names = recorded[name] if name in recorded else _recorded(data, value)
        arrays[name], columns[name], sources[name] = E, _block_columns(names, E.shape[1]), value
    return arrays, columns, sources


def _file_row_name(label: str, path, *, taken: set) -> str:
    """The row name of an embedding file named by its label (``uns['method_id']`` or its file name): the label, else
    the label and the file's name, else the label and its path as given, else numbered; never a name in ``taken``
    (files of several runs of one method, ``run1/embedding.h5ad``, ``run2/embedding.h5ad``, each keep their row)."""
    candidates = [label, f"{label} ({Path(path).name})", f"{label} ({path})"]
    candidates += [f"{label} ({path}) {i}" for i in range(2, len(taken) + 3)]
    return next(c for c in candidates if c not in taken)


def _recorded(data, value) -> list | None:
    """The column names of an embedding when they may name jae's blocks: a DataFrame's columns, or the record jae
    keeps beside an embedding (``uns[<key>]['columns']``, :func:`jae.provenance.record`): the data's (in memory) for
    an obsm key (of files: :func:`jae.evaluation.inputs.files_obsm` reads it), the file's ``uns['jae']`` for a file
    ``jae embed`` wrote. None otherwise (an array, another tool's embedding)."""
    from ..provenance import uns_key

    if isinstance(value, pd.DataFrame):
        return list(value.columns)
    if isinstance(value, os.PathLike) or (isinstance(value, str) and _names_path(value)):
        return _recorded_columns(user_path(value), "jae")
    if isinstance(value, str):
        record = (getattr(data, "uns", None) or {}).get(uns_key(value))
        return list(record["columns"]) if isinstance(record, Mapping) and "columns" in record else None
    return None


def _block_columns(names: list | None, n_dims: int) -> list[str] | None:
    """``names`` (:func:`_recorded`) when they name jae's blocks (``<block>:<name>``, :attr:`jae.JAE.column_names`),
    one for each of the ``n_dims`` columns, for the ``share:<block>`` diagnostics; None otherwise."""
    if names is None or len(names) != n_dims or not any(":" in str(c) for c in names):
        return None
    return [str(c) for c in names]


def _recorded_columns(path: Path, key: str) -> list[str] | None:
    """``uns[key]['columns']`` of a stored AnnData or MuData (jae's record of an embedding), read alone; None
    without one."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return recorded_columns(f, key)
    except (OSError, TypeError, ValueError):  # not HDF5 (the readers say so)
        return None


def _names_path(value: str) -> bool:
    """Whether an embedding given as text is a path (an existing file, or a folder named as a path) to read, not an
    obsm key."""
    path = user_path(value)
    return path.is_file() or (path.is_dir() and (os.sep in value or value.startswith("~")))


def check_user_umaps(folder: Path, items: Mapping, *, baseline: bool, what: str) -> None:
    """Refuse, before an earlier report in ``folder`` is refused for want of ``overwrite``, a user's own
    ``umap_<name>.png`` there that the report would replace (:func:`jae.report.check_umap_files`), which
    ``overwrite`` does not lift: the advice to pass it was followed by this refusal. The report's row names are
    those :func:`read_embeddings` gives, a file's label read alone (:func:`_file_label`), no embedding read."""
    from ..io.report_files import check_umap_files, holds_report  # not jae.report's numba

    if not holds_report(folder):  # no earlier report: refused where the embeddings are read, as before
        return
    given = set(items) | ({"svd_baseline"} if baseline else set())
    names: list[str] = []
    for name, value in items.items():
        if (isinstance(value, os.PathLike) or (isinstance(value, str) and _names_path(value))) and name == str(value):
            name = _file_row_name(_file_label(user_path(value)), value, taken=(given - {name}) | set(names))
        names.append(name)
    check_umap_files(folder, [*names, *(["svd_baseline"] if baseline else [])], what=what)


def _file_label(path: Path) -> str:
    """The label :func:`jae.evaluation.inputs.read_embedding` gives an embedding file: an ``.h5ad``'s
    ``uns['method_id']``, else the start of its name (a file that cannot be read: said when it is read)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            value = f.get("uns/method_id") if "mod" not in f else None  # jae embed's .h5mu: its name
            if isinstance(value, h5py.Dataset) and value.shape == ():
                value = value[()]
                return value.decode() if isinstance(value, bytes) else str(value)
    except (OSError, TypeError, ValueError):
        pass
    return path.name.split(".")[0]
