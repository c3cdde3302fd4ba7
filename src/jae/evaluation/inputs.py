"""Embeddings to score, read from where other tools keep them: an obsm key of the data (or of a modality, in the
data's cell order; in memory or opened lazily), a competition prediction ``.h5ad`` (``X`` = embedding), or the
``.h5mu`` ``jae embed`` writes. Used by :func:`jae.evaluate`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import logging

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._words import count
from ..io.paths import user_path

__all__ = ["as_array", "read_embedding", "frame_embedding", "obsm_embedding", "stored_obsm_keys", "files_h5mu"]

logger = logging.getLogger(__name__)


def read_embedding(
    path: str | os.PathLike, obs_names: pd.Index, *, name: str | None = None, scored: np.ndarray | None = None
) -> tuple[str, np.ndarray]:
    """A competition embedding file (``.h5ad``: ``X`` = embedding, ``obs_names`` = cells), or the ``.h5mu`` that
    ``jae embed`` writes (its ``obsm['X_jae']``), in ``obs_names`` order.

    ``scored``: ``(n_cells,)`` bool, the cells that are scored (those with a cell type; None: every cell). The file
    may lack the others: their rows are NaN (never scored). Cells of the file that ``obs_names`` lacks are left out
    with a warning giving their number; a file sharing no cell with ``obs_names``, one lacking some scored cells, a
    text file (CSV), a jae model folder, a data file (e.g. the competition's ``*.solution.h5ad``: ``X`` =
    expression, ``var['feature_types']``) and a modality prediction (``jae predict``'s output: predicted features in
    ``X``, ``uns['method_id']``) are refused in one line.

    Returns
    -------
    ``(label, embedding)``: ``name``, else the file's ``uns['method_id']``, else its name; ``(n_cells, n_dims)``.
    """
    from ..io import read_h5ad

    path = user_path(path)
    _refuse_other_formats(path)
    mudata_obsm = _mudata_embedding(path)
    if mudata_obsm is not None:  # the .h5mu jae embed --out FILE.h5mu writes: its obsm['X_jae']
        cells, X = mudata_obsm
        pred = ad.AnnData(X=X, obs=pd.DataFrame(index=cells))
    else:
        pred = read_h5ad(path, what="embedding")
    label = name or str(pred.uns.get("method_id", path.name.split(".")[0]))
    _refuse_data_file(path, pred)
    _unique_rows(pred.obs_names, f"embedding file {path}", fix="write one row per cell")
    obs_names = pd.Index(obs_names)
    shared = int(pred.obs_names.isin(obs_names).sum())
    if not shared:
        raise ValueError(
            f"embedding file {path} shares no cell with the data: its {pred.n_obs} cells (e.g. "
            f"{[str(c) for c in pred.obs_names[:2]]}) and the data's {len(obs_names)} (e.g. "
            f"{[str(c) for c in obs_names[:2]]}) have different names; pass the embedding of this data"
        )
    at = _scored_rows(pred.obs_names, obs_names, scored, what=f"embedding file {path}",
                      fix="embed every cell of the data")
    warn_extra_cells(f"embedding file {path.name}", pred.obs_names, obs_names)
    X = pred.X.toarray() if sp.issparse(pred.X) else np.asarray(pred.X)
    return label, _rows(X, at, what=f"embedding file {path.name}")


def frame_embedding(frame: pd.DataFrame, obs_names: pd.Index, *, name: str,
                    scored: np.ndarray | None = None) -> np.ndarray:
    """An embedding given as a DataFrame indexed by cell names, its rows in ``obs_names`` order (read by name, not row
    by row), by the rule of an embedding file (:func:`read_embedding`): ``scored`` (None: every cell) are the cells
    that are scored; the frame may lack the others (their rows are NaN, never scored). A frame lacking some scored
    cells or repeating a cell name is refused in one line; its cells that ``obs_names`` lacks are left out with a
    warning giving their number."""
    obs_names = pd.Index(obs_names)
    if frame.index.inferred_type == "integer":  # indexed by integer obs_names, which AnnData and MuData read as text
        frame = frame.set_axis(pd.Index(frame.index.astype(str)))
    if frame.index.equals(obs_names):
        return np.asarray(frame)
    what = f"embedding {name!r}'s index"
    _unique_rows(frame.index, what, fix="give one row per cell")
    at = _scored_rows(frame.index, obs_names, scored, what=what, fix="give it a row for each of the data's obs_names")
    warn_extra_cells(f"embedding {name!r}", frame.index, obs_names)
    return _rows(np.asarray(frame), at, what=f"embedding {name!r}")


def _unique_rows(cells: pd.Index, what: str, *, fix: str) -> None:
    """Refuse an embedding whose cell names repeat (``what`` repeats ..., ``fix``): its rows could not be read by name."""
    if not cells.is_unique:
        twice = cells[cells.duplicated()].unique()
        raise ValueError(f"{what} repeats {count(len(twice), 'cell name')} (e.g. "
                         f"{[str(c) for c in twice[:3]]}); {fix}")


def _scored_rows(cells: pd.Index, obs_names: pd.Index, scored: np.ndarray | None, *, what: str, fix: str) -> np.ndarray:
    """Row of each of ``obs_names`` among ``cells`` (-1: absent), refusing in one line (``what`` lacks ..., ``fix``)
    an embedding that lacks some of the ``scored`` cells (None: every cell)."""
    scored = np.ones(len(obs_names), dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    at = pd.Index(cells).get_indexer(obs_names)
    missing = obs_names[scored & (at < 0)]
    if len(missing):
        which, also = ("cells", "") if scored.all() else ("cells with a cell type, which are scored",
                                                          ", or at least every one with a cell type")
        raise ValueError(f"{what} lacks {len(missing)} of the {int(scored.sum())} {which} (e.g. "
                         f"{[str(c) for c in missing[:3]]}); {fix}{also}")
    return at


def _rows(X: np.ndarray, at: np.ndarray, *, what: str) -> np.ndarray:
    """``X``'s rows ``at`` (:func:`_scored_rows`); a NaN row for each cell absent from the embedding (not scored)."""
    if (at >= 0).all():
        return X[at]
    logger.info("%s lacks %d cells without a cell type (not scored)", what, int((at < 0).sum()))
    out = np.full((len(at), X.shape[1]), np.nan, dtype=np.result_type(X.dtype, np.float32))
    out[at >= 0] = X[at[at >= 0]]
    return out


