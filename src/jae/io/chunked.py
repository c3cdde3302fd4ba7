"""Row blocks of raw counts read straight from an ``.h5ad`` file or one modality of an ``.h5mu`` file.

Only the requested rows are read (``indptr`` slice, then the matching slice of ``indices`` and ``data``), so a
matrix of any size is processed in ``O(block)`` memory. The matrix must be stored CSR (or dense); a CSC matrix
cannot be read by rows without loading it whole (:meth:`BackedCounts.read`).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterable, Iterator

import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .files import _check_file, _readable, check_unchanged, damaged, file_state, open_again
from .raw import RAW_GROUP

__all__ = ["BackedCounts", "InMemoryCounts", "MappedCounts", "as_csr", "summed", "iter_row_blocks", "matrix_bytes", "read_ahead", "format_bytes"]

logger = logging.getLogger(__name__)

#: Default rows per block. Preprocessing uses :data:`jae.preprocess.pipeline.BLOCK_ROWS` (4,096) instead.
BLOCK_ROWS = 16384


def _decode(values) -> np.ndarray:
    values = np.asarray(values)
    return values.astype(str) if values.dtype.kind in "SO" else values


class BackedCounts:
    """A count matrix on disk, read in row blocks.

    Parameters
    ----------
    path
        ``.h5ad`` file, or ``.h5mu`` file together with ``modality``.
    modality
        Modality of an ``.h5mu`` file (``'rna'``, ``'atac'``, ``'prot'``).
    layer
        Layer holding raw counts; ``None`` reads ``.X``, :data:`jae.io.raw.RAW_GROUP` (``'.raw'``) the ``raw`` group's
        matrix (and its features).

    Attributes
    ----------
    shape
        ``(n_cells, n_features)``.
    """

    def __init__(self, path: str | os.PathLike, *, modality: str | None = None, layer: str | None = "counts") -> None:
        self.path = _check_file(path, what="counts")
        self.modality = modality
        self.layer = layer
        with _readable(self.path, what="counts", fmt="HDF5"), h5py.File(self.path, "r") as f:  # a lock, a damaged file
            group = self._adata_group(f)
            elem = self._matrix_elem(group)
            enc, shape = _encoding(elem)
            if enc not in ("csr_matrix", "csc_matrix", "array"):
                raise ValueError(f"{self._where()} is stored as {enc}, not a count matrix jae can read")
            self.encoding = enc
            self.shape = shape
            self.nbytes = matrix_bytes(elem)
        self._state = file_state(self.path)  # each later read checks that the file is still this one

    def _open(self) -> h5py.File:
        """The file opened again for a read; refused when another process holds it open for writing
        (:func:`jae.io.files.open_again`: HDF5's lock, said before the change that process's opening made), or when it
        changed since it was first opened (:func:`jae.io.files.check_unchanged`)."""
        if getattr(self, "_state", None) is None:  # a subclass that opened its file its own way: from its first read
            self._state = file_state(self.path)
        f = open_again(self.path, self._where())
        try:
            check_unchanged(self.path, self._state, self._where())
        except BaseException:
            f.close()
            raise
        return f

    @classmethod
    def find(cls, path, *, modality: str | None = None, layer: str | None = "counts") -> BackedCounts | None:
        """The matrix at ``layer`` (None: ``.X``) of ``path``, or None when the file has none there (anndata writes
        no ``.X`` for ``X=None``)."""
        try:
            return cls(path, modality=modality, layer=layer)
        except KeyError:
            return None

    def _where(self) -> str:
        what = f"{self.path.name}"
        if self.modality is not None:
            what += f" modality {self.modality!r}"
        if self.layer == RAW_GROUP:
            return what + " .raw"
        return what + (f" layer {self.layer!r}" if self.layer is not None else " .X")

    def _adata_group(self, f: h5py.File):
        if self.modality is None:
            if "mod" in f:
                raise ValueError(f"{self.path.name} is a MuData file; pass modality= one of {list(f['mod'])}")
            return f
        if "mod" not in f or self.modality not in f["mod"]:
            have = list(f["mod"]) if "mod" in f else []
            raise KeyError(f"{self.path.name} has no modality {self.modality!r} (has {have}); pass modality=...")
        return f["mod"][self.modality]

    def _matrix_elem(self, group):
        if self.layer == RAW_GROUP:  # jae.io.raw: the AnnData's .raw
            if "raw" not in group or "X" not in group["raw"]:
                raise KeyError(f"{self._where()} is missing; pass layer=... naming the layer with raw counts")
            return group["raw"]["X"]
        if self.layer is None:
            if "X" not in group:
                raise KeyError(f"{self._where()} is missing; pass layer=... naming the layer with raw counts")
            return group["X"]
        if "layers" not in group or self.layer not in group["layers"]:
            have = list(group["layers"]) if "layers" in group else []
            raise KeyError(
                f"{self.path.name} has no layer {self.layer!r} (layers: {have}); pass layer=... or layer=None for .X"
            )
        return group["layers"][self.layer]

    def _index(self, axis: str) -> pd.Index:
        with self._open() as f:
            group = self._adata_group(f)
            df = (group["raw"] if axis == "var" and self.layer == RAW_GROUP else group)[axis]
            if isinstance(df, h5py.Dataset):  # anndata < 0.7: a compound dataset whose first field is the index
                return pd.Index(_decode(df.fields(df.dtype.names[0])[()]))
            key = df.attrs.get("_index", "_index")
            return pd.Index(_decode(df[key][()]))

    @property
    def obs_names(self) -> pd.Index:
        return self._index("obs")

    @property
    def var_names(self) -> pd.Index:
        return self._index("var")

    @property
    def nnz(self) -> int:
        """Stored values (``n_cells * n_features`` for a dense matrix)."""
        if self.encoding == "array":
            return self.shape[0] * self.shape[1]
        with self._open() as f:
            return int(self._matrix_elem(self._adata_group(f))["indptr"][-1])

    def read(self) -> sp.csr_matrix:
        """The whole matrix as CSR (in memory; for a CSC-stored matrix, which cannot be read by rows)."""
        from .elems import read_elem

        with self._open() as f, damaged(self.path, self._where()):
            elem = self._matrix_elem(self._adata_group(f))
            if isinstance(elem, h5py.Group) and "encoding-type" not in elem.attrs:  # anndata < 0.7's h5sparse group
                build = sp.csr_matrix if self.encoding == "csr_matrix" else sp.csc_matrix
                X = build((elem["data"][()], elem["indices"][()], elem["indptr"][()]), shape=self.shape)
            else:
                X = read_elem(elem)
        return as_csr(X)

    def blocks(
        self, block_rows: int = BLOCK_ROWS, *, start: int = 0, stop: int | None = None, dtype=np.float32
    ) -> Iterator[sp.csr_matrix]:
        """Yield consecutive row blocks of rows ``start:stop``.

        Yields
        ------
        ``(rows, n_features)`` CSR matrices of ``dtype`` (the last block may be shorter).
        """
        if block_rows < 1:
            raise ValueError(f"block_rows={block_rows}: must be at least 1")
        if self.encoding == "csc_matrix":
            raise ValueError(
                f"{self._where()} is stored CSC; reading row blocks needs CSR: rewrite it, e.g. "
                "adata.layers['counts'] = adata.layers['counts'].tocsr() then adata.write_h5ad(...), or read() it whole"
            )
        stop = self.shape[0] if stop is None else min(stop, self.shape[0])
        with self._open() as f, damaged(self.path, self._where()):
            elem = self._matrix_elem(self._adata_group(f))
            if self.encoding == "array":
                for s in range(start, stop, block_rows):
                    yield sp.csr_matrix(np.asarray(elem[s : min(s + block_rows, stop)], dtype=dtype))
                return
            indptr_ds, indices_ds, data_ds = elem["indptr"], elem["indices"], elem["data"]
            for s in range(start, stop, block_rows):
                e = min(s + block_rows, stop)
                ptr = indptr_ds[s : e + 1].astype(np.int64)
                lo, hi = int(ptr[0]), int(ptr[-1])
                if data_ds.dtype == dtype:
                    data = np.empty(hi - lo, dtype=dtype)
                    if hi > lo:  # h5py 3.9 divides by zero reading no entries (a block of cells without counts)
                        data_ds.read_direct(data, np.s_[lo:hi])
                else:
                    data = data_ds[lo:hi].astype(dtype)
                indices = indices_ds[lo:hi]
                if indices.dtype != np.int32 and self.shape[1] < 2**31:
                    indices = indices.astype(np.int32)
                ptr -= lo
                yield _summed(sp.csr_matrix((data, indices, ptr.astype(indices.dtype)), shape=(e - s, self.shape[1])))


def as_csr(X) -> sp.csr_matrix:
    """``X`` (sparse in any format, or dense) as CSR; dense float16 values, which scipy.sparse cannot hold, as
    float32 (exactly: the row blocks read from a file hold them so), not scipy's 'does not support dtype float16'."""
    if sp.issparse(X):
        return X if X.format == "csr" else X.tocsr()
    X = np.asarray(X)
    return sp.csr_matrix(X.astype(np.float32) if X.dtype == np.float16 else X)


