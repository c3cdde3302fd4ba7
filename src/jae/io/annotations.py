"""Annotation files: ``.h5ad`` files whose ``obs`` columns (cell types, batches, ...), or CSV / TSV tables whose
columns (:mod:`jae.io.annotation_tables`), are joined into the data by cell name, replacing the data's own columns of
the same name for the cells the file holds (the rule of every reader and of ``--annotations``); the data's other cells
keep their values."""

from __future__ import annotations

import logging
from pathlib import Path

import mudata as md
import numpy as np
import pandas as pd

from .features import affix_rename
from .files import text_head
from .paths import annotation_paths
from .raw import noted
from .readers import PathLike, _add_obs_columns, obs_columns, read_obs

__all__ = ["annotation_obs", "annotation_columns", "join_annotations", "joined_column", "samples_fix", "samples_note"]

logger = logging.getLogger(__name__)


def annotation_obs(path: PathLike, cells: pd.Index, *, what: str = "annotation", data: str | None = None,
                   samples=None) -> pd.DataFrame:
    """The ``obs`` of an annotation file to join by cell name into data whose cells are ``cells`` (``data``: the
    data's file name, for the message). A file sharing no cell name with the data is refused in one line naming
    both's cell names and the fix, as is one sharing under a tenth of the data's cells and of its own (another run's
    file, whose barcodes repeat the data's by chance; a file of some of the data's cells matches most of its own);
    otherwise how many cells it matches is logged. A text table's fixes edit it as a table."""
    import h5py

    from .annotation_tables import TableEdit

    obs = read_obs(path, what=what)
    path = Path(path)
    edit = TableEdit(path, None if h5py.is_hdf5(path) else table_head(path))
    if obs.index.has_duplicates:  # which row's annotations a cell gets would be ambiguous
        from .features import examples

        repeated = obs.index.duplicated(keep=False)
        raise ValueError(
            f"{what} file {path} names {int(repeated.sum())} rows by {len(obs.index[repeated].unique())} repeated cell "
            f"names (e.g. {examples(obs.index[repeated])}); annotations are joined by cell name, so each cell must have "
            f"one row: keep one row per cell (e.g. {edit.keep('~{names}.duplicated()')}), or, for cells of several "
            f"samples sharing barcodes, name them as the data names its cells; then {edit.again}")
    matched = int(pd.Index(cells).isin(obs.index).sum())
    if matched == 0:
        def like(names) -> str:
            return ", ".join(repr(str(n)) for n in list(names)[:3]) or "no cells"

        fix = _no_match_fix(obs, pd.Index(cells), samples, edit)
        raise ValueError(
            f"{what} file {path} shares no cell names with the data{f' ({data})' if data else ''}: its cells are "
            f"named like {like(obs.index)}, the data's like {like(cells)}; annotations are joined by cell name: {fix}"
        )
    if 10 * matched < len(cells) and 10 * matched < len(obs):  # another run's file sharing barcodes by chance
        shared = pd.Index(cells)[pd.Index(cells).isin(obs.index)]
        raise ValueError(
            f"{what} file {path} shares only {matched} cell names (e.g. {', '.join(repr(str(c)) for c in shared[:3])})"
            f" with the data{f' ({data})' if data else ''}: under a tenth of the data's {len(cells)} cells and of its "
            f"{len(obs)}, as barcodes of another run's cells repeat by chance; annotations are joined by cell name: "
            "give the annotation file of these cells, or, if these are the cells it annotates, keep its rows of them "
            f"alone (e.g. {edit.keep('{names}.isin(names)')}, names the data's obs_names) and {edit.again}")
    if noted():  # joined again when opened files are read: said when they were opened
        return obs
    if obs.columns.empty and edit.table:  # the log line below said its cells matched, and nothing was joined
        logger.warning("annotations %s: the table has no columns besides the cell names (its first column), so "
                       "nothing is joined: add them, e.g. t['cell_type'] = ... %s, and %s", path.name, edit.on,
                       edit.again)
        return obs
    if obs.columns.empty:
        logger.warning("annotations %s: its obs has no columns, so nothing is joined; annotations are read from an "
                       ".h5ad's obs columns (labels kept in its X, obsm or uns are not): add them there, e.g. "
                       "adata.obs['cell_type'] = ..., and write it again", path.name)
        return obs
    if matched == len(cells):
        logger.info("annotations %s: %d of %d cells matched", path.name, matched, len(cells))
        return obs
    absent = pd.Index(cells)[~pd.Index(cells).isin(obs.index)]
    logger.warning(
        "annotations %s: %d of %d cells matched; the other %d (e.g. %s) are not in it: in its columns %s they keep "
        "the values of the data's obs, or get missing values where it has none (a fit takes a cell missing its "
        "cell-type column, cell_type_key, as an unlabelled query cell, and refuses one missing its batch_key); "
        "add them to the file if they have annotations", path.name, matched, len(cells), len(absent),
        ", ".join(repr(str(c)) for c in absent[:3]), [str(c) for c in obs.columns])
    return obs


