"""The one atomic writer of jae: write to a hidden temporary path beside the target, then move it into place.

Every file and folder jae writes (data files, embeddings, model folders, reports, label tables, simulated
datasets) goes through :func:`atomic_path`, so a reader never sees a half-written result, a failure leaves no
temporary behind, and an input file is never overwritten. A set of files sharing a folder with the user's other
files (an evaluation report) is written whole in a hidden folder first and then moved in, replacing the earlier set
(:func:`atomic_files`).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from .._stop import STOP_REQUESTED, StopRequested
from .leftovers import warn_leftovers
from .paths import user_path

logger = logging.getLogger(__name__)

__all__ = ["atomic_files", "atomic_outputs", "atomic_path", "atomic_write", "check_not_input", "protected",
           "written_path", "DiskFullError", "out_of_room", "quiet_h5py_teardown"]

#: the outputs of the current :func:`atomic_outputs` block still to move into place (:class:`_Block`)
_PENDING: ContextVar["_Block | None"] = ContextVar("jae_atomic_pending", default=None)
_LOW_SPACE = 16 << 20  # a write that failed with less free space than this on its disk ran out of it
#: errors of a folder that cannot be written to, whatever its free space (a read-only mount has little or none)
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


class _Block:
    """What an :func:`atomic_outputs` block has written so far: ``moves``, ``(tmp, path)`` per output (of the
    writing process) to move into place; ``temporaries`` to remove at its end (moved or not); ``stale``, earlier
    files to remove with the moves (:func:`atomic_files`); ``made``, the folders made for its outputs, the outermost
    first, removed (when empty) after a failure."""

    def __init__(self) -> None:
        self.moves: list[tuple[Path, Path]] = []
        self.temporaries: list[Path] = []
        self.stale: list[Path] = []
        self.made: list[Path] = []


class DiskFullError(OSError):
    """A write that ran out of room (disk space, the user's quota, the largest file the process may write), said in
    one line naming the output and the fix."""


#: errors of a write that ran out of room, by errno, with the words their messages carry (h5py's name no errno)
_NO_ROOM = {errno.ENOSPC: "No space left on device", errno.EDQUOT: "Disk quota exceeded", errno.EFBIG: "File too large"}


def out_of_room(err: BaseException | None) -> int | None:
    """The errno of :data:`_NO_ROOM` that ``err`` (an error of a write) says, else None."""
    if getattr(err, "errno", None) in _NO_ROOM:
        return err.errno
    return next((code for code, words in _NO_ROOM.items() if words in str(err)), None)


def _disk_full(err: BaseException, path: Path) -> DiskFullError | None:
    """``err``, raised while writing ``path``, as a :class:`DiskFullError` when the write ran out of room: the disk's
    space (h5py and torch say so in their own words, or not at all: torch's "unexpected pos"), the user's quota on it,
    or the largest file the process may write (``ulimit -f``); None for any other error."""
    if isinstance(err, DiskFullError) or not isinstance(err, (OSError, RuntimeError)):
        return None
    if getattr(err, "errno", None) in _NOT_WRITABLE:  # read-only (a squashfs image: 0 free) was "ran out of space"
        return None
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return None
    said = out_of_room(err)
    if said is None and free >= _LOW_SPACE:
        return None
    if said == errno.EDQUOT:
        return DiskFullError(f"your disk quota on {path.parent} ran out while {path.name} was written; nothing was "
                             "written: free some of your space there (or ask for a larger quota) or choose another "
                             "output path")
    if said == errno.EFBIG:
        import resource

        from .chunked import format_bytes

        limit = format_bytes(resource.getrlimit(resource.RLIMIT_FSIZE)[0])
        return DiskFullError(f"{path.name} grew past the largest file this process may write (the shell's ulimit -f: "
                             f"{limit}); nothing was written: raise it (ulimit -f unlimited) and run again")
    return DiskFullError(f"the disk of {path.parent} ran out of space while {path.name} was written "
                         f"({free / 2**20:.1f} MiB free); nothing was written: free some space or choose another "
                         "output path on a disk with room")


@contextmanager
def quiet_h5py_teardown() -> Iterator[None]:
    """Within the block, h5py's errors of freeing the objects of a file whose write ran out of room are dropped: HDF5
    tries to flush the file again as each is freed, and each failure was printed as a traceback of
    ``h5py._objects.ObjectID._dealloc`` (Cython prints it through ``sys.excepthook``, then 'Exception ignored in'
    through ``sys.unraisablehook``): 160 lines around the one line saying the disk is full."""
    unraisable, excepthook = sys.unraisablehook, sys.excepthook

    def freeing(value, tb) -> bool:
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = "" if tb is None else tb.tb_frame.f_code.co_filename
        return "h5py" in where and out_of_room(value) is not None

    def quiet_unraisable(info) -> None:
        if not ("h5py" in str(info.object) and out_of_room(info.exc_value) is not None):
            unraisable(info)

    def quiet_excepthook(kind, value, tb) -> None:
        if not freeing(value, tb):
            excepthook(kind, value, tb)

    sys.unraisablehook, sys.excepthook = quiet_unraisable, quiet_excepthook
    try:
        yield
    finally:
        sys.unraisablehook, sys.excepthook = unraisable, excepthook


def _not_writable(err: BaseException, path: Path) -> bool:
    """Whether ``err`` says that the temporary beside ``path`` could not be made there: a read-only file system
    (h5py's errors name no file), or no permission on the temporary (a file of ``path``'s folder)."""
    if not isinstance(err, OSError) or err.errno not in _NOT_WRITABLE:
        return False
    named = err.filename is not None and Path(os.fsdecode(err.filename)).parent == path.parent
    return err.errno == errno.EROFS or named


@contextmanager
def _said_when_disk_full(path: Path, *, restate: bool = False) -> Iterator[None]:
    """An error of writing ``path`` that ran out of disk space, raised as a :class:`DiskFullError`; one of a folder
    that cannot be written to (which a read-only disk with little free space was said to have run out of) as a
    PermissionError naming it; HDF5's refusal to lock the temporary (a network file system without locks) in one
    line naming the fix. ``restate``: a :class:`DiskFullError` of a file written inside ``path`` (a set's hidden
    staging folder, :func:`atomic_files`) said again for ``path``, which the user named."""
    try:
        yield
    except Exception as err:
        if restate and isinstance(err, DiskFullError) and err.__cause__ is not None:
            err = err.__cause__
        if _not_writable(err, path):
            raise PermissionError(f"the folder {path.parent} is not writable ({os.strerror(err.errno)}), so "
                                  f"{path.name} cannot be written there; nothing was written: choose a folder you can "
                                  "write to") from err
        if isinstance(err, OSError) and "unable to lock file" in str(err):  # HDF5's lock on the new temporary
            from .files import _reason

            reason, fix = _reason(err)
            raise OSError(f"{path.name} cannot be written in {path.parent}: {reason}; nothing was written: "
                          f"{fix}") from err
        full = _disk_full(err, path)
        if full is None:
            raise
        raise full from err


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def protected(protect: Iterable[str | os.PathLike] | str | os.PathLike) -> list:
    """The paths of a ``protect=`` argument as a list: one path given alone (a text or a :class:`~pathlib.Path`) is
    one path, not its characters (which protected nothing: the input was overwritten)."""
    return [protect] if isinstance(protect, (str, os.PathLike)) else list(protect)


def check_not_input(path: str | os.PathLike, protect: Iterable[str | os.PathLike]) -> None:
    """Raise a ValueError when ``path`` is (or links to) one of the protected input files (``protect``: paths, or one
    path, :func:`protected`)."""
    path = user_path(path)
    for p in protected(protect):
        if _same_file(path, user_path(p)):
            raise ValueError(f"refusing to overwrite input file {path}; choose another output path")


def written_path(path: str | os.PathLike) -> Path:
    """Where an output given as ``path`` is written: ``path`` itself, or, when it is a link (to a file, a folder or a
    path not made yet), the link's target, replaced there while the link stays, as a shell's ``>``, ``cp`` and
    anndata's ``write_h5ad`` write through a link (jae replaced the link by a file or folder of its own, leaving the
    target as it was). One rule for every output: :func:`atomic_path`, and :func:`jae.io.outputs.check_outputs`,
    which checks the target's folder."""
    path = user_path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _make_parents(path: Path) -> list[Path]:
    """Create the missing folders above ``path``; a file in their place is named (mkdir said "File exists").
    Returns the folders created, the outermost first."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(f"{parent}, a folder of {path}, is a file; choose another path")
    made = [parent for parent in reversed(path.parents) if not parent.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    return made


@contextmanager
def atomic_path(
    path: str | os.PathLike, *, protect: Iterable[str | os.PathLike] = (), overwrite: bool = False
) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path``; when the block ends without error, move it onto ``path``.

    The block writes a file or creates a folder at the yielded path (same folder, same suffix). A folder
    replacing an existing one: the old folder is moved aside first and deleted after the swap. On any error the
    temporary is removed and ``path`` is left as it was. In a data-parallel run (``torchrun``) only process 0 moves
    its result into place; the other processes' temporaries are removed (:func:`jae.train.distributed.is_writer`).

    Parameters
    ----------
    path
        Final path; missing parent folders are created. A link is written through: its target is replaced (or
        made), the link kept (:func:`written_path`).
    protect
        Paths that must not be written (the inputs).
    overwrite
        Whether an existing ``path`` may be replaced (default False, as every public writer).

    Raises
    ------
    ValueError
        When ``path`` is one of ``protect``.
    FileExistsError
        When ``path`` exists and ``overwrite=False``.
    """
    from .._flags import check_flags
    from .._launch import is_writer

    check_flags(overwrite=overwrite)  # a text 'False' is truthy: it replaced the file (jae.io.write_atomic)
    path = user_path(path)
    check_not_input(path, protect)
    writer = is_writer()  # in a data-parallel run only process 0 writes; the others' temporaries are removed
    if writer and (path.exists() or path.is_symlink()) and not overwrite:  # a link to nothing was replaced silently
        what = "exists" if path.exists() else f"exists (a link to {os.readlink(path)}, which is missing)"
        raise FileExistsError(f"{path} {what}; pass overwrite=True (CLI: --overwrite) or choose another output path")
    if path.is_symlink():  # written through the link: its target is replaced, the link kept (written_path)
        path, link = written_path(path), path
        if writer:
            logger.info("%s is a link: writing through it to %s", link, path)
    pending = _PENDING.get()
    made = _make_parents(path)
    if made and writer:  # as scvi-tools' save, missing folders are made; said, so that a typo in them is seen
        logger.info("created the missing folder %s for %s", made[0], path)
    if pending is not None:  # folders made for a failed block's outputs are removed with them
        pending.made.extend(made)
    if writer:
        warn_leftovers(path)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}"
    try:
        with quiet_h5py_teardown(), _said_when_disk_full(path):
            yield tmp
            if pending is not None:  # moved into place with the other outputs of the atomic_outputs block
                pending.temporaries.append(tmp)
                if writer:
                    pending.moves.append((tmp, path))
            else:
                _place(tmp, path, writer)
    except BaseException:
        if pending is None:  # the folders made for it go too (in a block: with the block's, when it fails)
            _remove_temporary(tmp)
            _remove_made(made)
        raise
    finally:
        if pending is None or tmp not in pending.temporaries:
            _remove_temporary(tmp)


