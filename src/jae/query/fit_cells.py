"""Telling a model's own cells from new ones, so that new cells are read on the reference cells' scale.

The SVD bases are fitted on the reference's cells, so a fitted cell's projection carries its own noise along every
component, while a new cell's carries only a random direction's share of it: new cells are less spread along the
trailing components (the held-out scale, :mod:`jae.preprocess.held_out`) and neighbour each other rather than the
reference cells of their type. :func:`jae.JAE.map_query` divides a mapped batch's features by that scale (session
41); this module does the same for new cells embedded without mapping (cells of a known batch, or a sample
embedded as it is), which the model must first tell from its own cells, since ``fit`` then ``embed`` of the same
cells is the common use and must give the fit's embedding.

A cell is one of the fit's when its RNA counts, as the model's genes order them, are those of a fitted cell:
:func:`count_fingerprints` hashes each row's non-zero entries (gene position and value as float64, so integer and
float storage, sparse and dense, agree), and the fit keeps the sorted hashes of its cells (:func:`fit_fingerprints`,
``JAE.fit_cells``, 8 bytes a cell). Kept only when the SVD saw every fitted cell (at most
:data:`jae.preprocess.pipeline.SVD_FIT_CELLS`): a larger fit's SVD saw a sample, so most of its own cells are spread
like new ones, and new cells are read as they are. Models saved before, fits on features (``fit_transformed``) and
mosaic fits keep none and read every cell as they are.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Odd 64-bit constants of the hash (splitmix64's finaliser and the golden ratio).
_MIX1, _MIX2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, elementwise on uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX1
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    return x ^ (x >> np.uint64(31))


def count_fingerprints(block) -> np.ndarray:
    """``(n_rows,)`` uint64: a hash of each row's non-zero entries (column, value), independent of storage (sparse
    or dense, integer or float dtype, explicit zeros, entry order); rows with the same counts get the same hash."""
    m = block.tocsr() if sp.issparse(block) else sp.csr_matrix(np.asarray(block))
    if not m.has_canonical_format:  # repeated entries of a cell and gene count as their sum, as scipy reads them
        m = m.copy()
        m.sum_duplicates()
    n = m.shape[0]
    values = np.asarray(m.data, dtype=np.float64)
    keep = values != 0  # stored zeros are no counts
    rows = np.repeat(np.arange(n), np.diff(m.indptr))[keep]
    cols, values = m.indices[keep].astype(np.uint64), values[keep]
    with np.errstate(over="ignore"):
        entry = _mix(_mix(cols * _GOLDEN + np.uint64(1)) ^ values.view(np.uint64))
    out = np.zeros(n, np.uint64)
    per_row = np.bincount(rows, minlength=n)
    filled = per_row > 0
    if filled.any():  # each row's entries summed (wrapping): their order does not matter
        starts = np.concatenate([[0], np.cumsum(per_row)[:-1]])
        out[filled] = np.add.reduceat(entry, starts[filled])
    return out


def fingerprints(source, columns: np.ndarray | None = None, block_rows: int = 65536) -> np.ndarray:
    """:func:`count_fingerprints` of every row of a count matrix or row-block source, block by block; ``columns``:
    the source's columns of the model's genes, in the model's order (None: the source's are)."""
    blocks = source.blocks(block_rows) if hasattr(source, "blocks") else (
        source[s : s + block_rows] for s in range(0, source.shape[0], block_rows))
    parts = [count_fingerprints(b if columns is None else b[:, columns]) for b in blocks]
    return np.concatenate(parts) if parts else np.zeros(0, np.uint64)


def fit_fingerprints(rna_counts, n_cells: int, svd_cells: int | None) -> np.ndarray | None:
    """The sorted fingerprints of a fit's cells (their RNA counts ``rna_counts``, a matrix or row-block source in the
    model's gene order); None when the SVD was fitted on a sample (``n_cells`` above ``svd_cells``)."""
    if svd_cells is not None and n_cells > svd_cells:
        return None
    return np.unique(fingerprints(rna_counts))


