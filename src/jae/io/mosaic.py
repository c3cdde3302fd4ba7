"""Mosaic data: two modalities of which each cell may have only one (issue 15).

A cell is *measured* in a modality when the modality has a row for it (a MuData whose modalities hold different
cells, or a dict of two AnnData with different ``obs_names``) and that row is not entirely NaN (the other way data
stores "not measured" when every modality holds every cell). :func:`get_mosaic` reads such data into the union of
the cells, with each modality's counts for the cells measured in it and a per-cell ``observed`` mask;
:func:`is_mosaic` tells, cheaply, whether :func:`jae.io.get_paired` (every cell measured in both) applies instead.
The user's data is never changed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .features import examples
from .cell_obs import _joint_obs, _read_cells
from .paired import _as_csr, _choose, _matrix, _stored
from .raw import counts_hint_for, counts_location, counts_read
from .single import modalities_of
from .validate import mosaic_counts, validate_counts

__all__ = ["MosaicCounts", "get_mosaic", "is_mosaic", "missing_rows", "mosaic_union", "MosaicCells", "validate_alone",
           "unique_mosaic_cells", "holds_other_cells", "unique_cells_of", "membership"]

logger = logging.getLogger(__name__)


class MosaicCells:
    """What mosaic data in memory (:class:`MosaicCounts`) and on disk (:class:`jae.io.MosaicFiles`) share: the
    ``observed`` mask, names and kinds give the cell count, the paired cells and the one-line summary."""

    observed: np.ndarray
    names: tuple[str, str]
    kinds: tuple[str, str]

    @property
    def n_obs(self) -> int:
        return len(self.observed)

    @property
    def paired(self) -> np.ndarray:
        """``(n_obs,)`` bool: cells measured in both modalities."""
        return self.observed.all(axis=1)

    def pairing_fix(self) -> str:
        """The fix when too few cells have both modalities: each modality's cell names, and the rename when they are
        the same cells named with another prefix or suffix (barcodes ``AAAC-1`` in one file, ``AAAC`` in the other)."""
        from .features import examples

        only = self._alone()
        if not (len(only[0]) and len(only[1])):
            return "add cells measured in both modalities"
        return self.misnamed() or (f"{self.names[0]!r} names its cells like {examples(only[0])}, {self.names[1]!r} "
                                   f"like {examples(only[1])}: check that the cell names match between the modalities, "
                                   "or add cells measured in both")

    def check_paired(self, minimum: int) -> None:
        """Refuse, in one line with :meth:`pairing_fix`, data with fewer than ``minimum`` cells measured in both
        modalities (a fit learns how the modalities relate from those: :data:`jae.mosaic.MIN_PAIRED_CELLS`)."""
        n_paired = int(self.paired.sum())
        if n_paired < minimum:
            raise ValueError(
                f"only {n_paired} cells have both modalities ({self.summary()}); jae learns how {self.kinds[0]} and "
                f"{self.kinds[1]} relate from cells measured in both and needs at least {minimum}: "
                f"{self.pairing_fix()}")

    def misnamed(self) -> str | None:
        """The rename, when the cells of one modality alone are mostly those of the other alone named with another
        prefix or suffix (``AAAC-1`` / ``AAAC-1_atac``): a fit or embedding would take each such cell for two
        one-modality cells; None otherwise."""
        from .features import affix_rename, examples

        only = self._alone()
        if not (len(only[0]) and len(only[1])):
            return None
        renamed = affix_rename(only[1], only[0])
        if renamed is None or renamed[0] < min(len(only[0]), len(only[1])) / 2:
            return None
        return (f"{self.names[0]!r} names its cells like {examples(only[0])}, {self.names[1]!r} like "
                f"{examples(only[1])}: {renamed[0]} are the same cells named with another prefix or suffix; name the "
                f"{self.names[1]!r} cells so, e.g. adata.obs_names = [{renamed[1]} for n in adata.obs_names] on its "
                "AnnData, then build the MuData again from its modalities, mdata = mudata.MuData(dict(mdata.mod)) "
                "(mdata.update() cannot follow renamed cells; set mdata.obs's columns again), and for a file write it "
                "again")

    def _alone(self) -> list[pd.Index]:
        """The names of the cells measured in each modality alone."""
        names = pd.Index(self.obs.index).astype(str)
        return [names[self.observed[:, i] & ~self.observed[:, 1 - i]] for i in (0, 1)]

    def summary(self) -> str:
        """One phrase: how many cells have both modalities, and how many each alone."""
        only = [int((self.observed[:, i] & ~self.observed[:, 1 - i]).sum()) for i in (0, 1)]
        return (f"{self.n_obs} cells: {int(self.paired.sum())} with both modalities, {only[0]} with {self.kinds[0]} "
                f"only ({self.names[0]!r}), {only[1]} with {self.kinds[1]} only ({self.names[1]!r})")


@dataclass(frozen=True)
class MosaicCounts(MosaicCells):
    """Raw counts of two modalities over the union of their cells, rows in ``obs_names`` order.

    Attributes
    ----------
    obs_names, obs
        Every cell measured in at least one modality, and their annotations (as :class:`jae.io.PairedCounts`).
    names, kinds, var_names
        As :class:`jae.io.PairedCounts`, RNA first.
    observed
        ``(n_obs, 2)`` bool: whether each cell is measured in each modality.
    counts
        CSR counts of each modality for the cells measured in it only: ``counts[i]`` has
        ``observed[:, i].sum()`` rows, in ``obs_names`` order.
    """

    obs_names: pd.Index
    obs: pd.DataFrame
    names: tuple[str, str]
    kinds: tuple[str, str]
    var_names: tuple[pd.Index, pd.Index]
    observed: np.ndarray
    counts: tuple[sp.csr_matrix, sp.csr_matrix]

    def positions(self, i: int) -> np.ndarray:
        """Row of each of ``counts[i]``'s cells in ``obs_names``."""
        return np.flatnonzero(self.observed[:, i])


