"""One overwrite rule for every output: each output path is checked before any work is done.

:func:`check_outputs` refuses an output that would replace an input, an existing result (unless overwriting is
allowed), a path of the wrong kind, or one in a folder that does not exist or cannot be written. The file workflows
(:mod:`jae.workflows`) call it with their argument names before reading any data, the CLI with its flags; the
write itself then goes through :func:`jae.io.atomic.atomic_path`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, NamedTuple

from .._flags import check_flags
from .atomic import written_path
from .paths import is_empty_folder, user_path
from .zarr_stores import is_zarr

__all__ = ["check_outputs", "check_model_folders", "ReadFolder"]


def _same(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried, not guessed from permission bits: root, read-only mounts,
    ACLs); the trial file is anonymous or removed at once."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _name_fits(flag: str, path: Path) -> None:
    """Refuse a file name too long for its folder once jae's temporary name is made of it
    (:func:`jae.io.atomic.atomic_path`: ``.NAME.<12 hex>.tmpSUFFIX``): it passed the checks and failed writing,
    after all the work, with 'File name too long'."""
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # a folder that does not exist (said below), or no pathconf
        limit = 255
    size, extra = len(os.fsencode(path.name)), 18 + len(os.fsencode(path.suffix))
    if size + extra > limit:
        raise ValueError(f"{flag} {path.name[:40]}... is a file name of {size} bytes; jae writes it through a "
                         f"temporary file named after it, and its folder takes names of at most {limit} bytes: "
                         f"choose a shorter name for {flag} (at most {limit - extra} bytes)")


class ReadFolder(NamedTuple):
    """The model folder a workflow reads (never written), and how the refusal of an output inside it words it:
    ``'{flag} {path} lies inside the {what} {folder}, which {why}: {fix}'``, ``fix`` naming ``{flag}``; ``kind``
    (``'jae'``, ``'predictor'``): a folder that is no model folder of it (missing, a file, neither model file) is
    refused as such instead (:func:`jae.checkpoint.check_model_path`): its output was said to lie 'inside the model
    folder' of a path that does not exist."""

    folder: Path | None
    what: str
    why: str
    fix: str
    kind: str | None = None


def check_model_folders(outputs, *, models: Iterable[str] = (), read: ReadFolder | None = None,
                        any_model: Literal["inside", "is or inside"] | None = None) -> None:
    """Refuse an output (``(flag, path)``; None: not written) that lies in a model folder, in one order for every verb
    (the first that applies is said):

    1. inside an output of ``models`` (the names of outputs written as model folders): the folder is replaced whole,
       after the output (``jae predict --output pm/p.h5ad --save-model pm`` failed after all the work, naming a
       temporary file);
    2. inside the model folder ``read`` names, which the workflow reads and never writes;
    3. with ``any_model``, inside any model folder (``model.json``, or an old predictor's ``predictor.json``, beside
       ``weights.pt``: what jae fit, jae map and jae predict --save-model write), or with ``"is or inside"`` one (a
       report folder; a model folder written as a whole passes ``"inside"``): a file left there made a later
       'jae fit --out FOLDER --overwrite' refuse it.

    Each is one line naming the output and the fix; ``overwrite`` helps none of them, so callers ask first."""
    outputs = [(flag, path) for flag, path in outputs if path is not None]
    for name, folder in outputs:
        if name not in models:
            continue
        folder = user_path(folder).resolve()
        for flag, path in outputs:
            if flag != name and folder in user_path(path, name=flag).resolve().parents:
                raise ValueError(f"{flag} {path} lies in the model folder {name} {folder}, which is written as a "
                                 f"whole; choose a path for {flag} outside {folder.name}")
    if read is not None and read.folder is not None:
        for flag, path in outputs:
            if read.folder.resolve() in user_path(path, name=flag).resolve().parents:
                if read.kind is not None and not (read.folder / "predictor.json").is_file():  # old predictor layout
                    from ..checkpoint import check_model_path

                    check_model_path(read.folder, kind=read.kind)  # no model folder: said so, not 'inside' it
                raise ValueError(f"{flag} {path} lies inside the {read.what} {read.folder}, which {read.why}: "
                                 f"{read.fix.format(flag=flag)}")
    if any_model is None:
        return
    from ..checkpoint.checks import DESCRIPTION, WEIGHTS

    for flag, path in outputs:
        target = user_path(path, name=flag).resolve()
        for folder in (target, *target.parents) if any_model == "is or inside" else target.parents:
            # a predictor folder of the old layout: predictor.json beside weights.pt
            marker = next((m for m in (DESCRIPTION, "predictor.json") if (folder / m).is_file()), None)
            if marker is not None and (folder / WEIGHTS).is_file():
                where = "is" if folder == target else f"lies inside {folder},"
                raise ValueError(f"{flag} {path} {where} a model folder ({marker} and weights.pt), which only jae "
                                 "fit, jae map and jae predict --save-model write (a stray file there stops them "
                                 f"replacing it with overwrite=True): choose another {flag} outside it")