def read_ahead(blocks: Iterable) -> Iterator:
    """``blocks`` in order, the next one read in a background thread while the caller works on the current one.

    Reading a block from a file (h5py, decompression, disk) and normalising and projecting it can then overlap on
    two cores; at most two blocks are held at once (the one yielded and the one being read), one more than reading
    in turn. The blocks are the same objects in the same order, so results are unchanged. An exception in the
    reader is raised in the caller; closing the generator early stops the reader.
    """
    wanted: queue.Queue = queue.Queue()
    ready: queue.Queue = queue.Queue()
    done = object()

    def reader() -> None:
        source = iter(blocks)
        try:
            while wanted.get() is not done:  # read a block only when asked: never more than one ahead
                block = next(source, done)
                ready.put((block, None))
                if block is done:
                    return
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            ready.put((done, err))
        finally:
            if hasattr(source, "close"):
                source.close()  # a file's generator closes the file in this thread

    from .call_fixes import carried

    # the caller's call (jae.io.call_fixes): a refusal of a block names it
    thread = threading.Thread(target=carried(reader), name="jae-read-ahead", daemon=True)
    thread.start()
    try:
        wanted.put(True)
        while True:
            block, err = ready.get()
            if err is not None:
                raise err
            if block is done:
                return
            wanted.put(True)  # start reading the next block before the caller works on this one
            yield block
    finally:
        wanted.put(done)
        thread.join()


