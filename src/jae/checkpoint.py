"""Model files: ``model.json`` (readable description with a format version and a model kind) + ``weights.pt``
(tensors only), for every model of jae: the joint model (``model_kind`` ``"jae"``) and the modality predictor
(``"predictor"``). :func:`write_model_folder` / :func:`read_model_folder` are the one writer and reader of both.

Loading uses ``torch.load(weights_only=True)``, so no arbitrary object is ever unpickled.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import __version__
from ._checkpoint_checks import (DESCRIPTION, WEIGHTS, _categories, _check_codes, _check_finite, _check_modalities,
                                 _check_temperatures, _finite_or_none, _label_values, _mappings, _missing_config,
                                 _saved, _check_config)
from ._flags import check_flags
from ._model_json import json_text
from .config import JAEConfig
from .io.atomic import atomic_files, atomic_path
from .io.paths import is_empty_folder, user_path
from .model import JAENetwork, LatentLayout
from .model.readout import Readout
from .preprocess import Preprocessor, SVDBasis
from .train import resolve_device, usable_device
from .train.distributed import is_writer

__all__ = [
    "FORMAT_VERSION", "MODEL_KINDS", "check_model_folder", "save_model", "load_model", "load_tensors",
    "read_model_folder", "write_model_folder",
]

logger = logging.getLogger(__name__)

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
#: (predictions come back as those); files without it give the names (text), as jae before it did.
FORMAT_VERSION = 6
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6)
#: Parts of a joint model's description (each None when the model has none) that every file of a format version
#: writes, from the version whose files all have them: a later file without one is damaged, not an old file.
_PARTS_SINCE = {2: ("readout",), 3: ("calibration", "adapter", "moments", "voters"), 5: ("calibration_cells",)}
#: What a model folder may hold, and the call that loads each.
MODEL_KINDS = {"jae": "jae.JAE.load", "predictor": "jae.prediction.ModalityPredictor.load"}
#: The files of a model folder (a predictor folder of the old layout: ``predictor.json`` + ``weights.pt``); anything
#: else in it is the user's, and a folder holding such files is never replaced.
_MODEL_FILES = frozenset({DESCRIPTION, WEIGHTS, "predictor.json"})
#: How the messages of a damaged or unreadable folder of each kind name its refit (the CLI names the verb for each).
_REFIT = {"jae": "refit the model", "predictor": "refit the predictor"}
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
    into = path.is_dir() and os.path.ismount(path)
    with atomic_files(path, sorted(_MODEL_FILES)) if into else atomic_path(path, overwrite=True) as tmp:
        if not into:
            tmp.mkdir()
        (tmp / DESCRIPTION).write_text(json_text(description))  # infinity as 1e999: standard JSON, read back as inf
        torch.save({k: v.detach().cpu() for k, v in tensors.items()}, tmp / WEIGHTS)
    logger.info("saved %s model to %s", kind, path)
    return path


def _plain_json(value):
    """``value`` with every NaN or infinite float as None (JSON's null): Python's json writes them as ``NaN``, which
    no other JSON reader accepts. For the history (NaN: the validation loss of fine-tuning epochs), whose load reads
    null back as NaN; the other entries keep their numbers (a calibration threshold may be infinite)."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_json(v) for v in value]
    return value


def check_model_folder(path: str | Path, *, kind: str, overwrite: bool, name: str | None = None) -> None:
    """Refuse, before any work, a folder :func:`write_model_folder` would not write a ``kind`` model to: an existing
    path that is not a model folder (never replaced), a model folder without ``overwrite``, or one holding another
    kind of model (``overwrite`` replaces a model by one of its kind only). ``name``: how messages call the path
    (an argument, e.g. ``'save_model'``); the CLI names the flag.

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
    if not path.exists() or is_empty_folder(path):  # an empty folder holds nothing to lose
        return
    if not any((path / marker).is_file() for marker in (DESCRIPTION, "predictor.json")):
        # first: overwrite=True would not help (only a model folder is ever replaced)
        raise FileExistsError(f"{where} exists and is not a jae model folder, which is never replaced; {other}")
    if not overwrite:
        fix = "pass overwrite=True (CLI: --overwrite)" if name is None else "pass overwrite=True"
        raise FileExistsError(f"{where} exists; {fix} or {other}")
    found = "predictor" if not (path / DESCRIPTION).is_file() else _kind_of(path / DESCRIPTION)
    if found is not None and found != kind:
        raise ValueError(f"{where} holds a {found!r} model; overwrite=True replaces only a {kind!r} model: {other}")
    extra = sorted(entry.name for entry in path.iterdir() if entry.name not in _MODEL_FILES)
    if extra:  # the folder is replaced whole: an embedding or notes kept beside the model went with it, unsaid
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        raise FileExistsError(f"{where} holds {shown} besides the model, which replacing the model folder would "
                              f"delete; move {'it' if len(extra) == 1 else 'them'} out of the folder or {other}")


def _kind_of(description: Path) -> str | None:
    """The ``model_kind`` a ``model.json`` names (``'jae'`` when it names none, as :func:`read_model_folder` reads it);
    None for a damaged file, whose kind cannot be told (replaced as before)."""
    try:
        d = json.loads(description.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return str(d.get("model_kind", "jae")) if isinstance(d, dict) else None


def read_model_folder(path: str | Path, *, kind: str) -> tuple[dict, dict[str, torch.Tensor]]:
    """The description and tensors of a model folder written by :func:`write_model_folder`, validated: both files
    present, valid JSON, a readable format version, the expected ``model_kind``, tensors only.

    Raises
    ------
    FileNotFoundError, ValueError
        With one line naming the problem and the fix.
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
        raise FileNotFoundError(f"{path / missing[0]} is missing (the folder holds only the other file of a model, "
                                f"{({DESCRIPTION, WEIGHTS} - set(missing)).pop()}); copy the whole model folder again")
    if missing:  # a model folder one level down (cp -r into an existing folder, an archive unpacked): named
        inner = [p.parent for p in path.glob(f"*/{DESCRIPTION}") if path.is_dir() and (p.parent / WEIGHTS).is_file()]
        raise FileNotFoundError(f"{path} is not a jae model folder: expected {DESCRIPTION} and {WEIGHTS} in it"
                                + (f"; it holds one: pass {inner[0]}" if len(inner) == 1 else ""))
    try:  # bytes that are not UTF-8 text (e.g. weights.pt copied over it) raise UnicodeDecodeError, not a JSON error
        d = json.loads((path / DESCRIPTION).read_bytes().decode("utf-8-sig"))  # a BOM: saved by an editor
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        why = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else f"not valid JSON ({err})"
        raise ValueError(f"{path / DESCRIPTION} is {why}; the model folder is damaged: copy it again or "
                         f"{_REFIT[kind]}") from None
    if not isinstance(d, dict):
        raise ValueError(
            f"{path / DESCRIPTION} "
            "does not describe a jae model (not a JSON object); the model folder is damaged"
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
                         f"{', '.join(map(repr, MODEL_KINDS))}); the model folder is damaged: copy it again or {_REFIT[kind]}")
    if found != kind:
        loader = MODEL_KINDS.get(found)
        raise ValueError(
            f"{path} holds a {found!r} model, not a {kind!r} one; "
            + (f"load it with {loader}" if loader else "it was written by another jae version")
        )
    return d, load_tensors(path / WEIGHTS, kind=kind)


def save_model(model, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a fitted :class:`jae.JAE` to the folder ``path`` atomically (a temp folder renamed into place)."""
    from .mapping import mappings_of

    pre = model.preprocessor
    description = {
        "config": model.config.to_dict(),
        "seed": model.seed,
        "layout": model.layout.to_dict(),
        "categories": {"cell_type": list(model.cell_types), "batch": list(model.batches),
                       **_label_values(getattr(model, "cell_type_values", None))},
        "organism": model.organism,
        "batch_key": getattr(model, "batch_key", None),  # fit's batch column, map_query's default (optional)
        "modalities": [
            {
                "name": name,
                "kind": kind,
                "svd_components": None if basis is None else basis.n_components,
                "var_names": [str(v) for v in names],
                **({"median_count": pre.protein_depth} if kind == "ADT" and pre.protein_depth is not None else {}),
            }
            for name, kind, names, basis in zip(model.modality_names, pre.kinds, pre.var_names, pre.bases)
        ],
        "n_input": pre.n_output,
        "readout": None if model.readout is None else {
            "type_scale": model.readout.type_scale, "free_units": model.readout.free_units,
            "cycle_directions": None if model.readout.cycle_axes is None else len(model.readout.cycle_axes),
            "type_linear": model.readout.type_coef is not None},
        # issue 15 (both optional: files without them load with the plain softmax and no query adapter)
        "calibration": None if getattr(model, "calibration", None) is None else model.calibration.describe(),
        "adapter": None if getattr(model, "adapter", None) is None else {
            "batch_key": model.adapter.batch_key, "batches": list(model.adapter.batches)},
        # optional (format 6 files without it load): each map_query's batches, cells, seed, epochs and steps
        "mappings": mappings_of(model),
        "moments": getattr(model, "moments", None) is not None,  # the reference features' mean and covariance
        # round 38 (optional): the reference axes' cross-fitted carry, read by map_query's small-reference warning
        "axes_carry": _finite_or_none(getattr(model, "axes_carry", None)),
        "voters": None if getattr(model, "voters", None) is None else model.voters.describe(),
        "calibration_cells": None if getattr(model, "calibration_cells", None) is None
        else model.calibration_cells.describe(),
        "history": _plain_json(model.history.to_dict(orient="list")),
    }
    tensors = {f"network.{k}": v.detach().cpu() for k, v in model.network.state_dict().items()}
    for i, basis in enumerate(pre.bases):
        if basis is not None:
            tensors[f"svd.{i}"] = torch.from_numpy(basis.components)
    if model.readout is not None:
        tensors.update({f"readout.{k}": torch.from_numpy(np.ascontiguousarray(v)) for k, v in model.readout.to_tensors().items()})
    if description["calibration"] is not None:
        tensors.update({f"calibration.{k}": torch.from_numpy(np.ascontiguousarray(v))
                        for k, v in model.calibration.to_tensors().items()})
    if description["adapter"] is not None:
        tensors["adapter.shift"] = torch.from_numpy(np.ascontiguousarray(model.adapter.shift))
    for part in ("voters", "calibration_cells"):
        if description[part] is not None:
            tensors.update({f"{part}.{k}": torch.from_numpy(v) for k, v in getattr(model, part).to_tensors().items()})
    if description["moments"]:
        tensors.update({f"moments.{k}": torch.from_numpy(np.ascontiguousarray(v))
                        for k, v in model.moments.to_tensors().items()})
    return write_model_folder(path, description, tensors, kind="jae", overwrite=overwrite)


def load_tensors(path: Path, *, kind: str = "jae") -> dict[str, torch.Tensor]:
    """The ``{name: tensor}`` dict saved in ``path`` (the weights of a ``kind`` model), read with
    ``torch.load(weights_only=True)``.

    Raises
    ------
    ValueError
        For a truncated or damaged file, or one holding anything but tensors (a pickle of other objects is
        refused, never run). The message never repeats torch's, which advises ``weights_only=False``.
    """
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


def load_model(cls, path: str | Path, *, device: str = "auto"):
    """Rebuild a joint model saved by :func:`save_model`; validates the description and the tensors."""
    path = user_path(path)
    device = usable_device(device)  # a device torch cannot use here is the argument's fault, not a damaged folder's
    d, tensors = read_model_folder(path, kind="jae")
    with damaged_description(path):
        return _build(cls, path, d, tensors, device=device)


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
            f"{description} lacks the key {err.args[0]!r}; the model folder is damaged: copy it again or {_REFIT[kind]}"
        ) from None
    except (TypeError, AttributeError, ValueError, OverflowError) as err:  # Overflow: Infinity where a count goes
        # jae's own checks begin with the folder or one of its files and name the fix already; a name merely found in
        # the text (a folder 'm' in "argument") let Python's own error through, a traceback in the CLI
        if str(err).startswith((f"{path}:", f"{path}{os.sep}")):
            raise
        raise ValueError(f"{description} has a malformed entry ({err}); the model folder is damaged: copy it "
                         f"again or {_REFIT[kind]}") from None


def _build(cls, path: Path, d: dict, tensors: dict, *, device: str):
    """The model described by ``d`` with the weights ``tensors`` (a KeyError names a missing description key)."""
    for version, keys in _PARTS_SINCE.items():
        missing = [k for k in keys if k not in d] if d["format_version"] >= version else []
        if missing:  # loaded as an older file's, the model would embed and label cells otherwise
            raise KeyError(missing[0])
    described = {k.split(".", 1)[0] for k in tensors} & {"readout", "calibration", "adapter", "moments", "voters",
                                                          "calibration_cells"}
    for part in sorted(p for p in described if not d.get(p)):  # loaded without it, the model would embed otherwise
        raise ValueError(f"{path / WEIGHTS} holds {part} tensors that {path / DESCRIPTION} does not describe ({part!r} "
                         "is missing, null or false); the model folder is damaged: copy it again or refit the model")
    _check_finite(path, d, tensors)
    if (missing := _missing_config(d)) is not None:  # filled in below as for a file before it: another embedding
        raise KeyError(missing)
    config = dict(d["config"])
    config.setdefault("pca_init", False)  # files from before the option were trained without the linear path
    config.setdefault("readout", "latent")  # format 1: the embedding was the raw latent
    config.setdefault("readout_unsupervised", "latent")
    config.setdefault("type_linear", False)  # files before round 46: the type part is the head's alone
    config.setdefault("protein_norm", "log")  # files before round 47 log-normalised proteins in every mode
    config.setdefault("protein_norm_unsupervised", "log")
    model = cls(JAEConfig.from_dict(config), seed=d["seed"], device=device)
    model.layout = LatentLayout(**d["layout"])
    model.cell_types, model.batches = _categories(path, d["categories"])
    if (len(model.cell_types), len(model.batches)) != (model.layout.n_cell_type, model.layout.n_batch):
        raise ValueError(f"{path}: category lists do not match the latent layout; the model folder is damaged")
    values = d["categories"].get("cell_type_values")  # numeric labels' own values; files without them: the names
    if values is not None and (not isinstance(values, list) or [str(v) for v in values] != model.cell_types
                               or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
        raise ValueError(f"{path}: categories.cell_type_values do not match the cell types; the model folder is damaged")
    model.cell_type_values = values
    model.organism = d.get("organism")
    model.batch_key = d.get("batch_key")  # files before jae kept it: None (map_query then reads obs['batch'])
    mods = d["modalities"]
    _check_modalities(path, mods)
    bases = []
    for i, m in enumerate(mods):
        if m["svd_components"] is None:
            bases.append(None)
            continue
        comp = tensors.get(f"svd.{i}")
        if comp is None or tuple(comp.shape) != (m["svd_components"], len(m["var_names"])):
            raise ValueError(f"{path}: SVD components of modality {m['name']!r} are missing or misshapen; the model "
                             "folder is damaged: copy it again or refit the model")
        bases.append(SVDBasis(components=comp.numpy().astype(np.float32)))
    depth = next((m["median_count"] for m in mods if m.get("median_count") is not None), None)
    if model.config.protein_norm_for() == "clr_depth" and depth is None and any(m["kind"] == "ADT" for m in mods):
        raise ValueError(f"{path / DESCRIPTION} lacks the median protein count ('median_count') its proteins are "
                         "normalised with; the model folder is damaged: copy it again or refit the model")
    model.preprocessor = Preprocessor.from_bases(
        [m["kind"] for m in mods], [pd.Index(m["var_names"]) for m in mods], bases,
        protein_norm=model.config.protein_norm_for(), protein_depth=depth,
    )
    if type(d["n_input"]) is not int or model.preprocessor.n_output != d["n_input"]:  # '25': "give 25, takes 25"
        raise ValueError(f"{path / DESCRIPTION}: its modalities give {model.preprocessor.n_output} input features, its "
                         f"network takes {d['n_input']!r}; the model folder is damaged: copy it again or refit the model")
    model.modality_names = tuple(m["name"] for m in mods)
    state = {k[len("network."):]: v for k, v in tensors.items() if k.startswith("network.")}
    try:
        with torch.random.fork_rng(devices=[]):  # its initial weights, replaced below, come from the caller's generator
            with torch.device("meta"):  # shapes alone first: widths edited to 10**9 allocated 80 GB, then failed
                wanted = JAENetwork.from_config(model.config, d["n_input"], model.layout).state_dict()
            if any(k in state and state[k].shape != v.shape for k, v in wanted.items()):
                raise RuntimeError("misshapen tensors")
            model.network = JAENetwork.from_config(model.config, d["n_input"], model.layout)
        model.network.load_state_dict(state)  # strict: a missing or unexpected tensor raises
    except RuntimeError:
        raise ValueError(
            f"{path / WEIGHTS} does not match {path / DESCRIPTION} (missing, unexpected or misshapen tensors); the "
            "two files come from different models: copy both from one model folder or refit the model"
        ) from None
    model.network.to(resolve_device(device)).eval()
    model.readout = None
    if d.get("readout") is not None:
        damaged = (f"{path / WEIGHTS} lacks the %s tensors that {path / DESCRIPTION} describes; the model folder is "
                   "damaged: copy it again or refit the model")
        parts = _saved(tensors, "readout", ("mean", "tail_axes", "type_center"), damaged % "readout")
        if d["readout"].get("cycle_directions") is not None:  # format 4
            parts.update(_saved(tensors, "readout", ("cycle_axes", "cycle_keep"), damaged % "readout's cell-cycle"))
        if d["readout"].get("type_linear"):  # format 5
            parts.update(_saved(tensors, "readout", ("type_coef", "type_intercept"), damaged % "readout's classifier"))
        free = d["readout"].get("free_units", True)  # format 2: always read
        if not isinstance(free, bool):  # bool('false') is True: a hand-edited file read the free units all the same
            raise TypeError(f"readout.free_units is {free!r}, not true or false")
        model.readout = Readout(**{k: v.numpy() for k, v in parts.items()}, type_scale=float(d["readout"]["type_scale"]),
                                free_units=free)
        ro, m = model.readout, d["readout"].get("cycle_directions")
        K = model.layout.n_cell_type
        if (ro.mean.shape != (d["n_input"],) or ro.tail_axes.shape[1:] != (d["n_input"],) or ro.type_center.shape != (K,)
                or (m is not None and (ro.cycle_axes.shape != (m, K) or ro.cycle_keep.shape != (m,)))
                or (ro.type_coef is not None and (ro.type_coef.shape != (K, ro.dim(model.layout) - K)
                                                  or ro.type_intercept.shape != (K,)))):
            raise ValueError(f"{path}: readout tensors are misshapen; the model folder is damaged: copy it again or "
                             "refit the model")
    _check_config(path, d, model.config, model.layout)  # a hand edit that disagrees with the weights
    history = pd.DataFrame(d.get("history") or {})  # NaN is saved as null: a column of nulls alone is NaN again
    model.history = history.astype({c: float for c in history if history[c].isna().all()})
    _build_mapping_parts(model, path, d, tensors)
    return model


def _build_mapping_parts(model, path: Path, d: dict, tensors: dict) -> None:
    """The label calibration, query adapter and reference feature moments (issue 15), when the description has them."""
    from .mapping import QueryAdapter
    from .model.calibration import LabelCalibration
    from .model.moments import FeatureMoments
    from .model.voters import CalibrationCells, Voters

    damaged = f"{path / WEIGHTS} lacks the %s tensors that {path / DESCRIPTION} describes; the model folder is damaged"
    if d.get("calibration") is not None:
        parts = _saved(tensors, "calibration", ("centroids", "spreads"), damaged % "calibration")
        model.calibration = LabelCalibration.from_saved(d["calibration"], {k: v.numpy() for k, v in parts.items()})
        _check_temperatures(path, model.calibration)
        K = model.layout.n_cell_type
        if model.calibration.centroids.ndim != 2 or len(model.calibration.centroids) != K or \
                model.calibration.spreads.shape != (K,):
            raise ValueError(f"{path}: calibration tensors are misshapen; the model folder is damaged: copy it again "
                             "or refit the model")
    model.axes_carry = carry = d.get("axes_carry")  # round 38; files before it: None (map_query does not warn)
    if carry is not None and (isinstance(carry, bool) or not isinstance(carry, float | int)):  # map_query: TypeError
        raise ValueError(f"{path / DESCRIPTION}: axes_carry is {carry!r}, not a number; the model folder is damaged: "
                         "copy it again or refit the model")
    # format 3: voters; format 5: calibration cells (files without them are not recalibrated by finetune)
    for part, kind in (("voters", Voters), ("calibration_cells", CalibrationCells)):
        setattr(model, part, None)
        if d.get(part) is not None:
            parts = _saved(tensors, part, ("features", "codes"), damaged % part.replace("_", " "))
            _check_codes(path, part, parts["codes"].numpy(), model.layout.n_cell_type)
            parts.update({"observed": tensors[f"{part}.observed"]} if f"{part}.observed" in tensors else {})  # mosaic
            try:
                setattr(model, part, kind.from_saved(d[part], {k: v.numpy() for k, v in parts.items()}, d["n_input"]))
            except ValueError:
                raise ValueError(f"{path}: {part.replace('_', ' ')} tensors are misshapen; the model folder is "
                                 "damaged") from None
    if d.get("adapter") is not None:
        shift = tensors.get("adapter.shift")
        batches = tuple(str(b) for b in d["adapter"]["batches"])
        if shift is None or tuple(shift.shape) != (len(batches), d["n_input"]):
            raise ValueError(damaged % "query adapter")
        model.adapter = QueryAdapter(str(d["adapter"]["batch_key"]), batches, shift.numpy().astype(np.float32))
    model.mappings = _mappings(path, d.get("mappings"))
    if d.get("moments"):
        mean, cov = tensors.get("moments.mean"), tensors.get("moments.cov")
        n = d["n_input"]
        if mean is None or cov is None or tuple(mean.shape) != (n,) or tuple(cov.shape) != (n, n):
            raise ValueError(damaged % "feature moments")
        model.moments = FeatureMoments(mean=mean.numpy().astype(np.float64), cov=cov.numpy().astype(np.float64))