def is_fitted(model, rna_counts, columns: np.ndarray | None = None) -> np.ndarray | None:
    """``(n_cells,)`` bool: whether each cell of ``rna_counts`` (``columns``: as for :func:`fingerprints`) is one of
    the model's fitted cells; None when the model keeps no fitted cells (every cell is then read as it is)."""
    kept = getattr(model, "fit_cells", None)
    if kept is None:
        return None
    return _among(kept, fingerprints(rna_counts, columns))


def _among(kept: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Whether each of ``found`` is one of the sorted ``kept``."""
    at = np.minimum(np.searchsorted(kept, found), max(len(kept) - 1, 0))
    return kept[at] == found if len(kept) else np.zeros(len(found), bool)


class SeenCounts:
    """A row-block source of RNA counts (``source``: a matrix or a source with ``blocks``) whose blocks are
    fingerprinted as the features are computed from them, before they are normalised in place: telling the fitted
    cells then costs no second pass over a file (``jae embed`` and ``jae map`` read the counts once). ``columns``: as
    for :func:`fingerprints`. Any other attribute is the source's."""

    def __init__(self, source, columns: np.ndarray | None = None) -> None:
        from ..io.chunked import InMemoryCounts

        self.source = source if hasattr(source, "blocks") else InMemoryCounts(source)
        self.shape, self.columns, self._parts, self._seen = self.source.shape, columns, [], 0

    def blocks(self, block_rows: int, *, start: int = 0, **kwargs):
        pos = start
        for block in self.source.blocks(block_rows, start=start, **kwargs):
            if pos == self._seen:  # the next rows in order (a second pass, or rows out of order: not again)
                self._parts.append(count_fingerprints(block if self.columns is None else block[:, self.columns]))
                self._seen += block.shape[0]
            pos += block.shape[0]
            yield block

    def __getattr__(self, name: str):
        if name == "source":  # (not set yet: copying or unpickling)
            raise AttributeError(name)
        return getattr(self.source, name)

    def fitted(self, model) -> np.ndarray | None:
        """:func:`is_fitted` of these counts: from the blocks read, or, when not every row was, a pass of its own."""
        kept = getattr(model, "fit_cells", None)
        if kept is None:
            return None
        if self._seen != self.shape[0]:
            return is_fitted(model, self.source, self.columns)
        return _among(kept, np.concatenate(self._parts) if self._parts else np.zeros(0, np.uint64))


def new_cell_scale(model) -> np.ndarray | None:
    """``(n_input,)`` float32: the held-out scale new cells' features are divided by; None when the model reads every
    cell as it is (no fitted cells kept, or no held-out scale: a model saved before either)."""
    if getattr(model, "fit_cells", None) is None:
        return None
    from ..mapping.adapter import held_out_scale_of

    return held_out_scale_of(model.preprocessor)


def scaled_rows(model, new: np.ndarray | None, batch=None) -> np.ndarray | None:
    """``(n_cells,)`` bool: the cells :func:`scaled_new` divides, new cells (``new``) not of a batch with a shift of
    its own in the model's adapter (:meth:`jae.mapping.adapter.QueryAdapter.shifted`: it reads those as their shift
    was trained; a batch mapped with ``epochs=0`` has none and is read as the reference model reads it, so divided
    here); None when it divides none."""
    if new is None or not new.any() or new_cell_scale(model) is None:
        return None
    rows = new.copy()
    adapter = getattr(model, "adapter", None)
    if adapter is not None and batch is not None:  # a batch with a shift of its own: as its shift was trained
        rows &= ~adapter.shifted(batch)
    return rows if rows.any() else None


def scaled_new(model, X: np.ndarray, new: np.ndarray | None, batch=None) -> np.ndarray:
    """``X`` with the rows of new cells (``new``; cells of a batch the model maps excepted: its adapter scales them)
    divided by the held-out scale, as a new array; ``X`` itself when no row changes."""
    rows = scaled_rows(model, new, batch)
    if rows is None:
        return X
    out = np.array(X, dtype=np.float32, copy=True)
    out[rows] = out[rows] / new_cell_scale(model)
    return out
