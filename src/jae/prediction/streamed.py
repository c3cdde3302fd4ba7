"""Query cells' source modality in an ``.h5ad`` file, its counts read in row blocks (``jae predict --test-mod1``;
:meth:`jae.ModalityPredictor.predict` given a path).

Read whole, a 300,000-cell CITE-seq RNA file took 8 GB: anndata reads ``.X`` and ``layers['counts']`` each into
memory (two arrays even where the file links one to the other), though the prediction reads only the counts. Here
only the cell and feature names and ``uns['dataset_id']`` are read up front; the counts (at ``layer=``, the joint
model's rule for a file: :func:`jae.io.paired_files._counts_location`, ``'raw'`` its ``raw`` group) are encoded one
row block at a time. Every step of the encoding is row by row, so the predictions are bit for bit those of the file read whole.
"""

from __future__ import annotations

import logging
import os

import h5py
import numpy as np
import pandas as pd

from ..io.chunked import BLOCK_ROWS, BackedCounts
from ..io.files import _check_file, _readable, check_is_anndata, check_not_mudata
from ..io.validate import counts_hint
from .checks import checked_counts

__all__ = ["SourceFile", "TENX_FIX", "open_source"]

logger = logging.getLogger(__name__)

#: The fix after a Cell Ranger ``.h5`` given where prediction reads an ``.h5ad`` of one modality (jae.read_10x_h5,
#: the other readers' fix, refuses a file of Gene Expression alone and returns a MuData, which prediction refuses).
TENX_FIX = (
    "prediction reads one .h5ad per modality: write the modality as one first, e.g. a = scanpy.read_10x_h5(path, "
    "gex_only=False); a.var_names_make_unique(); a[:, a.var['feature_types'] == 'Gene Expression'].copy()"
    ".write_h5ad('rna.h5ad') ('Antibody Capture' or 'Peaks' for the other modality)")


def open_source(path: str | os.PathLike, *, what: str = "query_source", mudata_fix: str | None = None,
                layer: str | None = "counts"):
    """The query source in ``path``, its counts at ``layer`` (the joint model's rule for a file,
    :func:`jae.io.paired_files._counts_location`): a :class:`SourceFile` when they are stored CSR, else (a dense or CSC
    matrix, which row blocks would turn into another layout) the AnnData read whole, as before (``layer='raw'``: its
    ``.raw``, :func:`jae.io.raw.resolve_raw`)."""
    from ..io.raw import counts_noted, resolve_raw
    from ..io.readers import read_h5ad

    source = SourceFile(path, what=what, mudata_fix=mudata_fix, layer=layer)
    if source.counts.encoding == "csr_matrix":
        return source
    _said_read_whole(source, what)
    with counts_noted():  # where its counts are was said on opening it
        return resolve_raw(read_h5ad(path, what=what, mudata_fix=mudata_fix, tenx_fix=TENX_FIX), layer, where=what)


def _said_read_whole(source: SourceFile, what: str) -> None:
    """Say that ``source``'s counts, stored dense or CSC, are read whole with the file, not in row blocks (a warning
    from :data:`jae.io.paired_files.CSC_WARN_BYTES` on, an INFO line below it, DEBUG for a small one: the CSC rule of
    the other readers, :func:`jae.io.paired_files.read_whole_level`)."""
    from ..io.chunked import format_bytes
    from ..io.paired_files import read_whole_level

    stored = {"csc_matrix": "CSC (column by column)", "array": "dense"}.get(source.counts.encoding,
                                                                           source.counts.encoding)
    where = source.where.split(".", 1)[1]
    logger.log(read_whole_level(source.counts.nbytes),
        "%s: %s is stored %s (%s), so the whole file is read into memory, not in row blocks (which need it stored "
        "CSR); to stream it, store it CSR: adata.%s = scipy.sparse.csr_matrix(adata.%s); adata.write_h5ad(...)", what, where, stored,
        format_bytes(source.counts.nbytes), where, where)


