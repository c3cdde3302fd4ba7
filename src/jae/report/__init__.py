"""Evaluation report: metrics table (CSV, Markdown), diagnostics table, UMAPs by cell type and batch, a bar chart,
an HTML index."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .figures import _shorts, plot_metric_bars, plot_umaps, umap_coordinates
from .html import write_index
from .._words import count, first_names
from ..io.atomic import atomic_files, atomic_write, check_not_input, protected
from .table import COLUMNS, diagnostics_table, metrics_table, table_markdown, write_table
from ..io.report_files import (  # (in jae.io: checked before this package's numba is imported)
    REPORT_FILES, umap_names, check_earlier_report, check_umap_files, holds_report, report_files,
)

__all__ = [
    "REPORT_FILES",
    "report_files",
    "holds_report",
    "check_earlier_report",
    "write_report",
    "metrics_table",
    "diagnostics_table",
    "table_markdown",
    "write_table",
    "umap_coordinates",
    "plot_umaps",
    "plot_metric_bars",
    "write_index",
    "COLUMNS",
]

log = logging.getLogger(__name__)

def _categories(labels):
    """The categories of labels given as a pandas Categorical (or a Series of one), else None."""
    dtype = getattr(labels, "dtype", None)
    return dtype.categories if isinstance(dtype, pd.CategoricalDtype) else None


def _ordered(labels: np.ndarray, categories):
    """``labels`` as a Categorical of ``categories`` (its legend order) when they came as one; else as they are."""
    return labels if categories is None else pd.Categorical(labels, categories=categories)


def _absent(labels: np.ndarray, subset: np.ndarray, one: str, many: str) -> tuple[str, str]:
    """The labels of which the UMAPs' random subset holds no cell: how many (``'2 cell types'``, for the figures) and
    which, with their cell counts (``'cell types X (2 cells), Y (1 cell)'``, for the page); ``('', '')`` for none. A
    rare type was left out of every legend without a word."""
    from ..io.validate import missing_text

    values = pd.Series(labels, dtype=object)
    counts = values[~(values.isna().to_numpy() | missing_text(labels))].value_counts(sort=False)
    shown = set(values.iloc[subset])
    absent = [f"{k} ({count(int(c), 'cell')})" for k, c in counts.items() if k not in shown]
    if not absent:
        return "", ""
    return count(len(absent), one, many), f"{one if len(absent) == 1 else many} {first_names(absent, 10)}"


def write_report(
    table: pd.DataFrame,
    embeddings: Mapping[str, np.ndarray],
    out_dir: str | Path,
    *,
    cell_type: Sequence,
    batch: Sequence | None = None,
    title: str = "jae evaluation",
    description: str = "",
    max_cells: int | None = 50_000,
    seed: int = 0,
    device: str | None = None,
    protect: Iterable = (),
    progress_bar: bool = True,
    overwrite: bool = False,
    bar=None,
) -> Path:
    """Write the metrics table, one UMAP figure per embedding, the bar chart and ``index.html`` into ``out_dir``.

    Parameters
    ----------
    table
        From :func:`metrics_table` (rows named like ``embeddings``): an embedding without a row is refused; a row
        without an embedding (e.g. a published score) is in the tables and the bar chart alone.
    embeddings
        ``{name: (n_cells, n_dims) array}``, rows aligned with ``cell_type``.
    out_dir
        Report folder (created); its files are written atomically, all or none (a failure leaves none).
    cell_type, batch
        ``(n_cells,)`` labels for the colours; a pandas Categorical (or a Series of one) is listed in the UMAP legends
        in its categories' order, other labels in natural order (cluster 2 before 10).
    title, description
        Heading and a line about the data for ``index.html``.
    max_cells
        UMAPs use a seeded random subset of at most this many cells, at least 2 (the same for every embedding);
        ``None``: every cell (no cap).
    seed
        Seed of the subset and the UMAP layouts.
    device
        Torch device for the kNN search.
    protect
        Input paths that must never be written.
    progress_bar
        One progress bar over the embeddings.
    overwrite
        Replace the files of an earlier report in ``out_dir`` (:func:`report_files`); refused otherwise, before any
        work.
    bar
        An open bar to advance by one per UMAP instead of drawing one (:func:`jae.evaluate`'s one bar over its call),
        ``UMAP <name>`` in its postfix; it is not closed here. None: one bar of this call's own.

    Returns
    -------
    Path of ``index.html``. Also written: ``metrics.csv``, ``metrics.md``, ``metrics.png``, ``umap_<name>.png``,
    and ``diagnostics.csv`` when the results carry diagnostics (:func:`diagnostics_table`).
    """
    from ..io.paths import user_path
    from .._device import usable_device
    from .._flags import check_flags
    from ..config import as_seed

    seed = as_seed(seed)
    check_flags(progress_bar=progress_bar, overwrite=overwrite)
    usable_device(device)  # 'cuda' without a GPU failed in the first UMAP: "Torch not compiled with CUDA enabled"
    protect = protected(protect)  # read by every file written; one path alone is one, not its characters
    for name, text in (("title", title), ("description", description)):  # else a crash after every UMAP was drawn
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a text (str), not {text!r}")
    if not isinstance(embeddings, Mapping):
        raise TypeError(f"embeddings must be a mapping of names to arrays, e.g. {{'jae': Z}}, not a "
                        f"{type(embeddings).__name__}")
    if max_cells is not None and (isinstance(max_cells, bool) or not isinstance(max_cells, (int, np.integer))
                                  or max_cells < 2):  # 1 failed after the tables: 'embedding must ... at least 2 cells'
        raise ValueError(f"max_cells must be a number of cells >= 2 (a UMAP needs two), or None for every cell, not "
                         f"{max_cells!r}")
    orders = [_categories(cell_type), _categories(batch)]  # a Categorical's order: the UMAP legends keep it
    cell_type = np.asarray(cell_type, dtype=object)  # missing labels kept missing: the UMAPs show them in grey
    batch = None if batch is None else np.asarray(batch, dtype=object)
    n = len(cell_type)
    if batch is not None and len(batch) != n:  # checked before any file is written (a half report stayed behind)
        raise ValueError(f"batch has {len(batch)} labels but cell_type has {n}; pass one of each per cell")
    for name, E in embeddings.items():
        E = np.asarray(E)
        if E.ndim != 2:
            raise ValueError(f"embedding {name!r} must be a 2-D (cells x dims) array, not {E.ndim}-D")
        if E.shape[0] != n:
            raise ValueError(f"embedding {name!r} has {E.shape[0]} rows but there are {n} cell labels")
        # numbers checked as they are: a float64 copy of a float32 atlas embedding took twice its memory again
        bad = int((~np.isfinite(E if E.dtype.kind in "fiu" else E.astype(np.float64))).any(axis=1).sum())
        if bad:
            raise ValueError(f"embedding {name!r} has {bad} rows with NaN or infinite values; remove or impute those "
                             "cells first")
    if not isinstance(table, pd.DataFrame) or "overall" not in table or not pd.api.types.is_numeric_dtype(
            table["overall"]):  # failed after the first UMAP ('overall'), or with no word of the table
        got = (f"a table of columns {[str(c) for c in table.columns][:5]}" if isinstance(table, pd.DataFrame) else
               f"a {type(table).__name__}")
        raise TypeError(f"table must be the metrics table of the embeddings (jae.evaluate's, or metrics_table of "
                        f"each one's evaluate_embedding), with an 'overall' column of numbers; got {got}")
    twice = table.index[table.index.duplicated()]
    if len(twice):  # pd.concat of two runs' tables, each with svd_baseline: failed after UMAPs, "ambiguous" Series
        raise ValueError(f"table has {int((table.index == twice[0]).sum())} rows named {str(twice[0])!r}; keep one "
                         "(table[~table.index.duplicated()]) or rename them (table.rename(index=...)) so each row "
                         "names one embedding")
    unscored = [str(k) for k in embeddings if k not in table.index]  # its UMAP said 'overall n/a': never scored
    if unscored:  # (rows without an embedding are fine: e.g. published scores, in the tables and bars alone)
        raise ValueError(f"embedding {unscored[0]!r} has no row in table (its rows: "
                         f"{', '.join(repr(str(k)) for k in table.index[:5])}); pass the table of every embedding "
                         "(jae.evaluate, or metrics_table of each one's evaluate_embedding) or leave it out of "
                         "embeddings")
    out_dir = user_path(out_dir)
    if out_dir.is_symlink() and not out_dir.exists():  # failed after every score with '[Errno 17] File exists'
        raise FileNotFoundError(f"out_dir {out_dir} is a link to {os.readlink(out_dir)}, which is missing; create "
                                "that folder or choose another out_dir")
    earlier = holds_report(out_dir)
    pngs = umap_names(embeddings)
    check_umap_files(out_dir, embeddings)
    if earlier and not overwrite:
        raise FileExistsError(f"{out_dir} already holds a report ({', '.join(earlier[:3])}); pass overwrite=True to "
                              "replace it, or choose another out_dir")
    for name in sorted({*(p for p in REPORT_FILES if "*" not in p), *earlier}):  # an input among them: refused first
        check_not_input(out_dir / name, protect)
    # all files or none, replacing the earlier report's (its files this one lacks removed: a dropped embedding's UMAP)
    with atomic_files(out_dir, earlier, protect=protect) as staging:
        write_table(table, staging, protect=protect, overwrite=True)  # the staging folder is this report's own
        diag = diagnostics_table(table)
        if diag is not None:
            atomic_write(staging / "diagnostics.csv", lambda p: diag.to_csv(p, na_rep="NaN"),
                         protect=protect, overwrite=True)
        subset = np.arange(n)
        sampled = absent = shown = ""
        if max_cells is not None and n > max_cells:
            subset = np.sort(np.random.default_rng(seed).choice(n, size=max_cells, replace=False))
            log.info("report: UMAPs of a random %d of %d cells", max_cells, n)
            sampled = f"random {max_cells:,} of {n:,} cells, seed {seed}"  # on each figure and the page
            found = [_absent(cell_type, subset, "cell type", "cell types")] + (
                [] if batch is None else [_absent(batch, subset, "batch", "batches")])
            absent = "; ".join(text for _, text in found if text)
            if absent:  # in no legend: counted on each figure, named on the page
                log.info("report: the UMAPs' subset holds no cell of the %s", absent)
                absent = f" The subset holds no cell of the {absent}."
                shown = f"; no cell of {' or '.join(k for k, _ in found if k)} in it (index.html names them)"
        umaps = {}
        titles = dict(zip(embeddings, _shorts(embeddings, 80)))  # names alike in their first 80 characters told apart
        from ..train.distributed import given_or_own_bar  # process 0 alone draws under torchrun

        named = bar is not None  # the call's one bar names the step; an own bar says "UMAPs"
        with given_or_own_bar(bar, total=len(embeddings), desc="UMAPs", progress_bar=progress_bar) as bar:
            for name, E in embeddings.items():
                if named:
                    bar.set_postfix_str(f"UMAP {name}")
                E = np.asarray(E)
                coords = umap_coordinates(E[subset], seed=seed, device=device)
                overall = table.loc[name, "overall"] if name in table.index else np.nan
                score = f"overall {overall:.4f}" if np.isfinite(overall) else "overall n/a"  # as the tables show it
                png = pngs[name]
                plot_umaps(coords, _ordered(cell_type[subset], orders[0]),
                           None if batch is None else _ordered(batch[subset], orders[1]), staging / png,
                           title=f"{titles[name]} ({E.shape[1]} dims, {score})" + (f"\nUMAP of a {sampled}{shown}"
                                                                                         if sampled else ""),
                           seed=seed, protect=protect, overwrite=True)
                umaps[name] = png
                bar.update(1)
        plot_metric_bars(table, staging / "metrics.png", protect=protect, overwrite=True)
        index = write_index(staging, table, bar_chart="metrics.png", umaps=umaps, title=title, description=description,
                            umap_note=f"Each UMAP shows the same {sampled} (the cap set by jae evaluate "
                            "--umap-max-cells, jae.evaluate(umap_max_cells=) or jae.report.write_report(max_cells=); "
                            f"all or None: every cell).{absent}" if sampled else "",
                            umap_batch=batch is not None, protect=protect, overwrite=True)
    return out_dir / index.name
