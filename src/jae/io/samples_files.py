"""Several Cell Ranger samples too large to read whole: combined on disk, one sample at a time, then streamed.

:class:`jae.io.InputFiles` reads several samples (``tenx=`` a list, ``jae fit --10x s1 s2 ...``) as one with
:func:`jae.io.samples._combine`, which holds every sample's counts and their stacked copy: about twice the data.
When that estimate is over the memory budget, :func:`open_samples` writes the same combined data (the same cells,
features, ``obs`` and counts, bit for bit) to a temporary ``.h5mu`` instead, reading one sample at a time, and opens
it as :func:`jae.io.open_h5mu` opens any ``.h5mu``, so fitting streams it in row blocks (or reads it whole, once,
when the plan finds it fits) and embedding and mapping stream it. A sample's ``.h5`` is never read whole: its cells
and features come from its header and its counts are read in blocks of cells
(:mod:`jae.io.cellranger_blocks`), twice: once to count each feature's total and the cells without counts (the
checks that reading whole makes before combining), once to write them as rows of the combined matrix. A matrix
folder (coordinates in no order of cells) is never read whole either: its Matrix Market file is read once into a
temporary copy ordered by cell (:mod:`jae.io.mtx_blocks`), which is then read in blocks as an ``.h5`` is. One Cell
Ranger file over the budget is copied the same way, in one read of its counts (its cells and features as read whole,
no sample suffix or column).

The file goes in the system's temporary folder (``TMPDIR``, :func:`tempfile.gettempdir`): not beside the output,
which may be a slow shared disk, and a cluster's ``TMPDIR`` is its node-local scratch; ``TMPDIR=/big/disk`` moves
it. It is removed when the workflow that opened it ends (:func:`removes_temporary_files`: after an error or Ctrl-C
too), or at the latest when the process exits.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import shutil
import tempfile
import weakref
from contextlib import ExitStack, contextmanager
from pathlib import Path

import h5py
import numpy as np
import scipy.sparse as sp

from .cellranger import is_mtx
from .chunked import cells_without_counts, format_bytes
from .outputs import _writable

__all__ = ["open_samples", "removes_temporary_files", "samples_need"]

logger = logging.getLogger(__name__)

#: Bytes per stored count of fitting on the samples read whole: each sample's float32 counts and int32 column
#: indices, their stacked copy and the reading's and preprocessing's temporaries; measured 21.6 and 22.0 (peak RSS
#: less the process and the features of every cell: 2 and 6 samples of 10,000 Multiome cells,
#: benchmarks/results/samples_memory.md).
_BYTES_PER_COUNT_WHOLE = 22
#: Bytes per count of the temporary file (float32 count, int32 column index), as written.
_BYTES_PER_COUNT_FILE = 8
#: The temporary files made and not yet removed: path -> its remover (:func:`weakref.finalize`, run at exit too).
_MADE: dict[str, weakref.finalize] = {}


def sample_counts(path) -> tuple[int, int] | None:
    """``(cells, stored counts)`` of one sample's Cell Ranger ``.h5`` or matrix folder, from its header alone (a
    folder's as the reader reads it: :func:`jae.io.cellranger.mtx_header`); None when the header cannot be read (the
    reader refuses that file, naming the problem)."""
    from .cellranger import mtx_files, mtx_header

    try:
        if is_mtx(path):
            _, cells, nnz, _ = mtx_header(mtx_files(path)[0])
            return cells, nnz
        with h5py.File(path, "r") as f:
            g = f["matrix"]
            return int(g["shape"][1]), int(g["indptr"][-1])
    except (OSError, KeyError, ValueError, IndexError, TypeError, EOFError):
        return None


def samples_need(samples: dict) -> tuple[int, int] | None:
    """``(bytes reading the samples whole takes, bytes of the combined temporary file)``, estimated from the files'
    headers: every sample's counts, their stacked copy and temporaries, the features of every cell and the process
    itself (as :meth:`jae.io.PairedFiles.memory_needed` counts them); the file holds the counts once (an upper
    bound: merged peaks can sum two of a cell's counts into one), and a matrix folder's copy ordered by cell
    (:mod:`jae.io.mtx_blocks`) beside it. None when a file's header cannot be read."""
    from .paired_files import PROCESS_BYTES

    from .mtx_blocks import SCRATCH_BYTES_PER_ENTRY

    sizes = [sample_counts(p) for p in samples.values()]
    if None in sizes:
        return None
    cells, nnz = sum(c for c, _ in sizes), sum(z for _, z in sizes)
    copies = sum(z for p, (_, z) in zip(samples.values(), sizes) if is_mtx(p))  # matrix folders' copies by cell
    whole = nnz * _BYTES_PER_COUNT_WHOLE + cells * 2 * 256 * 4 + PROCESS_BYTES
    return whole, nnz * _BYTES_PER_COUNT_FILE + copies * SCRATCH_BYTES_PER_ENTRY + cells * 8 * 4 + 2**20


def check_disk(need: int, folder: Path, *, doing: str = "combining the samples on disk",
               fix: str = "give a memory budget large enough to read the samples whole") -> None:
    """Refuse, in one line, a temporary folder with less free space than ``need`` bytes (``doing``: what needs it;
    ``fix``: the other way than more room, e.g. a memory budget that reads the data whole)."""
    free = shutil.disk_usage(folder).free
    if free < need:
        raise ValueError(
            f"{doing} needs about {format_bytes(need, up=True)} in the temporary folder "
            f"{folder}, which has {format_bytes(free)} free; point TMPDIR at a disk with that much room (e.g. "
            f"TMPDIR=/scratch/tmp), or {fix}")


def open_samples(inputs, *, memory_budget=None, what: str = "input", plan: bool = True, annotations=()):
    """The Cell Ranger data of ``inputs`` (:class:`jae.io.InputFiles` with ``tenx=``: several samples combined, or
    one file) copied into a temporary ``.h5mu`` and opened lazily (:class:`jae.io.PairedFiles`, or
    :class:`jae.io.RnaFiles` for RNA alone) when reading it whole is estimated over ``memory_budget``; None when it
    fits (read whole, as before). ``plan``: False for fitting (RNA alone refused then, as when read whole);
    ``annotations``: the annotation files to join into ``obs``."""
    from .plan import default_memory_budget, parse_bytes

    from .cellranger import check_cell_ranger

    budget = default_memory_budget() if memory_budget is None else parse_bytes(memory_budget)
    samples = inputs.samples
    files = samples if samples is not None else {Path(inputs.tenx).name: inputs.tenx}
    for p in files.values():  # every file (or matrix folder) there, before any is read
        check_cell_ranger(p)
    need = samples_need(files)
    if need is None:  # a file that is no Cell Ranger output: refused by its reader, as when read whole
        return None
    whole, file_bytes = need
    data = f"the {inputs.name}" if samples is not None else inputs.name
    if whole <= budget:
        logger.info("%s: reading %s whole needs about %s, within the memory budget of %s", what, data,
                    format_bytes(whole), format_bytes(budget))
        return None
    folder = temporary_folder()
    if samples is not None:
        check_disk(file_bytes, folder)
        how = "combining them one sample at a time"
    else:
        check_disk(file_bytes, folder, doing=f"copying {inputs.name} on disk",
                   fix="give a memory budget large enough to read it whole")
        how = "copying its counts in blocks of cells"
    logger.info("%s: reading %s whole would need about %s, over the memory budget of %s; %s into a temporary .h5mu "
                "in %s (about %s; TMPDIR moves it), streamed from there and removed afterwards", what, data,
                format_bytes(whole, up=True), format_bytes(budget), how, folder, format_bytes(file_bytes, up=True))
    name = "combined.h5mu" if samples is not None else f"{Path(inputs.tenx).stem}.h5mu"
    with temporary_file("jae-samples-", name) as path:
        rna_alone = write_combined(inputs, path, plan=plan) if samples is not None else write_one(inputs, path,
                                                                                                  plan=plan)
        _give_back_memory()
        return _opened(path, rna_alone, list(annotations), data=inputs.name,
                       samples=None if samples is None else list(samples))


def temporary_folder() -> Path:
    """The folder of jae's temporary files: Python's (:func:`tempfile.gettempdir`), which is ``TMPDIR`` when that is a
    folder one can write to. Python passes over a ``TMPDIR`` that is not (missing, as a job's scratch folder not made
    yet, or not writable) for ``/tmp`` without a word, and 'TMPDIR moves it' then misled: said once, as a warning."""
    try:
        folder = Path(tempfile.gettempdir())
    except FileNotFoundError as err:  # no folder of Python's list can be written, TMPDIR's included
        raise FileNotFoundError(f"{err}; point TMPDIR at a folder you can write to (e.g. TMPDIR=/scratch/tmp)") \
            from None
    asked = os.environ.get("TMPDIR")
    if asked and asked not in _PASSED_OVER and not (os.path.isdir(asked) and _writable(Path(asked))):
        _PASSED_OVER.add(asked)
        why = "does not exist" if not os.path.exists(asked) else "is no folder" if not os.path.isdir(asked) else \
            "cannot be written"
        logger.warning("TMPDIR=%s %s, so temporary files go to %s instead (Python's fallback): create it, or point "
                       "TMPDIR at a folder you can write to", asked, why, folder)
    return folder


#: the ``TMPDIR`` values :func:`temporary_folder` said were passed over
_PASSED_OVER: set[str] = set()


@contextmanager
def scratch_folder():
    """A new folder (a :class:`pathlib.Path`) of the temporary folder (:func:`temporary_folder`: a ``TMPDIR`` passed
    over is said), removed with what it holds when the block ends: for files read back within the block, where
    :func:`temporary_file` keeps its file until the workflow ends."""
    with tempfile.TemporaryDirectory(dir=temporary_folder()) as folder:
        yield Path(folder)


@contextmanager
def temporary_file(prefix: str, name: str):
    """A path ``name`` in a new folder (named ``prefix``...) of the temporary folder (:func:`temporary_folder`),
    removed with its folder when the workflow ends (:func:`removes_temporary_files`) or at exit, and at once when the
    block fails or is interrupted (Ctrl-C): nothing half-written left behind. A write there that runs out of room is
    said in one line naming the folder and ``TMPDIR``."""
    from .atomic import DiskFullError, out_of_room, quiet_h5py_teardown

    made = Path(tempfile.mkdtemp(prefix=prefix, dir=temporary_folder()))
    path = made / name
    _MADE[str(path)] = weakref.finalize(_Owner, shutil.rmtree, made, ignore_errors=True)
    try:
        with quiet_h5py_teardown():
            yield path
    except BaseException as err:
        _remove(path)
        code = out_of_room(err)
        if code is None:
            raise
        raise DiskFullError(f"the temporary folder {made.parent} ran out of room while jae wrote its temporary {name} "
                            f"there ({os.strerror(code)}); nothing was written: point TMPDIR at a disk with more room "
                            "(e.g. TMPDIR=/scratch/tmp), or give a memory budget that reads the data whole") from err


def _give_back_memory() -> None:
    """Hand the memory the blocks were read into back to the system before the fit starts: the C library keeps
    freed blocks of a few MB in its heap, which the fit's own peak would then sit on (glibc ``malloc_trim``; a no-op
    elsewhere)."""
    import ctypes

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class _Owner:
    """What the temporary files' removers hang on: never collected, so they run when called
    (:func:`removes_temporary_files`) or at the interpreter's exit."""


def removes_temporary_files(function):
    """``function`` (a workflow: :func:`jae.fit_files`, :func:`jae.embed_files`, :func:`jae.map_files`) removing the
    temporary files :func:`open_samples` made while it ran, when it returns, fails or is interrupted (Ctrl-C)."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        before = set(_MADE)
        try:
            return function(*args, **kwargs)
        finally:
            for path in set(_MADE) - before:
                _remove(Path(path))

    return run


def _remove(path: Path) -> None:
    remover = _MADE.pop(str(path), None)
    if remover is not None:
        remover()


def made_files() -> list[str]:
    """The temporary files made and not yet removed (for tests)."""
    return list(_MADE)


def write_combined(inputs, path: Path, *, plan: bool = True) -> bool:
    """Write the samples of ``inputs`` combined (as :func:`jae.io.samples._combine` combines them) to ``path``, never
    a sample whole in memory, its counts read in blocks of cells (:func:`jae.io.cellranger_blocks.file_counts`); True
    when they hold RNA alone. The files were checked by :func:`open_samples`."""
    from . import samples as combine
    from .cellranger_blocks import modality_blocks
    from .readers import _quiet_mudata

    light, read = {}, {}
    with ExitStack() as opened:  # every sample's counts closed (a matrix folder's copy removed), on an error too
        for name, p in inputs.samples.items():  # pass 1: each sample's features, cells and per-feature totals
            light[name], read[name] = _first_pass(name, p, inputs.mod2_kind)
            opened.callback(read[name][0].close)
            gc.collect()  # a MuData and its AnnData refer to each other: freed by the collector alone, not at del
        skeleton, features = combine._combine(light, batch_key=inputs.sample_column, mod2_kind=inputs.mod2_kind,
                                              rna_alone=True, stack=False)
        rna_alone = len(skeleton.mod) < 2
        if rna_alone and not plan:
            from .files import gex_only_message

            raise ValueError(gex_only_message(inputs.name, files=len(inputs.samples)))
        for name, mdata in light.items():  # each sample's modalities in the combined ones' order
            rna, kind, other = combine._modalities(name, mdata, inputs.mod2_kind, rna_alone=True)
            own = [next(m for m, a in mdata.mod.items() if a is wanted) for wanted in (rna, other)
                   if wanted is not None]
            read[name] = (read[name], dict(zip(skeleton.mod, own)), dict(zip(skeleton.mod, ("RNA", kind))))
        for adata in skeleton.mod.values():
            del adata.layers["counts"]
        with _quiet_mudata():  # mudata 0.3's notice on pulling columns: the combined obs is set as read whole
            skeleton.write(path)
        del light
        with h5py.File(path, "r+") as f:
            out = {m: _Rows(f["mod"][m], adata.shape) for m, adata in skeleton.mod.items()}
            for name, p in inputs.samples.items():  # pass 2: each sample's counts, its rows of the combined matrix
                (counts, columns), own, what = read[name]
                for parts in modality_blocks(counts, columns):
                    for m, sample_mod in own.items():
                        X = parts[sample_mod]
                        _check_counts(X, where=f"the {what[m]} of sample {name!r}")  # checked as read whole
                        block = combine._sample_block(features[m], name, X)
                        block.sort_indices()
                        out[m].append(block)
                    del parts, X, block
                counts.close()
                gc.collect()
            for rows in out.values():
                rows.close()
    return rna_alone


def _first_pass(name: str, p, mod2_kind):
    """``(light, (counts, columns))`` of one sample: its MuData without counts (:func:`_light`), checked as read whole
    (cells without counts refused), its counts in blocks of cells and its modalities' columns of the file."""
    from .cellranger_blocks import file_counts, read_header, scan_counts
    from .inputs import _check_called_cells

    header, columns = read_header(p, mod2_kind=mod2_kind, name=str(p))
    counts = file_counts(p)
    try:
        totals, empty = scan_counts(counts, columns)
        _check_called_cells(header, p, name=str(p), empty=empty)
    except BaseException:
        counts.close()  # a matrix folder's copy removed
        raise
    return _light(header, totals), (counts, columns)


def _check_counts(X: sp.csr_matrix, *, where: str) -> None:
    """Refuse counts that are no counts (negative, fractional, not finite) as :func:`jae.io.samples._as_counts`
    refuses the modality read whole, in its words: the first such value of the first block holding one."""
    from .count_fixes import count_faults

    if count_faults(X.data).first is None:
        return
    import anndata as ad

    from .samples import _as_counts

    _as_counts(ad.AnnData(X=X, layers={"counts": X}), "counts", where=where)  # raises, naming the value


def write_one(inputs, path: Path, *, plan: bool = True) -> bool:
    """Write the one Cell Ranger file of ``inputs`` (``tenx=``) to ``path`` as reading it whole reads it (cells,
    features, counts), its counts read once, in blocks of cells (a matrix folder's through its copy ordered by cell);
    True when it holds RNA alone. Refused as reading it whole refuses it."""
    from .cellranger_blocks import file_counts, modality_blocks, read_header, scan_counts
    from .inputs import _check_called_cells
    from .readers import _quiet_mudata

    p = inputs.tenx
    header, columns = read_header(p, mod2_kind=inputs.mod2_kind)
    inputs._one_second_modality(header)
    rna_alone = len(header.mod) < 2
    counts = file_counts(p)
    try:
        if rna_alone and not plan:  # the cells without counts are named first, as when read whole
            _check_called_cells(header, p, empty=scan_counts(counts, columns)[1])
            from .files import gex_only_message

            raise ValueError(gex_only_message(inputs.name))
        for adata in header.mod.values():
            del adata.layers["counts"]
            adata.X = sp.csr_matrix(adata.shape, dtype=np.float32)
        with _quiet_mudata():
            header.write(path)
        with h5py.File(path, "r+") as f:
            out = {m: _Rows(f["mod"][m], adata.shape) for m, adata in header.mod.items()}
            empty = dict.fromkeys(header.mod, 0)
            for parts in modality_blocks(counts, columns):
                for m, X in parts.items():
                    empty[m] += cells_without_counts(X)
                    X.sort_indices()
                    out[m].append(X)
                del parts
            _check_called_cells(header, p, empty=empty)  # (the file is removed by the caller)
            for rows in out.values():
                rows.close()
    finally:
        counts.close()
    return rna_alone


def _light(mdata, totals: dict):
    """A sample without its counts: each modality's ``obs`` and ``var``, and a matrix of its shape holding the
    per-feature totals in its first row (what the merge's wide-peak warning sums; nothing else reads counts):
    ``totals`` (per modality, counted in blocks)."""
    import anndata as ad

    from .readers import make_mudata

    mods = {}
    for m, adata in mdata.mod.items():
        total = totals[m]
        keep = np.flatnonzero(total)
        X = sp.csr_matrix((total[keep], keep, np.r_[0, np.full(adata.n_obs, len(keep))]), shape=adata.shape)
        mods[m] = ad.AnnData(X=X, obs=adata.obs.copy(), var=adata.var.copy())
    out = make_mudata(mods)
    out.obs = mdata.obs.copy()
    return out


class _Rows:
    """A CSR matrix of an AnnData group in an ``.h5mu``, written row block by row block (float32 counts, int32
    column indices, int64 row pointers), replacing the all-zero ``X`` written with the rest."""

    def __init__(self, group: h5py.Group, shape: tuple[int, int]) -> None:
        if "X" in group:
            del group["X"]
        self.group, self.shape = group.create_group("X"), shape
        self.group.attrs.update({"encoding-type": "csr_matrix", "encoding-version": "0.1.0", "shape": list(shape)})
        chunk = (1 << 18,)
        self.data = self.group.create_dataset("data", (0,), maxshape=(None,), dtype=np.float32, chunks=chunk)
        self.indices = self.group.create_dataset("indices", (0,), maxshape=(None,), dtype=np.int32, chunks=chunk)
        self.indptr = [np.zeros(1, np.int64)]
        self.at = 0

    def append(self, block: sp.csr_matrix) -> None:
        n = block.nnz
        self.data.resize((self.at + n,))
        self.indices.resize((self.at + n,))
        self.data[self.at:] = block.data
        self.indices[self.at:] = block.indices.astype(np.int32)
        self.indptr.append(block.indptr[1:].astype(np.int64) + self.at)
        self.at += n

    def close(self) -> None:
        indptr = np.concatenate(self.indptr)
        if len(indptr) != self.shape[0] + 1:
            raise RuntimeError(f"combined {len(indptr) - 1} rows, expected {self.shape[0]}")  # a bug, not bad input
        self.group.create_dataset("indptr", data=indptr)


def _opened(path: Path, rna_alone: bool, joined: list, *, data: str, samples: list):
    """The combined file opened lazily, with the annotation files joined as :meth:`jae.io.InputFiles.open` joins
    them. An annotation file matching too few of its cells is refused as when the samples are read whole: naming the
    input's files (``data``), not the temporary file, and the sample suffix (``samples``) its cell names may lack."""
    from .annotations import annotation_columns, annotation_obs
    from .cell_obs import columns_taken_elsewhere
    from .h5mu_files import open_h5mu
    from .rna_files import open_rna_alone

    try:
        if rna_alone:
            return open_rna_alone(path, layer=None, annotations=joined or None)
        with columns_taken_elsewhere(annotation_columns(joined)):
            files = open_h5mu(path, layer=None, mosaic=True)
        return files.with_annotations(joined) if joined else files
    except ValueError:
        if not joined:
            raise
        import pandas as pd
        from .elems import read_elem

        with h5py.File(path, "r") as f:
            cells = pd.Index(read_elem(f["obs"]).index)
        for p in joined:  # the same checks, in the input's words (a file that passes them: the error above stands)
            annotation_obs(p, cells, data=data, samples=samples)
        raise