def _remove_made(made: list[Path]) -> None:
    """Remove the folders ``made`` (the outermost first) for outputs that were not written, where still empty."""
    for folder in reversed(made):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _remove_temporary(tmp: Path) -> None:
    if tmp.exists() or tmp.is_symlink():
        _remove(tmp)


def _place(tmp: Path, path: Path, writer: bool) -> None:
    """Move the written temporary ``tmp`` onto ``path`` (only in the writing process); a folder replacing a folder:
    the old one is moved aside first, and back when the move in fails (:func:`_place_all`)."""
    if writer:
        _place_all([(tmp, path)])


def _keep_aside(path: Path, old: Path, *, stale: bool) -> None:
    """Keep the earlier output ``path`` at ``old``: a file (not a stale one, which must go) as a hard link, so that it
    stays in place until it is replaced; anything else, or where links fail, moved."""
    if not stale and path.is_file() and not path.is_symlink():
        try:
            os.link(path, old)
            return
        except OSError:  # a file system without hard links: moved aside instead
            pass
    os.replace(path, old)


@contextmanager
def atomic_outputs() -> Iterator[None]:
    """Every :func:`atomic_path` (and :func:`atomic_write`) result written in this block is moved into place when
    the whole block ends without error, and none is when it fails: a call writing several outputs (an embedding and
    its labels, a prediction and its model) never leaves some of them behind after a late failure. Nested blocks
    belong to the outermost."""
    if _PENDING.get() is not None:
        yield
        return
    pending = _Block()
    token = _PENDING.set(pending)
    placed = False
    try:
        yield
        _PENDING.reset(token)
        token = None
        _place_all(pending.moves, pending.stale)
        placed = True
    finally:
        if token is not None:
            _PENDING.reset(token)
        for tmp in pending.temporaries:
            _remove_temporary(tmp)
        if not placed:  # failed: the folders it made, if still empty
            _remove_made(pending.made)


