"""Checks and small helpers of :mod:`jae.checkpoint`'s reading and writing of model folders, kept apart so its
modules stay small: the file names of a model folder, and the validation of a description's parts (modalities,
mapping records, saved tensors) that a hand-edited or damaged ``model.json`` would otherwise load with."""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np

__all__ = ["DESCRIPTION", "WEIGHTS", "damaged_folder"]

DESCRIPTION, WEIGHTS = "model.json", "weights.pt"
#: How the messages of a damaged or unreadable folder of each kind name its refit (the CLI names the verb for each).
_REFIT = {"jae": "refit the model", "predictor": "refit the predictor"}


def damaged_folder(kind: str = "jae") -> str:
    """The end of every message about a damaged model folder of ``kind`` (``'jae'`` or ``'predictor'``): that it is
    damaged and its fix, in one wording the CLI translates (``refit the model`` becomes ``refit it with jae fit``)."""
    return f"the model folder is damaged: copy it again or {_REFIT[kind]}"


def _check_modalities(path: Path, mods) -> None:
    """Refuse a description whose ``modalities`` no fit writes (hand-edited or mixed from two models): every joint
    model has RNA (GEX, with an SVD basis) first and ATAC (with one) or ADT (proteins read as they are) second, two
    different names and distinct feature names in each; such a file loaded and then failed every embed with a shape
    error, or embedded proteins as peaks."""
    damaged = f"{path / DESCRIPTION}: %s; {damaged_folder()}"
    if not isinstance(mods, list) or len(mods) != 2 or not all(isinstance(m, dict) for m in mods):
        raise ValueError(damaged % "'modalities' is not a list of two modalities (RNA and ATAC or ADT)")
    kinds = [m["kind"] for m in mods]
    if kinds[0] != "GEX" or kinds[1] not in ("ATAC", "ADT"):
        raise ValueError(damaged % f"the modalities are {kinds[0]!r} + {kinds[1]!r}, not GEX + ATAC or GEX + ADT")
    names = [m["name"] for m in mods]
    if not all(isinstance(name, str) for name in names):  # a list: every embed failed "unhashable type"
        raise ValueError(damaged % f"the modality names {names[0]!r} and {names[1]!r} are not both names (texts)")
    if names[0] == names[1]:
        raise ValueError(damaged % f"both modalities are named {names[0]!r}")
    for m, kind, name in zip(mods, kinds, names):
        if (m["svd_components"] is None) != (kind == "ADT"):
            raise ValueError(damaged % f"modality {name!r} ({kind}) {'has' if kind == 'ADT' else 'lacks'} SVD components")
        if not isinstance(m["var_names"], list) or len(set(map(str, m["var_names"]))) != len(m["var_names"]):
            raise ValueError(damaged % f"the features of modality {name!r} are not a list of distinct names")
        depth = m.get("median_count")  # the proteins' common depth (format 6); Infinity loaded, and embedded NaN
        if depth is not None and (isinstance(depth, bool) or not isinstance(depth, numbers.Real)
                                  or not (np.isfinite(depth) and depth > 0)):
            raise ValueError(damaged % f"the median protein count of modality {name!r} is {depth!r}, not a finite "
                             "positive number")


def _label_values(values) -> dict:
    """``{"cell_type_values": [...]}`` for a model whose labels are numbers (:func:`jae.labels.label_categories`):
    predictions come back as those values; ``{}`` for text labels (the names are the labels)."""
    if values is None:
        return {}
    return {"cell_type_values": [int(v) if isinstance(v, numbers.Integral) else float(v) for v in values]}


def _label_order(order) -> dict:
    """``{"cell_type_order": [...]}`` for a model whose reference's categorical labels set an order of their types
    (:func:`jae.labels.label_order`): predictions come back in it; ``{}`` otherwise (sorted, as jae before it)."""
    return {} if order is None else {"cell_type_order": list(order)}


def _check_label_order(path: Path, order, cell_types: list[str]) -> list[str] | None:
    """A description's ``categories.cell_type_order`` (None: files without it), refused in one line unless it is
    the model's cell types in some order (predictions then failed in pandas, or lost a type)."""
    if order is not None and (not isinstance(order, list) or not all(isinstance(n, str) for n in order)
                              or sorted(order) != sorted(cell_types) or len(set(order)) != len(order)):
        raise ValueError(f"{path / DESCRIPTION}: categories.cell_type_order is not the cell types in an order "
                         f"({order!r:.80}); {damaged_folder()}")
    return order


