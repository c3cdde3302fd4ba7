"""Whether a zarr store holds every chunk file of its count matrices (:func:`check_chunks`), checked before it is read
or copied (:mod:`jae.io.zarr_stores`). Zarr reads a chunk file that is absent as the array's fill value (zero), so a
store copied in part (an ``rsync`` or ``gsutil`` copy cut short, a file deleted) would read as counts silently lost.
The check lists the files of the store's sparse count matrices (``X``, each of ``layers``, ``raw/X``; of every
modality of a MuData store) and reads none of the chunks.

Zarr writes no chunk whose values are all the fill value (its ``write_empty_chunks=False``, the default), so what an
absent file means depends on the array:

- a sparse matrix's ``data`` and ``indices`` (the stored values, and their columns): a chunk of stored zeros, or of
  column indices all zero (one stored value per row, in column 0, for each of the chunk's thousands of rows), is not
  what a count matrix holds: every absent chunk of these is damage;
- its ``indptr`` (where each row starts, rising from 0): a chunk of zeros is a run of leading rows without counts,
  which may be absent; an absent chunk after a written one, or the last one when values are stored, is damage;
- a dense matrix: a block of cells x features without counts is all zeros and legitimately has no file, so an absent
  file cannot be told from a lost one; dense matrices are not checked.

A sharded array (zarr v3) is checked by its shard files: zarr writes a shard unless every chunk in it is the fill value.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

__all__ = ["check_chunks", "missing_chunks"]

#: The metadata files of a zarr array (v2, v3), not chunks.
_META = frozenset({".zarray", ".zattrs", "zarr.json", ".zmetadata", ".zgroup"})


def _json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return None


def _attrs(folder: Path) -> dict:
    """The attributes of the zarr group or array ``folder`` (v2's ``.zattrs``, v3's ``zarr.json``)."""
    if (folder / ".zattrs").is_file():
        return _json(folder / ".zattrs") or {}
    return (_json(folder / "zarr.json") or {}).get("attributes", {}) if (folder / "zarr.json").is_file() else {}


def _chunk_keys(folder: Path):
    """``(length, fill value, the chunk files' relative paths in order)`` of the 1-d zarr array ``folder``; None when
    ``folder`` holds no array's metadata; ``(length, fill, None)`` for an array of more dimensions (not checked)."""
    v2 = _json(folder / ".zarray") if (folder / ".zarray").is_file() else None
    if v2 is not None:
        shape, grid, fill = v2.get("shape", []), v2.get("chunks", []), v2.get("fill_value")
        prefix = ""
    else:
        v3 = _json(folder / "zarr.json") if (folder / "zarr.json").is_file() else None
        if v3 is None or v3.get("node_type") != "array":
            return None
        shape, fill = v3.get("shape", []), v3.get("fill_value")
        grid = v3.get("chunk_grid", {}).get("configuration", {}).get("chunk_shape", [])  # shards, where sharded
        encoding = v3.get("chunk_key_encoding", {"name": "default"})
        default = encoding.get("name", "default") == "default"  # 'c/0' (or 'c.0'); the v2 encoding: '0'
        prefix = f"c{encoding.get('configuration', {}).get('separator', '/')}" if default else ""
    if len(shape) != 1 or len(grid) != 1 or not grid[0]:
        return shape[0] if shape else 0, fill, None
    return shape[0], fill, [f"{prefix}{i}" for i in range(math.ceil(shape[0] / grid[0]))]


def _files(folder: Path) -> set[str]:
    """The relative paths (``/``-separated) of every file under ``folder`` but the metadata: the listing, no reading."""
    found = set()
    for root, _, names in os.walk(folder):
        rel = Path(root).relative_to(folder).as_posix()
        found.update(n if rel == "." else f"{rel}/{n}" for n in names if n not in _META)
    return found


def _missing(folder: Path, part: str, stored: int) -> tuple[int, int] | None:
    """``(absent chunk files that are damage, chunk files)`` of the member ``part`` of the sparse matrix ``folder``
    (``stored``: its number of stored values), as the module explains; None when nothing can be told."""
    keys = _chunk_keys(folder / part)
    if keys is None:  # the member itself is absent: every chunk of it
        return 1, 1
    _, fill, names = keys
    if names is None:
        return None
    present = _files(folder / part)
    absent = [i for i, name in enumerate(names) if name not in present]
    if part == "indptr" and fill in (0, None):  # leading rows without counts: chunks of zeros, legitimately absent
        leading = next((i for i, a in enumerate(absent) if a != i), len(absent))
        if not (stored and leading == len(names)):  # (all of it absent while values are stored: damage)
            absent = absent[leading:]
    return len(absent), len(names)


def _matrices(group: Path) -> list[Path]:
    """The count matrices of the AnnData group ``group`` of a store: ``X``, each of ``layers``, ``raw/X``."""
    found = [group / "X", group / "raw" / "X"]
    if (group / "layers").is_dir():
        found += sorted(p for p in (group / "layers").iterdir() if p.is_dir())
    return [p for p in found if p.is_dir()]


def missing_chunks(store) -> list[tuple[str, int, int]]:
    """``(array, absent chunk files, chunk files)`` for each array of a sparse count matrix of the zarr ``store`` that
    lacks chunk files (the array named by its path in the store, e.g. ``'mod/rna/X/data'``); empty for a whole store.
    Every modality of a MuData store is checked."""
    store = Path(store)
    groups = [p for p in sorted((store / "mod").iterdir()) if p.is_dir()] if (store / "mod").is_dir() else [store]
    damaged = []
    for matrix in (m for g in groups for m in _matrices(g)):
        if _attrs(matrix).get("encoding-type") not in ("csr_matrix", "csc_matrix"):
            continue  # a dense matrix (or an empty raw): see the module
        data = _chunk_keys(matrix / "data")
        stored = int(data[0]) if data is not None else 1
        for part in ("data", "indices", "indptr"):
            found = _missing(matrix, part, stored)
            if found is not None and found[0]:
                damaged.append(((matrix / part).relative_to(store).as_posix(), *found))
    return damaged


def check_chunks(store, *, what: str) -> None:
    """Refuse, in one line naming the store, its first damaged array and how many chunk files it lacks, a zarr store
    whose sparse count matrices lack chunk files (:func:`missing_chunks`); ``what``: the input reading it."""
    damaged = missing_chunks(store)
    if not damaged:
        return
    array, absent, total = damaged[0]
    lacks = ("is missing" if (absent, total) == (1, 1) and not _chunk_keys(Path(store) / array) else
             f"lacks {absent} of its {total} chunk file{'' if total == 1 else 's'}")
    more = f" (and {len(damaged) - 1} more of its arrays lack some)" if len(damaged) > 1 else ""
    zeros = ("; or, if it was written whole, its counts store a chunk's worth of explicit zeros, which zarr does not "
             "write: drop them (X.eliminate_zeros()) and write the store again"
             if all(a.endswith("/data") for a, _, _ in damaged) else "")  # indices whole: only values of 0 left out
    raise ValueError(f"{what} file {store} is an incomplete zarr store: its array {array!r} {lacks}{more}, which zarr "
                     "would read as zeros (wrong counts); copy the store again, whole (a copy cut short, e.g. an "
                     f"interrupted rsync or gsutil cp, leaves chunks out){zeros}")
