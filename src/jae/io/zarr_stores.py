"""AnnData and MuData zarr stores (``adata.write_zarr``, ``mdata.write_zarr``: a folder holding ``.zgroup`` or
``zarr.json``), read wherever their ``.h5ad`` / ``.h5mu`` is: a MuData store as an ``.h5mu`` (``h5mu=``), an AnnData
store as an ``.h5ad`` (``h5ad=``, ``mod1=``, ``mod2=``), zarr v2 and v3 alike.

Within the memory budget a store is read whole (:func:`mudata.read_zarr`, :func:`anndata.read_zarr`) by the readers
of its format (:func:`jae.io.read_h5mu`, :func:`jae.io.read_h5ad`). Over it, or where the data is streamed whatever
the budget without reading it whole (a model's queries given as a path), the store is copied once, element by element
and its count matrices in blocks, into a temporary ``.h5mu`` / ``.h5ad`` in the system's temporary folder
(``TMPDIR``), streamed from there as any such file, and removed when the workflow ends (as
:mod:`jae.io.samples_files` removes its combined samples). One log line says which route was taken (over the budget,
the line of :func:`jae.io.plan_input` naming the store copied: :func:`route_said_later`). A MuData store is estimated
and read whole, or copied, for the modalities read (the pair; the others' ``obs`` and ``var`` alone). Either route
first refuses a store lacking chunk files of its counts (:func:`jae.io.zarr_chunks.check_chunks`). The store itself
is only read.
"""

from __future__ import annotations

import logging
import os
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import h5py
import numpy as np

from .chunked import format_bytes, matrix_bytes
from .paths import user_path
from .zarr_chunks import check_chunks

__all__ = ["is_zarr", "store_kind", "check_store", "read_store", "modalities_read", "store_need", "hdf5_copy",
           "to_stream", "open_tree", "log_route", "route_said_later", "copied_note"]

logger = logging.getLogger(__name__)

#: The files marking a folder as a zarr store: v2's group and attributes, v3's metadata.
MARKERS = (".zgroup", ".zattrs", "zarr.json")
#: Elements copied at most this many values at a time (64 MB of float32).
_BLOCK_VALUES = 1 << 24
#: The flag or argument reading each kind of store, for the refusal of one given to the other.
_READS = {"MuData": "pass it as h5mu=FILE", "AnnData": "pass it as h5ad=FILE (one holding both modalities) or as "
          "mod1=FILE (RNA) with the other modality's file as mod2=FILE"}
#: How a MuData store's modality is saved as a store of its own (``{save}`` in a caller's fix).
_SAVE = "save each modality as a store of its own first (mdata.mod['rna'].write_zarr(...))"
#: The temporary HDF5 copies made of stores (:func:`hdf5_copy`): copy -> store.
_COPIES: dict[Path, Path] = {}
#: Whether the copies made now are said by a later line (:func:`route_said_later`).
_SAID_LATER: ContextVar[bool] = ContextVar("zarr_route_said_later", default=False)


def is_zarr(path) -> bool:
    """Whether ``path`` (a path, or anything else: False) is a folder marked as a zarr store."""
    if not isinstance(path, (str, os.PathLike)):
        return False
    p = user_path(path)
    return p.is_dir() and any((p / m).is_file() for m in MARKERS)


def _group(path: Path, *, what: str):
    try:
        import zarr
    except ImportError:  # anndata 0.10 does not require it
        raise ValueError(f"{what} file {path} is a zarr store, and reading one needs the zarr package: pip install "
                         "zarr (a version your anndata supports)") from None
    try:
        return zarr.open_group(str(path), mode="r")
    except Exception as err:  # zarr's errors for a damaged store are of many kinds: each said in one line
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise ValueError(f"{what} file {path} cannot be read as a zarr store: {reason}; check the store (copy it "
                         "again), or write it with adata.write_zarr(...) or mdata.write_zarr(...)") from None


@contextmanager
def open_tree(path):
    """An ``.h5ad`` / ``.h5mu`` opened read-only with h5py, or a zarr store with zarr: the same tree of groups."""
    if is_zarr(path):
        yield _group(user_path(path), what="input")
    else:
        with h5py.File(path, "r") as f:
            yield f


def store_kind(path, *, what: str = "input") -> str:
    """``'MuData'`` or ``'AnnData'``: the kind of data the zarr store ``path`` holds; refused in one line when it is
    neither (no ``mod`` group, no ``obs`` and ``var``)."""
    g = _group(Path(path), what=what)
    encoding = g.attrs.get("encoding-type")
    keys = set(g.keys())
    if encoding == "MuData" or "mod" in keys:
        return "MuData"
    if encoding == "anndata" or {"obs", "var"} <= keys:
        return "AnnData"
    raise ValueError(f"{what} file {path} is a zarr store but neither an AnnData nor a MuData one (no 'obs' and 'var', "
                     f"no 'mod'; it holds {sorted(keys)[:6]}); write it with adata.write_zarr(...) or "
                     "mdata.write_zarr(...)")