def _finite_or_none(value) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _saved(tensors: dict, prefix: str, keys, error: str) -> dict:
    """``{key: tensors['<prefix>.<key>']}`` for ``keys``; ``ValueError(error)`` when any of them is missing."""
    parts = {k: tensors.get(f"{prefix}.{k}") for k in keys}
    if any(v is None for v in parts.values()):
        raise ValueError(error)
    return parts


def _mappings(path: Path, records) -> list[dict]:
    """The ``"mappings"`` of a description (None: written before jae kept them, or never mapped), checked."""
    if records is None:
        return []
    if not isinstance(records, list) or not all(isinstance(r, dict) and isinstance(r.get("batches"), list)
                                                for r in records):
        raise ValueError(f"{path / DESCRIPTION}: 'mappings' is not a list of mapping records; the model folder is "
                         "damaged: copy it again or map the query again")
    return records


def _categories(path: Path, categories) -> tuple[list[str], list[str]]:
    """The cell types and batches of a description's ``categories``, each a list of distinct names as every fit writes
    them; a hand-edited text (``"abc"``: read letter by letter as three cell types), a name given twice (predictions
    then failed with pandas' "Categorical categories must be unique") or names out of their sorted order (every fit
    sorts them; reordered, predictions named each other's types, silently) is refused in one line."""
    out = []
    for key in ("cell_type", "batch"):
        names = categories[key]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError(f"{path / DESCRIPTION}: categories.{key} is not a list of distinct names ({names!r:.80}); "
                             f"{damaged_folder()}")
        if names != sorted(names):  # every fit sorts them; reordered, each name labelled another unit's cells
            raise ValueError(f"{path / DESCRIPTION}: categories.{key} is not sorted as every fit writes it "
                             f"({names!r:.80}), so each name would label another {key.replace('_', ' ')}'s part of "
                             f"the model (predicted cell types swapped); {damaged_folder()}")
        out.append(list(names))
    return out[0], out[1]


#: Tensors the embedding is computed from; a NaN or infinite value in one (a damaged or hand-edited file: no fit
#: writes one) made every embedding NaN, silently. ``readout.type_intercept`` may hold -inf: a type the linear
#: classifier was not fitted on.
_EMBEDDING_TENSORS = ("network.", "svd.", "readout.", "adapter.")


def _check_finite(path: Path, d: dict, tensors: dict) -> None:
    """Refuse NaN or infinite values where the embedding reads them: the tensors of :data:`_EMBEDDING_TENSORS` and the
    readout's ``type_scale`` (model.json reads ``NaN`` and ``Infinity``)."""
    readout = d.get("readout")
    scale = readout.get("type_scale") if isinstance(readout, dict) else None
    if isinstance(scale, float) and not np.isfinite(scale):
        raise ValueError(f"{path / DESCRIPTION}: readout.type_scale is {scale}, not a finite number; "
                         f"{damaged_folder()}")
    for name, value in tensors.items():
        if not name.startswith(_EMBEDDING_TENSORS) or name.endswith("num_batches_tracked"):  # a count: int64
            continue
        if not value.is_floating_point():  # integers (weights rounded by whoever converted them) loaded as they were
            raise ValueError(f"{path / WEIGHTS}: tensor {name!r} holds {str(value.dtype).replace('torch.', '')} "
                             f"values where jae writes floating-point weights; {damaged_folder()}")
        bad = value.isnan() | (value == np.inf) if name == "readout.type_intercept" else ~value.isfinite()
        if bool(bad.any()):
            raise ValueError(f"{path / WEIGHTS}: tensor {name!r} holds NaN or infinite values, which no fit writes; "
                             f"{damaged_folder()}")


def _check_codes(path: Path, part: str, codes, n_cell_type: int) -> None:
    """Refuse label codes of the voters or calibration cells (``part``) that are not positions in the model's cell
    types: a code past them failed every prediction with numpy's "index 99 is out of bounds", a negative one voted
    silently for the last type."""
    codes = np.asarray(codes)
    if codes.size and (codes.dtype.kind not in "iu" or codes.min() < 0 or codes.max() >= n_cell_type):
        raise ValueError(f"{path / WEIGHTS}: tensor '{part}.codes' holds label codes that are not positions in the "
                         f"model's {n_cell_type} cell types; {damaged_folder()}")


#: Config fields that :mod:`jae.checkpoint.joint` fills in for files written before them (their values then), by the
#: format version whose files all have them: a later file without one is damaged (a format 6 file without
#: ``protein_norm`` loaded with ``'log'`` and embedded its proteins otherwise, silently; without ``pca_init`` its
#: weights were said to come from another model).
_CONFIG_SINCE = {2: ("pca_init", "readout"), 3: ("readout_unsupervised",),  # type_linear: from round 46, after the
                 6: ("type_linear", "protein_norm", "protein_norm_unsupervised")}  # first format 5 files