class InMemoryCounts:
    """A count matrix already in memory, with :class:`BackedCounts`' row-block interface.

    Blocks are float32 CSR copies of consecutive rows (never views of ``X``: the preprocessing normalises them in
    place), exactly as :meth:`BackedCounts.blocks` yields them from a file, so the same preprocessing code gives the
    same numbers on either.
    """

    encoding = "memory"

    def __init__(self, X) -> None:
        self.X = as_csr(X)
        self.shape = tuple(int(s) for s in self.X.shape)

    @property
    def nnz(self) -> int:
        return int(self.X.nnz)

    def blocks(
        self, block_rows: int = BLOCK_ROWS, *, start: int = 0, stop: int | None = None, dtype=np.float32
    ) -> Iterator[sp.csr_matrix]:
        """Yield consecutive row blocks of rows ``start:stop`` as ``(rows, n_features)`` CSR of ``dtype``."""
        if block_rows < 1:
            raise ValueError(f"block_rows={block_rows}: must be at least 1")
        stop = self.shape[0] if stop is None else min(stop, self.shape[0])
        X = self.X
        for s in range(start, stop, block_rows):
            # the rows' own slices of the arrays, copied (not scipy's row slice: with int64 indptr and int32
            # indices, as anndata reads them, it first converts the whole matrix's indices to int64, every block)
            e = min(s + block_rows, stop)
            a, b = int(X.indptr[s]), int(X.indptr[e])
            yield _summed(sp.csr_matrix(
                (np.array(X.data[a:b], dtype=dtype), X.indices[a:b].copy(), X.indptr[s : e + 1] - a),
                shape=(e - s, self.shape[1]),
            ))