#: Endings of file names that a new output folder (a report's, a model's) is refused for: a user asking for a file.
_FILE_SUFFIXES = (".csv", ".tsv", ".md", ".html", ".txt", ".json", ".h5ad", ".h5mu", ".h5", ".pt", ".pkl", ".png",
                  ".pdf", ".zip")


def check_outputs(
    outputs: Iterable[tuple[str, str | os.PathLike | None]],
    *,
    inputs: Iterable[str | os.PathLike],
    overwrite: bool,
    folders: Iterable[str] = (),
    models: dict[str, str | tuple[str, ...]] | None = None,
    kinds: dict[str, str] | None = None,
    suffixes: dict[str, tuple[str, ...]] | None = None,
    overwrite_fix: str = "pass overwrite=True",
    read: ReadFolder | None = None,
    any_model: Literal["inside", "is or inside"] | None = None,
) -> None:
    """Refuse, before any work, an output path that would replace an input, an existing file (unless
    ``overwrite``), or that lies in a folder that does not exist or cannot be written. Runners given paths (the
    ``*_files`` functions, the CLI) refuse a missing folder, a typo in one of their paths caught before the work;
    saving an object (:meth:`jae.JAE.save`, :func:`jae.io.atomic.atomic_path`) creates it, as scvi-tools does. An
    existing output is refused last, after every refusal (of any output) that ``overwrite`` would not lift.

    Parameters
    ----------
    outputs
        ``(name, path)`` pairs, e.g. ``("out", "emb.h5ad")``; the name is how messages call the output (an
        argument name, or a CLI flag). ``path`` None is skipped.
    inputs
        Every input file; no output may be one of them.
    overwrite
        Whether existing outputs may be replaced.
    folders
        Names whose path is a folder the caller fills (an existing folder counts as existing output only when it
        is not empty).
    models
        ``{name: marker file}`` (or a tuple of them, the first named) for model folders: any existing path counts
        as existing output, and one without any marker file (e.g. ``model.json``), or holding one of ``inputs``, is
        never replaced, even with ``overwrite``.
    kinds
        ``{name: model kind}`` for outputs of ``models`` (``'jae'``, ``'predictor'``): an existing folder holding
        another kind of model, or files besides the model, is refused as :func:`jae.checkpoint.check_model_folder`
        refuses it, before the advice to pass ``overwrite``, which would not replace it.
    suffixes
        ``{name: (".h5ad", ...)}``: the endings allowed for that output's path.
    overwrite_fix
        How the message for an existing output names the fix (the CLI: ``'pass --overwrite'``).
    read, any_model
        The model folder the caller reads, and whether an output inside (or that is) any model folder is refused:
        with ``models``, outputs in a model folder are refused first, in :func:`check_model_folders`' order.

    Raises
    ------
    ValueError, FileExistsError, FileNotFoundError, PermissionError
        With one line naming the output and the fix.
    """
    outputs = [(flag, path) for flag, path in outputs if path is not None]
    check_model_folders(outputs, models=models or {}, read=read, any_model=any_model)  # overwrite helps none
    check_flags(overwrite=overwrite)  # a text 'False' is truthy: it replaced the outputs
    inputs = [user_path(p) for p in inputs]
    folders = set(folders)
    seen: dict[Path, str] = {}
    existing = None
    for flag, path in outputs:
        if path is None:
            continue
        path = user_path(path, name=flag)
        written = written_path(path)  # a link: written through to its target (jae.io.atomic.atomic_path)
        _name_fits(flag, written)
        for p in inputs:
            store = is_zarr(p)  # a zarr store: a folder jae only reads, nothing written into it
            if _same(path, p):
                model = any((p / marker).is_file() for marker in ("model.json", "predictor.json"))  # or the old layout
                what = ("the model folder" if model else "an input zarr store" if store
                        else "an input folder" if p.is_dir() else "an input file")  # a Cell Ranger matrix folder
                raise ValueError(f"{flag} {path} is {what}; choose another path for {flag}")
            if store and p.resolve() in path.resolve().parents:
                raise ValueError(f"{flag} {path} is inside the input zarr store {p}, which jae only reads; choose "
                                 f"another path for {flag}, outside it")
        if (flag in folders or flag in (models or {})) and path.suffix.lower() in _FILE_SUFFIXES and not (
                path.exists() or path.is_symlink()):  # 'jae evaluate --out metrics.csv' made a folder of that name
            raise ValueError(f"{flag} {path} names the folder the files are written into, but ends like a file "
                             f"({path.suffix!r}); choose a folder name for {flag}, e.g. {path.with_suffix('')}")
        allowed = (suffixes or {}).get(flag)
        if allowed and path.suffix not in allowed:
            raise ValueError(f"{flag} must end in {' or '.join(allowed)}, not {path.name!r}; choose another {flag}")
        key = path.resolve()
        if key in seen:
            raise ValueError(f"{flag} {path} is also given as {seen[key]}; choose different paths")
        seen[key] = flag
        parent = written.parent.resolve()  # where it is written (a link's target's folder: written through)
        if not parent.is_dir():
            if parent.exists():
                raise ValueError(f"{parent}, the folder of {flag} {path}, is a file; choose another {flag}")
            raise FileNotFoundError(
                f"the folder {parent} of {flag} {path} does not exist; create it first or choose another {flag}"
            )
        if not _writable(parent):
            raise PermissionError(
                f"the folder {parent} of {flag} {path} is not writable; choose another {flag} in a folder you can "
                "write to"
            )
        what = "exists"
        if path.is_symlink() and not path.exists():  # a link to nothing: the writers refuse to replace it alike
            if flag in folders:  # a folder written into (a report's): there is none to write into, overwrite or not
                raise FileNotFoundError(f"{flag} {path} is a link to {os.readlink(path)}, which is missing; create "
                                        f"that folder or choose another {flag}")
            exists, what = True, f"exists (a link to {os.readlink(path)}, which is missing)"
        elif flag in (models or {}):
            markers = (models[flag],) if isinstance(models[flag], str) else tuple(models[flag])
            if is_empty_folder(path):  # holds nothing to lose: written into as a new folder
                continue
            if path.exists() and not any((path / marker).is_file() for marker in markers):
                from ..checkpoint import not_a_model_folder

                raise not_a_model_folder(f"{flag} {path}", f"choose another {flag}")
            inside = [p for p in inputs if path.resolve() in p.resolve().parents]
            if inside:  # replacing the folder would delete the user's input with it
                raise ValueError(
                    f"{flag} {path} holds the input {inside[0]}, which replacing the model folder would delete; "
                    f"move the input out of {path.name} or choose another {flag}")
            if path.exists() and flag in (kinds or {}):  # another kind, files beside the model: overwrite won't do
                from ..checkpoint import check_model_folder

                check_model_folder(path, kind=kinds[flag], overwrite=True, name=flag)
            exists = path.exists()
        elif flag in folders:
            if path.exists() and not path.is_dir():
                raise ValueError(f"{flag} {path} exists and is not a folder; choose a folder path for {flag}")
            exists = path.is_dir() and any(path.iterdir())
        else:
            if path.is_dir():
                raise ValueError(f"{flag} {path} is a folder; give a file path for {flag}")
            exists = path.exists()
        if exists and not overwrite and existing is None:  # said after what overwrite would not lift, of every output
            existing = f"{flag} {path} {what}; {overwrite_fix} to replace it or choose another {flag}"
    if existing is not None:
        raise FileExistsError(existing)
    from .._launch import is_writer
    from .leftovers import warn_leftovers

    if is_writer():  # said before the work, not hours later when the output is written
        for flag, path in outputs:
            warn_leftovers(written_path(user_path(path, name=flag)), staging=flag in folders)