def check_store(path, *, what: str, kind: str, fix: str | None = None) -> Path:
    """``path`` when it is a zarr store of ``kind`` (``'MuData'``, ``'AnnData'``); a store of the other kind is refused
    in one line naming the input that reads it (or ``fix``, where the caller reads no other kind: ``{save}`` in it
    stands for saving a modality as a store of its own), one of neither kind naming what it lacks."""
    path = user_path(path)
    found = store_kind(path, what=what)
    if found != kind:
        article = "an" if found == "AnnData" else "a"
        raise ValueError(f"{what} file {path} is {article} {found} zarr store, not {'an' if kind == 'AnnData' else 'a'} "
                         f"{kind} one; {(fix or _READS[found]).replace('{save}', _SAVE)}")
    return path


def read_store(path, *, what: str, kind: str, fix: str | None = None, pair: tuple | None = None):
    """The zarr store ``path`` of ``kind`` read whole: :func:`anndata.read_zarr`, or :func:`mudata.read_zarr` (whose
    global ``obs`` :func:`jae.io.readers.read_h5mu_as_stored` sets as stored, as for an ``.h5mu``); ``pair``:
    ``(rna, other)`` of a MuData store, whose other modalities are read without their matrices
    (:func:`modalities_read`). A store lacking chunk files of its counts is refused first (:func:`check_chunks`)."""
    import anndata as ad
    import mudata as md

    path = check_store(path, what=what, kind=kind, fix=fix)
    check_chunks(path, what=what)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*names are not unique.*", category=UserWarning)
        if kind == "AnnData":
            return ad.read_zarr(str(path))
        g = _group(path, what=what)
        read = modalities_read(path, pair, group=g) if pair is not None else list(g["mod"].keys())
        return md.read_zarr(str(path)) if set(read) >= set(g["mod"].keys()) else _read_mudata(g, read)


def _read_mudata(g, read: list[str]):
    """The MuData store's group ``g`` read as :func:`mudata.read_zarr` reads it, its modalities but ``read`` holding
    their ``obs`` and ``var`` alone (no matrix)."""
    import anndata as ad
    import mudata as md
    from .elems import read_elem

    mods = {m: ad.read_zarr(g["mod"][m]) if m in read else
            ad.AnnData(obs=read_elem(g["mod"][m]["obs"]), var=read_elem(g["mod"][m]["var"])) for m in g["mod"].keys()}
    order = g["mod"].attrs.get("mod-order")
    if order is not None and all(m in mods for m in order):
        mods = {m: mods[m] for m in order}
    return md.MuData._init_from_dict_(mod=mods, **{k: read_elem(g[k]) for k in g.keys() if k != "mod"})


def modalities_read(path, pair: tuple, *, group=None) -> list[str]:
    """The modalities of the MuData store ``path`` that reading it for ``pair`` (``(rna, other)``, as
    :func:`jae.io.read_h5mu` takes them) reads the counts of: the pair it picks
    (:func:`jae.io.modality.pick_modalities`, hashtags set aside), every modality where it cannot pick one (the read
    then refuses it). ``group``: the store already opened (:func:`_group`), not opened again."""
    from .modality import pick_modalities, stored_types

    g = _group(Path(path), what="input") if group is None else group
    available = list(g["mod"].keys())
    try:
        return list(pick_modalities(Path(path).name, available, *pair, types_of=stored_types(g), quiet=True))
    except (KeyError, ValueError):
        return available


def _is_array(elem) -> bool:
    return hasattr(elem, "dtype") and hasattr(elem, "shape")


def _stored(group) -> tuple[int, int, int]:
    """``(cells, stored values of its largest matrix, bytes of every matrix in X, layers and raw)`` of one AnnData
    group of a store."""
    mats = ([group["X"]] if "X" in group else []) + ([group["layers"][k] for k in group["layers"].keys()]
                                                    if "layers" in group else [])
    if "raw" in group and not _is_array(group["raw"]) and "X" in group["raw"]:  # (a null array: no .raw)
        mats.append(group["raw"]["X"])
    values = [int(np.prod(m.shape)) if _is_array(m) else int(m["data"].shape[0]) for m in mats
              if _is_array(m) or "data" in m]
    obs = group.get("obs")
    index = obs.attrs.get("_index", "_index") if obs is not None else None
    cells = int(obs[index].shape[0]) if obs is not None and index in obs else 0
    return cells, max(values, default=0), sum(matrix_bytes(m) for m in mats)


