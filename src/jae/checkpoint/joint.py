"""The joint model's description saved and the model rebuilt from it: this module writes a fitted :class:`jae.JAE`'s
description and tensors into a model folder (:func:`save_model`) and rebuilds the model from them
(:func:`load_model`); the folder itself, written and read for both models, is :mod:`jae.checkpoint.folder`'s.

Loading uses ``torch.load(weights_only=True)``, so no arbitrary object is ever unpickled.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .._device import float32_default
from ..config import JAEConfig
from ..io.paths import user_path
from ..model import JAENetwork, LatentLayout
from ..model.readout import Readout
from ..preprocess import Preprocessor, SVDBasis
from ..train import resolve_device, usable_device
from .checks import (DESCRIPTION, WEIGHTS, _categories, _check_codes, _check_finite, _check_modalities,
                     _check_label_order, _check_temperatures, _finite_or_none,
                     _label_order, _label_values, _mappings, _missing_config,
                     _saved, _check_config, damaged_folder)
from .folder import damaged_description, read_model_folder, write_model_folder

__all__ = ["save_model", "load_model"]

logger = logging.getLogger("jae.checkpoint")  # the package's, as jae.checkpoint.folder's

#: Parts of a joint model's description (each None when the model has none) that every file of a format version
#: writes, from the version whose files all have them: a later file without one is damaged, not an old file.
_PARTS_SINCE = {2: ("readout",), 3: ("calibration", "adapter", "moments", "voters"), 5: ("calibration_cells",)}


def _plain_json(value):
    """``value`` with every NaN float as None (JSON's null): Python's json writes it as ``NaN``, which no other JSON
    reader accepts. For the history (NaN: the validation loss of fine-tuning epochs), whose load reads null back as
    NaN; an infinite loss is kept, written as ``1e999`` (:func:`jae.checkpoint.json_text.json_text`) and read back as
    infinity (as null it came back NaN)."""
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_json(v) for v in value]
    return value


def save_model(model, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a fitted :class:`jae.JAE` to the folder ``path`` atomically (a temp folder renamed into place)."""
    from ..mapping.train import mappings_of

    pre = model.preprocessor
    description = {
        "config": model.config.to_dict(),
        "seed": model.seed,
        "layout": model.layout.to_dict(),
        "categories": {"cell_type": list(model.cell_types), "batch": list(model.batches),
                       **_label_values(getattr(model, "cell_type_values", None)),
                       **_label_order(getattr(model, "cell_type_order", None))},
        "organism": model.organism,
        "batch_key": getattr(model, "batch_key", None),  # fit's batch column, map_query's default (optional)
        "modalities": [
            {
                "name": name,
                "kind": kind,
                "svd_components": None if basis is None else basis.n_components,
                # optional: the basis's held-out scale (tensor svd.<i>.held_out_scale), read by map_query
                **({"held_out_scale": True} if basis is not None and basis.held_out_scale is not None else {}),
                "var_names": [str(v) for v in names],
                **({"median_count": pre.protein_depth} if kind == "ADT" and pre.protein_depth is not None else {}),
                **({"protein_norm": pre.protein_norm} if kind == "ADT" else {}),  # optional: load compares the config
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
            "batch_key": model.adapter.batch_key, "batches": list(model.adapter.batches),
            **({"scaled": True} if model.adapter.scaled_shift is not None else {}),  # optional: adapter.scaled_shift
            **({"unscaled": list(model.adapter.unscaled)} if model.adapter.unscaled else {})},  # optional: epochs=0's
        # optional (format 6 files without it load): each map_query's batches, cells, seed, epochs and steps
        "mappings": mappings_of(model),
        "moments": getattr(model, "moments", None) is not None,  # the reference features' mean and covariance
        # optional (session 42): how many fitted cells' fingerprints tensor fit_cells holds (jae.query.fit_cells)
        **({"fit_cells": len(model.fit_cells)} if getattr(model, "fit_cells", None) is not None else {}),
        # round 38 (optional): the reference axes' cross-fitted carry, read by map_query's small-reference warning
        "axes_carry": _finite_or_none(getattr(model, "axes_carry", None)),
        "voters": None if getattr(model, "voters", None) is None else model.voters.describe(),
        "calibration_cells": None if getattr(model, "calibration_cells", None) is None
        else model.calibration_cells.describe(),
        # optional (session 47): the voters' linear classifier as last fitted, with the digest of its fit
        **_kept_linear_description(model),
        "history": _plain_json(model.history.to_dict(orient="list")),
    }
    tensors = {f"network.{k}": v.detach().cpu() for k, v in model.network.state_dict().items()}
    for i, basis in enumerate(pre.bases):
        if basis is not None:
            tensors[f"svd.{i}"] = torch.from_numpy(basis.components)
            if basis.held_out_scale is not None:
                tensors[f"svd.{i}.held_out_scale"] = torch.from_numpy(np.ascontiguousarray(basis.held_out_scale))
    if model.readout is not None:
        tensors.update({f"readout.{k}": torch.from_numpy(np.ascontiguousarray(v)) for k, v in model.readout.to_tensors().items()})
    if description["calibration"] is not None:
        tensors.update({f"calibration.{k}": torch.from_numpy(np.ascontiguousarray(v))
                        for k, v in model.calibration.to_tensors().items()})
    if description["adapter"] is not None:
        tensors["adapter.shift"] = torch.from_numpy(np.ascontiguousarray(model.adapter.shift))
        if model.adapter.scaled_shift is not None:
            tensors["adapter.scaled_shift"] = torch.from_numpy(np.ascontiguousarray(model.adapter.scaled_shift))
    for part in ("voters", "calibration_cells"):
        if description[part] is not None:
            tensors.update({f"{part}.{k}": torch.from_numpy(v) for k, v in getattr(model, part).to_tensors().items()})
    if "voter_linear" in description:
        c = model.voter_linear.classifier
        tensors.update({f"voter_linear.{k}": torch.from_numpy(np.ascontiguousarray(v))
                        for k, v in (("coef", c.coef), ("intercept", c.intercept), ("known", c.known))})
    if "fit_cells" in description:  # uint64 hashes, stored as their int64 bits
        tensors["fit_cells"] = torch.from_numpy(np.ascontiguousarray(model.fit_cells).view(np.int64))
    if description["moments"]:
        tensors.update({f"moments.{k}": torch.from_numpy(np.ascontiguousarray(v))
                        for k, v in model.moments.to_tensors().items()})
    return write_model_folder(path, description, tensors, kind="jae", overwrite=overwrite)


def _kept_linear_description(model) -> dict:
    """``{"voter_linear": {...}}`` for a model that keeps its voters' linear classifier (:mod:`jae.model.linear`): the
    digest of the fit (of the voters' embedding and labels it was fitted on) and of its tensors; ``{}`` otherwise."""
    from ..model.linear import tensors_digest

    kept = getattr(model, "voter_linear", None)
    if kept is None or getattr(model, "voters", None) is None:
        return {}
    return {"voter_linear": {"digest": kept.digest, "tensors_digest": tensors_digest(kept.digest, kept.classifier)}}


def _kept_linear(path: Path, d: dict, tensors: dict, model):
    """The voters' linear classifier a folder keeps (:class:`jae.model.linear.KeptLinear`; files without it: None, it
    is fitted at the first labels). One that does not match its digests, the model's shapes or the tensors jae writes
    (an edited or mixed folder) is dropped with a warning, and fitted again when labels are next predicted: kept
    coefficients are used only as fitted."""
    from ..model.linear import KeptLinear, LinearClassifier, tensors_digest

    entry = d.get("voter_linear")
    if entry is None or model.voters is None:
        return None
    K = model.layout.n_cell_type
    width = len(model.column_names) - K
    parts = {k: tensors.get(f"voter_linear.{k}") for k in ("coef", "intercept", "known")}
    wanted = {"coef": ((K, width), torch.float64), "intercept": ((K,), torch.float64), "known": ((K,), torch.bool)}
    fine = isinstance(entry, dict) and isinstance(entry.get("digest"), str) and all(
        v is not None and tuple(v.shape) == wanted[k][0] and v.dtype == wanted[k][1] for k, v in parts.items())
    if fine:
        kept = KeptLinear(entry["digest"], LinearClassifier(**{k: v.numpy().copy() for k, v in parts.items()}))
        fine = entry.get("tensors_digest") == tensors_digest(kept.digest, kept.classifier) and bool(
            np.isfinite(kept.classifier.coef).all() and np.isfinite(kept.classifier.intercept).all())
    if not fine:
        logger.warning("%s: the voters' linear classifier it keeps (voter_linear) does not match its digests or "
                       "tensors (the folder was edited or mixed from two models), so it is not used: it is fitted "
                       "again when labels are predicted", path)
        return None
    return kept


def load_model(cls, path: str | Path, *, device: str = "auto"):
    """Rebuild a joint model saved by :func:`save_model`; validates the description and the tensors."""
    path = user_path(path)
    device = usable_device(device)  # a device torch cannot use here is the argument's fault, not a damaged folder's
    d, tensors = read_model_folder(path, kind="jae")
    with damaged_description(path), torch.inference_mode(False):  # under a caller's inference_mode() too: weights
        return _build(cls, path, d, tensors, device=device)  # a later finetune can train (not inference tensors)


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
                         f"is missing, null or false); {damaged_folder()}")
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
        raise ValueError(f"{path}: category lists do not match the latent layout; {damaged_folder()}")
    values = d["categories"].get("cell_type_values")  # numeric labels' own values; files without them: the names
    if values is not None and (not isinstance(values, list) or [str(v) for v in values] != model.cell_types
                               or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
        raise ValueError(f"{path}: categories.cell_type_values do not match the cell types; {damaged_folder()}")
    model.cell_type_values = values
    # the reference's own order of its types (optional in any version; files without it: sorted, as before)
    model.cell_type_order = _check_label_order(path, d["categories"].get("cell_type_order"), model.cell_types)
    model.organism = d.get("organism")
    model.batch_key = d.get("batch_key")  # files before jae kept it: None (map_query then reads obs['batch'])
    if model.batch_key is not None and not isinstance(model.batch_key, str):  # map_query: "unhashable type: 'list'"
        raise TypeError(f"batch_key is {model.batch_key!r}, not the name of an obs column")
    mods = d["modalities"]
    _check_modalities(path, mods)
    bases = []
    for i, m in enumerate(mods):
        if m["svd_components"] is None:
            bases.append(None)
            continue
        comp = tensors.get(f"svd.{i}")
        if comp is None or tuple(comp.shape) != (m["svd_components"], len(m["var_names"])):
            raise ValueError(f"{path}: SVD components of modality {m['name']!r} are missing or misshapen; "
                             f"{damaged_folder()}")
        scale = tensors.get(f"svd.{i}.held_out_scale")
        if m.get("held_out_scale") and (scale is None or tuple(scale.shape) != (m["svd_components"],)
                                        or bool((scale <= 0).any())):
            raise ValueError(f"{path}: the held-out scale of modality {m['name']!r} is missing, misshapen or not "
                             f"positive; {damaged_folder()}")
        bases.append(SVDBasis(components=comp.numpy().astype(np.float32),
                              held_out_scale=scale.numpy().astype(np.float32) if m.get("held_out_scale") else None))
    depth = next((m["median_count"] for m in mods if m.get("median_count") is not None), None)
    if model.config.protein_norm_for() == "clr_depth" and depth is None and any(m["kind"] == "ADT" for m in mods):
        raise ValueError(f"{path / DESCRIPTION} lacks the median protein count ('median_count') its proteins are "
                         f"normalised with; {damaged_folder()}")
    model.preprocessor = Preprocessor.from_bases(
        [m["kind"] for m in mods], [pd.Index(m["var_names"]) for m in mods], bases,
        protein_norm=model.config.protein_norm_for(), protein_depth=depth,
    )
    if type(d["n_input"]) is not int or model.preprocessor.n_output != d["n_input"]:  # '25': "give 25, takes 25"
        raise ValueError(f"{path / DESCRIPTION}: its modalities give {model.preprocessor.n_output} input features, its "
                         f"network takes {d['n_input']!r}; {damaged_folder()}")
    model.modality_names = tuple(m["name"] for m in mods)
    state = {k[len("network."):]: v for k, v in tensors.items() if k.startswith("network.")}
    try:
        with torch.random.fork_rng(devices=[]), float32_default():  # initial weights (replaced below): from the
            # caller's generator, in float32 whatever torch's default dtype (float64 layers refused the features)
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
        damaged = f"{path / WEIGHTS} lacks the %s tensors that {path / DESCRIPTION} describes; {damaged_folder()}"
        parts = _saved(tensors, "readout", ("mean", "tail_axes", "type_center"), damaged % "readout")
        if d["readout"].get("cycle_directions") is not None:  # format 4
            parts.update(_saved(tensors, "readout", ("cycle_axes", "cycle_keep"), damaged % "readout's cell-cycle"))
        if d["readout"].get("type_linear"):  # format 5
            parts.update(_saved(tensors, "readout", ("type_coef", "type_intercept"), damaged % "readout's classifier"))
        unread = sorted(k for k in tensors if k.startswith("readout.") and k[len("readout."):] not in parts)
        if unread:  # cycle_directions or type_linear edited away: loaded without them, the embedding changed silently
            raise ValueError(f"{path / WEIGHTS} holds the readout tensors {', '.join(unread)}, which the readout of "
                             f"{path / DESCRIPTION} does not describe (cycle_directions or type_linear edited); "
                             f"{damaged_folder()}")
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
            raise ValueError(f"{path}: readout tensors are misshapen; {damaged_folder()}")
    _check_config(path, d, model.config, model.layout)  # a hand edit that disagrees with the weights
    history = pd.DataFrame(d.get("history") or {})  # NaN is saved as null: a column of nulls alone is NaN again
    model.history = history.astype({c: float for c in history if history[c].isna().all()})
    _build_mapping_parts(model, path, d, tensors)
    return model


def _build_mapping_parts(model, path: Path, d: dict, tensors: dict) -> None:
    """The label calibration, query adapter and reference feature moments (issue 15), when the description has them."""
    from ..mapping.adapter import QueryAdapter, held_out_scale_of
    from ..model.calibration import LabelCalibration
    from ..model.moments import FeatureMoments
    from ..model.voters import CalibrationCells, Voters

    damaged = f"{path / WEIGHTS} lacks the %s tensors that {path / DESCRIPTION} describes; {damaged_folder()}"
    if d.get("calibration") is not None:
        parts = _saved(tensors, "calibration", ("centroids", "spreads"), damaged % "calibration")
        model.calibration = LabelCalibration.from_saved(d["calibration"], {k: v.numpy() for k, v in parts.items()})
        _check_temperatures(path, model.calibration)
        K = model.layout.n_cell_type
        if model.calibration.centroids.ndim != 2 or len(model.calibration.centroids) != K or \
                model.calibration.spreads.shape != (K,):
            raise ValueError(f"{path}: calibration tensors are misshapen; {damaged_folder()}")
    model.axes_carry = carry = d.get("axes_carry")  # round 38; files before it: None (map_query does not warn)
    if carry is not None and (isinstance(carry, bool) or not isinstance(carry, float | int)):  # map_query: TypeError
        raise ValueError(f"{path / DESCRIPTION}: axes_carry is {carry!r}, not a number; {damaged_folder()}")
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
                raise ValueError(f"{path}: {part.replace('_', ' ')} tensors are misshapen; {damaged_folder()}") \
                    from None
    if d.get("adapter") is not None:
        shift = tensors.get("adapter.shift")
        batches = tuple(str(b) for b in d["adapter"]["batches"])
        if shift is None or tuple(shift.shape) != (len(batches), d["n_input"]):
            raise ValueError(damaged % "query adapter")
        scaled, scale = tensors.get("adapter.scaled_shift"), held_out_scale_of(model.preprocessor)
        if d["adapter"].get("scaled") and (scaled is None or scale is None or scaled.shape != shift.shape):
            raise ValueError(damaged % "query adapter's scaled shift (or the SVD bases' held-out scale)")
        scaled = scaled.numpy().astype(np.float32) if d["adapter"].get("scaled") else None
        unscaled = tuple(str(b) for b in d["adapter"].get("unscaled", ()))
        if unscaled and (scaled is None or not set(unscaled) <= set(batches)):
            raise ValueError(f"{path / DESCRIPTION}: adapter.unscaled ({list(unscaled)!r:.80}) names batches the "
                             f"adapter does not map, or it has no scaled shift; {damaged_folder()}")
        model.adapter = QueryAdapter(str(d["adapter"]["batch_key"]), batches, shift.numpy().astype(np.float32),
                                     None if scaled is None else scale, scaled, unscaled)
    model.voter_linear = _kept_linear(path, d, tensors, model)  # session 47; files without it: fitted when needed
    model.mappings = _mappings(path, d.get("mappings"))
    model.fit_cells, kept = None, d.get("fit_cells")  # files without it: every cell read as it is (jae.query.fit_cells)
    if kept is not None:
        cells = tensors.get("fit_cells")
        if isinstance(kept, bool) or not isinstance(kept, int) or cells is None or tuple(cells.shape) != (kept,) or (
                cells.dtype != torch.int64):  # (another dtype's bits read as hashes: garbage, or numpy's own words)
            raise ValueError(damaged % "fitted cells'")
        model.fit_cells = cells.numpy().view(np.uint64).copy()
        if not np.all(model.fit_cells[1:] > model.fit_cells[:-1]):  # sorted and unique, as fit keeps them: else cells
            raise ValueError(f"{path / WEIGHTS}: the fitted cells' fingerprints are not sorted (each cell would be "
                             f"looked for in the wrong place); {damaged_folder()}")
    if d.get("moments"):
        mean, cov = tensors.get("moments.mean"), tensors.get("moments.cov")
        n = d["n_input"]
        if mean is None or cov is None or tuple(mean.shape) != (n,) or tuple(cov.shape) != (n, n):
            raise ValueError(damaged % "feature moments")
        model.moments = FeatureMoments(mean=mean.numpy().astype(np.float64), cov=cov.numpy().astype(np.float64))
