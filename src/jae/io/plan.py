"""Whether data on disk is read into memory or streamed from it: the memory budget.

:func:`plan_input` compares the files' estimated in-memory size (:meth:`jae.io.PairedFiles.memory_needed`) with a
budget (by default half the available memory) and returns the data read whole, or the files to stream in row blocks;
one log line says which and why. The budget only chooses between the two: it caps the memory of neither. The
streaming path holds the process, a seeded sample of up to 20,000 cells for the SVD fit, one row block, the
features of every cell and, after training, up to 65,536 cells' features at a time in float64, whatever the budget
(its estimate is in the log line; 4,000 competition-shaped Multiome cells streamed at budgets of 100 MB and 400 MB
both peaked at 1.6 GB).
"""

from __future__ import annotations

import logging
import os
from contextlib import nullcontext
from pathlib import Path

import anndata as ad
import numpy as np

from .._device import env_int
from .cell_obs import warn_dropped
from .chunked import format_bytes
from .h5mu_files import open_h5mu
from .paired_files import PROCESS_BYTES, FilesOnDisk
from .single import modalities_of, unique_split
from .zarr_stores import copied_note, is_zarr, route_said_later

__all__ = ["plan_input", "default_memory_budget", "parse_bytes"]

logger = logging.getLogger(__name__)

#: Share of the machine's available memory used as the default budget (others may share the machine).
BUDGET_SHARE = 0.5


def parse_bytes(value) -> int:
    """``'8G'``, ``'512M'``, ``'2.5GB'``, ``'8GiB'`` (binary: 8 x 2**30), ``'1e9'`` or a number of bytes -> bytes; a
    user's ``memory_budget=``, refused in one line unless it is a positive, finite size (text without a known unit,
    0, -1, nan, a bool)."""
    units = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    size = None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        size = float(value)
    elif isinstance(value, str):
        text = value.strip().upper().removesuffix("B")
        if text.endswith("I") and text[-2:-1] in units:  # 'GiB', 'Gi': powers of 1024
            text, units = text[:-1], {"K": 2.0**10, "M": 2.0**20, "G": 2.0**30, "T": 2.0**40}
        scale = units.get(text[-1:], 1.0)
        try:
            size = float(text[:-1] if text[-1:] in units else text) * scale
        except ValueError:
            pass
    if size is None or not np.isfinite(size) or size < 1:
        raise ValueError(f"memory_budget={value!r} is not a size: pass a positive number of bytes or one with a unit "
                         "(K, M, G, T), e.g. memory_budget='8G'")
    return int(size)


def default_memory_budget() -> int:
    """Half of the memory available now (``MemAvailable`` in ``/proc/meminfo``; 4 GB when that is unknown), shared
    by the processes ``torchrun`` started on this machine (``LOCAL_WORLD_SIZE``): each of them reads the inputs."""
    share = BUDGET_SHARE / max(1, env_int("LOCAL_WORLD_SIZE", 1, "a number of processes"))  # torchrun's, per machine
    available = available_memory()
    return int(4 * 10**9 * share / BUDGET_SHARE) if available is None else int(available * share)


def available_memory() -> int | None:
    """Bytes of memory available now (``MemAvailable`` in ``/proc/meminfo``, else the free physical pages), None when
    unknown; at most what this process's control group (a container's or a SLURM job's memory limit) has left, which
    the machine's figure does not know: a job limited to 16 GB on a 512 GB node was given a budget of half the node."""
    machine = _machine_available()
    group = _cgroup_available()
    if group is None:
        return machine
    return group if machine is None else min(machine, group)


def _machine_available() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


#: Where the control groups are mounted and where a process's own are listed (tests point them elsewhere).
CGROUP_ROOT, PROC_CGROUP = "/sys/fs/cgroup", "/proc/self/cgroup"
#: Limits at or above this are "no limit" (cgroup v1 writes one near 2**63).
_NO_LIMIT = 2**60