def as_array(value) -> np.ndarray:
    """An embedding given as a value, as numpy: a sparse matrix densified, a torch tensor detached and moved to the CPU
    (bfloat16, which numpy lacks, as float32); anything else through ``np.asarray``."""
    if sp.issparse(value):
        return value.toarray()
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        value = value.detach().cpu()
        return (value.float() if str(value.dtype) == "torch.bfloat16" else value).numpy()
    return np.asarray(value)


def warn_extra_cells(what: str, cells: pd.Index, obs_names: pd.Index) -> None:
    """One warning giving the number of ``cells`` (an embedding's) that ``obs_names`` (the data's) lacks: they are
    left out of the scores."""
    extra = ~pd.Index(cells).isin(obs_names)
    if extra.any():
        logger.warning("%s holds %d cells that the data lacks (e.g. %s); they are left out", what, int(extra.sum()),
                       [str(c) for c in pd.Index(cells)[extra][:3]])


def _refuse_other_formats(path: Path) -> None:
    """Refuse, naming what it is and what to pass instead, a jae model folder or a file that is not HDF5 (a CSV)."""
    import h5py

    if path.is_dir() and (path / "model.json").is_file():
        raise ValueError(
            f"embedding file {path} is a jae model folder, not an embedding; embed the data with it first "
            f"(jae.JAE.load({str(path)!r}).embed(mdata) stores obsm['X_jae']) and score that embedding"
        )
    if not path.is_file() or h5py.is_hdf5(path):
        return  # a missing file or a folder: read_h5ad names it
    kind = {".csv": "a CSV file", ".tsv": "a TSV file", ".txt": "a text file"}.get(path.suffix.lower(),
                                                                              "not an HDF5 file")
    words = _text_columns(path)
    if words:  # e.g. jae embed's labels table: the DataFrame below would hold text, which AnnData cannot store as X
        raise ValueError(
            f"embedding file {path} is {kind} whose columns {words} hold text, not numbers, so it is no embedding "
            "(e.g. the cell-type labels that jae embed --labels-out writes); pass the embedding itself: an .h5ad "
            "(X = embedding, obs_names = cells) or the .h5mu jae embed writes"
        )
    raise ValueError(
        f"embedding file {path} is {kind}; accepted: an .h5ad (X = embedding, obs_names = cells) or the .h5mu jae "
        f"embed writes; pass its values as a DataFrame indexed by cell name instead ({{'name': "
        f"pandas.read_csv({str(path)!r}, index_col=0)}})"
    )