def missing_rows(X) -> np.ndarray:
    """``(n_rows,)`` bool: rows of ``X`` whose every entry is NaN (a modality not measured in that cell)."""
    if sp.issparse(X):
        X = X.tocsr() if X.format != "csr" else X
        if not np.issubdtype(X.data.dtype, np.floating):
            return np.zeros(X.shape[0], dtype=bool)
        nan = np.isnan(X.data)
        if not nan.any():
            return np.zeros(X.shape[0], dtype=bool)
        per_row = np.add.reduceat(nan.astype(np.int64), X.indptr[:-1]) if X.nnz else np.zeros(X.shape[0], np.int64)
        per_row[np.diff(X.indptr) == 0] = 0  # reduceat gives the next row's first value for empty rows
        return per_row == X.shape[1]
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        return np.zeros(X.shape[0], dtype=bool)
    return np.isnan(X).all(axis=1) if X.shape[1] else np.zeros(X.shape[0], dtype=bool)


def validate_alone(X, *, name: str) -> None:
    """:func:`jae.io.validate_counts` for the one modality of data without the other (``X``: CSR counts): rows all NaN
    (cells not measured in it, the mosaic layout) are cells measured in no modality here, refused naming them and
    how to drop them, not as values that are no counts."""
    gone = missing_rows(X)
    if gone.any() and not gone.all():
        raise ValueError(
            f"{name} has {int(gone.sum())} of {X.shape[0]} cells whose row is all NaN (not measured in it) and the data "
            "has no other modality to place them from; drop them, e.g. from jae.io.mosaic import missing_rows; adata = "
            "adata[~missing_rows(adata.layers['counts'] if 'counts' in adata.layers else adata.X)].copy(), or give "
            "them with their other modality (mosaic data)")
    validate_counts(X, name=name)


def is_mosaic(data, *, modalities: tuple[str, str] | None = None, layer: str | None = "counts",
              kinds: Sequence[str] | Mapping[str, str] | None = None) -> bool:
    """Whether some cell of ``data`` (MuData or ``{name: AnnData}``) lacks one of the two modalities: the modalities
    hold different cells, or a modality's row is entirely NaN. False for anything else (data on disk, an AnnData of one
    modality)."""
    try:
        mods, _ = modalities_of(data, layer=layer)
        names, _ = _choose(mods, modalities, kinds, log=False)  # (get_paired / get_mosaic log the choice)
    except (TypeError, ValueError, KeyError):
        return False  # not two modalities: get_paired gives the message
    if holds_other_cells(*(mods[n].obs_names for n in names)):
        return True
    for name in names:
        adata = mods[name]
        try:  # the matrix get_mosaic reads (jae.io.raw's rule): not a normalised .X while the counts are elsewhere
            found = counts_location(layer, adata.layers, has_raw=adata.raw is not None, where=f"modality {name!r}")
        except KeyError:
            return False  # no counts where asked: get_paired names the fix
        X = _stored(adata, found, name=name)  # no counts: said here, before reading (fit, embed, impute ask first)
        if missing_rows(X).any():
            return True
    return False


