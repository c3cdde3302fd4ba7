"""Model folders (:mod:`jae.checkpoint`): ``model.json`` (readable description with a format version and a model
kind) + ``weights.pt`` (tensors only), for every model of jae: the joint model (``model_kind`` ``"jae"``) and the
modality predictor (``"predictor"``). :func:`write_model_folder` / :func:`read_model_folder` are the one writer and
reader of both; :func:`check_model_folder` refuses, before any work, a folder that would not be written;
:func:`damaged_description` words the errors of rebuilding a model from its description.

Loading uses ``torch.load(weights_only=True)``, so no arbitrary object is ever unpickled.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING


from .. import __version__
from .._flags import check_flags
from .._words import first_names
from ..io.atomic import atomic_files, atomic_path
from ..io.outputs import check_model_folders
from ..io.paths import is_empty_folder, user_path
from .._launch import is_writer
from .checks import _REFIT, DESCRIPTION, WEIGHTS, damaged_folder
from .json_text import json_text

if TYPE_CHECKING:  # torch (2-3 s) is imported where weights are read or written: the checks of a folder need none
    import torch

logger = logging.getLogger("jae.checkpoint")  # the package's: its messages keep the logger they had before the split


#: Version of the on-disk layout; bump when it changes and keep a frozen checkpoint of each in tests/fixtures
#: (model_v<N>: make_model.py; from 6 on also mapped_v<N> and predictor_v<N>: make_mapped_model.py, make_predictor.py).
#: 2 added the readout (``readout`` in model.json, ``readout.*`` tensors); version 1 files load with the raw latent.
#: ``model_kind`` came with the predictor's move to these files; a description without it is a joint model.
#: 3 added ``free_units`` to ``readout`` (the "components" readout reads no free units); version 2 files read them.
#: 3 also added the label-transfer voters (``voters`` in model.json, ``voters.features`` / ``voters.codes`` tensors,
#: :mod:`jae.model.voters`); files without them predict cell types with the calibrated head alone.
#: 4 added the readout's cell-cycle shrink of the type part (``cycle_directions`` in ``readout``, ``readout.cycle_axes``
#: / ``readout.cycle_keep`` tensors); files without them read the type part unshrunk, as they were fitted.
#: 5 added the readout's linear classifier (``type_linear`` in ``readout``, ``readout.type_coef`` /
#: ``readout.type_intercept`` tensors): the type part mixes it with the head; files without it read the head alone.
#: 5 also added the calibration cells (``calibration_cells`` in model.json, ``calibration_cells.features`` / ``.codes``
#: tensors, :class:`jae.model.voters.CalibrationCells`): :meth:`jae.JAE.finetune` fits the label calibration again
#: on them; files without them keep their calibration after a fine-tuning, with a warning.
#: 6 added proteins normalised by their centred log-ratio at a common depth (config ``protein_norm="clr_depth"``, the
#: default with labels since round 48; the fitted median protein count as ``median_count`` in the ADT modality's
#: entry); files before it load with the normalisation their config names (``"log"`` when it names none).
#: Optional in any version: ``cell_type_values`` in ``categories``, the reference's labels when they are numbers
#: (predictions come back as those); files without it give the names (text), as jae before it did. Also optional in
#: any version: ``cell_type_order`` in ``categories``, the order the reference's categorical labels set for its types
#: (predictions' categories come in it); files without it give them sorted, as jae before it did. And
#: ``protein_norm`` in the ADT modality's entry, the normalisation its proteins were fitted with: load refuses a config
#: that names another; files without it are not compared.
#: Also optional in any version (session 47): ``voter_linear`` (``digest``, ``tensors_digest``) with the tensors
#: ``voter_linear.coef`` / ``.intercept`` / ``.known``, the voters' linear classifier as last fitted
#: (:func:`jae.model.linear.kept_fit`): reused while the voters' embedding hashes to ``digest``, fitted again otherwise;
#: files without it fit it at their first labels. No version bump: a reader of format 6 before it ignores both (it
#: reads model.json's keys by name and only the tensors of the parts it knows) and refits, as it always did.
FORMAT_VERSION = 6
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6)
#: What a model folder may hold, and the call that loads each.
MODEL_KINDS = {"jae": "jae.JAE.load", "predictor": "jae.prediction.ModalityPredictor.load"}
#: The files of a model folder (a predictor folder of the old layout: ``predictor.json`` + ``weights.pt``); anything
#: else in it is the user's, and a folder holding such files is never replaced.
_MODEL_FILES = frozenset({DESCRIPTION, WEIGHTS, "predictor.json"})
#: What writes a folder of each kind (named when the folder given does not exist).
_WRITERS = {"jae": "jae fit, jae map or JAE.save", "predictor": "ModalityPredictor.save or jae predict --save-model"}


def write_model_folder(path: str | Path, description: dict, tensors: dict[str, torch.Tensor], *, kind: str,
                       overwrite: bool = False) -> Path:
    """Write ``description`` (with the format version, ``model_kind`` and jae version added first) as
    ``model.json`` and ``tensors`` as ``weights.pt`` into the folder ``path``, atomically (a hidden folder moved
    into place; into a mount point, which cannot be replaced, the two files moved in as one set).

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite=False``, or exists and is not a model folder.
    """
    path = user_path(path)  # '~/models/m': the home folder, as a shell would read it; a non-path refused
    if not is_writer():  # a data-parallel run (torchrun): process 0 writes the folder, the others nothing
        return path
    check_model_folder(path, kind=kind, overwrite=overwrite)
    description = {"format_version": FORMAT_VERSION, "model_kind": kind, "jae_version": __version__, **description}
    # check_model_folder decided. A mount point (a container's bound output folder; empty, or of the model's own files)
    # is written into, its model files replaced as one set: renamed whole, it failed "Device or resource busy" after
    # the whole fit; any other folder is written beside and moved in (replacing the earlier one)
    into = path.is_dir() and os.path.ismount(os.path.realpath(path))  # a link: its target (written through)
    with atomic_files(path, sorted(_MODEL_FILES)) if into else atomic_path(path, overwrite=True) as tmp:
        if not into:
            tmp.mkdir()
        (tmp / DESCRIPTION).write_text(json_text(description))  # infinity as 1e999: standard JSON, read back as inf
        import torch

        torch.save({k: v.detach().cpu() for k, v in tensors.items()}, tmp / WEIGHTS)
    logger.debug("saved %s model to %s", kind, path)
    return path


def not_a_model_folder(where: str, fix: str) -> FileExistsError:
    """The refusal of an existing path that is no model folder where a model goes, which is never replaced (not even
    with ``overwrite``): one wording for every call writing a model. ``where`` names the path (after its argument,
    e.g. ``'out PATH'``), ``fix`` the other choice (e.g. ``'choose another out'``)."""
    return FileExistsError(f"{where} exists and is not a jae model folder (no {DESCRIPTION}), which is never replaced; "
                           f"move it or {fix}")


def check_model_folder(path: str | Path, *, kind: str, overwrite: bool, name: str | None = None) -> None:
    """Refuse, before any work, a folder :func:`write_model_folder` would not write a ``kind`` model to: an existing
    path that is not a model folder (never replaced), a model folder without ``overwrite``, one holding another
    kind of model (``overwrite`` replaces a model by one of its kind only), or a path inside another model folder
    (:func:`jae.io.outputs.check_model_folders`, as every verb refuses its outputs there). ``name``: how messages
    call the path (an argument, e.g. ``'save_model'``; None: ``path``); the CLI names the flag.

    Raises
    ------
    FileExistsError, ValueError
        With one line naming the path and the fix.
    """
    check_flags(overwrite=overwrite)  # a text 'False' is truthy: it replaced the model
    path = user_path(path)
    where = str(path) if name is None else f"{name} {path}"
    other = "choose another folder" if name is None else f"choose another {name}"
    if path.name in ("", ".", ".."):  # '.' (an empty working folder): renaming it failed "Device or resource busy"
        raise ValueError(f"{where} ends in '.' or '..', a folder in use that is never replaced by a model; pass a "
                         f"folder of its own, e.g. {Path(os.path.normpath(path)) / 'jae_model'}")
    # never inside another model folder: the folder left there stopped 'jae fit --out FOLDER --overwrite' replacing it
    check_model_folders([(name or "path", path)], any_model="inside")
    if not path.exists() or is_empty_folder(path):  # an empty folder holds nothing to lose
        return
    if not any((path / marker).is_file() for marker in (DESCRIPTION, "predictor.json")):
        # first: overwrite=True would not help (only a model folder is ever replaced)
        raise not_a_model_folder(where, other)
    # what overwrite=True would not replace, before the advice to pass it
    found = "predictor" if not (path / DESCRIPTION).is_file() else _kind_of(path / DESCRIPTION)
    if found is not None and found != kind:
        raise ValueError(f"{where} holds a {found!r} model; overwrite=True replaces only a {kind!r} model: {other}")
    extra = sorted(entry.name for entry in path.iterdir() if entry.name not in _MODEL_FILES)
    if extra:  # the folder is replaced whole: an embedding or notes kept beside the model went with it, unsaid
        shown = first_names(extra, 3)
        raise FileExistsError(f"{where} holds {shown} besides the model, which replacing the model folder would "
                              f"delete; move {'it' if len(extra) == 1 else 'them'} out of the folder or {other}")
    if not overwrite:
        fix = "pass overwrite=True (CLI: --overwrite)" if name is None else "pass overwrite=True"
        raise FileExistsError(f"{where} exists; {fix} or {other}")


def _kind_of(description: Path) -> str | None:
    """The ``model_kind`` a ``model.json`` names (``'jae'`` when it names none, as :func:`read_model_folder` reads it);
    None for a damaged file, whose kind cannot be told (replaced as before)."""
    try:
        d = json.loads(description.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return str(d.get("model_kind", "jae")) if isinstance(d, dict) else None


def check_model_path(path: str | Path, *, kind: str) -> None:
    """Refuse, in one line naming the fix, a path that is no model folder of ``kind`` (missing, a file, a folder
    without ``model.json`` and ``weights.pt``): the checks :func:`read_model_folder` makes before reading a file,
    for the workflows to make before anything else (an output 'inside the model folder' of a path that is none).

    Raises
    ------
    FileNotFoundError, ValueError
    """
    path = user_path(path)
    legacy = path / "predictor.json"  # a predictor folder of the layout before this one (jae.prediction.api)
    if kind != "predictor" and legacy.is_file() and not (path / DESCRIPTION).is_file():
        raise ValueError(f"{path} holds a 'predictor' model, not a {kind!r} one; load it with {MODEL_KINDS['predictor']}")
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; pass the folder a model was saved to (written by "
                                f"{_WRITERS.get(kind, _WRITERS['jae'])})")
    if path.is_file() and path.name in (DESCRIPTION, WEIGHTS) and (path.parent / DESCRIPTION).is_file():
        raise FileNotFoundError(f"{path} is a file of the model folder {path.parent}; pass the folder: {path.parent}")
    missing = [name for name in (DESCRIPTION, WEIGHTS) if not (path / name).is_file()]
    if len(missing) == 1:  # one file of a model folder: an interrupted copy, or one file deleted
        what = "is a folder, not a file" if (path / missing[0]).is_dir() else "is missing"  # not 'missing': it is there
        raise FileNotFoundError(f"{path / missing[0]} {what} (the folder holds only the other file of a model, "
                                f"{({DESCRIPTION, WEIGHTS} - set(missing)).pop()}); copy the whole model folder again")
    if missing:  # a model folder one level down (cp -r into an existing folder, an archive unpacked): named
        inner = [p.parent for p in path.glob(f"*/{DESCRIPTION}") if path.is_dir() and (p.parent / WEIGHTS).is_file()]
        raise FileNotFoundError(f"{path} is not a jae model folder: expected {DESCRIPTION} and {WEIGHTS} in it"
                                + (f"; it holds one: pass {inner[0]}" if len(inner) == 1 else ""))


def read_model_folder(path: str | Path, *, kind: str) -> tuple[dict, dict[str, torch.Tensor]]:
    """The description and tensors of a model folder written by :func:`write_model_folder`, validated: both files
    present, valid JSON, a readable format version, the expected ``model_kind``, tensors only.

    Raises
    ------
    FileNotFoundError, ValueError
        With one line naming the problem and the fix.
    """
    path = user_path(path)
    return read_description(path, kind=kind), load_tensors(path / WEIGHTS, kind=kind)


def read_description(path: str | Path, *, kind: str) -> dict:
    """The description (``model.json``) of the model folder ``path``, validated as :func:`read_model_folder`
    validates it (both files present, valid JSON, a readable format version, the expected ``model_kind``), its
    tensors not read: the workflows' check of a model folder before torch is imported to load it.

    Raises
    ------
    FileNotFoundError, ValueError
        With one line naming the problem and the fix.
    """
    path = user_path(path)
    check_model_path(path, kind=kind)
    try:  # bytes that are not UTF-8 text (e.g. weights.pt copied over it) raise UnicodeDecodeError, not a JSON error
        d = json.loads((path / DESCRIPTION).read_bytes().decode("utf-8-sig"))  # a BOM: saved by an editor
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        why = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else f"not valid JSON ({err})"
        raise ValueError(f"{path / DESCRIPTION} is {why}; {damaged_folder(kind)}") from None
    if not isinstance(d, dict):
        raise ValueError(
            f"{path / DESCRIPTION} "
            f"does not describe a jae model (not a JSON object); {damaged_folder(kind)}"
        )
    if "format_version" not in d:  # another program's model.json: "format_version None is not supported" said otherwise
        raise ValueError(f"{path / DESCRIPTION} has no format_version, which every jae model folder's has: it does not "
                         f"describe a jae model (another program's, or damaged); pass a folder written by "
                         f"{_WRITERS.get(kind, _WRITERS['jae'])}")
    version = d.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        wrote = d.get("jae_version")  # jae is installed from its repository (install.sh): 'pip install -U jae' failed
        newer = f" to {wrote} or later" if wrote else ""
        raise ValueError(
            f"{path}: model format_version {version}, written by jae {wrote or '(unknown)'}, is newer than jae "
            f"{__version__} reads (format versions up to {FORMAT_VERSION}); upgrade jae{newer} (update the jae "
            f"repository and run its install.sh again) or {_REFIT[kind]}"
        )
    if isinstance(version, bool) or version not in READABLE_VERSIONS:  # true == 1: read as a format 1 file
        raise ValueError(
            f"{path}: model format_version {version!r} is not supported by jae {__version__} "
            f"(reads versions {', '.join(map(str, READABLE_VERSIONS))}); {_REFIT[kind]} or use the jae version that "
            "wrote it"
        )
    found = d.get("model_kind", "jae")
    if not isinstance(found, str):  # a list or object: MODEL_KINDS.get raised "unhashable type"
        raise ValueError(f"{path / DESCRIPTION}: model_kind {found!r} is not a kind of jae model (one of "
                         f"{', '.join(map(repr, MODEL_KINDS))}); {damaged_folder(kind)}")
    if found != kind:
        loader = MODEL_KINDS.get(found)
        raise ValueError(
            f"{path} holds a {found!r} model, not a {kind!r} one; "
            + (f"load it with {loader}" if loader else "it was written by another jae version or edited: upgrade jae "
               f"(update the jae repository and run its install.sh again), copy the folder again or {_REFIT[kind]}")
        )
    return d


def load_tensors(path: Path, *, kind: str = "jae") -> dict[str, torch.Tensor]:
    """The ``{name: tensor}`` dict saved in ``path`` (the weights of a ``kind`` model), read with
    ``torch.load(weights_only=True)``.

    Raises
    ------
    ValueError
        For a truncated or damaged file, or one holding anything but tensors (a pickle of other objects is
        refused, never run). The message never repeats torch's, which advises ``weights_only=False``.
    """
    import torch

    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols before refusing a foreign pickle
            warnings.simplefilter("ignore")
            tensors = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - truncated, not a torch file, or a pickle of arbitrary objects (never run)
        tensors = None
    if not isinstance(tensors, dict) or not all(isinstance(v, torch.Tensor) for v in tensors.values()):
        raise ValueError(
            f"{path} is not a valid jae weights file (truncated, damaged or not written by jae); copy the model "
            f"folder again or {_REFIT[kind]}"
        ) from None
    return tensors


@contextmanager
def damaged_description(path: Path, *, kind: str = "jae"):
    """Errors of rebuilding a ``kind`` model from its folder's description, as one line naming ``model.json`` (a
    predictor folder of the old layout: ``predictor.json``) and the fix (a value of the wrong type would otherwise
    surface as e.g. "invalid literal for int() with base 10"); a predictor's fix is to refit the predictor, which the
    CLI names as ``jae predict --save-model``, not ``jae fit``."""
    legacy = kind == "predictor" and (path / "predictor.json").is_file() and not (path / DESCRIPTION).is_file()
    description = path / ("predictor.json" if legacy else DESCRIPTION)
    try:
        yield
    except KeyError as err:
        raise ValueError(
            f"{description} lacks the key {err.args[0]!r}; {damaged_folder(kind)}"
        ) from None
    except (TypeError, AttributeError, ValueError, OverflowError) as err:  # Overflow: Infinity where a count goes
        # jae's own checks begin with the folder or one of its files and name the fix already; a name merely found in
        # the text (a folder 'm' in "argument") let Python's own error through, a traceback in the CLI
        if str(err).startswith((f"{path}:", f"{path}{os.sep}")):
            raise
        raise ValueError(f"{description} has a malformed entry ({err}); {damaged_folder(kind)}") from None
