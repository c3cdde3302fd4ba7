"""A Cell Ranger ``.h5`` read in blocks of cells, never whole: for :mod:`jae.io.samples_files`, and for
``jae evaluate`` its Gene Expression alone (:func:`read_gex`).

Cell Ranger stores its matrix features x barcodes in CSC, which is cells x features in CSR: a block of cells is one
contiguous slice of ``indptr``, ``indices`` and ``data``. :class:`CellRangerCounts` reads those slices as
:class:`jae.io.chunked.BackedCounts` reads an ``.h5ad``'s (the same :meth:`~CellRangerCounts.blocks`);
:func:`read_header` gives the file's cells and features as :func:`jae.read_10x_h5` reads them (the same MuData, its
counts left out) and each modality's columns of the file, so a block's counts split into the modalities give the rows
that reading the file whole gives. :func:`tenx_matrix` is the one opening of a Cell Ranger ``.h5`` (its checks, its
shape) that these readers and :func:`jae.read_10x_h5` make. A matrix folder (``matrix.mtx.gz``, coordinates in no
order of cells) gives the same header (:func:`read_header`) and its counts in blocks through a temporary copy ordered
by cell (:func:`file_counts`, :mod:`jae.io.mtx_blocks`).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import h5py
import numpy as np
import scipy.sparse as sp

from .chunked import BackedCounts, cells_without_counts, matrix_bytes
from .files import _check_file, _readable, check_is_10x, check_not_empty

__all__ = ["CellRangerCounts", "read_header", "header_kinds", "file_counts", "scan_counts", "modality_blocks",
           "read_gex"]

logger = logging.getLogger(__name__)

#: Cells per block read from a Cell Ranger ``.h5``: about 80 MB of float32 counts and int32 indices for Multiome
#: cells of 10,000 stored counts each (the block, its modalities' columns and their rows of the combined features are
#: held at once while writing).
BLOCK_CELLS = 1024
#: The feature column that carries each feature's position in the file through the split into modalities.
_COLUMN = "__jae_file_column__"


class CellRangerCounts(BackedCounts):
    """The counts of a Cell Ranger ``.h5`` (group ``matrix``), cells x every feature, read in row blocks:
    :meth:`blocks` as :meth:`jae.io.chunked.BackedCounts.blocks` (float32 CSR, int32 column indices), :meth:`read`
    whole."""

    def __init__(self, path) -> None:
        self.modality, self.layer, self.encoding = None, None, "csr_matrix"
        with tenx_matrix(path) as (g, self.path, n_cells, n_features):
            self.shape = (n_cells, n_features)
            self.nbytes = matrix_bytes(g)

    def _where(self) -> str:
        return f"Cell Ranger .h5 {self.path.name}"

    def _adata_group(self, f: h5py.File):
        return f

    def _matrix_elem(self, group):
        return group["matrix"]

    def _index(self, axis: str):
        import pandas as pd

        from .cellranger import _decode

        with self._open() as f:  # a writer's lock or a changed file since the first read: said as for every read
            g = f["matrix"]
            return pd.Index(_decode((g["barcodes"] if axis == "obs" else g["features"]["name"])[()]))

    def read(self) -> sp.csr_matrix:
        """Every cell's counts (float32 CSR), as :func:`jae.read_10x_h5` reads them."""
        return sp.vstack(list(self.blocks(max(self.shape[0], 1))), format="csr")

    def close(self) -> None:
        """Nothing to release: the file is read in place (:class:`jae.io.mtx_blocks.MtxCounts` removes its copy)."""


@contextmanager
def tenx_matrix(path):
    """``(g, path, n_cells, n_features)``: the ``matrix`` group of the Cell Ranger ``.h5`` ``path`` opened read-only,
    the path checked (:func:`jae.io.files._check_file`) and the matrix's shape; the one opening of such a file that
    its readers make, refused in one line when it is not a readable, non-empty Cell Ranger file."""
    path = _check_file(path, what="Cell Ranger .h5")
    with _readable(path, what="Cell Ranger .h5", fmt="a Cell Ranger .h5"), h5py.File(path, "r") as f:
        check_is_10x(f, path, what="Cell Ranger .h5")
        g = f["matrix"]
        n_features, n_cells = (int(v) for v in g["shape"][()])
        check_not_empty(str(path), n_cells, n_features)
        yield g, path, n_cells, n_features


def read_header(path, *, mod2_kind: str | None = None, name: str | None = None):
    """``(mdata, columns)``: the MuData :func:`jae.io.cellranger._read_10x_h5` (or, for a matrix folder,
    ``_read_10x_mtx``) reads from the Cell Ranger output ``path`` (RNA alone taken), with all-zero counts (nothing of
    the matrix is read but its shape), and per modality the file's columns of its features, in its order. Refused as
    reading it whole refuses it."""
    from .cellranger import is_mtx, mtx_names, tenx_mudata, tenx_names

    if is_mtx(path):
        _, shown, n_cells, n_features, parts = mtx_names(path, name=name)
    else:
        with tenx_matrix(path) as (g, path, n_cells, n_features):
            parts = tenx_names(g, n_features)
        shown = name or path.name
    barcodes, ids, names, ftypes, genome, tags = parts
    tags[_COLUMN] = np.arange(n_features)  # carried through the split (and the features left out) into each modality
    X = sp.csr_matrix((n_cells, n_features), dtype=np.float32)
    mdata = tenx_mudata(X, barcodes, ids, names, ftypes, genome, tags, shown=shown, mod2_kind=mod2_kind,
                        rna_alone=True)
    columns = {}
    for m, adata in mdata.mod.items():
        columns[m] = adata.var[_COLUMN].to_numpy(np.int64)
        del adata.var[_COLUMN]
    return mdata, columns


