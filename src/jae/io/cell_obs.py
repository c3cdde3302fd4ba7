"""Per-cell annotations of paired data: the obs columns of the modalities and of the data itself joined into one
frame, the columns two modalities must agree on (a cell has one batch), and lookups of a column (the batch labels,
the cell types) with the checks every caller shares.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

from .._words import count
from .features import as_text, examples
from .validate import missing_text

__all__ = ["cell_obs", "cell_obs_of", "get_annotation", "check_batches", "modality_obs", "check_modalities_agree",
           "agreeing_obs", "agreeing_columns", "batch_column", "columns_taken_elsewhere", "AGREEING_COLUMNS",
           "unused_batches", "pulled_name_fix", "mark_dropped", "warn_dropped", "DROPPED", "reading_columns",
           "fill_global_batches", "modality_with_column"]

logger = logging.getLogger(__name__)

#: ``obs.attrs`` key of the joint obs: each column whose values in some modalities were dropped -> those modalities.
DROPPED = "jae_dropped_columns"

AGREEING_COLUMNS = ("batch",)
"""Per-cell columns that two modalities holding them must agree on (a cell has one batch), unless the reading call
names its batch column (:func:`batch_column`)."""

_REPLACED: ContextVar[frozenset] = ContextVar("jae_annotated_columns", default=frozenset())
_READ: ContextVar[tuple | None] = ContextVar("jae_read_columns", default=None)
_AGREEING: ContextVar[tuple] = ContextVar("jae_agreeing_columns", default=AGREEING_COLUMNS)


@contextmanager
def batch_column(batch_key: str | None):
    """Within the block, the modalities must agree on the batch column the caller reads, ``batch_key`` (e.g.
    ``'sample'`` for ``fit(batch_key='sample')``), instead of :data:`AGREEING_COLUMNS`; None: on no column (all cells
    are one batch)."""
    token = _AGREEING.set(() if batch_key is None else (str(batch_key),))
    try:
        yield
    finally:
        _AGREEING.reset(token)


@contextmanager
def columns_taken_elsewhere(columns: Collection[str]):
    """Within the block, the modalities' ``columns`` are not checked to agree (:func:`check_modalities_agree`): the
    caller takes them from elsewhere (annotation files joined after reading, which replace them; or the data's own
    global ``obs``, where only the counts are read)."""
    token = _REPLACED.set(_REPLACED.get() | frozenset(columns))
    try:
        yield
    finally:
        _REPLACED.reset(token)


@contextmanager
def reading_columns(columns):
    """Within the block (one call of ``fit``, ``embed``, ``map_query``, ...; the outermost block sets it), a column
    whose values a modality's ``obs`` loses when the obs become one table (:func:`mark_dropped`) is warned about once,
    and only when it is one of ``columns``, those the call reads (its batch and cell-type keys); the others are said
    at INFO, since the call reads nothing else of them: scanpy's ``calculate_qc_metrics`` run on each modality gives
    each its own ``'total_counts'``, ``'n_genes_by_counts'``, ..., and every such column was warned about on every
    call (three times by ``map_query``). A name ending in ``*`` stands for every column it begins
    (``'pseudotime_order_*'``: those ``jae.evaluate`` reads by default). ``columns`` None: every column (a call whose
    output holds the data's obs columns, ``jae embed``, ``jae.impute``: each warned about once). Outside any block
    each is warned."""
    if _READ.get() is not None:
        yield
        return
    flat = [c for c in columns or () for c in (c if isinstance(c, (list, tuple)) else [c])]  # phase_keys: a pair
    token = _READ.set((None if columns is None else frozenset(c for c in flat if isinstance(c, str)), set()))
    try:
        yield
    finally:
        _READ.reset(token)


def agreeing_columns() -> tuple:
    """The columns modalities must agree on here: :data:`AGREEING_COLUMNS`, or the one :func:`batch_column` names."""
    return _AGREEING.get()


def agreeing_obs(obs: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``obs`` that modalities must agree on (:data:`AGREEING_COLUMNS`): what a second modality of the
    same cells adds to the first's ``obs`` (:func:`modality_obs`: checked against it, filling its missing values)."""
    return obs[[c for c in _AGREEING.get() if c in obs.columns]]


def check_modalities_agree(frames: Sequence[pd.DataFrame], names: Sequence[str], *, skip: Collection[str] = ()
                           ) -> None:
    """Refuse cells whose modalities' ``obs`` (``frames``, named ``names``) hold different values in a column of
    :data:`AGREEING_COLUMNS` (``'batch'``; the caller's batch column within :func:`batch_column`). A cell missing the
    value in one of them (NaN, empty) is no conflict, and
    neither is a column only one holds; ``skip``: columns taken from elsewhere (the global ``obs``)."""
    for col in _AGREEING.get():
        held = [(frame[col], name) for frame, name in zip(frames, names) if col in frame.columns]
        if col in skip or col in _REPLACED.get() or len(held) < 2:
            continue
        (first, one), (second, two) = held[:2]
        shared, a, b, differ = _differing(first, second)
        if differ.any():
            cell = shared[np.flatnonzero(differ)[0]]
            glob = (f"the MuData's global obs, mdata.obs[{col!r}] = <each cell's {col}> (it replaces the modalities'; "
                    "a file: read by mudata.read_h5mu, then written again), or, reading the files with jae, "
                    ) if all(str(n).startswith("modality ") for n in (one, two)) else ""  # no MuData: 2 files
            raise ValueError(
                f"{int(differ.sum())} of {len(shared)} cells have a different obs[{col!r}] in {one} and in {two} "
                f"(e.g. cell {str(cell)!r}: {str(a[cell])!r} in the first, {str(b[cell])!r} in the second), and jae cannot tell "
                f"which is right: make the two columns agree, drop {col!r} from one of them, or give each cell's "
                f"{col} once for both: in {glob}an annotation file (InputFiles(..., annotations=FILE)), whose "
                "columns replace the data's"
            )


def _differing(first: pd.Series, second: pd.Series):
    """The cells both hold, the two columns on them (as objects), and which of them hold two different values (a
    missing value, NaN or empty, is no difference; numbers compared as numbers: 1 and 1.0 agree)."""
    if first.index.equals(second.index) and first.equals(second):  # one column twice, the usual case: 0.5 s saved
        return first.index, first, second, np.zeros(len(first), dtype=bool)  # per million cells and column
    shared = first.index.intersection(second.index, sort=False)
    a, b = first.reindex(shared).astype(object), second.reindex(shared).astype(object)
    a_text, b_text = a.astype(str).str.strip(), b.astype(str).str.strip()
    both = (a.notna() & b.notna() & a_text.ne("") & b_text.ne("")).to_numpy()
    try:  # numbers compared as numbers (1 and 1.0 agree)
        differ = both & (pd.to_numeric(a).to_numpy() != pd.to_numeric(b).to_numpy())
    except (TypeError, ValueError):
        differ = both & (a_text != b_text).to_numpy()
    return shared, a, b, differ


def _log_dropped(global_obs: pd.DataFrame | None, frames: Sequence[pd.DataFrame], names: Sequence[str], *,
                 log: bool = True) -> dict:
    """Log one line per column and modality whose values are dropped when the obs become one table: a modality's
    column holding other values than the same column of the global obs (which wins) or of an earlier modality (which
    wins for the cells both hold). Returns, for each such column, the positions in ``frames`` whose values are dropped
    with the line saying so (logged, with ``log``)."""
    held: dict[str, tuple[pd.Series, str]] = {}
    dropped: dict[str, list[tuple[int, str]]] = {}
    if global_obs is not None and global_obs.index.is_unique:
        held = {col: (global_obs[col], "the global obs") for col in global_obs.columns}
    for i, (frame, name) in enumerate(zip(frames, names)):
        if not frame.index.is_unique:  # cells that cannot be matched by name (refused where it matters)
            continue
        for col in frame.columns:
            if col not in held:
                held[col] = (frame[col], name)
                continue
            kept, where = held[col]
            shared, _, _, differ = _differing(kept, frame[col])
            if not differ.any():
                continue
            line = (f"obs column {str(col)!r} holds other values in {name} than in {where} ({int(differ.sum())} of "
                    f"{len(shared)} cells): the values of {where} are kept and those of {name} dropped; rename the "
                    "column in one of them to keep both")
            dropped.setdefault(str(col), []).append((i, line))
            if log:
                _say_dropped(str(col), line)
    return dropped


def _say_dropped(col: str, line: str) -> None:
    """Log ``line`` of the dropped column ``col`` once within a :func:`reading_columns` block: a warning where the call
    reads the column (or outside any block), else at INFO."""
    read = _READ.get()
    if read is not None and line in read[1]:
        return
    if read is not None:
        read[1].add(line)
    loud = read is None or read[0] is None or any(col == c or c.endswith("*") and col.startswith(c[:-1])
                                                  for c in read[0])
    (logger.warning if loud else logger.info)("%s", line)


def mark_dropped(obs: pd.DataFrame, global_obs: pd.DataFrame | None, frames: Sequence[pd.DataFrame],
                 names: Sequence[str], *, log: bool = True) -> None:
    """Record in ``obs.attrs[DROPPED]`` the columns whose values in modalities ``names`` (of obs ``frames``) were
    dropped when ``obs`` was joined from them (logged, with ``log``; else said by :func:`warn_dropped` where the data
    is streamed), for :func:`pulled_name_fix`: a key 'prot:cell_type' is not obs['cell_type'] then. Each column maps
    the modalities whose values were dropped to the line saying so."""
    dropped = _log_dropped(global_obs, frames, [f"modality {n!r}" for n in names], log=log)
    if dropped:
        obs.attrs[DROPPED] = {col: {str(names[i]): line for i, line in at} for col, at in dropped.items()}


def warn_dropped(obs: pd.DataFrame) -> None:
    """Log the lines :func:`mark_dropped` recorded, unlogged, in ``obs.attrs[DROPPED]``: for files streamed, whose
    ``obs`` is read once when opened (:func:`jae.io.open_h5mu`), the lines data read whole gives (a warning for the
    columns the call reads, :func:`reading_columns`; the others at INFO)."""
    for col, lines in (getattr(obs, "attrs", None) or {}).get(DROPPED, {}).items():
        for line in lines.values():
            _say_dropped(str(col), line)


def fill_global_batches(columns: dict, mod_obs: pd.DataFrame) -> None:
    """In ``columns`` (the global obs's, on the cells of ``mod_obs``, the modalities' joined obs), a cell the global
    batch column gives no batch (NaN) takes the one its modalities' obs give it, as :func:`modality_obs` fills one
    modality's missing batch from the next; the global values win wherever they are given. A global column set from
    one modality (``mdata.obs['batch'] = mdata['rna'].obs['batch']``) left the cells of the other modality alone
    without one, refused (mosaic data: 'as when the column is kept in modality 'rna''s obs only', though modality
    'prot''s obs held them)."""
    for col in _AGREEING.get():
        if col in columns and col in mod_obs.columns and columns[col].isna().any():
            given, modality = columns[col].astype(object), mod_obs[col].astype(object).reindex(columns[col].index)
            # what fillna gives, without pandas' FutureWarning on its silent downcast of the object result
            filled = pd.Series(np.where(given.isna().to_numpy(), modality.to_numpy(), given.to_numpy()),
                               index=given.index, name=given.name, dtype=object).infer_objects()
            columns[col] = filled.astype("category") if isinstance(columns[col].dtype, pd.CategoricalDtype) else filled


def _joint_obs(obs_names: pd.Index, global_obs: pd.DataFrame | None, adatas, names) -> pd.DataFrame:
    """Global obs columns, then modality-level columns missing globally (:func:`modality_obs`), on ``obs_names``."""
    columns: dict[str, pd.Series] = {}
    if global_obs is not None:
        aligned = global_obs if global_obs.index.equals(obs_names) else global_obs.reindex(obs_names)
        for col in aligned.columns:
            columns[col] = aligned[col]
    mod_obs = modality_obs([adata.obs for adata in adatas], obs_names, names=[f"modality {n!r}" for n in names],
                           skip=() if global_obs is None else global_obs.columns)
    fill_global_batches(columns, mod_obs)
    for col in mod_obs.columns:
        columns.setdefault(col, mod_obs[col])
    obs = pd.DataFrame(columns, index=obs_names) if columns else pd.DataFrame(index=obs_names)
    mark_dropped(obs, global_obs, [adata.obs for adata in adatas], names)
    return obs


def cell_obs(data, *, pulled: bool = True) -> pd.DataFrame | None:
    """The per-cell annotations of ``data`` as :meth:`jae.JAE.fit` reads them: a MuData's global ``obs`` plus the
    columns kept only in a modality's ``obs`` (unprefixed, first modality wins), those of a dict of AnnData, an
    AnnData's or opened files' ``obs``; None for data without annotations. ``pulled=False`` (a table written for the
    user) leaves out the global columns ``'<modality>:<column>'`` that MuData copied from a modality's ``obs``
    (``mudata.MuData(...)`` and ``read_h5mu`` by default) where the table holds ``<column>`` with the same values:
    else each such column came twice (``'rna:batch'``, ``'prot:batch'`` and ``'batch'``)."""
    mods = getattr(data, "mod", None)
    if isinstance(data, Mapping) or isinstance(mods, Mapping):
        named = data if isinstance(data, Mapping) else mods
        adatas = list(named.values())
        if not all(hasattr(a, "obs") for a in adatas):
            return None
        global_obs = None if isinstance(data, Mapping) else data.obs
        if global_obs is not None:
            names = global_obs.index
        else:  # the union of the modalities' cells, in the order they come
            names = pd.Index([]).append([pd.Index(a.obs_names) for a in adatas]).drop_duplicates() if adatas \
                else pd.Index([])
        if not names.is_unique or not all(a.obs_names.is_unique for a in adatas):
            return global_obs  # duplicated names cannot be matched (fit refuses them)
        obs = _joint_obs(names, global_obs, adatas, list(named))
        return obs if pulled or global_obs is None else _without_pulled(obs, list(named))
    obs = getattr(data, "obs", None)
    return obs if isinstance(obs, pd.DataFrame) else None


def cell_obs_of(data, keys, *, model_keys=()) -> pd.DataFrame | None:
    """:func:`cell_obs` of ``data`` holding also the columns ``keys`` (those the caller reads, e.g. a batch column) that
    only the second file of opened competition files holds (:meth:`jae.io.PairedFiles.with_columns`), as read whole
    (:func:`jae.io.read_competition`) they are found in that modality's ``obs``. ``model_keys``: a model's batch
    columns, each also found as the modality's column it names as MuData does (``'rna:batch'``:
    :func:`jae.io.pulled_keys.pulled_column`)."""
    if getattr(data, "other_obs", None) is not None and hasattr(data, "with_columns"):
        data = data.with_columns([k for k in keys if k], log=False)
    obs = cell_obs(data)
    if obs is None:
        return obs
    from .pulled_keys import with_model_keys

    return with_model_keys(data, _read_cells(data, obs), [k for k in model_keys if k in keys])


def _read_cells(data, obs: pd.DataFrame) -> pd.DataFrame:
    """``obs`` without the cells that only modalities of hashtags hold (set aside, never embedded:
    :func:`jae.io.modality.hashtag_modalities`): their batch is not read (map_query refused them for lacking one)."""
    from .modality import hashtag_modalities, held_types

    mods = data if isinstance(data, Mapping) else getattr(data, "mod", None)
    if not isinstance(mods, Mapping) or len(mods) < 2:
        return obs
    hashtags = hashtag_modalities(mods, held_types(mods))
    read = [pd.Index(a.obs_names) for n, a in mods.items() if n not in hashtags and hasattr(a, "obs_names")]
    if not hashtags or not read:
        return obs
    return obs[obs.index.isin(pd.Index([]).append(read))]


def _without_pulled(obs: pd.DataFrame, modalities: Sequence[str]) -> pd.DataFrame:
    """``obs`` without its columns ``'<modality>:<column>'`` (MuData's copies of a modality's column) whose values
    ``obs[<column>]`` holds too (missing values where the modality lacks a cell are no difference)."""
    copies = []
    for col in obs.columns:
        mod, _, own = str(col).partition(":")
        if own and mod in modalities and own in obs.columns and not _differing(obs[col], obs[own])[3].any():
            copies.append(col)
    return obs.drop(columns=copies) if copies else obs


def modality_obs(frames: Sequence[pd.DataFrame], cells: pd.Index, *, names: Sequence[str] | None = None,
                 skip: Collection[str] = ()) -> pd.DataFrame:
    """The per-cell columns of several modalities' ``obs`` on ``cells``: each column from the first frame holding it,
    and, for cells that frame lacks (measured in a later modality only: mosaic data), from the next frames holding
    them, so such a cell keeps its own annotations. Cells in no frame get NaN. Frames of the same cells give the
    first frame's columns unchanged (dtype included), but for a batch missing (NaN) in the first, taken from the
    next. Modalities disagreeing on a cell's batch are refused (:func:`check_modalities_agree`, naming them by
    ``names``; ``skip``: columns taken from elsewhere)."""
    from pandas.api.types import union_categoricals

    check_modalities_agree(frames, names or [f"modality {i + 1}" for i in range(len(frames))], skip=skip)

    parts: dict[str, list[pd.Series]] = {}
    covered: dict[str, pd.Index] = {}
    for frame in frames:
        for col in frame.columns:
            if col not in parts:
                parts[col], covered[col] = [frame[col]], frame.index
                continue
            extra = frame.index.difference(covered[col], sort=False)
            if len(extra):
                parts[col].append(frame[col].loc[extra])
                covered[col] = covered[col].append(extra)
    columns = {}
    for col, pieces in parts.items():
        if len(pieces) == 1:
            series = pieces[0]
        elif all(isinstance(p.dtype, pd.CategoricalDtype) for p in pieces):  # categories of both, not object
            index = pieces[0].index.append([p.index for p in pieces[1:]])
            values = [p.values for p in pieces]
            if len({str(v.categories.dtype) for v in values}) > 1:  # 1 (or 1.0) in one file, '1' in the other
                values = [v.rename_categories(as_text(v.categories)) for v in values]  # all text
            series = pd.Series(union_categoricals(values), index=index, name=col)
        else:
            series = pd.concat(pieces)
        columns[col] = series if series.index.equals(cells) else series.reindex(cells)
    for col in _AGREEING.get():  # a cell whose batch the first modality lacks (NaN) takes the next one's
        later = [frame[col] for frame in frames if col in frame.columns][1:]
        if col in columns and later and columns[col].isna().any():
            filled = columns[col].astype(object)
            for series in later:
                filled = filled.fillna(series.astype(object).reindex(cells))
            columns[col] = filled.astype("category") if isinstance(columns[col].dtype, pd.CategoricalDtype) else filled
    return pd.DataFrame(columns, index=cells)


def pulled_name_fix(columns, key, argument: str) -> str:
    """The fix for a column ``key`` that obs lacks when ``key`` is a modality's column as MuData names it once pulled
    into ``mdata.obs`` (``'rna:cell_type'``) and obs holds it by its own name (``'cell_type'``: jae joins the
    modalities' columns into obs unprefixed, and ``jae.read_h5mu`` pulls none), ``argument`` the one to pass it
    to; ``''`` otherwise. ``columns``: obs's, or obs itself, whose record of dropped values (:data:`DROPPED`) tells
    when obs's column is not that modality's (it held other values there): the fix is then to rename it there."""
    attrs = getattr(columns, "attrs", None) or {}
    columns = getattr(columns, "columns", columns)
    mod, colon, column = str(key).partition(":")
    held = [str(c) for c in columns if str(c).partition(":")[2] == str(key)] if not colon else []
    if held:  # 'hash_id' held only as MuData names a modality's column pulled into mdata.obs: 'hto:hash_id'
        return (f"; obs holds {examples(held)}, the column {key!r} of modality {held[0].partition(':')[0]!r} as "
                f"MuData pulls it into mdata.obs (a modality jae does not read, e.g. hashtags): pass "
                f"{argument}={held[0]!r}")
    if not colon or not column or column not in {str(c) for c in columns}:
        return ""
    if mod in attrs.get(DROPPED, {}).get(column, ()):  # obs[column] holds another modality's (or the global) values
        new = f"{mod}_{column}"
        return (f"; {key!r} is how MuData names the column {column!r} of modality {mod!r} once pulled into mdata.obs, "
                f"but obs[{column!r}] holds other values (another modality's, kept when jae joins the modalities' "
                f"columns by their own names): rename the column in {mod!r}, e.g. mdata[{mod!r}].obs = mdata[{mod!r}]"
                f".obs.rename(columns={{{column!r}: {new!r}}}) (a file: read by mudata.read_h5mu, then written again),"
                f" and pass {argument}={new!r}")
    return (f"; {key!r} is how MuData names the column {column!r} of modality {mod!r} once pulled into mdata.obs, and "
            f"jae reads a modality's columns by their own names: pass {argument}={column!r}")


def modality_with_column(name: str, key: str) -> str:
    """The statements that give a MuData's modality ``name`` the MuData's own ``obs[key]`` (mudata >= 0.3 keeps a
    column set on ``mdata.obs`` there, not in the modality's): for the fixes of calls given that modality alone."""
    return f"one = mdata[{name!r}].copy(); one.obs[{key!r}] = mdata.obs[{key!r}]"


def get_annotation(obs: pd.DataFrame, key: str, *, what: str) -> pd.Series:
    """Return the per-cell column ``obs[key]``, with an error naming the available columns when missing.

    Parameters
    ----------
    obs
        Per-cell annotations, e.g. :attr:`PairedCounts.obs`.
    key
        Column name.
    what
        What the column holds (``'cell type'``, ``'batch'``), used in the error message.

    Returns
    -------
    The column as a :class:`pandas.Series` indexed like ``obs``.

    Raises
    ------
    KeyError
        When ``obs`` has no column ``key``.
    """
    if key not in obs.columns:
        prefixed = [c for c in map(str, obs.columns) if c.endswith(f":{key}")]  # muon keeps a modality's as 'rna:batch'
        fix = (f"pass {prefixed[0]!r} (a modality's column, as MuData names it) or the name of the column holding the "
               f"{what}" if prefixed else f"pass the name of the column holding the {what}")
        from .._words import columns_near

        raise KeyError(
            f"no {what} column {key!r} in obs ({columns_near(obs.columns, key)}); {fix}, or add it to mdata.obs "
            "(e.g. read_competition(..., annotations=solution_file))"
        )
    return obs[key]


def check_batches(batch: pd.Series, *, min_cells: int = 2) -> None:
    """Check that every batch has at least ``min_cells`` cells and every cell has a batch.

    Parameters
    ----------
    batch
        Batch label per cell.
    min_cells
        Smallest allowed batch size.

    Raises
    ------
    ValueError
        For cells without a batch, or batches with fewer than ``min_cells`` cells.
    """
    gaps = batch.isna().to_numpy() | missing_text(batch.to_numpy())  # 'nan' text too, as evaluate
    if gaps.any():  # which cells: a few of thousands were not found without it
        raise ValueError(
            f"{int(gaps.sum())} of {len(batch)} cells have no batch label in {batch.name!r}; fill the missing labels "
            f"(e.g. with the sample name) or drop those cells (e.g. {examples(batch.index[gaps])})"
        )
    sizes = batch.value_counts()
    sizes = sizes[sizes > 0]
    small = sizes[sizes < min_cells]
    if len(small):
        listed = ", ".join(f"{label!r} ({count(int(n), 'cell')})" for label, n in small.items())
        raise ValueError(
            f"batches with fewer than {min_cells} cells: {listed}; merge them into a related batch or drop those "
            "cells"
        )


def unused_batches(obs: pd.DataFrame | None, column: str = "batch") -> str:
    """For a caller given no batch column (``batch_key=None``: all cells one batch): ``", though obs['batch'] holds
    12 batches, not used"`` where ``obs`` holds ``column`` with two or more batches (missing values not counted), so
    that its log line says what is left aside; ``""`` otherwise."""
    if obs is None or column not in obs.columns or isinstance(obs[column], pd.DataFrame):
        return ""
    values = obs[column]
    n = int(values[values.notna() & ~missing_text(values.to_numpy())].astype(str).nunique())
    return f", though obs[{column!r}] holds {n} batches, not used" if n > 1 else ""


def with_hashtag_columns(global_obs: pd.DataFrame, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """``global_obs`` (a MuData file's, as stored) with the ``obs`` columns of its modalities of hashtags ``frames``
    (``{name: obs}``, set aside: :func:`jae.io.modality.hashtag_modalities`) named as MuData pulls them into
    ``mdata.obs`` (``'hto:hash_id'``), by cell name, where it lacks them: their demultiplexing results can be the
    ``batch_key`` of a file as of the same data in memory. ``global_obs`` itself when there are none to add."""
    add = {f"{m}:{c}": obs[c] for m, obs in frames.items() if obs.index.is_unique for c in obs.columns
           if f"{m}:{c}" not in global_obs.columns}
    if not add or not global_obs.index.is_unique:
        return global_obs
    return pd.concat([global_obs, pd.DataFrame({k: v.reindex(global_obs.index) for k, v in add.items()},
                                               index=global_obs.index)], axis=1)