def _missing_config(d: dict) -> str | None:
    """The first of :data:`_CONFIG_SINCE`'s fields that the description's config lacks for its format version, as
    ``'config.<field>'``; None when it has them all."""
    config = d["config"]
    for version, keys in _CONFIG_SINCE.items():
        for key in keys if d["format_version"] >= version and isinstance(config, dict) else ():
            if key not in config:
                return f"config.{key}"
    return None


def _check_temperatures(path: Path, calibration) -> None:
    """Refuse a label calibration whose temperatures or unknown-call thresholds no fit makes (every fitted temperature
    is finite and positive, the linear classifier's NaN when there is none; the thresholds are numbers, infinite when
    no cell was held out): NaN, 0 or a negative temperature, or a NaN threshold, loaded and changed every confidence
    and unknown call, silently."""
    for name in ("temperature", "linear_temperature"):
        value = getattr(calibration, name)
        if not (np.isfinite(value) and value > 0) and not (name == "linear_temperature" and np.isnan(value)):
            raise ValueError(f"{path / DESCRIPTION}: calibration.{name} is {value}, not a positive number; "
                             f"{damaged_folder()}")
    for name in ("confidence_threshold", "distance_threshold", "score_threshold"):  # every fit sets them (inf: none)
        if np.isnan(value := getattr(calibration, name)):  # NaN compares False: no cell was ever called unknown
            raise ValueError(f"{path / DESCRIPTION}: calibration.{name} is {value}, which no fit writes; "
                             f"{damaged_folder()}")


def _check_config(path: Path, d: dict, config, layout) -> None:
    """Refuse a description whose config disagrees with what its weights were made with (a hand edit of model.json):
    the mode against the cell-type block, ``n_free`` (the mode's) and ``n_phase`` against the latent layout, the
    mode's ``readout`` against the readout the file holds, ``n_svd`` against the SVD components saved, the mode's
    ``protein_norm`` against the normalisation its proteins were fitted with (the ADT modality's optional
    ``protein_norm``; an edit embedded every cell otherwise), ``type_linear=False`` against a readout holding the
    linear classifier (an edit meant to turn it off changed nothing). Each loaded silently before, the embedding
    unchanged (or, for the mode and the protein normalisation, changed) while the model's config said otherwise,
    which a refit from ``model.config`` or a save of the model then carried on. A field a file's format lacks (filled
    in with today's default) is not compared."""
    raw = d["config"]
    supervised = config.mode == "supervised"
    free, readout = ("n_free", "readout") if supervised else ("n_free_unsupervised", "readout_unsupervised")
    saved = d.get("readout")
    units = saved.get("free_units", True) if isinstance(saved, dict) else None  # not true or false: refused later
    has = "latent" if saved is None else {True: "principal", False: "components"}.get(units) if type(units) is bool \
        else None
    svd = max((m["svd_components"] for m in d["modalities"] if m.get("svd_components") is not None), default=None)
    norm = next((m.get("protein_norm") for m in d["modalities"] if m.get("kind") == "ADT"), None)  # None: not saved
    norm_field = "protein_norm" if supervised else "protein_norm_unsupervised"
    found = (
        (supervised != (layout.n_cell_type > 0),
         f"mode={config.mode!r}, but its latent layout has {layout.n_cell_type} cell types"),
        (free in raw and getattr(config, free) != layout.n_free,
         f"{free}={getattr(config, free)!r}, but its latent layout has {layout.n_free} free units"),
        ("n_phase" in raw and config.n_phase != layout.n_phase,
         f"n_phase={config.n_phase!r}, but its latent layout has {layout.n_phase} phase units"),
        (readout in raw and has is not None and config.readout_for() != has,
         f"{readout}={config.readout_for()!r}, but the readout it holds is {has!r}"),
        (svd is not None and svd > config.n_svd,
         f"n_svd={config.n_svd!r}, but its weights hold {svd} SVD components of a modality"),
        ("type_linear" in raw and not config.type_linear and isinstance(saved, dict)
         and saved.get("type_linear") is True,
         "type_linear=False, but its readout holds the linear classifier a fit with type_linear=True adds"),
        (norm is not None and config.protein_norm_for() != norm,
         f"{norm_field}={config.protein_norm_for()!r}, but its network was fitted on proteins normalised with "
         f"{norm!r}"),
    )
    for wrong, what in found:
        if wrong:
            raise ValueError(f"{path / DESCRIPTION}: its config says {what}; the file was edited or comes from another "
                             "model: copy the model folder again or refit the model")