def _text_columns(path: Path) -> list[str]:
    """The columns after the first (the cell names) of a text table whose first rows are not numbers (jae embed's
    labels: cell_type, unknown); empty for a table of numbers, or a file pandas cannot read as a table."""
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        head = pd.read_csv(path, sep=sep, index_col=0, nrows=20)
    except (ValueError, UnicodeDecodeError, OSError):  # not a table: the message names the file's kind alone
        return []
    return [str(c) for c in head.columns if pd.api.types.is_bool_dtype(head[c])
            or not pd.api.types.is_numeric_dtype(head[c])]


def _mudata_embedding(path: Path, key: str = "X_jae") -> tuple[pd.Index, np.ndarray] | None:
    """``(cells, obsm[key])`` of a MuData file (None for any other file; one line naming its embeddings when it has
    no ``key``)."""
    import h5py
    from ..io.elems import read_elem

    try:
        with h5py.File(path, "r") as f:
            if "mod" not in f:
                return None
            have = _obsm_names(f)
            if key not in have:
                raise ValueError(f"embedding file {path} is a MuData file without obsm[{key!r}] (its obsm: {have}); "
                                 f"give it as the data and score one of those: embeddings=[KEY]")
            E, cells = read_elem(f["obsm"][key]), pd.Index(read_elem(f["obs"]).index)
    except OSError:  # not HDF5: read_h5ad says what it is
        return None
    return cells, (E.toarray() if sp.issparse(E) else np.asarray(E))


def _is_file_name(value: str) -> bool:
    """Whether an embedding given as a string names a file (a competition ``.h5ad`` or jae embed's ``.h5mu``)."""
    return value.endswith((".h5ad", ".h5mu"))


def _is_files(data) -> bool:
    """Whether ``data`` is opened lazily: paired (:class:`jae.io.PairedFiles`), mosaic or RNA-only files on disk."""
    from ..io.paired_files import FilesOnDisk

    return isinstance(data, FilesOnDisk)


class ObsmKey(str):
    """An obsm key scored, with where it was read (``place``: :func:`obsm_place`'s words), for the report to name
    it so without opening lazily opened files again."""

    place: str

    def __new__(cls, key: str, place: str):
        self = super().__new__(cls, key)
        self.place = place
        return self

    def __reduce__(self):  # pickled and copied with its place (str's own would call ObsmKey(key) without it)
        return ObsmKey, (str(self), self.place)


class StoredObsm(NamedTuple):
    """What :func:`files_obsm` reads of an obsm key of lazily opened files, each file opened once."""

    values: np.ndarray  #: the embedding, in the files' cell order
    place: str  #: where it was read, in the report's words (:func:`obsm_place`)
    held_by: list[str]  #: the modalities holding it when neither an .h5mu's global obsm nor an .h5ad does
    columns: list[str] | None  #: jae's record of its column names (``uns[<key>]['columns']``), the first file's


def files_obsm(files, key: str) -> StoredObsm:
    """``obsm[key]`` of lazily opened files (an ``.h5mu``'s global obsm, else a modality's or an ``.h5ad``'s), read
    alone, in the files' cell order, with where it was read, the modalities holding it and jae's record of its
    columns (for :func:`jae.evaluation.embeddings.read_embeddings`, the report and the ambiguity warning): each file
    opened once."""
    from contextlib import ExitStack
    from ..io.files import open_again
    from ..provenance import uns_key

    with ExitStack() as stack:
        opened: dict = {}

        def file(path):
            if path not in opened:
                opened[path] = stack.enter_context(open_again(path, f"obsm[{key!r}]"))
            return opened[path]

        found, available = None, set()
        for c in files.counts:
            f = file(c.path)
            for g in [f, f["mod"][c.modality]] if c.modality is not None else [f]:
                names = _obsm_names(g)
                available.update(names)
                if key in names:
                    found = _obsm_in_group(g, key, files.obs_names, f"obsm[{key!r}] of {c.path.name}" if g is f else
                                           f"obsm[{key!r}] of modality {c.modality!r} of {c.path.name}")
                    place = (f"obsm[{key!r}] of {c.path.name}" if c.modality is None else f"obsm[{key!r}]"
                             if g is f else f"obsm[{key!r}] of modality {str(c.modality)!r}")
                    break
            if found is not None:
                break
        if found is None:
            raise _not_in_obsm(key, sorted(available))
        held_by = []  # (a modality's, or several: warned of by jae.evaluation.checks.warn_ambiguous_obsm)
        for c in files.counts:
            if c.modality is None or key in file(c.path).get("obsm", {}):  # an .h5ad's, or the .h5mu's own
                held_by = []
                break
            if key in file(c.path)["mod"][c.modality].get("obsm", {}):
                held_by.append(str(c.modality))
        paths = dict.fromkeys(c.path for c in files.counts)
        columns = next((n for n in (recorded_columns(file(p), uns_key(key)) for p in paths) if n is not None), None)
    return StoredObsm(found, place, held_by, columns)