def _no_match_fix(obs: pd.DataFrame, cells: pd.Index, samples, edit) -> str:
    """The fix of an annotation file (``obs``) sharing no cell name with the data's ``cells``; ``edit``: how a fix
    edits the file (:class:`jae.io.annotation_tables.TableEdit`)."""
    names = edit.names
    if sample := _without_sample(obs.index, cells, samples or ()):  # several samples' cells: BARCODE-SAMPLE
        (first, *more), n = sample
        whose = f"sample {first!r}" if not more else "samples " + ", ".join(map(repr, [first, *more])) + \
            " (barcodes repeat across samples: which one does the file annotate?)"
        return (f"{n} of them are the cells of {whose} named without their sample, which the data adds to its cell "
                f"names (BARCODE-SAMPLE, several Cell Ranger files read as one): name them so, e.g. {names} = "
                f"[n + '-{first}' for n in {names}] {edit.on} (an annotation file of each sample: its own suffix), "
                f"and {edit.again}")
    if named_by := _names_column(obs, cells):
        return (f"its column {named_by[0]!r} holds {named_by[1]} of the data's cell names: name its cells by it, e.g. "
                f"{names} = {edit.column.format(named_by[0])}.astype(str) {edit.on}, and {edit.again}")
    if renamed := affix_rename(obs.index, cells):
        return (f"{renamed[0]} of them are the data's cells named with another prefix or suffix: name them so, e.g. "
                f"{names} = [{renamed[1]} for n in {names}] {edit.on}, and {edit.again}")
    return ("give the annotation file of these cells, or write one of the files again with the other's cell names "
            "(obs_names)")


def _without_sample(names: pd.Index, cells: pd.Index, samples) -> tuple[list[str], int] | None:
    """The samples whose cells (``cells`` named ``BARCODE-SAMPLE``) ``names`` hold the most of as bare barcodes (more
    than one where they tie), and how many; None when they hold none."""
    cells, names = pd.Index(cells).astype(str), pd.Index(names).astype(str)
    hits = {str(s): int(names.isin(cells[cells.str.endswith(f"-{s}")].str[:-len(f"-{s}")]).sum()) for s in samples}
    most = max(hits.values(), default=0)
    return ([s for s, n in hits.items() if n == most], most) if most else None


def _names_column(obs: pd.DataFrame, cells: pd.Index) -> tuple[str, int] | None:
    """The ``obs`` column holding the most of ``cells`` (cell names kept as a column, e.g. 'barcode', under a
    numbered index: a table converted without its index) and how many; None when no column holds any."""
    hits = {str(c): int(obs[c].astype(str).isin(cells.astype(str)).sum()) for c in obs.columns
            if not pd.api.types.is_numeric_dtype(obs[c]) and not pd.api.types.is_bool_dtype(obs[c])}
    best = max(hits, key=hits.get, default=None)
    return (best, hits[best]) if best is not None and hits[best] else None