def header_kinds(path, *, mod2_kind: str | None = None) -> list[str]:
    """The kinds of the modalities :func:`read_header` gives for the Cell Ranger ``.h5`` ``path`` (``'GEX'`` first),
    from its ``feature_type`` dataset alone, each distinct type decoded once (read_header decodes every feature's
    names and builds a MuData: 1.3 s for 20,000 Multiome cells, 130,000 features). A file whose feature types
    read_header refuses (no Gene Expression, none of ``mod2_kind``) goes through read_header, refused as it is."""
    from .modality import known_kind, normalize_kind

    with tenx_matrix(path) as (g, _, _, _):
        stored = np.unique(g["features"]["feature_type"][()])
    kinds = {known_kind(v.decode() if isinstance(v, bytes) else str(v)) for v in stored} - {None}
    want = None if mod2_kind is None else normalize_kind(mod2_kind)
    if "GEX" not in kinds or (want is not None and want not in kinds):  # read_header's refusals, said by it
        import pandas as pd

        header = read_header(path, mod2_kind=mod2_kind)[0]  # (should it accept the file, its kinds in its order)
        return list(dict.fromkeys(str(t) for m in header.mod.values() for t in pd.unique(m.var["feature_types"])))
    return ["GEX", *sorted(kinds - {"GEX"})] if want is None else ["GEX", want]


def file_counts(path):
    """The counts of the Cell Ranger output ``path`` in blocks of cells: an ``.h5``'s read in place
    (:class:`CellRangerCounts`), a matrix folder's read once into a temporary file ordered by cell
    (:class:`jae.io.mtx_blocks.MtxCounts`); :meth:`close` it when done."""
    from .cellranger import is_mtx

    if is_mtx(path):
        from .mtx_blocks import MtxCounts

        return MtxCounts(path)
    return CellRangerCounts(path)


def scan_counts(counts: CellRangerCounts, columns: dict) -> tuple[dict, dict]:
    """``(totals, empty)`` of a Cell Ranger ``.h5``'s counts, read in row blocks: per modality (``columns``, as
    :func:`read_header` gives them), each feature's total (float32) and how many cells have no counts there (their
    row's sum 0, as :func:`jae.io.inputs._check_called_cells` sums the modality read whole)."""
    totals = {m: np.zeros(len(cols), np.float64) for m, cols in columns.items()}
    empty = dict.fromkeys(columns, 0)
    for parts in modality_blocks(counts, columns, BLOCK_CELLS):
        for m, X in parts.items():  # sparse sums: a tenth of the time of a bincount over the block's entries
            totals[m] += np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
            empty[m] += cells_without_counts(X)
    return {m: t.astype(np.float32) for m, t in totals.items()}, empty


def modality_blocks(counts: CellRangerCounts, columns: dict, block_cells: int = BLOCK_CELLS):
    """Row blocks of a Cell Ranger ``.h5``'s counts, each as ``{modality: its columns' counts}`` (float32 CSR), the
    rows reading the file whole and splitting it into modalities gives."""
    for block in counts.blocks(block_cells):
        yield {m: block[:, cols] for m, cols in columns.items()}


def read_gex(inputs):
    """The Gene Expression of the one Cell Ranger ``.h5`` or matrix folder of ``inputs`` (:class:`jae.io.InputFiles`,
    ``tenx=``) as :meth:`jae.io.InputFiles.read` reads it (cells, genes, counts, the annotation files joined), the
    other modalities left out: read once in blocks of cells (a folder's through its copy ordered by cell,
    :func:`file_counts`), only the RNA's columns kept, for ``jae evaluate`` scoring stored embeddings (only cc_cons
    reads the RNA; in memory, so the scores are those of the file read whole). Refused as reading it whole refuses it
    (Peaks and Antibody Capture both without ``mod2_kind``, cells without counts)."""
    from .annotations import join_annotations
    from .inputs import _check_called_cells
    from .readers import make_mudata

    path = inputs.tenx
    header, columns = read_header(path, mod2_kind=inputs.mod2_kind)
    inputs._one_second_modality(header)
    empty, rows = dict.fromkeys(columns, 0), []
    counts = file_counts(path)
    try:
        for parts in modality_blocks(counts, columns):
            for m, X in parts.items():
                empty[m] += cells_without_counts(X)
            rows.append(parts["rna"])
            del parts
    finally:
        counts.close()  # a matrix folder's copy removed, on an error too
    _check_called_cells(header, path, empty=empty)
    rna = header.mod["rna"]
    rna.X = sp.vstack(rows, format="csr") if len(rows) > 1 else rows[0]
    del rows
    rna.layers["counts"] = rna.X  # one matrix, as jae.io.cellranger.tenx_mudata keeps it
    logger.info("%s: its Gene Expression (%d genes) read in blocks of cells, the other features left out",
                path.name, rna.n_vars)
    mdata = make_mudata({"rna": rna})
    joined = list(inputs.annotations)
    if joined:
        join_annotations(mdata, joined, data=inputs.name)
    return mdata