def _obsm_in_group(g, key: str, obs_names: pd.Index, where: str) -> np.ndarray:
    """``obsm[key]`` of the stored AnnData ``g`` (an h5py group) in ``obs_names`` order (refused in one line, naming it
    by ``where``, when it lacks some of them)."""
    from ..io.elems import read_elem

    E = read_elem(g["obsm"][key])
    E = E.toarray() if sp.issparse(E) else np.asarray(E)
    at = pd.Index(read_elem(g["obs"]).index).get_indexer(obs_names)
    if (at < 0).any():  # a modality's (or one file's) embedding of the cells measured in it only
        raise ValueError(f"{where} lacks {int((at < 0).sum())} of the data's {len(at)} cells; store the embedding "
                         "of every cell in the global obsm of an .h5mu (one row per cell), or pass it as an embedding "
                         "file: embeddings={name: FILE}")
    # (a file's rows beyond the data's cells, e.g. of cells only its hashtags hold: left out)
    return E if len(E) == len(at) and np.array_equal(at, np.arange(len(at))) else E[at]


def recorded_columns(f, key: str) -> list[str] | None:
    """``uns[key]['columns']`` of a stored AnnData or MuData (an open h5py file: jae's record of an embedding); None
    without one, or one that is not text."""
    where = f"uns/{key}/columns"
    try:
        return list(f[where].asstr()[()]) if where in f else None
    except (OSError, TypeError, ValueError):
        return None


def _obsm_names(group) -> list[str]:
    """The keys of a stored AnnData's or MuData's ``obsm`` (an h5py group), without MuData's per-modality masks."""
    if "obsm" not in group:
        return []
    masks = set(group["mod"]) if "mod" in group else set()
    return [str(k) for k in group["obsm"] if k not in masks]


def stored_obsm_keys(paths) -> list[str]:
    """The embeddings stored in the ``.h5ad`` / ``.h5mu`` files ``paths`` (their ``obsm`` keys, an ``.h5mu``'s global
    ones and its modalities'), for messages; files that are not HDF5 are skipped."""
    import h5py

    keys = {}
    for path in paths:
        try:
            with h5py.File(path, "r") as f:
                keys.update(dict.fromkeys(_obsm_names(f)))
                for mod in (f["mod"].values() if "mod" in f else ()):
                    keys.update(dict.fromkeys(_obsm_names(mod)))
        except OSError:
            continue
    return list(keys)


def obsm_embedding(data, key: str) -> np.ndarray:
    """``data.obsm[key]``, or a modality's ``obsm[key]`` in the data's cell order (data in memory or opened lazily)."""
    if _is_files(data):
        return files_obsm(data, key).values
    holders = (data, *getattr(data, "mod", {}).values())
    masks = set(getattr(data, "mod", {}))  # MuData keeps a mask per modality in its obsm: not embeddings

    def keys(holder):
        return [k for k in holder.obsm if holder is not data or k not in masks]

    for holder in holders:
        if key in keys(holder):
            E = holder.obsm[key]
            E = E.toarray() if sp.issparse(E) else np.asarray(E)
            if holder is not data and not holder.obs_names.equals(data.obs_names):
                at = holder.obs_names.get_indexer(data.obs_names)
                if (at < 0).any():
                    mod = next(m for m, a in data.mod.items() if a is holder)
                    raise ValueError(f"obsm[{key!r}] of modality {mod!r} lacks {int((at < 0).sum())} of the data's "
                                     f"{len(at)} cells; score the cells it holds, jae.evaluate(mdata[mdata[{mod!r}]."
                                     "obs_names], ...), or store the embedding of every cell in the global obsm (one "
                                     "row per cell)")
                E = np.asarray(E)[at]
            return np.asarray(E)
    available = sorted({str(k) for h in holders for k in keys(h)})
    raise _not_in_obsm(key, available)


