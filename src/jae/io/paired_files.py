"""Paired data still on disk: cell annotations and feature names in memory, counts read in row blocks.

:func:`open_competition` and :func:`jae.io.open_h5mu` (:mod:`jae.io.h5mu_files`) are the lazy twins of
:func:`jae.io.read_competition` and :func:`jae.io.read_h5mu`: they read ``obs``, ``var`` and ``uns`` (small) and leave the count matrices in the file.
:func:`jae.io.plan.plan_input` decides, from the files' metadata and a memory budget, whether to read the data
into memory (:meth:`PairedFiles.load`) or to stream it; :class:`jae.JAE` accepts either.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import h5py
import pandas as pd

from .annotations import annotation_columns, joined_column
from .chunked import BackedCounts, InMemoryCounts, _encoding, format_bytes, matrix_bytes
from .modality import MOD_NAMES, detect_kind
from .mosaic import stored_x, unique_cells_of
from .cell_obs import DROPPED, agreeing_obs, columns_taken_elsewhere, mark_dropped, modality_obs
from .raw import (RAW_GROUP, counts_location, counts_noted, note_counts_from_x, note_raw, raw_applies,
                  refuse_raw_file_repeats)
from .readers import pair_kinds

__all__ = ["PairedFiles", "open_competition", "DifferentCellsError"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike

#: Bytes of a fitting process before any data: Python, numpy/scipy, torch, anndata (measured about 0.4-0.5 GB).
PROCESS_BYTES = 500_000_000
#: Counts stored CSC of at least this many bytes are worth a warning when they are read whole instead of streamed:
#: below it reading them whole costs less memory than the process itself (a log line at INFO level says so).
CSC_WARN_BYTES = 250_000_000
#: Below this many bytes, counts stored CSC and read whole are said at DEBUG level only: reading 50 MB costs well
#: under a second and a tenth of the process itself (:data:`PROCESS_BYTES`), nothing a user need act on (the
#: competition's starter files, CSC, of 1-2 MB, drew two or three INFO lines per command); INFO from it on.
CSC_INFO_BYTES = 50_000_000
#: Rows of the features that the statistics fitted after the features are made (the principal axes, the readout, the
#: feature moments) read at a time on either path, each row as up to 256 values in float64 with its float32 copy and
#: a float64 temporary: about 24 bytes a value (tracemalloc: 24-32 at 20,000-50,000 competition-shaped CITE-seq
#: cells). The estimates left it out: streamed 19-28 % low from 50,000 cells on (1.11 GB estimated, 1.43 GB peak
#: RSS at 50,000), read whole 13 % low at 50,000 (2.77 / 3.18 GB).
STATS_ROWS, STATS_BYTES_PER_VALUE = 65_536, 24


def read_whole_level(nbytes: int) -> int:
    """The log level that says a matrix of ``nbytes`` bytes stored CSC (or dense) is read whole, not in row blocks:
    WARNING from :data:`CSC_WARN_BYTES` on, INFO from :data:`CSC_INFO_BYTES` on, DEBUG below."""
    return logging.WARNING if nbytes >= CSC_WARN_BYTES else logging.INFO if nbytes >= CSC_INFO_BYTES \
        else logging.DEBUG


class FilesOnDisk:
    """What paired (:class:`PairedFiles`) and mosaic (:class:`jae.io.MosaicFiles`) data on disk share: the paths,
    row-block sources and memory estimate of their counts, reading them whole (:meth:`load`), and annotation files
    joined into ``obs`` (:meth:`with_annotations`). Subclasses are frozen dataclasses with the fields ``counts``,
    ``names``, ``kinds``, ``obs``, ``loader`` and ``joins``."""

    @property
    def obs_names(self) -> pd.Index:
        return self.obs.index

    @property
    def paths(self) -> list[Path]:
        return list(dict.fromkeys(c.path for c in self.counts))

    def gene_symbols(self, i: int) -> pd.Index | None:
        """The gene symbols of modality ``i`` in its ``var['feature_name']`` (CELLxGENE's layout), read from its file
        (the ``var`` of ``.raw`` when the counts are there); None without that column."""
        from .gene_names import stored_gene_symbols

        c = self.counts[i]
        return stored_gene_symbols(c.path, modality=c.modality, raw=c.layer == RAW_GROUP)

    def name_columns(self, i: int) -> list[pd.Index]:
        """:func:`jae.io.gene_names.name_columns` of modality ``i``, read from its file as :meth:`gene_symbols`."""
        from .gene_names import stored_name_columns

        c = self.counts[i]
        return stored_name_columns(c.path, modality=c.modality, raw=c.layer == RAW_GROUP)

    def sources(self) -> list:
        """Row-block sources of the counts: the files themselves, or the matrix read whole when stored CSC."""
        return row_sources(self.names, self.counts)

    def load(self):
        """Read the data into memory: the MuData :func:`jae.io.read_competition` / :func:`jae.io.read_h5mu` gives,
        with the annotation files of :meth:`with_annotations` joined again (each file's ``obs`` read once)."""
        from .annotations import annotation_obs
        from .readers import _add_obs_columns

        func, kwargs = self.loader
        with counts_noted():  # where the counts are and what the annotations matched were said when opened
            joins = [(annotation_obs(p, self.obs.index, what=what, data=self.paths[0].name), p, replace_existing)
                     for paths, replace_existing, what in self.joins for p in paths]
            with columns_taken_elsewhere([c for obs, _, _ in joins for c in obs.columns]):  # the modalities' own
                mdata = func(**kwargs)  # (batch) columns, replaced by the files'
            for obs, path, replace_existing in joins:
                _add_obs_columns(mdata, obs, what=str(path), replace_existing=replace_existing)
        return mdata

    def with_annotations(self, paths, *, replace_existing: bool = True, what: str = "annotation"):
        """A copy whose ``obs`` also holds the ``obs`` columns of annotation ``.h5ad`` files, joined by cell name,
        replacing the data's columns of the same name unless ``replace_existing=False`` (as
        :func:`jae.io.join_annotations`)."""
        from .annotations import annotation_obs
        from .paths import annotation_paths

        paths = annotation_paths(paths)
        obs = self.obs.copy()
        dropped = dict(obs.attrs.get(DROPPED, {}))  # a column replaced drops no modality's values then
        for path in paths:
            source = annotation_obs(path, obs.index, what=what, data=self.paths[0].name)  # one row per cell name
            for col in source.columns:
                if replace_existing or col not in obs.columns:
                    obs[col] = joined_column(source[col], obs.index, obs[col] if col in obs.columns else None)
                    dropped.pop(str(col), None)
        if DROPPED in obs.attrs:
            obs.attrs[DROPPED] = dropped
        return replace(self, obs=obs, joins=self.joins + ((list(paths), replace_existing, what),))

    def memory_needed(self, *, in_memory: bool, statistics: bool = True) -> int:
        """Estimated peak bytes of fitting on this data, read into memory (``in_memory``) or streamed; without the
        statistics' row chunk (``statistics=False``) for embedding and mapping, which fit none.

        From the files' metadata only: what reading the files loads (every matrix of ``X`` and ``layers``, as
        stored), plus the preprocessing's working set (normalised SVD-fit sample, row-block temporaries, the
        features of every cell, a row chunk of the statistics fitted on them: :data:`STATS_ROWS`) and the process
        itself. Measured against it (benchmarks/results/scale.md): 10k competition-shaped Multiome cells read whole,
        4.1 GB estimated / 4.4 GB peak RSS; 70k streamed, 3.2 / 2.5 GB (both before the row chunk was counted);
        competition-shaped CITE-seq (3 epochs, one thread), 20k / 50k / 100k cells streamed: 1.12 / 1.42 / 1.55 GB
        estimated, 0.90 / 1.43 / 1.33 GB peak RSS (without the chunk: 1.00 / 1.11 / 1.15 GB); read whole: 1.71 / 3.08
        / 4.41 GB estimated, 1.52 / 3.18 / 4.01-4.08 GB peak RSS (without the chunk: 1.59 / 2.77 / 4.01 GB).
        """
        return memory_needed(self.n_obs, self.counts, self.kinds, in_memory=in_memory, statistics=statistics)


@dataclass(frozen=True)
class PairedFiles(FilesOnDisk):
    """Two paired modalities whose counts stay on disk (see :func:`open_competition`, :func:`open_h5mu`).

    Attributes
    ----------
    counts
        One :class:`~jae.io.chunked.BackedCounts` per modality, RNA first, rows in ``obs_names`` order.
    names
        Modality names (``'rna'``, ``'atac'`` / ``'prot'``).
    kinds
        Modality kinds, e.g. ``('GEX', 'ATAC')``.
    var_names
        Feature names of each modality.
    obs
        Per-cell annotations indexed by cell name.
    uns
        ``dataset_id`` and ``organism`` when the files carry them.
    loader
        ``(function, kwargs)`` reading the same data into a MuData (:meth:`load`).
    joins
        Annotation files joined into ``obs`` (:meth:`with_annotations`), joined again by :meth:`load`.
    misordered
        None, or why the files cannot be streamed: the second modality holds the same cells in another order. Read
        whole (:meth:`load`) they are paired by cell name, so only streaming refuses them (:func:`plan_input`).
    other_obs
        Competition files: the second file's own ``obs``, whose columns ``obs`` leaves out; :meth:`with_columns`
        takes a column a call reads from it, as :meth:`jae.JAE.fit` finds it in the MuData :meth:`load` gives.
    """

    counts: tuple[BackedCounts, BackedCounts]
    names: tuple[str, str]
    kinds: tuple[str, str]
    var_names: tuple[pd.Index, pd.Index]
    obs: pd.DataFrame
    uns: dict = field(default_factory=dict)
    loader: tuple = ()
    joins: tuple = ()
    misordered: str | None = None
    other_obs: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def n_obs(self) -> int:
        """Number of cells."""
        return len(self.obs)

    def with_columns(self, keys, *, log: bool = True) -> PairedFiles:
        """A copy whose ``obs`` also holds the columns ``keys`` (e.g. the cell-type column fit reads) that only the
        second competition file holds (:attr:`other_obs`), by cell name; the other keys are left as they are. Read
        whole, such a column is found in the second modality's ``obs`` (:func:`jae.io.cell_obs.cell_obs`). ``log``:
        say each column taken (INFO)."""
        if self.other_obs is None:
            return self
        found = [k for k in dict.fromkeys(k for k in keys if isinstance(k, str))  # a mask for reference=: no column
                 if k not in self.obs.columns and k in self.other_obs.columns]
        if not found:
            return self
        obs = self.obs.copy()
        for key in found:
            obs[key] = self.other_obs[key].reindex(obs.index)
            if log:
                logger.info("obs column %r is read from %s (%s has none)", key, self.counts[1].path.name,
                            self.counts[0].path.name)
        return replace(self, obs=obs)

    def sources(self) -> list:
        """Row-block sources of the counts (see :meth:`FilesOnDisk.sources`); refused when the second modality holds
        the same cells as the first in another order (``misordered``): rows are streamed in file order."""
        if self.misordered:
            raise ValueError(self.misordered)
        return super().sources()

    def __repr__(self) -> str:
        files = ", ".join(p.name for p in self.paths)
        return f"PairedFiles({files}: {self.n_obs} cell{'' if self.n_obs == 1 else 's'}, {'+'.join(self.kinds)})"


def row_sources(names, counts) -> list:
    """Row-block sources of each modality's :class:`~jae.io.chunked.BackedCounts` (:func:`row_source`)."""
    return [row_source(c, name) for name, c in zip(names, counts)]


def row_source(counts: BackedCounts, name: str, *, what: str = "counts"):
    """A row-block source of ``counts``: the file itself, or the matrix read whole when it is stored CSC, which
    cannot be read by rows; a warning naming the size and the fix from :data:`CSC_WARN_BYTES` on, an INFO line below
    it, where reading it whole costs little, a DEBUG line below :data:`CSC_INFO_BYTES` (:func:`read_whole_level`). The one CSC rule for every reader of stored matrices (the counts of
    fitting and embedding, the RNA ``.X`` of :func:`jae.evaluate`); ``name`` and ``what`` say whose matrix it is."""
    if counts.encoding != "csc_matrix":
        return counts
    # the AnnData holding the matrix: a file's own, or an .h5mu file's modality
    adata, write = ("adata", "adata.write_h5ad(...)") if counts.modality is None else (
        f"mdata[{counts.modality!r}]", "mdata.write(...)")
    if counts.layer == RAW_GROUP:
        fix = f"{adata}.raw = anndata.AnnData({adata}.raw.X.tocsr(), var={adata}.raw.var)"
    else:
        where = "X" if counts.layer is None else f"layers[{counts.layer!r}]"
        fix = f"{adata}.{where} = {adata}.{where}.tocsr()"
    logger.log(read_whole_level(counts.nbytes), "%s: %s stored CSC (column by column, %s) cannot be read in row blocks, so the whole matrix is read into "
        "memory; to stream it, store it CSR: %s; %s", name, what, format_bytes(counts.nbytes), fix, write)
    return InMemoryCounts(counts.read())


def memory_needed(n_obs: int, counts, kinds, *, in_memory: bool, statistics: bool = True) -> int:
    """Estimated peak bytes of fitting on ``n_obs`` cells whose counts (:class:`~jae.io.chunked.BackedCounts`) are
    read into memory (``in_memory``) or streamed (see :meth:`PairedFiles.memory_needed`; ``statistics``: with the
    row chunk of the statistics fitted after training)."""
    from ..preprocess.pipeline import BLOCK_ROWS, SVD_FIT_CELLS

    n = max(n_obs, 1)
    sample = min(1.0, SVD_FIT_CELLS / n)
    nnz = [c.nnz for c in counts]
    work = sum(int(sample * z * 8) for k, z in zip(kinds, nnz) if k != "ADT")  # normalised SVD sample
    work += max(int(3 * min(1.0, BLOCK_ROWS / n) * z * 8) for z in nnz)  # a block, its normalised and CSC copies
    work += n * 2 * 256 * 4 + PROCESS_BYTES  # features of every cell and a copy; the process itself
    if statistics:  # a row chunk of the statistics fitted after training
        work += min(n, STATS_ROWS) * 256 * STATS_BYTES_PER_VALUE
    if not in_memory:
        return work + sum(c.nbytes for c in counts if c.encoding == "csc_matrix")
    return work + sum(_stored_bytes(p, m) for p, m in dict.fromkeys((c.path, c.modality) for c in counts))


def _stored_bytes(path: Path, modality: str | None) -> int:
    """Bytes of every matrix in ``X``, ``layers`` and ``raw`` of one AnnData (or one modality of an ``.h5mu``): what
    reading it whole holds (anndata reads ``.raw`` too)."""
    from .files import open_again

    total = 0
    with open_again(path, path.name if modality is None else f"{path.name} modality {modality!r}") as f:
        groups = [f["mod"][modality]] if modality is not None else [f]
        for g in groups:
            if "X" in g:
                total += matrix_bytes(g["X"])
            if "layers" in g:
                total += sum(matrix_bytes(g["layers"][k]) for k in g["layers"])
            if "raw" in g and "X" in g["raw"]:
                total += matrix_bytes(g["raw"]["X"])
    return total


def _read_frames(f: h5py.Group, loc: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """``(obs, var, uns)`` of an AnnData group; ``var`` of its ``.raw`` when the counts' location ``loc`` is it
    (:data:`jae.io.raw.RAW_GROUP`: the features go with the matrix)."""
    from .elems import read_elem

    if isinstance(f.get("obs"), h5py.Dataset):  # written by anndata < 0.7: compound datasets, read by anndata itself
        from .readers import read_h5ad

        adata = read_h5ad(f.filename, backed="r")
        try:
            var = adata.raw.var if loc == RAW_GROUP and adata.raw is not None else adata.var
            return adata.obs.copy(), var.copy(), dict(adata.uns)
        finally:
            adata.file.close()
    obs = read_elem(f["obs"])
    var = read_elem(f["raw"]["var"] if loc == RAW_GROUP else f["var"])
    if loc == RAW_GROUP:  # matched by name: repeats refused now, with the fix on the file's .raw
        refuse_raw_file_repeats(var, f)
    uns = read_elem(f["uns"]) if "uns" in f else {}
    return obs, var, uns


def _counts_location(f: h5py.Group, layer: str | None, *, where: str) -> str | None:
    """Layer holding raw counts, as :func:`jae.io.read_competition` picks it (None: ``.X``; :data:`jae.io.raw.RAW_GROUP`:
    the ``raw`` group, for ``layer='raw'``)."""
    if layer is None:
        return stored_x(f, where)
    if "layers" in f and layer in f["layers"]:
        return layer
    if raw_applies(f.get("layers", ()), layer):  # jae.io.raw: the AnnData's .raw, else .X
        if "raw" in f and "X" in f["raw"]:
            note_raw(where, (_encoding(f["raw"]["X"])[1][1], _encoding(f["X"])[1][1] if "X" in f else 0))
            return RAW_GROUP
        note_raw(where, None)
        return stored_x(f, where)
    layers = list(f["layers"]) if "layers" in f else []
    found = counts_location(layer, layers, has_raw="raw" in f, where=where)  # jae.io.raw's rule, as in memory
    if found is None:
        note_counts_from_x(where)
    return found if found is not None else stored_x(f, where)  # .X: refused when it holds nothing


def _kind(var: pd.DataFrame, name: str | None, *, where: str | None = None) -> str | None:
    import anndata as ad

    if "feature_types" not in var.columns and name is None:
        return None
    with warnings.catch_warnings():  # duplicated names: named by jae's own check (jae.io.features.unique_features)
        warnings.filterwarnings("ignore", message=".*names are not unique.*", category=UserWarning)
        return detect_kind(ad.AnnData(var=var), name=name, where=where)


def open_competition(
    mod1: PathLike, mod2: PathLike, *, annotations: PathLike | Sequence[PathLike] | None = None,
    layer: str | None = "counts", mod2_kind: str | None = None, mosaic: bool = False,
):
    """Open paired data in the competition layout without reading the counts (see :func:`jae.io.read_competition`).

    Parameters
    ----------
    mod1, mod2, annotations, layer, mod2_kind
        As for :func:`jae.io.read_competition`.
    mosaic
        Files holding different cells raise :class:`DifferentCellsError`, or with ``mosaic=True`` are opened as
        :class:`jae.io.MosaicFiles` over the union of their cells (a cell in one file only has that modality
        alone), as :func:`jae.io.read_competition` reads them into memory.

    Returns
    -------
    :class:`PairedFiles` (or :class:`jae.io.MosaicFiles`); ``obs`` holds mod1's (GEX's) per-cell columns (then, for
    mosaic files, mod2's other columns), then the annotation columns.
    """
    from .files import _check_file, _readable, check_is_anndata, check_not_empty, check_not_mudata
    from .readers import read_competition
    from .zarr_stores import to_stream

    # zarr stores streamed from a temporary .h5ad copy each
    mod1, mod2 = to_stream(mod1, what="mod1", kind="AnnData"), to_stream(mod2, what="mod2", kind="AnnData")
    paths = [_check_file(mod1, what="mod1"), _check_file(mod2, what="mod2")]
    frames, kinds = [], []
    for p, what in zip(paths, ("mod1", "mod2")):
        with _readable(p, what=what, fmt=".h5ad"), h5py.File(p, "r") as f:
            check_not_mudata(f, p, what=what)
            check_is_anndata(f, p, what=what)
            loc = _counts_location(f, layer, where=p.name)
            obs, var, uns = _read_frames(f, loc)
        if not len(var):  # before the kind is read from the (empty) features; no cell: said once the kinds are known
            check_not_empty(str(p), len(obs), len(var))
        frames.append((obs, var, uns, loc))
        kinds.append(_kind(var, None, where=f"{what} file {p.name}"))
    for p, frame in zip(paths, frames):  # once both are read: files holding different cells get mosaic data's fix
        unique_cells_of(frames[0][0].index, frames[1][0].index)(frame[0].index, str(p), written=True)
    inferred = mod2_kind is None and kinds[1] is None  # read off mod2's feature names (logged once, here)
    kinds, order = pair_kinds(kinds, paths, mod2_kind, mod2_names=frames[1][1].index,
                              mod1_names=frames[0][1].index)
    if inferred:
        mod2_kind = kinds[1]
    _check_cells(paths, frames, order)
    obs = frames[order[0]][0]
    uns = {}
    for key in ("dataset_id", "organism"):
        for i in order:
            if key in frames[i][2]:
                uns[key] = frames[i][2][key]
                break
    loader = (read_competition, dict(mod1=paths[0], mod2=paths[1], layer=layer)
              | ({} if mod2_kind is None else {"mod2_kind": mod2_kind}))
    with columns_taken_elsewhere(annotation_columns(annotations)):
        data = _competition_files(paths, frames, kinds, order, obs, uns, loader, mosaic=mosaic)
    return data.with_annotations(annotations) if annotations is not None else data


def _check_cells(paths, frames, order) -> None:
    """Refuse a file of the pair holding no cell; the second modality's, beside RNA with cells: use the RNA alone."""
    from .files import check_not_empty

    for i in order[::-1]:
        if not len(frames[i][0]):
            if i == order[1] and len(frames[order[0]][0]):
                raise ValueError(f"{paths[i]} is empty (0 cells x {len(frames[i][1])} features): no cell has that "
                                 f"modality; to place the cells from their RNA, give the RNA file alone as mod1= "
                                 f"({paths[order[0]]}), without mod2=")
            check_not_empty(str(paths[i]), 0, len(frames[i][1]))


def _competition_files(paths, frames, kinds, order, obs, uns, loader, *, mosaic):
    try:
        misordered = _check_same_cells(obs.index, frames[order[1]][0].index, [paths[i].name for i in order])
    except DifferentCellsError as err:
        if not mosaic:
            raise
        from .mosaic_files import competition_mosaic_files

        logger.info("%s and %s hold mosaic data (%s)", paths[0].name, paths[1].name, err.summary)
        data = competition_mosaic_files([paths[i] for i in order], [frames[i] for i in order],
                                        [kinds[i] for i in order], uns=uns, loader=loader)
    else:  # the same cells: RNA's columns, with a batch only the other file gives
        own = obs
        obs = modality_obs([obs, agreeing_obs(frames[order[1]][0])], obs.index, names=[paths[i].name for i in order])
        # the other file's values of RNA's columns are dropped: said when streamed (plan_input), as read whole
        mark_dropped(obs, None, [own, frames[order[1]][0]], [MOD_NAMES[kinds[i]] for i in order], log=False)
        data = PairedFiles(
            counts=tuple(BackedCounts(paths[i], layer=frames[i][3]) for i in order),
            names=tuple(MOD_NAMES[kinds[i]] for i in order),
            kinds=tuple(kinds[i] for i in order),
            var_names=tuple(frames[i][1].index.astype(str) for i in order),
            obs=obs,
            uns=uns,
            loader=loader,
            misordered=misordered,
            other_obs=frames[order[1]][0],
        )
    return data


class DifferentCellsError(ValueError):
    """The two modalities hold different sets of cells: mosaic data, which is read into memory, not streamed.
    ``summary`` says how many cells each modality alone holds."""

    def __init__(self, summary: str, fix: str) -> None:
        super().__init__(f"{summary}; {fix}")
        self.summary = summary


def _check_same_cells(first: pd.Index, second: pd.Index, names, *,
                      rewrite: str = "other[rna.obs_names].write_h5ad(...)") -> str | None:
    """None when both modalities hold the same cells in the same order; the reason streaming must refuse them when
    they hold the same cells in another order (read whole, they are paired by name), with ``rewrite`` the example of
    writing them in one order; raises when the cells differ."""
    if first.equals(second):
        return None
    if len(first) == len(second) and first.sort_values().equals(second.sort_values()):
        return (
            f"{names[0]} and {names[1]} hold the same cells in different orders, and streaming reads rows in file "
            f"order: write both in one cell order (e.g. {rewrite}), or pass memory_budget=<bytes> large enough to "
            "read them whole"
        )
    only_first, only_second = first.difference(second), second.difference(first)
    raise DifferentCellsError(
        f"{names[0]} and {names[1]} hold different cells ({len(only_first)} only in {names[0]}, {len(only_second)} "
        f"only in {names[1]})", "pass mosaic=True to open them as mosaic data (each cell placed from the modalities "
        "it has), or subset both to the shared cells, which drops every cell measured in one modality")