def stored_x(group, where: str) -> None:
    """None (the counts are ``.X``, as :func:`jae.io.paired_files._counts_location` says it) for a file's AnnData
    ``group`` whose ``.X`` is stored; a missing or null one (h5py's empty dataspace: how mudata writes ``X=None``)
    refused in one line, :func:`no_counts_message`."""
    X = group.get("X")
    if X is None or getattr(X, "shape", ()) is None:
        raise ValueError(no_counts_message(where, list(group["layers"]) if "layers" in group else []))
    return None


def holds_no_counts(path) -> bool:
    """Whether an ``.h5ad`` holds no values at all (``.X`` missing or null, no layers, no ``.raw``): an AnnData of
    embeddings in obsm alone, scored without counts (cc_cons n/a) rather than refused by :func:`stored_x`."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            X = f.get("X")
            empty_x = X is None or getattr(X, "shape", ()) is None
            return empty_x and "raw" not in f and ("layers" not in f or not len(f["layers"]))
    except OSError:  # missing, a folder, not HDF5: its reader names it
        return False


def no_counts_message(where: str, layers) -> str:
    """The line refusing a modality (``where``) whose counts would be read from ``.X`` while it has none (null), as in
    the ``.h5mu`` copy ``jae embed --impute-modality`` writes: a predicted modality holding ``layers['jae_imputed']``
    alone."""
    return (f"{where} holds no counts: its .X is empty (its layers: {list(layers)}), as in the .h5mu copy jae embed "
            "writes with a predicted modality (layers['jae_imputed'] alone); give the data with its counts (for that "
            "copy, the file jae embed was given), pass layer=... naming its layer of raw counts, or remove that "
            "modality")


def holds_other_cells(first, second) -> bool:
    """Whether two modalities' cell names (``first``, ``second``) are not the same cells in some order: mosaic data
    (names repeated within a modality tell no order apart: the same names in another order are then other cells)."""
    first, second = pd.Index(first), pd.Index(second)
    return not (first.equals(second) or (len(first) == len(second) and first.is_unique and second.is_unique
                                         and first.isin(second).all()))


def membership(data, cells: pd.Index):
    """``(names, observed)``: the two modalities of ``data`` (a MuData or dict of two AnnData in memory, or
    :class:`jae.io.MosaicFiles`) and whether each of ``cells`` has a row in each (rows of NaN not told apart: what a
    message explaining a column missing on one modality's cells needs); None for other data."""
    if isinstance(data, MosaicCells):
        return data.names, np.asarray(data.observed)[pd.Index(data.obs.index).get_indexer(cells)]
    mods = getattr(data, "mod", data if isinstance(data, Mapping) else None)
    if mods is None or len(mods) != 2 or not all(hasattr(a, "obs_names") for a in mods.values()):
        return None
    names = tuple(mods)
    return names, np.column_stack([pd.Index(cells).isin(mods[n].obs_names) for n in names])


def unique_cells_of(first, second):
    """How to check each of two modalities' cell names (``first``, ``second``) are unique: by
    :func:`unique_mosaic_cells` when they hold different cells (mosaic data), else
    :func:`jae.io.features.unique_cells`; both called as ``check(index, what, written=...)``."""
    from .features import unique_cells

    return unique_mosaic_cells if holds_other_cells(first, second) else unique_cells


def unique_mosaic_cells(index, what: str, *, written: bool = False) -> pd.Index:
    """``index`` as a :class:`pandas.Index` after checking that the cell names of ``what`` (a modality of mosaic data)
    are unique. The fix differs from paired data's (:func:`jae.io.features.unique_cells`): the modalities hold
    different cells (or the same in other orders), so ``obs_names_make_unique()`` on each, which numbers repeats by
    their row order, would pair a cell with another cell's other modality; appending each cell's sample makes the
    names unique alike in both."""
    from .._words import count

    index = pd.Index(index)
    if not index.is_unique:
        dup = index[index.duplicated()].unique()
        raise ValueError(
            f"{what} has {count(len(dup), 'duplicated cell name')} (e.g. {examples(dup)}; "
            f"{int(index.duplicated(keep=False).sum())} cells carry them); cell names must be unique to match cells "
            "between modalities, and these modalities do not hold the same cells in one order, so "
            "adata.obs_names_make_unique() on each (numbering repeats by row order) would pair cells wrongly: append "
            "each cell's sample or batch in both modalities, e.g. a.obs_names = a.obs_names.astype(str) + '_' + "
            "a.obs['batch'].astype(str) on each modality's AnnData a"
            + (", then write the file again" if written else ", then mdata.update() for a MuData"))
    return index


def mosaic_union(indexes: Sequence[pd.Index], global_index: pd.Index | None, names) -> tuple[pd.Index, np.ndarray]:
    """The cells of mosaic data and where each is measured: the union of the modalities' cell names (``indexes``,
    RNA first) in ``global_index``'s order when that lists them (a MuData's ``obs_names``), else the RNA's cells then
    the second modality's others; and the ``(n_cells, 2)`` bool ``observed`` mask. A cell of ``global_index``
    measured in neither modality raises, with the fix."""
    union = indexes[0].append(indexes[1].difference(indexes[0], sort=False))
    if global_index is not None and global_index.is_unique:
        in_data = global_index.isin(union)
        order = global_index[in_data]
        if len(order) == len(union):
            union = order
        absent = global_index[~in_data]
        if len(absent):
            raise ValueError(
                f"{len(absent)} cells have neither modality measured (e.g. {examples(absent)}; no row, or a row of "
                f"NaN, in both {names[0]!r} and {names[1]!r}); jae places a cell from at least one modality: drop "
                "those cells, e.g. from jae.io.mosaic import missing_rows; measured = lambda a: a.obs_names[~missing_rows("
                "a.layers['counts'] if 'counts' in a.layers else a.X)]; mdata = mdata[mdata.obs_names.isin(measured("
                f"mdata[{names[0]!r}])) | mdata.obs_names.isin(measured(mdata[{names[1]!r}]))].copy() (a file: read by "
                "mudata.read_h5mu, then written again)"
            )
    return union, np.column_stack([union.isin(index) for index in indexes])


def get_mosaic(
    data,
    *,
    modalities: tuple[str, str] | None = None,
    layer: str | None = "counts",
    kinds: Sequence[str] | Mapping[str, str] | None = None,
) -> MosaicCounts:
    """Read mosaic data: each modality's raw counts for the cells measured in it, over the union of the cells.

    Parameters as :func:`jae.io.get_paired`. Cells are in the MuData's order (its ``obs`` is the union of the
    modalities' cells), or for a dict the RNA modality's cells then the second modality's others.

    Raises
    ------
    ValueError
        For duplicated cell names, a cell measured in neither modality, a partly-NaN row, or counts failing
        :func:`jae.io.validate_counts`; every message names the problem and the fix.
    """
    mods, global_obs = modalities_of(data, layer=layer)
    names, kind_pair = _choose(mods, modalities, kinds)
    indexes, matrices = [], []
    for name in names:
        adata = mods[name]
        index = unique_mosaic_cells(adata.obs_names, f"modality {name!r}")
        X = _as_csr(_matrix(adata, name=name, layer=layer))
        gone = missing_rows(X)
        if gone.any():
            X = X[np.flatnonzero(~gone)]
            index = index[~gone]
        indexes.append(index)
        matrices.append(X)
    # cells only hashtags hold (set aside) are not read: NaN rows in the embedding (jae.storage.in_data_order)
    union, observed = mosaic_union(indexes, None if global_obs is None else _read_cells(mods, global_obs).index, names)
    counts = []
    for name, index, X, has in zip(names, indexes, matrices, observed.T):
        rows = index.get_indexer(union[has])
        if not np.array_equal(rows, np.arange(len(index))):
            X = X[rows]
        if X.shape[0] or not X.shape[1]:  # a modality measuring no cell (mdata[rna_only_cells]): every cell lacks it
            with mosaic_counts():  # cells without counts: left out of this modality alone (never intersect_obs)
                validate_counts(X, name=f"modality {name!r} ({counts_read(mods[name], layer)}, the cells measured "
                                "in it)", modality=name,
                                **({"hint": h} if (h := counts_hint_for(
                                    mods[name], layer, others=[mods[n] for n in names if n != name])) else {}))
        counts.append(X)
    obs = _joint_obs(union, global_obs, [mods[n] for n in names], names)
    out = MosaicCounts(
        obs_names=union, obs=obs, names=tuple(names), kinds=kind_pair,
        var_names=(mods[names[0]].var_names, mods[names[1]].var_names), observed=observed, counts=tuple(counts),
    )
    logger.info("mosaic data: %s", out.summary())
    return out