def obsm_place(data, key: str) -> str:
    """Where :func:`obsm_embedding` reads ``obsm[key]`` from, in the report's words: ``"obsm['X_pca']"`` (the data's
    own, or an ``.h5mu``'s global one), ``"obsm['X_pca'] of modality 'rna'"`` (a modality's: muon's CITE-seq tutorial
    stores an ``X_pca`` in both 'rna' and 'prot'), or ``"obsm['X_pca'] of x.mod1.h5ad"`` (one of the files)."""
    if _is_files(data):  # (its values read too: the files are opened once for both)
        try:
            return files_obsm(data, key).place
        except KeyError:  # not stored: the key as given, as for data in memory
            return f"obsm[{key!r}]"
    mods = getattr(data, "mod", {})
    if key in getattr(data, "obsm", {}) and key not in mods:  # MuData's per-modality masks are no embeddings
        return f"obsm[{key!r}]"
    return next((f"obsm[{key!r}] of modality {str(m)!r}" for m, a in mods.items() if key in a.obsm), f"obsm[{key!r}]")


def _not_in_obsm(key: str, available: list[str]) -> KeyError:
    """The error for an obsm key the data lacks, naming the keys it has, or where else embeddings may come from."""
    fix = ("" if available else
           "; the data holds no embeddings: pass embeddings={name: array or path of an embedding file}")
    return KeyError(f"embedding {key!r} not found in the data's obsm (nor in a modality's obsm); available: "
                    f"{available}{fix}")


def _refuse_data_file(path: Path, pred: ad.AnnData) -> None:
    """A scanpy / scvi-tools data file (``X`` = expression described by ``var`` columns, embeddings in
    ``obsm['X_...']``) given as a prediction file: its ``X`` is not an embedding, so refuse rather than score it."""
    embeddings = [str(k) for k in pred.obsm if str(k).startswith("X_")]
    if embeddings and (len(pred.var.columns) or pred.n_vars > 1000):
        key = embeddings[0]
        var = f"var: {[str(c) for c in pred.var.columns][:5]}" if len(pred.var.columns) else "no var columns"
        raise ValueError(
            f"embedding file {path} looks like a data file: its X has {pred.n_vars} columns ({var}) and its obsm "
            f"holds {embeddings}; a prediction file's X is the embedding: write one with anndata.AnnData(X=adata.obsm"
            f"[{key!r}], obs=adata.obs[[]]).write_h5ad(FILE), or give this file as the data and score its obsm key "
            f"{key!r} (embeddings=[{key!r}])"
        )
    if pred.n_vars == 0 and len(pred.obs.columns):  # obs only: annotations (cell types, batches), no embedding
        raise ValueError(
            f"embedding file {path} holds annotations, not an embedding: its X has no columns and its obs "
            f"{[str(c) for c in pred.obs.columns][:5]}; join it to the data (read_competition(..., annotations=FILE)) "
            "and give the method's output (X = the embedding) as the embedding file"
        )
    if "feature_types" in pred.var.columns and pred.n_vars:
        kinds = sorted({str(k) for k in pd.unique(pred.var["feature_types"].astype(str))})
        if "method_id" in pred.uns:  # a method's output of modality features: a modality prediction (jae predict's)
            raise ValueError(
                f"embedding file {path} is a modality prediction, not an embedding: its X holds {pred.n_vars} predicted "
                f"{'/'.join(kinds)} features (var['feature_types']) made by {str(pred.uns['method_id'])!r}, as jae "
                "predict writes; give an embedding of these cells instead (X = the embedding, e.g. the file jae embed "
                "writes); a prediction is scored against the measured modality, its cells and features taken in "
                "the prediction's order: jae.metrics.rmse(measured[prediction.obs_names, prediction.var_names].X, "
                "prediction.X)"
            )
        columns = [str(c) for c in pred.obs.columns][:5]
        raise ValueError(
            f"embedding file {path} is a data file, not an embedding: its X holds {pred.n_vars} {'/'.join(kinds)} "
            f"features (var['feature_types']; obs columns: {columns}); a *.solution.h5ad holds the annotations: join "
            "them to the data (read_competition(..., annotations=FILE)), and give the method's output (X = the "
            "embedding) as the embedding file"
        )


def files_h5mu(data) -> Path | None:
    """The one ``.h5mu`` whose modalities lazily opened files read (:func:`jae.io.open_h5mu`, or an ``.h5mu`` path
    opened so), for its obsm to be read as a backed MuData's; None for any other data."""
    paths = {Path(c.path) for c in getattr(data, "counts", None) or () if getattr(c, "modality", None) is not None}
    return paths.pop() if len(paths) == 1 else None