def annotation_columns(paths) -> list[str]:
    """The ``obs`` columns of annotation files (None: none), which replace the data's own: read from each file's
    header (:func:`jae.io.readers.obs_columns`), as the files are read whole when they are joined."""
    return [c for p in annotation_paths(paths) for c in obs_columns(p)]


def join_annotations(
    mdata: md.MuData, paths, *, replace_existing: bool = True, what: str = "annotation", data: str | None = None,
    samples=None,
) -> md.MuData:
    """Join the ``obs`` columns of annotation ``.h5ad`` files (e.g. ``*.solution.h5ad``), or the columns of CSV / TSV
    tables (the first column names the cells; :mod:`jae.io.annotation_tables`), into ``mdata.obs`` by cell name, in
    place; cells a file lacks keep the data's own value of a column it replaces, NaN in its other columns.
    A column replaced in ``mdata.obs`` leaves the modalities' ``obs`` too (their copies of the data's values, kept in
    ``mdata.obs`` for the cells the files lack), as when jae reads files with annotations.

    Parameters
    ----------
    mdata
        The data to annotate.
    paths
        One path or a list of paths.
    replace_existing
        Replace columns ``mdata.obs`` already has (e.g. the data files' own ``batch``): the rule of every reader
        taking annotation files and of the CLI's ``--annotations``; False keeps the data's columns.
    what
        How errors name the files (e.g. ``'--annotations'``).
    data
        The data's file name, for the error when a file shares no cell name with it (:func:`annotation_obs`).
    samples
        The samples whose names end the data's cell names (``BARCODE-SAMPLE``: several Cell Ranger files read as
        one), for that error's fix when a file names them by their barcodes alone.

    Returns
    -------
    ``mdata`` itself, annotated.
    """
    for path in annotation_paths(paths):
        obs = annotation_obs(path, mdata.obs_names, what=what, data=data, samples=samples)
        _add_obs_columns(mdata, obs, what=str(path), replace_existing=replace_existing)
    return mdata


def joined_column(series: pd.Series, cells: pd.Index, existing: pd.Series | None = None) -> pd.Series:
    """``series`` (a column of annotations) joined by cell name to ``cells``: the cells it lacks keep their value of
    ``existing`` (the data's own column of that name, which it replaces), or get NaN where there is none."""
    if series.index.equals(cells):
        return series
    absent = ~cells.isin(series.index)
    if absent.any() and _whole(series) and (existing is None or _whole(existing)):  # cluster ids 0, 1: not 0.0, 1.0
        series = series.astype("Int64")  # NaN for the absent cells had made them floats, named '0.0' as cell types
    joined = series.reindex(cells)
    if existing is None or not absent.any():
        return joined
    kept = existing if existing.index.equals(cells) else existing.reindex(cells)
    categorical = isinstance(joined.dtype, pd.CategoricalDtype) or isinstance(kept.dtype, pd.CategoricalDtype)
    if not categorical and pd.api.types.is_numeric_dtype(joined) and pd.api.types.is_numeric_dtype(kept):
        return joined.where(~absent, kept)
    values = np.where(absent, kept.astype(object).to_numpy(), joined.astype(object).to_numpy())
    present = pd.notna(values)
    if len({isinstance(v, str) for v in values[present]}) > 1:  # numbers beside text: all text, as h5ad writes it
        values[present] = values[present].astype(str)
    out = pd.Series(values, index=cells)
    return out.astype("category") if categorical else out


def table_head(path: Path) -> str | None:
    """The first line of ``path`` when it is a text table (a CSV / TSV), gzip-compressed too (``.csv.gz``, as GEO
    serves annotation tables); None otherwise (:func:`jae.io.files.text_head`)."""
    import gzip

    try:
        with open(path, "rb") as f:
            if f.read(2) != b"\x1f\x8b":
                return text_head(path)
        with gzip.open(path, "rb") as f:
            head = f.read(4096)
        lines = head.split(b"\n")[:-1] or [head]
        return lines[0].decode("utf-8").rstrip("\r") if head.strip() and b"\0" not in head else None
    except (OSError, EOFError, UnicodeDecodeError):
        return None


