"""What :func:`jae.evaluate` hands its report: the sentence that says what produced the scores (the annotation
columns, the cells left out, the seed, the neighbour search, where each embedding came from, the data's files and
jae's version: ``attrs['description']``, shown under the report's heading), and the labels in their obs column's
order."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

__all__ = ["describe", "settings_sentence", "data_files", "in_column_order", "read_from"]

#: The files data in memory was read from, named by :func:`read_from` ('': none named)
_READ_FROM: ContextVar[str] = ContextVar("jae_report_read_from", default="")


def _source(value, data=None) -> str:
    """Where an embedding came from, in a few words: an obsm key (of which modality: the place an
    :class:`~jae.evaluation.inputs.ObsmKey` holds, or given the ``data`` it was read from:
    :func:`jae.evaluation.inputs.obsm_place`), a file, or values passed in."""
    from ..evaluation.inputs import ObsmKey, obsm_place

    if isinstance(value, os.PathLike):
        return f"file {os.fspath(value)}"
    if isinstance(value, ObsmKey):  # where jae.evaluate read it
        return value.place
    if isinstance(value, str):
        return f"obsm[{value!r}]" if data is None else obsm_place(data, value)
    return "values passed in"


def data_files(data) -> str:
    """The files of data opened lazily (:func:`jae.io.open_competition`, :func:`jae.io.open_h5mu`, what ``jae
    evaluate --mod1/--mod2/--h5mu`` scores) and the annotation files joined to them, as given, for the report:
    ``'x.mod1.h5ad, x.mod2.h5ad (annotations: x.solution.h5ad)'``; for data in memory, the files :func:`read_from`
    names (``jae evaluate --h5ad`` / ``--10x`` read theirs whole), else ``''`` (no file to name)."""
    from ..evaluation.inputs import _is_files

    if not _is_files(data):
        return _READ_FROM.get()
    joined = [os.fspath(p) for paths, _, _ in getattr(data, "joins", ()) for p in paths]
    return ", ".join(map(os.fspath, data.paths)) + (f" (annotations: {', '.join(joined)})" if joined else "")


@contextmanager
def read_from(paths, annotations=()) -> Iterator[None]:
    """Within the block, :func:`data_files` names data in memory by ``paths`` and the ``annotations`` joined to them,
    as it names files opened lazily: the files :func:`jae.evaluate_files` read whole (``--h5ad``, ``--10x``, an
    ``.h5mu`` of one modality) were not named in the report."""
    joined = [os.fspath(p) for p in annotations]
    token = _READ_FROM.set(", ".join(os.fspath(p) for p in paths)
                           + (f" (annotations: {', '.join(joined)})" if joined else ""))
    try:
        yield
    finally:
        _READ_FROM.reset(token)


def describe(cell_type: np.ndarray, batch: np.ndarray | None, pseudotime_keys: list, organism: str, *,
             n_cells: int, **settings) -> str:
    """The report's description of the scored cells (``cell_type``, ``batch``: their labels), the pseudotime columns
    and the organism, then :func:`settings_sentence` (``settings``: its other arguments). Labels that read as "no
    type" (scANVI's 'Unknown': :func:`jae.labels.unlabelled_placeholders`) are named: they were scored as a type."""
    from .._words import count
    from ..labels.transfer import unlabelled_placeholders

    names, n_alike = unlabelled_placeholders(cell_type)  # the log's warning alone was not kept beside the scores
    alike = (f" ({count(n_alike, 'cell')} labelled {' / '.join(map(repr, names))}, scored as "
             f"{'a cell type of its' if len(names) == 1 else 'cell types of their'} own)" if names else "")
    return (
        f"{len(cell_type)} cells, {count(len(pd.unique(cell_type)), 'cell type')}{alike}, "
        f"{'no batches' if batch is None else count(len(pd.unique(batch)), 'batch')}, "
        f"pseudotimes: {', '.join(map(str, pseudotime_keys)) if pseudotime_keys else 'none'}, organism: {organism}. "
        + settings_sentence(has_batch=batch is not None, n_cells=n_cells, n_scored=len(cell_type), **settings))


def settings_sentence(
    *,
    cell_type_key: str,
    batch_key: str | None,
    has_batch: bool,
    n_cells: int,
    n_scored: int,
    seed: int,
    knn: str,
    sources: Mapping,
    baseline: bool,
    data=None,
    files: str = "",
) -> str:
    """One sentence naming the settings of an evaluation (what a reader of the report needs to rerun it).

    Parameters
    ----------
    cell_type_key, batch_key
        The obs columns read (``batch_key`` None: all cells one batch).
    has_batch
        Whether obs had the batch column (the default ``'batch'`` may be missing: one batch).
    n_cells, n_scored
        Cells of the data, and those with a cell type (scored).
    seed, knn
        The seed, and the neighbour search used (``'exact'`` or ``'approximate'``).
    sources
        ``{row name: obsm key (str), file (path) or anything else (values passed in)}``.
    baseline
        Whether the SVD baseline was scored (its row ``svd_baseline``).
    data
        The data the obsm keys among ``sources`` were read from: the sentence names a modality's obsm as such (None:
        each key as ``obsm[key]``).
    files
        The data's files (:func:`data_files`; ``''``: data in memory, not named).
    """
    from .. import __version__

    left = n_cells - n_scored
    cells = f"obs[{cell_type_key!r}]" + (f" ({left:,} of {n_cells:,} cells without one left out)" if left else "")
    if batch_key is None:
        batches = "none given (all cells one batch)"
    else:
        batches = f"obs[{str(batch_key)!r}]" if has_batch else f"no obs[{str(batch_key)!r}] column (one batch)"
    rows = [f"{name} = {_source(value, data)}" for name, value in sources.items()]
    rows += ["svd_baseline = jae's SVD baseline"] if baseline else []
    return (f"Cell types: {cells}; batches: {batches}; seed: {seed}; kNN: {knn}; embeddings: {', '.join(rows)}; "
            + (f"data: {files}; " if files else "") + f"jae {__version__}.")


def in_column_order(labels: np.ndarray | None, column: pd.Series | None):
    """The scored cells' ``labels`` as a Categorical of ``column``'s categories when the obs column is categorical (the
    legend order the user set, as scanpy draws it: ``jae.report.write_report`` keeps a Categorical's order), else as
    they are; None for None."""
    categories = getattr(getattr(column, "dtype", None), "categories", None)
    if labels is None or categories is None or not pd.Series(labels, dtype=object).isin(categories).all():
        return labels
    return pd.Categorical(labels, categories=categories)