def store_need(path, kind: str, pair: tuple | None = None) -> int:
    """Estimated peak bytes of fitting on the store read whole: every matrix of ``X``, ``layers`` and ``raw`` as
    stored, plus the working set and the process that :func:`jae.io.paired_files.memory_needed` counts for the same
    cells and counts (an ADT's SVD sample counted too: an upper bound); of a MuData store, the modalities read for
    ``pair`` (:func:`modalities_read`; None: every one)."""
    from types import SimpleNamespace

    from .paired_files import memory_needed

    g = _group(Path(path), what="input")
    read = ((modalities_read(path, pair, group=g) if pair is not None else list(g["mod"].keys())) if kind == "MuData"
            else [])
    groups = [g["mod"][m] for m in read] if kind == "MuData" else [g]
    parts = [_stored(m) for m in groups]
    counts = [SimpleNamespace(nnz=z, encoding="csr_matrix", nbytes=b) for _, z, b in parts]
    n_obs = max((c for c, _, _ in parts), default=0)
    work = memory_needed(n_obs, counts, ["GEX"] * len(counts), in_memory=False)
    return work + sum(b for _, _, b in parts)


def hdf5_copy(path, kind: str, *, what: str = "input", read: list[str] | None = None) -> Path:
    """The zarr store ``path`` of ``kind`` copied into a temporary ``.h5mu`` (a MuData) or ``.h5ad`` (an AnnData)
    named as the store, in the system's temporary folder: element by element as anndata reads and writes them, each
    count matrix (and other 2-d array) in blocks, so no matrix is held whole; of a MuData store, the modalities
    ``read`` whole (None: every one), the others' ``obs`` and ``var`` alone, as :func:`read_store` reads them. Refused
    in one line when the folder has too little room; removed when the workflow ends
    (:func:`jae.io.samples_files.removes_temporary_files`), or at exit; on an error or Ctrl-C at once."""
    from .samples_files import check_disk, temporary_file, temporary_folder

    path = check_store(path, what=what, kind=kind)
    check_chunks(path, what=what)
    g = _group(path, what=what)
    skip = frozenset() if kind != "MuData" or read is None else frozenset(
        f"mod/{m}/{k}" for m in g["mod"].keys() if m not in read for k in g["mod"][m].keys() if k not in ("obs", "var"))
    folder = temporary_folder()
    need = _tree_bytes(g, skip) + 2**20
    check_disk(need, folder, doing=f"copying the zarr store {path.name} to an HDF5 file",
               fix="give a memory budget large enough to read the store whole")
    suffix = ".h5mu" if kind == "MuData" else ".h5ad"
    with temporary_file("jae-zarr-", path.name.removesuffix(".zarr") + suffix) as out:
        with h5py.File(out, "w", userblock_size=512 if kind == "MuData" else 0) as f:
            _copy_attrs(g, f)
            _copy_group(g, f, skip)
        if kind == "MuData":  # the header mudata writes (mudata.read_h5mu warns of a file without it)
            import mudata as md

            with open(out, "r+b") as fh:
                head = f"MuData (format-version={md.__mudataversion__};creator=muon;creator-version={md.__version__})"
                fh.write(head.encode().ljust(512, b"\0")[:512])
    logger.debug("copied %s to %s", path, out)
    _COPIES[Path(out)] = path
    return out


def _tree_bytes(g, skip=frozenset(), at: str = "") -> int:
    """Bytes of every array under the group ``g`` (but the elements ``skip``, paths from the store's root; ``at``:
    ``g``'s), uncompressed: an upper bound of the HDF5 copy."""
    total = 0
    for key in g.keys():
        if at + key in skip:
            continue
        elem = g[key]
        total += (int(np.prod(elem.shape)) * max(elem.dtype.itemsize, 8) if _is_array(elem) else
                  _tree_bytes(elem, skip, f"{at}{key}/"))
    return total


def _h5_value(value):
    """An attribute's value of a store (JSON) as h5py stores it: text lists as variable-length strings."""
    if isinstance(value, (list, tuple)) and (not value or all(isinstance(v, str) for v in value)):
        return np.array(list(value), dtype=h5py.string_dtype())
    if isinstance(value, dict):
        raise TypeError("a mapping")
    return value


def _copy_attrs(src, dst) -> None:
    for key, value in src.attrs.asdict().items():
        try:
            dst.attrs[key] = _h5_value(value)
        except TypeError:
            logger.debug("attribute %r of %s not copied", key, src.path)


#: Groups copied as groups (their elements one by one); any other encoded element is read and written by anndata.
_TREES = (None, "anndata", "MuData", "dict", "raw")


