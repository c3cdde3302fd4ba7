"""Annotation tables: cell annotations kept as a CSV or TSV (Seurat's metadata, a GEO table; gzip-compressed too,
``.csv.gz`` / ``.tsv.gz``), read as an annotation ``.h5ad``'s ``obs`` is: the first column names the cells, a header
row names the columns. Columns are typed as ``pandas.read_csv`` types them, with two differences that keep labels
labels: whole numbers stay integers where some cells lack a value (pandas' nullable ``Int64``; ``read_csv`` makes them
floats, so a batch ``1`` would read ``'1.0'``), and numbers written with leading zeros (``0007``, an identifier) stay
text. Text columns are categorical, as scanpy writes them. Missing values are pandas' (empty fields, ``NA``, ...).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["read_table", "table_separator", "TableEdit"]

_WHOLE = re.compile(r"\s*[+-]?\d+\s*")
_PADDED = re.compile(r"\s*[+-]?0\d")  # 0007: an identifier written as digits, not a number
# a number as written in a table; not Python's float() alone, which reads '1_2' (a lane) as 12
_NUMBER = re.compile(r"\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*", re.IGNORECASE)
_BOOLEAN = {"True": True, "TRUE": True, "true": True, "False": False, "FALSE": False, "false": False}  # read_csv's


def table_separator(first_line: str) -> str:
    """The field separator of a table whose first line is ``first_line``: a tab where it holds one, else a comma."""
    return "\t" if "\t" in first_line else ","


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _typed(column: pd.Series) -> pd.Series:
    """A column read as text, typed: integers where every value present is a whole number none of which is written
    with leading zeros (``Int64`` where some are missing), floats where every value present is a number, booleans
    where each is True or False (``boolean`` where some are missing), else categorical text (an all-missing column
    stays missing values)."""
    present = column.dropna()
    if present.empty:
        return column.astype(float)
    if present.isin(list(_BOOLEAN)).all():
        flags = column.map(_BOOLEAN)
        return flags.astype(bool) if len(present) == len(column) else flags.astype("boolean")
    if present.str.fullmatch(_WHOLE).all():
        try:
            if present.str.match(_PADDED).any():
                raise ValueError("leading zeros")
            whole = pd.Series(pd.array(column.str.strip(), dtype="Int64"), index=column.index, name=column.name)
        except (ValueError, TypeError, OverflowError):  # 0007, or beyond 64 bits: an identifier
            return column.astype("category")
        return whole.astype("int64") if len(present) == len(column) else whole
    if present.str.fullmatch(_NUMBER).all():
        return column.astype(float)  # Python's parsing: a number written by pandas reads back exactly
    return column.astype("category")


def read_table(path, first_line: str, *, what: str = "annotation") -> pd.DataFrame:
    """The annotations of the text table ``path`` (whose first line is ``first_line``) as an ``obs`` frame: indexed by
    its first column, as text; its other columns typed (:func:`_typed`). A table pandas cannot parse, or one with rows
    without a cell name, is refused in one line naming ``path`` (``what``: how the file is named)."""
    path = Path(path)
    sep = table_separator(first_line)
    try:
        # index_col=0 would read cell names '0', '1', ... as numbers (dtype= does not reach the index): '0001' -> 1
        frame = pd.read_csv(path, sep=sep, dtype=str, compression="gzip" if _is_gzip(path) else None)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"{what} file {path} is a text table pandas cannot read ({reason}): give it a header row and "
                         "the same number of fields on every line, the cell names in the first column") from None
    if isinstance(frame.index, pd.RangeIndex):  # else a header one field short (R's write.table) named the rows
        frame = frame.set_index(frame.columns[0]) if len(frame.columns) else frame.set_index(frame.index.astype(str))
    if frame.index.isna().any():
        rows = [int(i) + 2 for i in (frame.index.isna()).nonzero()[0][:3]]
        raise ValueError(f"{what} file {path} has {int(frame.index.isna().sum())} rows without a cell name in its "
                         f"first column (e.g. line {rows[0]}); annotations are joined by cell name: name each row's "
                         "cell there, or drop those rows")
    index = pd.Index(frame.index.astype(str), name=None)
    columns = {str(c): _typed(frame[c]).array for c in frame.columns}  # by position: no alignment on the index
    return pd.DataFrame(columns, index=index) if columns else pd.DataFrame(index=index)


def _first_column(path, first_line: str) -> str:
    """The name ``pandas.read_csv`` gives the first column of the table ``path`` ('Unnamed: 0' for an empty one)."""
    compression = "gzip" if _is_gzip(Path(path)) else None
    return str(pd.read_csv(path, sep=table_separator(first_line), nrows=0, compression=compression).columns[0])


class TableEdit:
    """How a fix edits an annotation file, in its own terms: an ``.h5ad`` as an AnnData ``adata`` (written again
    with ``write_h5ad``), a text table as a pandas DataFrame ``t`` read by ``pandas.read_csv`` and written again by
    ``t.to_csv``."""

    def __init__(self, path, first_line: str | None):
        self.table = first_line is not None
        path = str(path)
        sep = ", sep='\\t'" if self.table and table_separator(first_line) == "\t" else ""
        self.names = "t.index" if self.table else "adata.obs_names"
        self.column = "t[{0!r}]" if self.table else "adata.obs[{0!r}]"
        # set_index, not index_col=0, which reads cell names '0001' as the number 1 (dtype= does not reach the index)
        first = _first_column(path, first_line) if self.table else None
        self.on = (f"on the table read as t = pandas.read_csv({path!r}{sep}, dtype=str).set_index({first!r})"
                   if self.table else "on the annotation file's AnnData")
        self.again = f"write it again, t.to_csv({path!r}{sep})" if self.table else "write it again"

    def keep(self, mask: str) -> str:
        """The statement keeping the rows ``mask`` selects (written with ``{names}`` for the cell names)."""
        mask = mask.format(names="t.index" if self.table else "a.obs_names")
        return f"t = t[{mask}] {self.on}" if self.table else f"a = a[{mask}].copy() on its AnnData"