def _whole(series: pd.Series) -> bool:
    """Whether ``series`` holds integers (numpy's or pandas' nullable ones), not bools."""
    return pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def samples_fix(inputs, prefix: str = "", *, one: str | None = None) -> str:
    """How a user of files (:class:`jae.io.InputFiles`: ``jae fit``, :func:`jae.fit_files`) whose cells are named by
    Cell Ranger aggr (``AAAC-1``, ``AAAC-2``: the suffix is the sample) gives each cell its sample as a batch: an
    annotation file of them, written from the input's cell names (``<key>``: the batch column), passed with the
    input (:func:`jae.io.validate.check_fit_annotations` names it when the batch column is missing); ``prefix``
    leads each batch name (a query's: not to be taken for the reference's batches of the same samples' numbers);
    ``one``: the batch of every cell instead (cells of one sample)."""
    if getattr(inputs, "samples", None) is not None:  # several Cell Ranger files: cells named BARCODE-SAMPLE
        files = ", ".join(f"{n!r}: {str(p)!r}" for n, p in inputs.samples.items())
        names = f"jae.io.combine_samples({{{files}}}).obs_names"
    elif inputs.tenx is not None:
        from .cellranger import reader_name

        names = f"{reader_name(inputs.tenx)}({str(inputs.tenx)!r}).obs_names"  # the .h5's or the matrix folder's
    elif inputs.h5mu is not None:
        names = f"mudata.read_h5mu({str(inputs.h5mu)!r}, backed='r').obs_names"
    else:
        names = f"anndata.read_h5ad({str(inputs.mod1 or inputs.h5ad)!r}, backed='r').obs_names"
    sample = repr(one) if one is not None else f"{f'{prefix!r} + ' if prefix else ''}names.str.rsplit('-', n=1).str[-1]"
    return (f"write {'their batch' if one is not None else 'them'} to an annotation file, in Python: import anndata, "
            f"jae, mudata, pandas; names = "
            f"{names}; anndata.AnnData(obs=pandas.DataFrame({{<key>: {sample}}}, index=names)).write_h5ad("
            "'samples.h5ad'), and pass it with InputFiles(..., annotations=FILE)")


def samples_note(names, key: str, inputs, *, lead: str = "") -> str:
    """'; ' and how a files user gives query cells ``names`` their batch in the missing column ``key``. Cells of one
    Cell Ranger file not named as a sample (``tenx=FILE``; names of one sample, not Cell Ranger aggr's), which holds no
    obs column: name the sample, whose name then is every cell's batch (``tenx={'query_1': FILE}``, ``--10x
    query_1=FILE``: the samples' column is the one mapping reads). Otherwise ``lead`` (a fix said first, as the rest
    of the message needs it; none by default), then how to take each Cell Ranger aggr sample as a batch, named
    query_1, query_2, ... (:func:`jae.io.validate.samples_hint`, :func:`samples_fix`); for other names (one sample),
    how to give every cell the batch query_1 so."""
    from .validate import sample_suffixes, samples_hint

    if getattr(inputs, "tenx", None) is not None and inputs.samples is None and not sample_suffixes(names):
        return (f"; a Cell Ranger file of one sample holds none: name the sample, which becomes its cells' batch, "
                f"InputFiles(tenx={{'query_1': {str(inputs.tenx)!r}}}) (or pass InputFiles(..., annotations=FILE) with "
                "that column)")
    hint = samples_hint(names, key, samples_fix(inputs, prefix="query_"))
    if not hint:  # one sample (or names of another form): the same file, every cell of one batch; a files user had
        # no column to pass as batch_key and no word on how to write the annotation file
        hint = "for cells of one sample, " + samples_fix(inputs, one="query_1")
    return f"{f'; {lead}' if lead else ''}; {hint.replace('<key>', repr(key))}"