def _copy_group(src, dst, skip=frozenset(), at: str = "") -> None:
    """The elements of the store's group ``src`` (``at``: its path from the root) copied into the HDF5 group ``dst``,
    but those of ``skip`` (paths from the root)."""
    from .elems import read_elem, write_elem

    for key in src.keys():
        if at + key in skip:
            continue
        elem = src[key]
        encoding = elem.attrs.get("encoding-type")
        if encoding == "null" and key == "raw":  # an AnnData store's .raw of None: an .h5ad has no 'raw' then
            continue
        if not _is_array(elem) and encoding in _TREES:
            sub = dst.create_group(key)
            _copy_attrs(elem, sub)
            _copy_group(elem, sub, skip, f"{at}{key}/")
        elif encoding in ("csr_matrix", "csc_matrix") and not _is_array(elem):
            sub = dst.create_group(key)
            _copy_attrs(elem, sub)
            for part in ("data", "indices", "indptr"):
                _copy_array(elem[part], sub, part)
        elif _is_array(elem) and elem.ndim == 2 and elem.dtype.kind in "biuf":
            _copy_array(elem, dst, key)
            _copy_attrs(elem, dst[key])
        else:
            write_elem(dst, key, read_elem(elem))


def _copy_array(src, dst, key: str) -> None:
    """A numeric array of a store copied into the HDF5 group ``dst`` in row blocks of at most :data:`_BLOCK_VALUES`
    values."""
    shape = tuple(int(s) for s in src.shape)
    out = dst.create_dataset(key, shape=shape, dtype=src.dtype, chunks=True if shape and all(shape) else None)
    rows = max(1, _BLOCK_VALUES // max(1, int(np.prod(shape[1:]))))
    for s in range(0, shape[0] if shape else 0, rows):
        out[s:s + rows] = src[s:s + rows]
    if not shape:
        out[()] = src[()]


def log_route(path, route: str, *, what: str, need: int | None = None, budget: int | None = None) -> None:
    """The one log line naming the route a zarr store takes: read whole within the memory budget (``'whole'``, with
    the estimate ``need`` and the ``budget``), or copied to a temporary HDF5 file to stream (``'copy'``; ``what``:
    the input reading it)."""
    if route == "whole":
        logger.info("%s: reading the zarr store %s whole (anndata/mudata read_zarr): about %s, within the memory "
                    "budget of %s", what, Path(path).name, format_bytes(need), format_bytes(budget))
    else:
        from .samples_files import temporary_folder

        logger.info("copying the zarr store %s (%s) once into a temporary HDF5 file in %s (TMPDIR moves it) to stream "
                    "it, removed afterwards; read whole (within the memory budget) it is read with read_zarr",
                    Path(path).name, what.lstrip("."), temporary_folder())


@contextmanager
def route_said_later():
    """Within it, the copies :func:`to_stream` makes are not logged as they are made: the caller's route line, of
    :func:`jae.io.plan_input`, names them (:func:`copied_note`), so a store copied then streamed is said in one line."""
    token = _SAID_LATER.set(True)
    try:
        yield
    finally:
        _SAID_LATER.reset(token)


def copied_note(files) -> str:
    """``', the zarr store NAME copied once into a temporary HDF5 file in TMPDIR,'`` when ``files``
    (:class:`jae.io.PairedFiles` and the like) are read from copies of stores (:func:`hdf5_copy`), else ``''``."""
    paths = getattr(files, "paths", None) or [getattr(c, "path", None) for c in getattr(files, "counts", ())]
    stores = list(dict.fromkeys(_COPIES[Path(p)].name for p in paths if p is not None and Path(p) in _COPIES))
    if not stores:
        return ""
    from .samples_files import temporary_folder

    return (f", the zarr store{'s' if len(stores) > 1 else ''} {' and '.join(stores)} copied once into a temporary "
            f"HDF5 file in {temporary_folder()} (TMPDIR moves it; removed afterwards),")


def to_stream(path, *, what: str, kind: str, fix: str | None = None, pair: tuple | None = None):
    """``path`` as a lazy opener (:func:`jae.io.open_h5mu`, :func:`jae.io.open_competition`, :func:`jae.io.open_rna`)
    streams it: a zarr store of ``kind`` copied once into a temporary HDF5 file (:func:`hdf5_copy`; logged, unless
    within :func:`route_said_later`; ``pair``: ``(rna, other)`` of a MuData store, whose other modalities are copied
    without their matrices, :func:`modalities_read`), anything else as it is (its opener checks it)."""
    if not is_zarr(path):
        return path
    check_store(path, what=what, kind=kind, fix=fix)  # the wrong input refused before any copy
    if not _SAID_LATER.get():
        log_route(path, "copy", what=what)
    read = modalities_read(path, pair) if kind == "MuData" and pair is not None else None
    return hdf5_copy(path, kind, what=what, read=read)
