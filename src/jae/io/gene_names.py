"""The genes' names beside the var_names: the ``var`` column of gene symbols (CELLxGENE's ``feature_name``) or of the
other naming (scanpy's ``gene_ids`` / ``gene_symbols``, ...), and the fixes that name them when a query's genes are
named otherwise than a model's (by Ensembl ID for a model of symbols, or the reverse); a query is read by such a column
where its var_names hold too few of the model's genes and the column enough (:func:`names_by_column`)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = ["SYMBOLS", "gene_symbols", "stored_gene_symbols", "name_columns", "stored_name_columns", "names_by_column",
           "symbols_fix", "scheme_fix"]

logger = logging.getLogger(__name__)

#: The ``var`` column where CELLxGENE keeps gene symbols (its var_names are Ensembl IDs).
SYMBOLS = "feature_name"


#: Other ``var`` columns where readers keep the genes' other names (scanpy's 10x readers: ``gene_ids`` or
#: ``gene_symbols``, whichever is not the var_names; GENCODE-derived files: ``gene_name`` / ``gene_id``), named by
#: :func:`scheme_fix` (``var[SYMBOLS]`` first: CELLxGENE's).
_OTHER_NAMES = ("gene_symbols", "gene_ids", "gene_name", "gene_id", "gene_symbol", "symbol")


def _picked(columns, values, var_names, *, every: bool) -> list[pd.Index]:
    """Those of ``SYMBOLS`` and :data:`_OTHER_NAMES` in ``columns``, in that order, each an Index of its values
    (``values(column)``, asked once) named by its column: with ``every``, all of them whose values are not the
    var_names (``var[SYMBOLS]`` the same as the var_names names nothing new); else the first alone, ``var[SYMBOLS]``
    whatever its values or another whose values are not the var_names."""
    picked = []
    for column in (SYMBOLS, *_OTHER_NAMES):
        if column in columns:
            names = values(column)
            if (column == SYMBOLS and not every) or not np.array_equal(names, var_names):
                picked.append(pd.Index(names, name=column))
                if not every:
                    break
    return picked


def _in_memory(var, *, every: bool) -> list[pd.Index]:
    """:func:`_picked` of ``var``, a DataFrame (or None: none)."""
    if var is None:
        return []
    return _picked(getattr(var, "columns", ()), lambda c: np.asarray(var[c]).astype(str),
                   np.asarray(var.index).astype(str), every=every)


def gene_symbols(var) -> pd.Index | None:
    """The gene symbols in ``var[SYMBOLS]`` (CELLxGENE's layout: Ensembl IDs as var_names, symbols beside them), else
    the genes' other names in a column of :data:`_OTHER_NAMES` (the Index named by its column), or None when ``var`` (a
    DataFrame, or None) has no such column."""
    return next(iter(_in_memory(var, every=False)), None)


def name_columns(var) -> list[pd.Index]:
    """Every column of ``var`` (a DataFrame, or None) that :func:`gene_symbols` looks at and whose values are not the
    var_names, each an Index named by its column, ``var[SYMBOLS]`` first; for :func:`names_by_column`."""
    return _in_memory(var, every=True)


def stored_gene_symbols(path, *, modality: str | None = None, raw: bool = False) -> pd.Index | None:
    """:func:`gene_symbols` of an AnnData stored in ``path`` (an ``.h5mu`` file's ``modality``; the ``var`` of
    ``.raw`` with ``raw``), that column read alone, without the counts or the rest of ``var``."""
    return next(iter(_stored_columns(path, modality, raw, every=False)), None)


def stored_name_columns(path, *, modality: str | None = None, raw: bool = False) -> list[pd.Index]:
    """:func:`name_columns` of an AnnData stored in ``path`` (as :func:`stored_gene_symbols`), read without the
    counts or the rest of ``var``."""
    return _stored_columns(path, modality, raw, every=True)


def _stored_columns(path, modality: str | None, raw: bool, *, every: bool) -> list[pd.Index]:
    import h5py
    from .elems import read_elem

    with h5py.File(path, "r") as f:
        group = f["mod"][modality] if modality is not None else f
        var = group["raw"]["var"] if raw else group.get("var")
        if not isinstance(var, h5py.Group):
            return []
        index = var.attrs.get("_index", "_index")
        names = np.asarray(read_elem(var[index])).astype(str) if index in var else None
        return _picked(set(var) - {index}, lambda c: np.asarray(read_elem(var[c])).astype(str), names, every=every)


def names_by_column(var_names, expected, columns, *, name: str, min_fraction: float, reference: str = "the model",
                    log: bool = True) -> pd.Index | None:
    """The genes' names to read data by when its var_names hold under ``min_fraction`` of the model's genes
    ``expected`` and one of its ``columns`` (:func:`name_columns`: Indexes named by their column, or a function giving
    them, called only then) holds at least that share and more than twice as many as the var_names (CELLxGENE's
    Ensembl IDs with the symbols in ``var['feature_name']`` for a model of symbols, or the reverse), with none of
    those genes repeated in it; the column's values (in the data's gene order), with one INFO line naming it, else
    None (the data read by its var_names, refused as such). Names only: the data is never changed. ``log`` False:
    that line at DEBUG (said by the read that follows a check of the same data)."""
    var_names, expected = pd.Index(var_names).astype(str), pd.Index(expected).astype(str)
    n = len(expected)
    by_names = int(expected.isin(var_names).sum())
    if not n or by_names >= min_fraction * n:
        return None
    best, best_hits = None, 0
    for column in (columns() if callable(columns) else columns) or ():
        values = pd.Index(column).astype(str)
        read = values[values.isin(expected)]
        if len(values) != len(var_names) or read.has_duplicates:  # a repeated gene the model reads: refused as named
            continue
        if len(read) >= min_fraction * n and len(read) > 2 * by_names and len(read) > best_hits:
            best, best_hits = pd.Index(values, name=column.name), len(read)
    if best is not None:
        logger.log(logging.INFO if log else logging.DEBUG, "%s: genes read by var[%r], which holds %d of %s's %d "
                   "genes (its var_names: %d); the data is unchanged", name, best.name, best_hits, reference, n,
                   by_names)
    return best


def symbols_fix(var_names, expected: pd.Index, symbols, reference: str) -> str | None:
    """The fix naming the genes by the symbols the data keeps in ``var['feature_name']`` (``symbols``: an Index, a
    function giving it, or None), when they are not its var_names (CELLxGENE's layout); None otherwise."""
    symbols = symbols() if callable(symbols) else symbols
    if symbols is None or getattr(symbols, "name", None) not in (None, SYMBOLS) or pd.Index(symbols).astype(str).equals(
            pd.Index(var_names).astype(str)):  # another column: named by scheme_fix
        return None
    hits = len(pd.Index(symbols).astype(str).intersection(pd.Index(expected).astype(str)))
    return (f"gene symbols are in var['{SYMBOLS}'] (CELLxGENE layout): {hits} of {reference}'s {len(expected)} "
            f"features are among them; name the genes by them, e.g. adata.var_names = "
            f"adata.var['{SYMBOLS}'].astype(str); adata.var_names_make_unique() (on a copy, or write the file "
            "again so)")


def _ensembl(names) -> bool:
    return bool(pd.Series(names).astype(str).str.match(r"ENS[A-Z]*G\d").mean() > 0.5)


def scheme_fix(var_names, expected, symbols=None) -> str | None:
    """The fix when the data names genes by Ensembl ID and the model by symbol, or the reverse; else None. It names
    the data's own column of the model's naming (``symbols``, :func:`gene_symbols`: an Index named by its column, or a
    function giving it) when it has one, else scanpy's."""
    ensembl = [_ensembl(ix) for ix in (var_names, expected)]
    if ensembl[0] == ensembl[1]:
        return None
    data, model, column, then = (("Ensembl ID", "symbol", "gene_symbols", "; adata.var_names_make_unique()")
                                 if ensembl[0] else ("symbol", "Ensembl ID", "gene_ids", ""))  # as scanpy's 10x readers
    symbols = symbols() if callable(symbols) else symbols
    if getattr(symbols, "name", None) is not None and _ensembl(symbols) == ensembl[1]:
        column = symbols.name  # the data's own (var['gene_name'], CELLxGENE's feature_name): runnable as written
    return (f"the data names genes by {data} and the model by {model}: give the data in the model's naming, e.g. "
            f"adata.var_names = adata.var['{column}'].astype(str){then} (on a copy, or write the file again so)")
