"""RNA alone on disk: query cells whose second modality was not measured (``jae embed`` / ``jae map`` given
``--mod1`` alone), counts read in row blocks.

Read whole, anndata loads ``.X`` and ``layers['counts']`` both (10.2 GB at 300,000 cells), though only the counts are
used. :func:`open_rna` reads the cell annotations, feature names and ``uns`` and leaves the counts in the file, as
:func:`jae.io.open_competition` does for paired files; :func:`jae.query.query_features` then treats every cell as
lacking the second modality (a mosaic whose second modality is absent for every cell), exactly as it treats the same
RNA read into memory (:func:`read_rna`), so the features, embedding, labels and imputation are the same.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from .chunked import BackedCounts
from .paired_files import FilesOnDisk

__all__ = ["RnaFiles", "open_rna", "read_rna"]

PathLike = str | os.PathLike


@dataclass(frozen=True)
class RnaFiles(FilesOnDisk):
    """The RNA modality alone, counts on disk (see :func:`open_rna`).

    Attributes
    ----------
    counts
        One :class:`~jae.io.chunked.BackedCounts`, rows in ``obs_names`` order.
    names, kinds, var_names
        ``('rna',)``, ``('GEX',)`` and the genes, as :class:`jae.io.PairedFiles` holds them for two modalities.
    obs, uns, loader, joins
        As :class:`jae.io.PairedFiles`.
    """

    counts: tuple[BackedCounts]
    names: tuple[str]
    kinds: tuple[str]
    var_names: tuple[pd.Index]
    obs: pd.DataFrame
    uns: dict = field(default_factory=dict)
    loader: tuple = ()
    joins: tuple = ()

    @property
    def n_obs(self) -> int:
        """Number of cells."""
        return len(self.obs)

    @property
    def observed(self) -> np.ndarray:
        """``(n_obs, 2)`` bool: every cell has RNA, none the second modality."""
        out = np.zeros((self.n_obs, 2), dtype=bool)
        out[:, 0] = True
        return out

    def __repr__(self) -> str:
        return f"RnaFiles({self.counts[0].path.name}: {self.n_obs} cell{'' if self.n_obs == 1 else 's'}, RNA only)"


def read_rna(path: PathLike, *, modality: str | None = None):
    """The RNA ``.h5ad`` (or the RNA ``modality`` of an ``.h5mu`` holding RNA alone) read whole, as a MuData with one
    modality ``'rna'`` whose cells' annotations are also in the global ``obs`` (as :func:`jae.io.read_competition`
    keeps them)."""
    from .readers import make_mudata, read_h5ad, read_h5mu_as_stored

    if modality is None:
        rna, extra = read_h5ad(path, what="mod1"), None
        check_rna_alone(rna.var, path)
    else:
        stored = read_h5mu_as_stored(path)
        rna, extra = stored[modality].copy(), stored.obs
    mdata = make_mudata({"rna": rna})
    for column in rna.obs.columns:  # .array: categories, nullable integers and booleans kept, as open_rna reads them
        mdata.obs[column] = rna.obs[column].reindex(mdata.obs_names).array
    if extra is not None:  # the file's global columns (e.g. mdata.obs['batch']), as open_rna reads them
        for column in _global_columns(extra, rna.obs):
            mdata.obs[column] = extra[column].reindex(mdata.obs_names).array
    return mdata


def check_rna_alone(var: pd.DataFrame, path) -> None:
    """Refuse a file given alone as RNA (``mod1`` without ``mod2``) whose ``feature_types`` or feature names say it
    holds ATAC or ADT (:func:`jae.io.modality.not_rna_alone`): most likely the second file of a pair."""
    from .call_fixes import memory_call
    from .modality import not_rna_alone

    holds = not_rna_alone(var)
    if holds is not None and holds.startswith("the feature types"):
        raise ValueError(f"mod1 file {path} holds {holds}; pass it alone as h5ad=FILE, which splits it by "
                         "var['feature_types'], so both modalities are used")
    if holds is not None:  # the call in memory: the caller's (jae.io.call_fixes), else model.embed's
        call = memory_call("mudata.MuData({{'mod2': anndata.read_h5ad({file})}})", path)
        raise ValueError(f"mod1 file {path} holds {holds}, not RNA: alone, mod1 must be the RNA (GEX) file; pass the "
                         "RNA file as mod1=, with this one as mod2=; cells measured in the second modality alone are "
                         + (f"read from memory: {call}" if call else "embedded from memory: model.embed(mudata.MuData("
                            f"{{'mod2': anndata.read_h5ad({str(path)!r})}}))"))


def _global_columns(global_obs: pd.DataFrame, obs: pd.DataFrame) -> list:
    """The columns of an ``.h5mu``'s global ``obs`` that its one modality's ``obs`` lacks (MuData's prefixed copies
    ``'rna:column'`` left out)."""
    return [c for c in global_obs.columns if ":" not in str(c) and c not in obs.columns]


def h5mu_rna_alone(path: PathLike, *, rna: str = "rna", other: str | None = None, log: bool = False) -> str | None:
    """The name of the RNA modality of an ``.h5mu`` that holds RNA alone (one modality, named ``rna`` or like RNA:
    'RNA', 'GEX', ..., beside at most modalities of hashtags, set aside: :func:`jae.io.modality.hashtag_modalities`,
    with one log line when ``log``), else None (also when the file cannot be read as one: its reader then says why)."""
    from .modality import RNA_NAMES, hashtag_modalities, log_set_aside, stored_types

    if other is not None:
        return None
    from .zarr_stores import open_tree

    try:
        with open_tree(path) as f:  # an .h5mu, or a zarr store
            mod = f.get("mod")
            available = list(mod.keys()) if mod is not None and not hasattr(mod, "dtype") else []
            hashtags = hashtag_modalities(available, stored_types(f)) if len(available) > 1 else []
    except (OSError, TypeError, ValueError, KeyError):
        return None
    kept = [m for m in available if m not in hashtags]
    if len(kept) != 1:
        return None
    name = kept[0]
    if name != rna and name.lower() not in RNA_NAMES:
        return None
    if log:
        log_set_aside(Path(path).name, hashtags)
    return name


def open_rna_alone(path: PathLike, *, rna: str = "rna", other: str | None = None, layer: str | None = "counts",
                   annotations: PathLike | Sequence[PathLike] | None = None) -> RnaFiles | None:
    """:func:`open_rna` of an ``.h5mu`` that holds RNA alone (:func:`h5mu_rna_alone`), else None (a paired or mosaic
    file, opened as such by the caller)."""
    alone = h5mu_rna_alone(path, rna=rna, other=other, log=True)
    return None if alone is None else open_rna(path, annotations=annotations, layer=layer, modality=alone)


def open_rna(path: PathLike, *, annotations: PathLike | Sequence[PathLike] | None = None,
             layer: str | None = "counts", modality: str | None = None) -> RnaFiles:
    """Open the RNA ``.h5ad`` ``path`` without reading its counts, as an :class:`RnaFiles`; ``annotations``: ``.h5ad``
    files whose ``obs`` columns (or CSV / TSV tables whose columns) are joined by cell name (replacing the file's own columns of the same name, as
    :meth:`jae.io.InputFiles.read` does); ``layer``: raw counts (``.X`` when it is None, or ``'counts'`` and absent;
    ``'raw'``: ``.raw``); ``modality``: the RNA modality of an ``.h5mu`` holding RNA alone (:func:`h5mu_rna_alone`),
    whose global ``obs`` columns are read too."""
    from .features import unique_cells
    from .files import _check_file, _readable, check_is_anndata, check_is_mudata, check_not_empty, check_not_mudata
    from .paired_files import _counts_location, _read_frames
    from .zarr_stores import to_stream

    what, fmt = ("mod1", ".h5ad") if modality is None else (".h5mu", ".h5mu")
    path = _check_file(to_stream(path, what=what, kind="AnnData" if modality is None else "MuData"), what=what)
    with _readable(path, what=what, fmt=fmt), h5py.File(path, "r") as f:
        if modality is None:
            check_not_mudata(f, path, what=what)
            check_is_anndata(f, path, what=what)
            group, where = f, path.name
        else:
            check_is_mudata(f, path, what=what)
            group, where = f["mod"][modality], f"modality {modality!r}"
        loc = _counts_location(group, layer, where=where)
        obs, var, uns = _read_frames(group, loc)
        if modality is not None:
            global_obs, _, global_uns = _read_frames(f)
            uns = {**global_uns, **uns}
            for column in _global_columns(global_obs, obs):
                obs[column] = global_obs[column].reindex(obs.index)
    check_not_empty(str(path), len(obs), len(var))
    if modality is None:
        check_rna_alone(var, path)
    unique_cells(obs.index, f"{what} file {path}", paired=False, written=True)
    with _readable(path, what=what, fmt=fmt):
        counts = BackedCounts(path, layer=loc, modality=modality)
    loader = (read_rna, dict(path=Path(path)) | ({} if modality is None else {"modality": modality}))
    files = RnaFiles(
        counts=(counts,), names=("rna",), kinds=("GEX",), var_names=(var.index.astype(str),), obs=obs,
        uns={k: uns[k] for k in ("dataset_id", "organism") if k in uns}, loader=loader,
    )
    if annotations is None:
        return files
    return files.with_annotations(annotations, replace_existing=True)