class SourceFile:
    """The source modality of query cells in the ``.h5ad`` file ``path``, its counts left on disk.

    Attributes
    ----------
    obs_names, var_names
        The file's cells and features.
    uns
        ``{'dataset_id': ...}`` when the file has one, else empty.
    """

    def __init__(self, path: str | os.PathLike, *, what: str = "query_source", mudata_fix: str | None = None,
                 layer: str | None = "counts") -> None:
        from ..io.elems import read_elem

        from ..io.paired_files import _counts_location
        from ..io.raw import RAW_GROUP, refuse_raw_file_repeats

        self.path = _check_file(path, what=what)
        with _readable(self.path, what=what, fmt=".h5ad"), h5py.File(self.path, "r") as f:
            check_not_mudata(f, self.path, what=what, fix=mudata_fix)
            check_is_anndata(f, self.path, what=what, tenx_fix=TENX_FIX)  # a Cell Ranger .h5: said as such
            held = layer is not None and "layers" in f and layer in f["layers"]
            if layer == "counts" and not held and "X" not in f and "raw" not in f:
                have = list(f["layers"]) if isinstance(f.get("layers"), h5py.Group) else []
                raise ValueError(
                    f"{what} has neither layers['counts'] nor .X (its layers: {have}); pass layer=... naming the "
                    "layer with raw counts, or store them in layers['counts'], e.g. adata.layers['counts'] = "
                    "adata.layers[NAME], and write the file again")
            self._layers = list(f["layers"]) if isinstance(f.get("layers"), h5py.Group) else []  # for _hint
            found = _counts_location(f, layer, where=what)  # the joint model's rule; a layer it lacks: one line
            if found == RAW_GROUP:  # matched by name: .raw's repeats refused now, with the fix on the file's .raw
                refuse_raw_file_repeats(read_elem(f["raw"]["var"]), f)
            uns = f.get("uns")
            self.uns = {"dataset_id": read_elem(uns["dataset_id"])} if uns is not None and "dataset_id" in uns else {}
        with _readable(self.path, what=what, fmt=".h5ad"):
            self.counts = BackedCounts(self.path, layer=found)
        self.layer = layer  # as asked: 'raw' read .X where the file has no .raw, whose refusal says so
        self.where = "query_source" + (".X" if found is None else ".raw.X" if found == RAW_GROUP else f".layers[{found!r}]")
        self.obs_names = pd.Index(self.counts.obs_names.astype(str))
        self.var_names = self.counts.var_names

    def read_obs(self) -> pd.DataFrame:
        """The file's ``obs`` frame (read without the counts), rows in :attr:`obs_names`' order."""
        from ..io.paired_files import _read_frames

        with _readable(self.path, what="query_source", fmt=".h5ad"), h5py.File(self.path, "r") as f:
            obs = _read_frames(f)[0]
        obs.index = pd.Index(obs.index.astype(str))
        return obs if obs.index.equals(self.obs_names) else obs.reindex(self.obs_names)

    def gene_symbols(self) -> pd.Index | None:
        """The gene symbols in the file's ``var['feature_name']`` (CELLxGENE's layout:
        :func:`jae.io.gene_names.stored_gene_symbols`, read without the counts); None without that column."""
        from ..io.gene_names import stored_gene_symbols

        with _readable(self.path, what="query_source", fmt=".h5ad"):
            return stored_gene_symbols(self.path)

    def name_columns(self) -> list[pd.Index]:
        """:func:`jae.io.gene_names.stored_name_columns` of the file (read without the counts)."""
        from ..io.gene_names import stored_name_columns

        with _readable(self.path, what="query_source", fmt=".h5ad"):
            return stored_name_columns(self.path)

    def feature_types(self) -> np.ndarray | None:
        """The file's ``var['feature_types']`` as text (that column read alone, without the counts); None without
        it."""
        from ..io.elems import read_elem

        with _readable(self.path, what="query_source", fmt=".h5ad"), h5py.File(self.path, "r") as f:
            var = f.get("var")
            if not isinstance(var, h5py.Group) or "feature_types" not in var:
                return None
            return np.asarray(read_elem(var["feature_types"])).astype(str)

    @property
    def n_obs(self) -> int:
        return self.counts.shape[0]

    @property
    def n_vars(self) -> int:
        return self.counts.shape[1]

    def _hint(self) -> str:
        """The refusal's fix for counts that are none: an AnnData's in memory (:func:`jae.prediction.checks._counts`),
        the fix for what ``layer='raw'`` read where that was asked though the file has no ``raw`` group (else the
        general hint said 'layer='raw' for an AnnData's .raw', already passed), and for ``.X`` read for want of the
        layer named (else the fix for ``layer='raw'``, not passed): in a refusal of both sources, said once."""
        from ..io.raw import RAW, missing_layer_hint
        from ..io.validate import _RAW_HINT, _RAW_READ_HINT

        if self.layer not in (None, RAW) and self.counts.layer is None and self._layers:  # .X, for want of the layer
            return missing_layer_hint(self.layer, [str(k) for k in self._layers])  # (counts_hint: 'layer='raw' ...')
        hint = counts_hint(self.counts)
        return _RAW_READ_HINT if self.layer == RAW and hint == _RAW_HINT else hint

    def encode(self, encode, width: int, *, columns: np.ndarray | None = None) -> np.ndarray:
        """``encode(counts)`` of every row block (the counts float32 CSR, features taken in the order ``columns``),
        stacked: ``(n_obs, width)`` float32. Each block is checked to hold raw counts first."""
        if self.n_vars == 0:
            raise ValueError("query_source has no features; pass the source modality with its features")
        out = np.empty((self.n_obs, width), dtype=np.float32)
        pos = 0
        for whole in self.counts.blocks(BLOCK_ROWS):
            block = whole if columns is None else whole[:, columns]
            # a block's figures ('3 of 16384 cells') say which rows of the file they count, not the file's size
            rows = "" if block.shape[0] == self.n_obs else (
                f" (rows {pos} to {pos + block.shape[0] - 1} of its {self.n_obs} cells, read in blocks)")
            checked_counts(block, name=self.where + rows, cells=self.obs_names[pos : pos + block.shape[0]],
                           full=None if columns is None else whole, hint=self._hint())
            out[pos : pos + block.shape[0]] = encode(block)
            pos += block.shape[0]
        if pos != self.n_obs:  # (a file changed while it was read)
            raise ValueError(f"{self.path} held {pos} cells, not the {self.n_obs} its index lists; check the file")
        return out