def _cgroup_available() -> int | None:
    """Bytes this process's memory control group has left: its tightest limit over its own group and the groups
    above it, minus the group's use without the page cache it can reclaim (``inactive_file``); None without a limit
    (or on a system without control groups). cgroup v2 (``memory.max``, ``memory.current``) and v1
    (``memory.limit_in_bytes``, ``memory.usage_in_bytes``)."""
    try:
        lines = Path(PROC_CGROUP).read_text().splitlines()
    except OSError:
        return None
    best = None
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2: the one unified hierarchy
            base, files = Path(CGROUP_ROOT), ("memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):
            base, files = Path(CGROUP_ROOT) / "memory", ("memory.limit_in_bytes", "memory.usage_in_bytes",
                                                          "total_inactive_file")
        else:
            continue
        parts = [q for q in path.strip().split("/") if q]
        for depth in range(len(parts), -1, -1):  # the group, then each group above it (a container sees only "/")
            left = _group_left(base.joinpath(*parts[:depth]), *files)
            if left is not None:
                best = left if best is None else min(best, left)
    return best


def _group_left(folder: Path, limit_file: str, usage_file: str, cache_key: str) -> int | None:
    try:
        limit = (folder / limit_file).read_text().strip()
        usage = int((folder / usage_file).read_text().strip())
    except (OSError, ValueError):
        return None
    if limit == "max" or not limit.isdigit() or int(limit) >= _NO_LIMIT:
        return None
    cache = 0
    try:
        for line in (folder / "memory.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == cache_key and value.strip().isdigit():
                cache = int(value)
    except OSError:
        pass
    return max(int(limit) - max(usage - cache, 0), 0)


def opened(data, *, layer: str | None = "counts"):
    """``data`` with a path (``str`` or ``os.PathLike``) opened as the query functions open one (:func:`_as_files`,
    an ``.h5mu`` of RNA alone included): its files, whose ``obs`` names the cells' annotations; anything else as it
    is."""
    return _as_files(data, None, rna_only=True, layer=layer) if isinstance(data, (str, os.PathLike)) else data


def _as_files(data, modalities, *, rna_only: bool = False, layer: str | None = "counts"):
    """``data`` as :class:`PairedFiles` (or :class:`jae.io.MosaicFiles` when its modalities hold different cells)
    when it lives on disk (PairedFiles, MosaicFiles, a path, a backed MuData), else None. ``rna_only`` (embedding,
    mapping, label transfer: not fitting): an ``.h5mu`` holding RNA alone is opened as :class:`jae.io.RnaFiles`.
    ``layer``: where a path's or backed MuData's counts are (files already opened keep the layer they were opened
    with)."""
    if isinstance(data, FilesOnDisk):
        return data
    if isinstance(data, (str, os.PathLike)):
        path = data
    elif getattr(data, "isbacked", False) and getattr(data, "filename", None) and hasattr(data, "mod") \
            and not getattr(data, "is_view", False):  # a view (mdata[cells]) holds some of the file's cells alone:
        path = data.filename  # read from its file as its path would be       (it is read as data in memory)
    else:
        return None
    # 'rna' by default: the readers take the one modality named like RNA otherwise (jae.io.modality.RNA_NAMES)
    rna, other = modalities if modalities is not None else ("rna", None)
    if not rna_only:
        return open_h5mu(path, rna=rna, other=other, mosaic=True, layer=layer)
    from .call_fixes import call_words, memory_call
    from .rna_files import open_rna_alone

    # the query functions take no rna= nor other=: the fixes name their call (or, for a call without a row in
    # jae.io.call_fixes' table, the data to give it)
    with call_words("data", data, given={"layer": layer} if layer != "counts" else None):
        alone = open_rna_alone(path, rna=rna, other=other, layer=layer)
        if alone is not None:
            return alone
        try:
            return open_h5mu(path, rna=rna, other=other, mosaic=True, layer=layer)
        except ValueError as err:  # a query's file of more modalities: or in memory, where the model takes its kind
            if other is not None or "cannot tell which one to pair" not in str(err):
                raise
            memory = memory_call("mudata.read_h5mu({file})", path) or f"mudata.read_h5mu({str(path)!r})"  # verbs
            raise ValueError(f"{err}; or read the file into memory, where the model takes the modality of its own "
                             f"kind: {memory}") from None


def plan_input(data, *, memory_budget=None, modalities=None, what: str = "fit", layer: str | None = "counts",
               once: bool = False):
    """Choose how to read ``data``: into memory when the estimate fits ``memory_budget``, else stream it.

    Parameters
    ----------
    data
        :class:`PairedFiles`, :class:`jae.io.MosaicFiles`, the path of an ``.h5mu`` file, a backed MuData, or data
        already in memory (MuData or ``{name: AnnData}``, returned as it is; one AnnData holding both modalities is
        split into ``{name: AnnData}`` here, once: :func:`jae.io.split_anndata`).
    memory_budget
        Bytes (or a string like ``'8G'``) the in-memory path may use; by default half the available memory. It only
        chooses the path: the streaming path's own use (logged as an estimate) is not bounded by it.
    modalities
        ``(rna_name, other_name)`` for an ``.h5mu`` path or a backed MuData.
    what
        The calling step, for the log line.
    layer
        The layer holding raw counts, for an AnnData to split.
    once
        The caller reads the counts once (``embed``, ``map``: a query's features are computed in one pass and kept):
        files that can be streamed are, whatever the budget, since reading them whole would only cost memory; only
        files whose cells must be paired by name are read whole (within the budget).

    Returns
    -------
    The in-memory data (MuData) or the files to stream (:class:`PairedFiles`, or :class:`jae.io.MosaicFiles` for
    an ``.h5mu`` whose modalities hold different cells); one log line says which and why.
    """
    budget = default_memory_budget() if memory_budget is None else parse_bytes(memory_budget)  # checked for any data
    if not once and is_zarr(data):  # a MuData zarr store: read whole within the budget, else copied and streamed
        from .readers import read_h5mu
        from .zarr_stores import check_store, log_route, store_need

        rna, other = modalities if modalities is not None else ("rna", None)
        need = store_need(check_store(data, what=".h5mu", kind="MuData"), "MuData", pair=(rna, other))
        if need <= budget:
            log_route(data, "whole", what=what, need=need, budget=budget)
            return read_h5mu(data, rna=rna, other=other, layer=layer)
    with nullcontext() if once else route_said_later():  # a store's copy said by the route's line below
        files = _as_files(data, modalities, layer=layer)
    if files is None:
        if getattr(data, "isbacked", False):  # an AnnData opened backed='r': jae.io.split_anndata reads its counts
            logger.info("%s: %s opened backed: its counts are read into memory whole, whatever the memory "
                        "budget (streamed are the files of jae.io.open_competition and jae.io.open_h5mu)", what,
                        "a view (mdata[cells]) of a MuData" if hasattr(data, "mod") else "an AnnData")
        else:
            logger.debug("%s: data already in memory; preprocessing in row blocks", what)  # no choice was made
        return unique_split(modalities_of(data, layer=layer)[0], data) if isinstance(data, ad.AnnData) else data
    if once and not getattr(files, "misordered", None):
        csc = [str(n) for n, c in zip(files.names, files.counts) if getattr(c, "encoding", None) == "csc_matrix"]
        logger.debug(  # nothing to act on: embed and map stream whatever the budget (CSC counts: row_source says so)
            "%s: streaming path: reading %s once, in row blocks%s (about %s for the data; reading it whole, about %s, "
            "would save no time: the features are computed in one pass; both beside the process's own %s)", what,
            files, f", but the counts of {' and '.join(csc)}, stored CSC, whole" if csc else "",
            _data(files.memory_needed(in_memory=False, statistics=False)),  # embed and map fit no statistics
            _data(files.memory_needed(in_memory=True, statistics=False)), format_bytes(PROCESS_BYTES),
        )
        warn_dropped(files.obs)  # obs columns a modality's values of are dropped: said as when read whole
        return files
    need = files.memory_needed(in_memory=True)
    if need <= budget:
        logger.info(
            "%s: in-memory path: reading %s%s needs about %s (%s for the data, %s the process itself), within the "
            "memory budget of %s", what, files, copied_note(files), format_bytes(need), _data(need),
            format_bytes(PROCESS_BYTES),
            format_bytes(budget),
        )
        return files.load()
    if getattr(files, "misordered", None):
        text = files.misordered
        if what == "query":  # a model's embed, predict_cell_type, finetune, impute, map_query: no memory_budget
            text = text.replace("pass memory_budget=<bytes> large enough to read them whole", "pass them read into "
                                "memory (jae.read_h5mu(path) or jae.read_competition(mod1, mod2), paired by cell name)")
        raise ValueError(f"{text} (about {format_bytes(need, up=True)}; the budget is {format_bytes(budget)})")
    logger.info(
        "%s: streaming path: reading %s%s into memory would need about %s (%s for the data, %s the process itself), "
        "over the memory budget of %s; streaming row blocks from disk (about %s for the data), about %s with the "
        "process whatever the budget: the budget chose the path and does not cap it",
        what, files, copied_note(files), format_bytes(need, up=True), _data(need), format_bytes(PROCESS_BYTES),
        format_bytes(budget),
        _data(files.memory_needed(in_memory=False)), format_bytes(files.memory_needed(in_memory=False), up=True),
    )
    warn_dropped(files.obs)
    return files


def _data(need: int) -> str:
    """The data's part of an estimate (:meth:`jae.io.PairedFiles.memory_needed`), without the process's own
    :data:`~jae.io.paired_files.PROCESS_BYTES` that every estimate holds: for a small file the totals read alike."""
    return format_bytes(max(need - PROCESS_BYTES, 0))
