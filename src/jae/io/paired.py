"""Paired raw counts of two modalities, checked and aligned by cell, plus lookups of per-cell annotations."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .features import as_text, examples, unique_cells
from .modality import modality_kinds
from .raw import RAW, counts_hint_for, counts_or_x, counts_read
from .single import modalities_of
from .validate import missing_text, validate_counts

__all__ = ["PairedCounts", "get_paired", "cell_obs", "get_annotation", "check_batches", "modality_obs",
           "check_modalities_agree", "agreeing_obs", "batch_column"]

logger = logging.getLogger(__name__)

AGREEING_COLUMNS = ("batch",)
"""Per-cell columns that two modalities holding them must agree on (a cell has one batch), unless the reading call
names its batch column (:func:`batch_column`)."""

_REPLACED: ContextVar[frozenset] = ContextVar("jae_annotated_columns", default=frozenset())
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


def _log_dropped(global_obs: pd.DataFrame | None, frames: Sequence[pd.DataFrame], names: Sequence[str]) -> None:
    """Log one line per column and modality whose values are dropped when the obs become one table: a modality's
    column holding other values than the same column of the global obs (which wins) or of an earlier modality (which
    wins for the cells both hold)."""
    held: dict[str, tuple[pd.Series, str]] = {}
    if global_obs is not None and global_obs.index.is_unique:
        held = {col: (global_obs[col], "the global obs") for col in global_obs.columns}
    for frame, name in zip(frames, names):
        if not frame.index.is_unique:  # cells that cannot be matched by name (refused where it matters)
            continue
        for col in frame.columns:
            if col not in held:
                held[col] = (frame[col], name)
                continue
            kept, where = held[col]
            shared, _, _, differ = _differing(kept, frame[col])
            if differ.any():
                logger.warning("obs column %r holds other values in %s than in %s (%d of %d cells): the values of "
                               "%s are kept and those of %s dropped; rename the column in one of them to keep both",
                               str(col), name, where, int(differ.sum()), len(shared), where, name)


@dataclass(frozen=True)
class PairedCounts:
    """Raw counts of two modalities measured in the same cells, rows in ``obs_names`` order.

    Attributes
    ----------
    obs_names
        Cell names, length ``n_obs``.
    obs
        Per-cell annotations (global columns plus modality-level columns not present globally, unprefixed),
        index ``obs_names``.
    names
        Modality names in the user's data, RNA first.
    kinds
        Modality kinds, e.g. ``('GEX', 'ATAC')``.
    counts
        Raw counts as CSR matrices of shapes ``(n_obs, n_vars_rna)`` and ``(n_obs, n_vars_other)``.
    var_names
        Feature names of each modality.
    """

    obs_names: pd.Index
    obs: pd.DataFrame
    names: tuple[str, str]
    kinds: tuple[str, str]
    counts: tuple[sp.csr_matrix, sp.csr_matrix]
    var_names: tuple[pd.Index, pd.Index]

    @property
    def n_obs(self) -> int:
        """Number of cells."""
        return len(self.obs_names)


def _resolve_kinds(mods: Mapping, names: Sequence[str], kinds) -> dict[str, str]:
    if kinds is None:
        given = [None] * len(names)
    elif isinstance(kinds, Mapping):
        given = [kinds.get(name) for name in names]
    else:
        given = list(kinds)
        if len(given) != len(names):
            raise ValueError(
                f"kinds={kinds!r} gives {len(given)} kinds for the modalities {list(names)}; give one kind per "
                "modality, e.g. kinds=('GEX', 'ATAC')"
            )
    return dict(zip(names, modality_kinds(names, [mods[name].var for name in names], given=given)))


def _choose(mods: Mapping, modalities, kinds) -> tuple[tuple[str, str], tuple[str, str]]:
    available = list(mods)
    if modalities is None:
        if len(available) < 2:
            raise ValueError(one_modality_message(f"the data holds {len(available)} modality {available}"))
        if len(available) != 2:
            raise ValueError(
                f"the data holds {len(available)} modalities {available}; jae pairs exactly two: choose them with "
                "modalities=('rna', 'atac')"
            )
        names = available
    else:
        names = list(modalities)
        if len(names) != 2:
            raise ValueError(f"modalities={modalities!r} must name exactly two modalities, RNA first")
        missing = [n for n in names if n not in mods]
        if missing:
            raise KeyError(
                f"no modality {examples(missing)} in the data; available modalities: {available}; "
                "pass modalities=(rna_name, other_name) using these names"
            )
    by_name = _resolve_kinds(mods, names, kinds)
    first, second = names
    if by_name[first] == by_name[second]:
        raise ValueError(
            f"modalities {first!r} and {second!r} are both {by_name[first]}; jae pairs RNA (GEX) with ATAC or ADT: "
            "choose two different modalities or pass kinds=('GEX', 'ATAC') / ('GEX', 'ADT')"
        )
    if "GEX" not in (by_name[first], by_name[second]):
        raise ValueError(
            f"neither {first!r} ({by_name[first]}) nor {second!r} ({by_name[second]}) is RNA; jae pairs RNA (GEX) "
            "with ATAC or ADT: include the RNA modality, or pass kinds=... if the detection is wrong"
        )
    if by_name[second] == "GEX":
        first, second = second, first
    return (first, second), (by_name[first], by_name[second])


def one_modality_message(what: str, *, h5mu: bool = False) -> str:
    """The refusal of data holding RNA alone where a second modality is needed (fitting): ``what`` says what the
    data holds; ``h5mu``: it is an ``.h5mu`` file, which a fitted model embeds or maps as it is."""
    alone = ("a fitted model embeds or maps this .h5mu as it is (jae embed / jae map; in Python model.embed(path) "
             "or jae.embed_files / jae.map_files)" if h5mu else
             "cells with RNA alone can then be embedded or mapped with the fitted model (from files: the RNA .h5ad "
             "as mod1 alone, or an .h5mu holding RNA alone)")
    return (
        f"{what}; jae learns from RNA paired with a second modality (ATAC or ADT), so fitting needs that second "
        "modality measured in at least some of the cells (50 paired): pass both, e.g. jae.read_competition(mod1, "
        f"mod2) or a MuData with an 'atac' or 'prot' modality; {alone}"
    )


def _matrix(adata, *, name: str, layer: str | None):
    return _stored(adata, counts_or_x(adata, layer, where=f"modality {name!r}"), name=name)


def _stored(adata, layer: str | None, *, name: str):
    """``adata``'s matrix at ``layer`` (None: ``.X``), where the counts were found; a modality without counts (``.X``
    None) refused in one line (:func:`jae.io.mosaic.no_counts_message`)."""
    X = adata.X if layer is None else adata.layers[layer]
    if X is None:
        from .mosaic import no_counts_message

        raise ValueError(no_counts_message(f"modality {name!r}", adata.layers))
    return X


def _as_csr(X) -> sp.csr_matrix:
    from .chunked import as_csr  # (dense float16 counts as float32, as streamed)
    return as_csr(X)


def get_paired(
    data,
    *,
    modalities: tuple[str, str] | None = None,
    layer: str | None = "counts",
    kinds: Sequence[str] | Mapping[str, str] | None = None,
) -> PairedCounts:
    """Extract the raw counts of two paired modalities, checked and aligned by cell name.

    Parameters
    ----------
    data
        A :class:`mudata.MuData`, a dict ``{name: AnnData}``, or one AnnData holding both modalities
        (:func:`jae.io.split_anndata`: ``var['feature_types']``, or proteins in ``obsm['protein_expression']``).
    modalities
        ``(rna_name, other_name)``; by default the two modalities of ``data`` (an error when there are not
        exactly two). They are returned RNA first whatever the order given.
    layer
        Layer holding raw counts in each modality; ``None`` uses ``.X``.
    kinds
        Kinds of the modalities (``'GEX'``, ``'ATAC'``, ``'ADT'``), one per modality in the order of
        ``modalities`` (or of ``data``), or a dict ``{name: kind}``; detected from ``var['feature_types']`` or
        the modality name when not given.

    Returns
    -------
    :class:`PairedCounts` with CSR counts of shapes ``(n_obs, n_vars)`` per modality, rows in ``obs_names`` order
    (the MuData's cell order, else the RNA modality's). CSR counts already in that order are not copied.

    Raises
    ------
    KeyError
        For a missing modality or layer.
    ValueError
        For cells that differ between the modalities, duplicated cell names, an unknown or repeated modality kind,
        or counts that fail :func:`jae.io.validate_counts`.
    """
    mods, global_obs = modalities_of(data, layer=layer)
    names, kind_pair = _choose(mods, modalities, kinds)

    for name in names:
        unique_cells(mods[name].obs_names, f"modality {name!r}")
    index_rna, index_other = (mods[n].obs_names for n in names)
    if not index_rna.equals(index_other):
        only_rna = index_rna.difference(index_other, sort=False)
        only_other = index_other.difference(index_rna, sort=False)
        if len(only_rna) or len(only_other):
            raise ValueError(
                f"the modalities hold different cells: {len(only_rna)} only in {names[0]!r}"
                + (f" (e.g. {examples(only_rna)})" if len(only_rna) else "") + f", {len(only_other)} only in {names[1]!r}"
                + (f" (e.g. {examples(only_other)})" if len(only_other) else "") + "; "
                + (_none_shared(index_other, index_rna, names[1]) if len(only_rna) == len(index_rna) else
                   "subset both modalities to the shared cells, e.g. mu.pp.intersect_obs(mdata)")
            )

    if global_obs is not None and global_obs.index.equals(index_rna):
        obs_names = global_obs.index
    elif global_obs is not None and global_obs.index.is_unique:
        obs_names = global_obs.index[global_obs.index.isin(index_rna)]
    else:
        obs_names = index_rna

    counts, var_names = [], []
    for name, kind in zip(names, kind_pair):
        adata = mods[name]
        X = _matrix(adata, name=name, layer=layer)
        if not adata.obs_names.equals(obs_names):
            logger.info("aligning the cells of modality %r to the shared cell order by name", name)
            X = X[adata.obs_names.get_indexer(obs_names)]
        X = _as_csr(X)
        validate_counts(X, name=f"modality {name!r} ({counts_read(adata, layer)})", modality=name, kind=kind,
                        **({"hint": h} if (h := counts_hint_for(adata, layer, raw_elsewhere=any(
                            not hasattr(mods[n], "jae_raw_from_x") for n in names if n != name) and layer == RAW))
                           else {}))
        counts.append(X)
        var_names.append(adata.var_names)

    obs = _joint_obs(obs_names, global_obs, [mods[n] for n in names], names)
    return PairedCounts(
        obs_names=obs_names,
        obs=obs,
        names=tuple(names),
        kinds=kind_pair,
        counts=tuple(counts),
        var_names=tuple(var_names),
    )


def _none_shared(names: pd.Index, target: pd.Index, modality: str) -> str:
    """The fix when two modalities share no cell name: ``names`` (``modality``'s) renamed as ``target``'s when they are
    the same names with another prefix or suffix (:func:`jae.io.features.affix_rename`), else the same cells given."""
    from .features import affix_rename

    renamed = affix_rename(names, target)
    if renamed is None:
        return "they share no cell name: pass the two modalities of the same cells, named alike"
    return (f"they share no cell name, but {renamed[0]} are the same cells named with another prefix or suffix: name "
            f"the {modality!r} cells so, e.g. adata.obs_names = [{renamed[1]} for n in adata.obs_names] on its AnnData")


def _joint_obs(obs_names: pd.Index, global_obs: pd.DataFrame | None, adatas, names) -> pd.DataFrame:
    """Global obs columns, then modality-level columns missing globally (:func:`modality_obs`), on ``obs_names``."""
    columns: dict[str, pd.Series] = {}
    if global_obs is not None:
        aligned = global_obs if global_obs.index.equals(obs_names) else global_obs.reindex(obs_names)
        for col in aligned.columns:
            columns[col] = aligned[col]
    mod_obs = modality_obs([adata.obs for adata in adatas], obs_names, names=[f"modality {n!r}" for n in names],
                           skip=() if global_obs is None else global_obs.columns)
    for col in mod_obs.columns:
        columns.setdefault(col, mod_obs[col])
    _log_dropped(global_obs, [adata.obs for adata in adatas], [f"modality {n!r}" for n in names])
    obs = pd.DataFrame(columns, index=obs_names) if columns else pd.DataFrame(index=obs_names)
    return obs


def cell_obs(data) -> pd.DataFrame | None:
    """The per-cell annotations of ``data`` as :meth:`jae.JAE.fit` reads them: a MuData's global ``obs`` plus the
    columns kept only in a modality's ``obs`` (unprefixed, first modality wins), those of a dict of AnnData, an
    AnnData's or opened files' ``obs``; None for data without annotations."""
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
        return _joint_obs(names, global_obs, adatas, list(named))
    obs = getattr(data, "obs", None)
    return obs if isinstance(obs, pd.DataFrame) else None


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
        raise KeyError(
            f"no {what} column {key!r} in obs; available columns: {list(obs.columns)}; {fix}, or add it to mdata.obs "
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
    missing = int((batch.isna().to_numpy() | missing_text(batch.to_numpy())).sum())  # 'nan' text too, as evaluate
    if missing:
        raise ValueError(
            f"{missing} of {len(batch)} cells have no batch label in {batch.name!r}; fill the missing labels "
            "(e.g. with the sample name) or drop those cells"
        )
    sizes = batch.value_counts()
    sizes = sizes[sizes > 0]
    small = sizes[sizes < min_cells]
    if len(small):
        listed = ", ".join(f"{label!r} ({n} cells)" for label, n in small.items())
        raise ValueError(
            f"batches with fewer than {min_cells} cells: {listed}; merge them into a related batch or drop those "
            "cells"
        )
