"""An ``.h5mu`` file still on disk: :func:`open_h5mu`, the lazy twin of :func:`jae.io.read_h5mu` (annotations, feature
names and the counts' locations read; the counts left in the file, streamed as :class:`jae.io.PairedFiles` or read
whole by the memory plan, :func:`jae.io.plan.plan_input`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import h5py
import pandas as pd

from .cell_obs import fill_global_batches, mark_dropped, modality_obs, with_hashtag_columns
from .chunked import BackedCounts
from .elems import read_elem
from .modality import MOD_NAMES, h5mu_kinds, hashtag_modalities, pick_modalities, stored_types
from .mosaic import unique_cells_of
from .paired_files import DifferentCellsError, PairedFiles, PathLike, _check_same_cells, _counts_location, _read_frames

__all__ = ["open_h5mu", "read_h5mu_parts", "H5muParts"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class H5muParts:
    """What :func:`open_h5mu` reads of an ``.h5mu`` (everything but the counts): the two modalities' names (RNA
    first) and the second's kind, the global ``obs`` and ``uns``, each modality's ``(obs, var, uns)``, where
    each modality's counts are (a layer's name, None: ``.X``) for the ``layer`` asked for, and the names
    ``'<modality>:<column>'`` of MuData's copies of the modalities' columns (``pulled``: left out of the global obs, as
    :func:`jae.io.read_h5mu` leaves them)."""

    path: Path
    available: list
    rna: str
    other: str
    kind: str
    global_obs: pd.DataFrame
    uns: dict
    mods: dict
    locs: dict
    layer: str | None = "counts"
    pulled: frozenset = frozenset()  # 'rna:batch': MuData's copies of every modality's columns in the global obs
    hashtag_cells: pd.Index | None = None  # the cells of its modalities of hashtags (set aside), when read

    def hashtags_only(self, cells: pd.Index):
        """``(len(cells),)`` bool: the cells that only its modalities of hashtags hold (set aside, so never read)."""
        read = self.mods[self.rna][0].index.append(self.mods[self.other][0].index)
        return cells.isin(self.hashtag_cells if self.hashtag_cells is not None else []) & ~cells.isin(read)


def read_h5mu_parts(path: PathLike, *, rna: str = "rna", other: str | None = None, other_kind: str | None = None,
                    layer: str | None = "counts") -> H5muParts:
    """Read an ``.h5mu``'s annotations, feature names and counts' locations (not the counts), checking that it pairs
    RNA with ATAC or ADT; parameters as :func:`open_h5mu`."""
    from .files import _check_file, _readable, check_is_mudata, check_not_empty
    from .zarr_stores import to_stream

    # a store: a temporary copy (the pair's matrices alone)
    path = _check_file(to_stream(path, what=".h5mu", kind="MuData", pair=(rna, other)), what=".h5mu")
    with _readable(path, what=".h5mu", fmt=".h5mu"), h5py.File(path, "r") as f:
        check_is_mudata(f, path, what=".h5mu")
        available = list(f["mod"])
        types_of = stored_types(f)
        rna, other = pick_modalities(path.name, available, rna, other, types_of=types_of, path=path)
        global_obs, _, uns = _read_frames(f)
        hashtags = hashtag_modalities([m for m in available if m not in (rna, other)], types_of)
        frames = {m: obs for m in hashtags if (obs := _obs_of(f["mod"][m])) is not None}
        global_obs = with_hashtag_columns(global_obs, frames)
        locs = {m: _counts_location(f["mod"][m], layer, where=f"modality {m!r}") for m in (rna, other)}
        mods = {m: _read_frames(f["mod"][m], locs[m]) for m in (rna, other)}
        pulled = frozenset(f"{m}:{c}" for m in available if m not in hashtags  # 'hto:hash_id' kept, as in memory
                           for c in (mods[m][0].columns if m in mods else _obs_column_names(f["mod"][m])))
    unique = unique_cells_of(mods[rna][0].index, mods[other][0].index)  # mosaic data: its own fix for repeats
    for m in (rna, other):
        check_not_empty(f"{path} modality {m!r}", max(len(mods[n][0]) for n in (rna, other)), len(mods[m][1]))
        unique(mods[m][0].index, f"{path} modality {m!r}", written=True)
    kind = h5mu_kinds(rna, other, mods[rna][1], mods[other][1], other_kind=other_kind, available=available)
    return H5muParts(path, available, rna, other, kind, global_obs, uns, mods, locs, layer, pulled,
                     pd.Index([]).append([pd.Index(obs.index) for obs in frames.values()]))


def _obs_of(group: h5py.Group) -> pd.DataFrame | None:
    """The ``obs`` frame of a modality not read (hashtags, for their columns), None where anndata cannot read it."""
    try:
        obs = read_elem(group["obs"]) if isinstance(group.get("obs"), h5py.Group) else None
    except Exception:  # a layout anndata's reader does not know: its columns are left out, as before
        return None
    return obs if isinstance(obs, pd.DataFrame) else None


def _obs_column_names(group: h5py.Group) -> list[str]:
    """The ``obs`` column names of an AnnData group (a modality not read), without reading the columns."""
    obs = group.get("obs")
    if isinstance(obs, h5py.Group):
        order = obs.attrs.get("column-order")
        if order is not None:
            return [str(c) for c in order]
        index = obs.attrs.get("_index", "_index")
        return [str(c) for c in obs if c not in (index, "__categories")]
    return [str(c) for c in obs.dtype.names or ()] if isinstance(obs, h5py.Dataset) else []


def open_h5mu(
    path: PathLike, *, rna: str = "rna", other: str | None = None, other_kind: str | None = None,
    layer: str | None = "counts", mosaic: bool = False,
):
    """Open an RNA + ATAC/protein ``.h5mu`` without reading the counts (see :func:`jae.io.read_h5mu`, which takes the
    same ``path``, ``rna``, ``other`` and ``other_kind``).

    Counts are each modality's ``layers[layer]`` (``.X`` when ``layer`` is None, or is ``'counts'`` and absent).
    A file whose modalities hold different cells (mosaic data) raises :class:`DifferentCellsError`, or with
    ``mosaic=True`` is opened as :class:`jae.io.MosaicFiles` (as :func:`jae.io.open_mosaic_h5mu` does, from the
    annotations read once).

    Returns
    -------
    :class:`PairedFiles`, or :class:`jae.io.MosaicFiles` (``mosaic=True``, modalities holding different cells).
    """
    from .readers import read_h5mu

    parts = read_h5mu_parts(path, rna=rna, other=other, other_kind=other_kind, layer=layer)
    path, rna, other, kind = parts.path, parts.rna, parts.other, parts.kind
    global_obs, uns, mods, locs = parts.global_obs, parts.uns, parts.mods, parts.locs
    try:
        misordered = _check_same_cells(  # an .h5mu is written again with one modality reordered
            mods[rna][0].index, mods[other][0].index, [rna, other],
            rewrite=f"mdata.mod[{other!r}] = mdata[{other!r}][mdata[{rna!r}].obs_names].copy(); mdata.write(...)")
    except DifferentCellsError as err:
        if not mosaic:
            raise
        from .mosaic_files import mosaic_files

        logger.info("%s holds mosaic data (%s)", path.name, err.summary)
        return mosaic_files(parts, other_kind=other_kind)
    index = mods[rna][0].index
    columns = {}
    global_obs = global_obs[~parts.hashtags_only(global_obs.index)]  # cells only hashtags hold: not read
    if not global_obs.index.equals(index) and len(global_obs) == len(index) and global_obs.index.is_unique \
            and global_obs.index.isin(index).all():  # the same cells in another order: each row by its cell's name
        global_obs = global_obs.reindex(index)  # (their columns were dropped, as read whole they are kept)
    if global_obs.index.equals(index):
        for c in global_obs.columns:
            if c not in parts.pulled:  # MuData's copies of a modality's columns ('rna:batch'), as read whole
                columns[c] = global_obs[c]
    mod_obs = modality_obs([mods[m][0] for m in (rna, other)], index, names=[f"modality {m!r}" for m in (rna, other)],
                           skip=columns)
    fill_global_batches(columns, mod_obs)  # a cell the global obs gives no batch: its modalities'
    obs = pd.DataFrame(columns | {c: mod_obs[c] for c in mod_obs.columns if c not in columns}, index=index)
    mark_dropped(obs, pd.DataFrame(columns, index=index) if columns else None, [mods[m][0] for m in (rna, other)],
                 (rna, other), log=False)  # 'prot:cell_type' then refused with the right fix (warned when read whole)
    return PairedFiles(
        counts=(BackedCounts(path, modality=rna, layer=locs[rna]), BackedCounts(path, modality=other, layer=locs[other])),
        names=("rna", MOD_NAMES[kind]),
        kinds=("GEX", kind),
        var_names=(mods[rna][1].index.astype(str), mods[other][1].index.astype(str)),
        obs=obs,
        uns={k: uns[k] for k in ("dataset_id", "organism") if k in uns},
        loader=(read_h5mu, dict(path=path, rna=rna, other=other, other_kind=other_kind, layer=layer)),
        misordered=misordered,
    )