class MappedCounts:
    """Another row-block source's counts with their features mapped by a fixed sparse matrix, block by block: each
    block (as the source yields it) times ``matrix`` (source features x new features), e.g. a query's own peaks summed
    into a model's (:func:`jae.io.peaks.remap_files`). The one per-block transform of the streaming readers: any
    caller of :class:`BackedCounts` or :class:`InMemoryCounts` reads it alike, in the same memory.

    Parameters
    ----------
    source
        The row-block source (:class:`BackedCounts`, :class:`InMemoryCounts`); its other attributes (``path``,
        ``modality``, ``layer``, ``encoding``, ``nbytes``) are this one's, so the CSC rule and the messages naming
        the file stay as they are.
    matrix
        ``(source features, new features)`` sparse; cast to each block's dtype.
    var
        The new features' ``var`` (indexed by their names), what a reader of the file's own ``var`` takes instead.
    on_pass
        Called once, after the first whole pass over the rows (or :meth:`read`), with the share of the counts kept
        and the number of cells whose counts all fell in unmapped features.
    on_empty
        Called once, with the number of a block's cells whose counts all fell in unmapped features, at the first block
        (or :meth:`read`) that has any, before it is handed on: a reader that refuses cells without counts refuses
        that block, before any whole pass ends.
    """

    def __init__(self, source, matrix, *, var=None, on_pass=None, on_empty=None) -> None:
        if matrix.shape[0] != source.shape[1]:
            raise ValueError(f"the map has {matrix.shape[0]} rows for {source.shape[1]} features")
        self.source, self.matrix, self.var, self._on_pass = source, sp.csr_matrix(matrix), var, on_pass
        self._on_empty = on_empty
        self.shape = (int(source.shape[0]), int(matrix.shape[1]))

    def __getattr__(self, name):  # what the source is (file, layer, encoding, size): only if not set here
        if name == "source":
            raise AttributeError(name)
        return getattr(self.source, name)

    def _mapped(self, X) -> sp.csr_matrix:
        return map_columns(X, self.matrix)

    def _emptied(self, X, out) -> int:
        """The cells of ``X`` with counts that ``out``, its mapped rows, has none of (:attr:`on_empty` said)."""
        n = emptied_rows(X, out)
        if n and self._on_empty is not None:
            on_empty, self._on_empty = self._on_empty, None
            on_empty(n)
        return n

    def _passed(self, total: float, kept: float, emptied: int) -> None:
        if self._on_pass is not None:
            on_pass, self._on_pass = self._on_pass, None
            on_pass(kept / total if total else 1.0, emptied)

    def read(self) -> sp.csr_matrix:
        """The whole matrix, mapped (the source's :meth:`BackedCounts.read`)."""
        X = as_csr(self.source.read() if hasattr(self.source, "read") else self.source.X)
        out = self._mapped(X)
        emptied = self._emptied(X, out)
        self._passed(float(X.sum()), float(out.sum()), emptied)
        return out

    def blocks(self, block_rows: int = BLOCK_ROWS, *, start: int = 0, stop: int | None = None,
               dtype=np.float32) -> Iterator[sp.csr_matrix]:
        """The source's blocks of rows ``start:stop``, each mapped: ``(rows, new features)`` CSR of ``dtype``."""
        total = kept = 0.0
        emptied = 0
        whole = start == 0 and (stop is None or stop >= self.shape[0]) and self._on_pass is not None
        for block in self.source.blocks(block_rows, start=start, stop=stop, dtype=dtype):
            out = self._mapped(block)
            n_empty = self._emptied(block, out)
            if whole:
                total, kept = total + float(block.sum()), kept + float(out.sum())
                emptied += n_empty
            yield out
        if whole:
            self._passed(total, kept, emptied)


def map_columns(X: sp.csr_matrix, matrix) -> sp.csr_matrix:
    """``X @ matrix`` (CSR, ``matrix`` cast to ``X``'s dtype), indices sorted: a count matrix's features mapped (summed
    into new ones), the same numbers whether ``X`` is a whole matrix or one of its row blocks."""
    out = (X @ matrix.astype(X.dtype, copy=False)).tocsr()  # sparse throughout: cells x features x new features
    out.sort_indices()
    return out


def cells_without_counts(X) -> int:
    """How many rows (cells) of the count matrix ``X`` sum to 0: one block's share where counts are read in blocks of
    cells, the same figure as the whole matrix's (:func:`jae.io.inputs._check_called_cells` refuses such cells)."""
    return int(np.count_nonzero(np.asarray(X.sum(axis=1)).ravel() == 0))


def emptied_rows(X: sp.csr_matrix, out: sp.csr_matrix) -> int:
    """How many rows of ``X`` hold entries and have none in ``out``, their :func:`map_columns`: cells whose counts all
    fell in features the map drops."""
    return int(np.count_nonzero((np.diff(out.indptr) == 0) & (np.diff(X.indptr) > 0)))


