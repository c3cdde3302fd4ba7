"""The genes' names beside the var_names: the ``var`` column of gene symbols (CELLxGENE's ``feature_name``) or of the
other naming (scanpy's ``gene_ids`` / ``gene_symbols``, ...), and the fixes that name them when a query's genes are
named otherwise than a model's (by Ensembl ID for a model of symbols, or the reverse)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SYMBOLS", "gene_symbols", "stored_gene_symbols", "symbols_fix", "scheme_fix"]

#: The ``var`` column where CELLxGENE keeps gene symbols (its var_names are Ensembl IDs).
SYMBOLS = "feature_name"


#: Other ``var`` columns where readers keep the genes' other names (scanpy's 10x readers: ``gene_ids`` or
#: ``gene_symbols``, whichever is not the var_names; GENCODE-derived files: ``gene_name`` / ``gene_id``), named by
#: :func:`scheme_fix` (``var[SYMBOLS]`` first: CELLxGENE's).
_OTHER_NAMES = ("gene_symbols", "gene_ids", "gene_name", "gene_id", "gene_symbol", "symbol")


def _names_column(columns, values, var_names) -> str | None:
    """The first of ``SYMBOLS`` and :data:`_OTHER_NAMES` in ``columns`` whose values (``values(column)``) are not the
    var_names; None when there is none."""
    for column in (SYMBOLS, *_OTHER_NAMES):
        if column in columns and (column == SYMBOLS or not np.array_equal(values(column), var_names)):
            return column
    return None


def gene_symbols(var) -> pd.Index | None:
    """The gene symbols in ``var[SYMBOLS]`` (CELLxGENE's layout: Ensembl IDs as var_names, symbols beside them), else
    the genes' other names in a column of :data:`_OTHER_NAMES` (the Index named by its column), or None when ``var`` (a
    DataFrame, or None) has no such column."""
    names = None if var is None else np.asarray(var.index).astype(str)
    column = None if var is None else _names_column(getattr(var, "columns", ()),
                                                    lambda c: np.asarray(var[c]).astype(str), names)
    return None if column is None else pd.Index(np.asarray(var[column]).astype(str), name=column)


def stored_gene_symbols(path, *, modality: str | None = None, raw: bool = False) -> pd.Index | None:
    """:func:`gene_symbols` of an AnnData stored in ``path`` (an ``.h5mu`` file's ``modality``; the ``var`` of
    ``.raw`` with ``raw``), that column read alone, without the counts or the rest of ``var``."""
    import h5py
    from anndata.io import read_elem

    with h5py.File(path, "r") as f:
        group = f["mod"][modality] if modality is not None else f
        var = group["raw"]["var"] if raw else group.get("var")
        if not isinstance(var, h5py.Group):
            return None
        index = var.attrs.get("_index", "_index")
        names = np.asarray(read_elem(var[index])).astype(str) if index in var else None
        column = _names_column(set(var) - {index}, lambda c: np.asarray(read_elem(var[c])).astype(str), names)
        return None if column is None else pd.Index(np.asarray(read_elem(var[column])).astype(str), name=column)


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