def _place_all(moves: list[tuple[Path, Path]], stale: Iterable[Path] = ()) -> None:
    """Move each written temporary onto its path and remove the ``stale`` files, all or none: the earlier outputs
    (and the stale files) are first kept aside in their own folders (a hard link of a file, which a reader still
    finds in place until the temporary replaces it in one rename; a folder, or a file where links fail, moved
    aside), then the temporaries moved in; when a move fails, the outputs already moved in are removed and the
    earlier ones moved back before the error is raised (one that cannot be is named in a warning)."""
    if STOP_REQUESTED.is_set():  # asked to stop (SIGTERM) while writing: the temporaries go, nothing is placed
        raise StopRequested()
    stale = list(stale)
    for tmp, path in moves:  # a file never replaces a folder, nor a folder a file (as one rename refuses)
        if path.is_dir() != tmp.is_dir() and (path.exists() or path.is_symlink()):
            raise (IsADirectoryError if path.is_dir() else NotADirectoryError)(
                errno.EISDIR if path.is_dir() else errno.ENOTDIR, "cannot replace a folder by a file or a file by a "
                "folder", str(path))
    aside: list[tuple[Path, Path]] = []  # (path, where its earlier output now is)
    done: list[Path] = []
    try:
        for path in [path for _, path in moves] + stale:
            if path.exists() or path.is_symlink():
                old = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.old"
                _keep_aside(path, old, stale=path in stale)
                aside.append((path, old))
        for tmp, path in moves:
            os.replace(tmp, path)
            done.append(path)
    except BaseException:
        for path in done:
            _remove(path)
        for path, old in reversed(aside):
            try:
                if path.is_file() and not path.is_symlink() and os.path.samefile(path, old):
                    old.unlink()  # a link of a file still in place (rename would leave both names)
                else:
                    os.replace(old, path)
            except OSError as err:
                logger.warning("could not put back the earlier %s (%s); it is kept as %s", path, err, old)
        raise
    for _, old in aside:
        _remove(old)