def summed(X: sp.csr_matrix) -> sp.csr_matrix:
    """``X`` with repeated entries of a cell and feature summed, as the row blocks hold them (:func:`_summed`): ``X``
    itself when it holds none, else a summed copy (a user's matrix is never changed)."""
    return X if X.has_canonical_format else _summed(X.copy())


def _summed(block: sp.csr_matrix) -> sp.csr_matrix:
    """``block`` (a copy jae owns) with repeated entries of a cell and feature summed in place, as scipy reads them
    (files assembled from triplets can hold them; normalised one by one they would be wrong). Canonical blocks, what
    anndata and scipy write, are returned as they are."""
    if not block.has_canonical_format:
        block.sum_duplicates()
    return block


def _encoding(elem) -> tuple[str, tuple[int, int]]:
    """How a stored matrix is encoded (``'csr_matrix'``, ``'csc_matrix'``, ``'array'``, or what the file says) and its
    shape, for anndata's encodings and anndata < 0.7's (``h5sparse_format``, ``h5sparse_shape``)."""
    if isinstance(elem, h5py.Dataset):
        return "array", tuple(int(s) for s in elem.shape)
    attrs = elem.attrs
    if "encoding-type" not in attrs and "h5sparse_format" in attrs:
        fmt = attrs["h5sparse_format"]
        fmt = fmt.decode() if isinstance(fmt, bytes) else str(fmt)
        return f"{fmt}_matrix", tuple(int(s) for s in attrs["h5sparse_shape"])
    enc = attrs.get("encoding-type", "an unknown group")
    shape = attrs.get("shape")
    return str(enc), (tuple(int(s) for s in shape) if shape is not None else (0, 0))


def matrix_bytes(elem) -> int:
    """Bytes a stored matrix (an ``h5py`` dataset or a zarr array, or a group holding a sparse matrix) takes once read,
    or a matrix in memory holds (a sparse one's three arrays, a dense one's values).

    Read from the file's metadata only (array shapes and dtypes), nothing is loaded.
    """
    if sp.issparse(elem):
        return sum(int(a.nbytes) for a in (elem.data, elem.indices, elem.indptr))
    if isinstance(elem, h5py.Dataset) or hasattr(elem, "dtype"):  # (a zarr store's array: jae.io.zarr_stores)
        return int(np.prod(elem.shape)) * elem.dtype.itemsize
    if {"data", "indices", "indptr"} <= set(elem.keys()):
        return sum(int(elem[k].size) * elem[k].dtype.itemsize for k in ("data", "indices", "indptr"))
    return 0


def format_bytes(n: float, *, up: bool = False) -> str:
    """``n`` bytes for a message, with units: ``'840 kB'``, ``'312 MB'``, ``'2.4 GB'``. ``up``: rounded up at the
    digits shown, for a size a user is told to pass (``--memory-budget``): ``601.4 MB`` is ``'602 MB'``, which is
    enough, where ``'601 MB'`` was not."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            value = n / size
            step = 0.1 if value < 10 else 1.0
            if up:
                value = np.ceil(round(value / step, 6)) * step
            return f"{value:.1f} {unit}" if value < 10 and step < 1 else f"{value:.0f} {unit}"
    count = int(np.ceil(n)) if up else int(n)
    return f"{count} byte" + ("" if count == 1 else "s")


def iter_row_blocks(
    path: str | os.PathLike,
    *,
    modality: str | None = None,
    layer: str | None = "counts",
    block_rows: int = BLOCK_ROWS,
) -> Iterator[sp.csr_matrix]:
    """Iterate row blocks of raw counts from an ``.h5ad`` file or a modality of an ``.h5mu`` file.

    Parameters
    ----------
    path
        The file.
    modality
        For ``.h5mu`` files, the modality (``'rna'``, ``'atac'``, ``'prot'``).
    layer
        Layer with raw counts (``None``: ``.X``).
    block_rows
        Rows per block.

    Yields
    ------
    ``(block_rows, n_features)`` CSR float32 blocks, in row order.
    """
    yield from BackedCounts(path, modality=modality, layer=layer).blocks(block_rows)
