"""Mosaic data still on disk: an ``.h5mu`` whose modalities hold different cells, counts read in row blocks.

The lazy twin of :func:`jae.io.mosaic.get_mosaic` for a file (issues 15 and 16): :func:`open_mosaic_h5mu` reads the
cell annotations, feature names and which cells each modality measures, and leaves the counts in the file. Each
modality's counts are streamed in the file's own row order (``rows``); :meth:`MosaicFiles.positions` places those
rows among the union of the cells. :func:`jae.io.plan_input` reads it whole (:meth:`MosaicFiles.load`, a MuData)
when that fits the memory budget; otherwise :meth:`jae.JAE.fit` and every step that computes a query's features
(:func:`jae.query.query_features`: ``embed``, ``finetune``, ``map_query``, label transfer, imputation) stream it.

A modality that marks unmeasured cells with rows of NaN, instead of leaving them out, is read into memory (finding
those rows means reading the counts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .cell_obs import fill_global_batches, mark_dropped
from .chunked import BackedCounts
from .modality import MOD_NAMES
from .mosaic import MosaicCells, mosaic_union, unique_mosaic_cells
from .paired import modality_obs
from .h5mu_files import H5muParts, read_h5mu_parts
from .paired_files import FilesOnDisk

__all__ = ["MosaicFiles", "open_mosaic_h5mu", "mosaic_files", "competition_mosaic_files"]


@dataclass(frozen=True)
class MosaicFiles(MosaicCells, FilesOnDisk):
    """Two modalities of which each cell may have only one, with counts on disk (see :func:`open_mosaic_h5mu`).

    Attributes
    ----------
    obs
        Annotations of every cell measured in at least one modality (the union, in the file's global order).
    names, kinds, var_names
        As :class:`jae.io.PairedFiles`, RNA first.
    observed
        ``(n_obs, 2)`` bool: whether each cell is measured in each modality.
    counts
        One :class:`~jae.io.chunked.BackedCounts` per modality over the cells measured in it, in the file's order.
    rows
        The cell names of each modality's rows, in that order.
    uns, loader, joins
        As :class:`jae.io.PairedFiles`.
    """

    obs: pd.DataFrame
    names: tuple[str, str]
    kinds: tuple[str, str]
    var_names: tuple[pd.Index, pd.Index]
    observed: np.ndarray
    counts: tuple[BackedCounts, BackedCounts]
    rows: tuple[pd.Index, pd.Index]
    uns: dict = field(default_factory=dict)
    loader: tuple = ()
    joins: tuple = ()

    def positions(self, i: int) -> np.ndarray:
        """Row of each of modality ``i``'s cells (``counts[i]``) in ``obs_names``."""
        return self.obs_names.get_indexer(self.rows[i])

    def __repr__(self) -> str:
        return f"MosaicFiles({', '.join(p.name for p in self.paths)}: {self.summary()})"  # each file, as PairedFiles


def open_mosaic_h5mu(
    path: str | os.PathLike, *, rna: str = "rna", other: str | None = None, other_kind: str | None = None,
    layer: str | None = "counts",
) -> MosaicFiles:
    """Open an ``.h5mu`` whose modalities hold different cells without reading the counts: a :class:`MosaicFiles`.

    Parameters as :func:`jae.io.open_h5mu`. ``obs`` holds the file's global columns (not the modality-prefixed
    copies), then each modality's own columns missing there (RNA first), on the union of the cells.

    Raises
    ------
    ValueError
        For duplicated cell names in a modality, or a cell of the global ``obs`` measured in neither modality.
    """
    parts = read_h5mu_parts(path, rna=rna, other=other, other_kind=other_kind, layer=layer)
    return mosaic_files(parts, other_kind=other_kind)


def mosaic_files(parts: H5muParts, *, other_kind: str | None = None) -> MosaicFiles:
    """:class:`MosaicFiles` from what :func:`jae.io.h5mu_files.read_h5mu_parts` read of the file."""
    from .readers import read_h5mu

    names = (parts.rna, parts.other)
    indexes = [unique_mosaic_cells(parts.mods[m][0].index, f"modality {m!r}", written=True) for m in names]
    stored = pd.Index(parts.global_obs.index)  # cells only hashtags hold: not read (NaN rows in the outputs)
    union, observed = mosaic_union(indexes, stored[~parts.hashtags_only(stored)], names)
    columns = {}
    if len(parts.global_obs.columns):
        aligned = parts.global_obs.reindex(union)
        columns = {c: aligned[c] for c in aligned.columns if c not in parts.pulled}  # not 'rna:batch', as read whole
    mod_obs = modality_obs([parts.mods[m][0] for m in names], union, names=[f"modality {m!r}" for m in names],
                           skip=columns)  # a cell keeps its own modality's annotations
    global_obs = pd.DataFrame(columns, index=union) if columns else None
    fill_global_batches(columns, mod_obs)  # a cell the global obs gives no batch: its modality's
    for c in mod_obs.columns:
        columns.setdefault(c, mod_obs[c])
    obs = pd.DataFrame(columns, index=union)
    mark_dropped(obs, global_obs, [parts.mods[m][0] for m in names], names, log=False)  # said if streamed (plan_input)
    return MosaicFiles(
        obs=obs,
        names=("rna", MOD_NAMES[parts.kind]),
        kinds=("GEX", parts.kind),
        var_names=tuple(parts.mods[m][1].index.astype(str) for m in names),
        observed=observed,
        counts=tuple(BackedCounts(parts.path, modality=m, layer=parts.locs[m]) for m in names),
        rows=tuple(indexes),
        uns={k: parts.uns[k] for k in ("dataset_id", "organism") if k in parts.uns},
        loader=(read_h5mu, dict(path=parts.path, rna=parts.rna, other=parts.other, other_kind=other_kind,
                                layer=parts.layer)),
    )


def competition_mosaic_files(paths, frames, kinds, *, uns: dict, loader: tuple) -> MosaicFiles:
    """:class:`MosaicFiles` over two competition-layout ``.h5ad`` files holding different cells (RNA first):
    ``frames`` are each file's ``(obs, var, uns, counts location)`` as :func:`jae.io.open_competition` read them.
    The cells are the RNA file's, then the other file's others, the order :func:`jae.io.read_competition` gives
    them in memory; ``obs`` holds the RNA file's columns, then the other file's missing ones."""
    indexes = [unique_mosaic_cells(frame[0].index, p.name, written=True) for p, frame in zip(paths, frames)]
    names = tuple(MOD_NAMES[k] for k in kinds)
    union, observed = mosaic_union(indexes, None, names)
    return MosaicFiles(
        obs=modality_obs([frame[0] for frame in frames], union, names=[p.name for p in paths]),
        names=names,
        kinds=tuple(kinds),
        var_names=tuple(frame[1].index.astype(str) for frame in frames),
        observed=observed,
        counts=tuple(BackedCounts(p, layer=frame[3]) for p, frame in zip(paths, frames)),
        rows=tuple(indexes),
        uns=uns,
        loader=loader,
    )