def atomic_write(
    path: str | os.PathLike,
    write: Callable[[Path], object],
    *,
    protect: Iterable[str | os.PathLike] = (),
    overwrite: bool = False,
) -> Path:
    """Call ``write(tmp_path)`` and move the result onto ``path`` (see :func:`atomic_path`).

    Returns
    -------
    ``path`` as a :class:`~pathlib.Path`.
    """
    path = user_path(path)
    with atomic_path(path, protect=protect, overwrite=overwrite) as tmp:
        write(tmp)
    return path


@contextmanager
def atomic_files(
    folder: str | os.PathLike, owned: Iterable[str], *, protect: Iterable[str | os.PathLike] = ()
) -> Iterator[Path]:
    """Yield a hidden staging folder in ``folder`` (beside it when new); when the block ends without error, the files
    written there replace the earlier set in ``folder``.

    The earlier set is every file of ``folder`` matching one of the glob patterns ``owned`` (e.g. a report's
    ``umap_*.png``): those the new set lacks are removed, so a replaced result never keeps files of the one before;
    other files of ``folder`` are left alone. On any error (a failed rename too) ``folder`` is left as it was and the
    staging folder is removed. In a data-parallel run only process 0 moves its files into place. Inside an
    :func:`atomic_outputs` block the set is moved in (and the earlier one removed) with the block's other outputs,
    when the whole block ends without error.
    """
    from .._launch import is_writer

    folder = user_path(folder)
    protect = protected(protect)
    owned = [owned] if isinstance(owned, str) else list(owned)  # one pattern, not its characters ('*' took all)
    outer = _PENDING.get()
    made = _make_parents(folder)
    if folder.exists() and not folder.is_dir():  # found before the work, not when the set is moved in
        raise NotADirectoryError(f"{folder} is a file, where a folder of results goes; choose another path")
    from .outputs import _writable

    if folder.is_dir() and not _writable(folder):  # staged beside it: it failed only when the set was moved in
        raise PermissionError(f"the folder {folder} is not writable; choose a folder you can write to")
    if outer is not None:  # folders made for a failed block's outputs are removed with them
        outer.made.extend(made)
    if is_writer():
        warn_leftovers(folder, staging=True)
    # inside an existing folder (on its disk: a folder linked to another disk failed with 'Invalid cross-device
    # link' once every file was written), else beside the folder it makes
    staging = (folder if folder.is_dir() else folder.parent) / f".{folder.name}.{uuid.uuid4().hex[:12]}.tmp"
    staging.mkdir()
    token = _PENDING.set(None)  # files written into the staging folder are there at once; the set moves below
    try:
        with _said_when_disk_full(folder, restate=True):
            yield staging
        _PENDING.reset(token)
        token = None
        if is_writer():
            new = sorted(p.name for p in staging.iterdir() if p.is_file())
            stale = sorted({p for pattern in owned for p in folder.glob(pattern) if p.is_file() and p.name not in new})
            earlier = {p.name for pattern in owned for p in folder.glob(pattern)}
            theirs = [n for n in new if n not in earlier and ((folder / n).exists() or (folder / n).is_symlink())]
            if theirs:  # a file of the user's named like one of the set (scanpy's umap_<key>.png) was replaced
                raise FileExistsError(f"{folder / theirs[0]} exists and is no file of an earlier result; move it out "
                                      f"of {folder} or choose another folder")
            for path in [folder / name for name in new] + stale:
                check_not_input(path, protect)
            if not folder.is_dir():
                folder.mkdir()
                if outer is not None:
                    outer.made.append(folder)
            moves = [(staging / name, folder / name) for name in new]
            if outer is None:
                _place_all(moves, stale)  # all or none
            else:  # moved in with the other outputs of the enclosing block, all or none
                outer.moves.extend(moves)
                outer.stale.extend(stale)
                outer.temporaries.append(staging)
                staging = None
    except BaseException:
        if outer is None:  # the folders made for the set go with it (in a block: with the block's, when it fails)
            shutil.rmtree(staging, ignore_errors=True)
            staging = None
            _remove_made(made)
        raise
    finally:
        if token is not None:
            _PENDING.reset(token)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
