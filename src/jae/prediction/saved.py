"""Reading a saved predictor folder's parts (:meth:`jae.ModalityPredictor.load`): the tensors checked against their
shapes, the kNN baseline's targets, and folders of the layout before :mod:`jae.checkpoint`'s (``predictor.json``).
Each mismatch is one ValueError naming both files and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..checkpoint.checks import damaged_folder

__all__ = ["BASELINE_SHAPES", "LEGACY_DESCRIPTION", "check_description", "is_legacy", "knn_targets", "mismatch",
           "read_legacy", "tensor_taker"]

#: The description file of predictor folders written before they moved to :mod:`jae.checkpoint`'s format
#: (``model.json`` with ``model_kind`` ``"predictor"``); its ``format_version`` is 1. Such folders still load.
LEGACY_DESCRIPTION = "predictor.json"

#: Tensors of each baseline and their shapes, given the source encoding's width and the number of target features.
BASELINE_SHAPES = {
    "mean": lambda n_dims, n_target: {"mean": (n_target,)},
    "knn": lambda n_dims, n_target: {"train_S": (None, n_dims), "k": ()},
    "ridge": lambda n_dims, n_target: {"coef": (n_dims, n_target), "intercept": (n_target,)},
}


def mismatch(path: Path, detail: str) -> ValueError:
    return ValueError(f"{path / 'weights.pt'} does not match {path / 'model.json'} ({detail}); the two files come from "
                      "different models or one is damaged: copy both from one model folder or refit the predictor")


def check_description(meta: dict, tensors: dict, path: Path) -> None:
    """Refuse, before any network is built, a description no fit writes or one its weights disagree with: two
    kinds among GEX, ATAC and ADT, distinct feature names on each side, and (method ``'jae'``) as many
    networks in the weights as ``n_members`` names (a smaller count loaded the first networks alone, leaving the
    others' tensors unread: every prediction changed, silently)."""
    damaged = f"{path / 'model.json'}: %s; {damaged_folder('predictor')}"
    source, target = meta["source_kind"], meta["target_kind"]
    if source not in ("GEX", "ATAC", "ADT") or target not in ("GEX", "ATAC", "ADT"):
        raise ValueError(damaged % f"it predicts {target!r} from {source!r}, kinds other than GEX, ATAC and ADT")
    for side in ("source_features", "target_features"):
        names = meta[side]
        if not isinstance(names, list) or len(set(map(str, names))) != len(names):
            raise ValueError(damaged % f"its {side.replace('_', ' ')} are not a list of distinct names")
    if meta["method"] == "jae":
        n = meta["n_members"]
        saved = {k.split(".", 1)[0] for k in tensors if k.startswith("net")}
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            # n_members 0 loaded a predictor of no network, which failed every predict with "list index out of range"
            raise ValueError(damaged % f"its n_members is {n!r}, where a 'jae' predictor holds 1 network or more")
        if saved != {f"net{i}" for i in range(n)}:
            raise mismatch(path, f"it holds {len(saved)} networks, model.json's n_members says {n!r}")
    _check_config(meta, tensors, path)
    for name, value in tensors.items():  # no fit writes NaN or infinity: every prediction came back NaN, silently
        if value.is_floating_point() and not bool(value.isfinite().all()):
            raise mismatch(path, f"tensor {name!r} holds NaN or infinite values")


def _check_config(meta: dict, tensors: dict, path: Path) -> None:
    """Refuse a config edited by hand to disagree with the weights (it loaded silently, the predictor's config then
    saying what its encoder and codec are not): more SVD components saved than ``n_source_components`` or
    ``n_target_components`` allow (the SVDs may keep fewer, capped by the data), or a target representation
    (``target_representation``, for 'auto' by ``max_feature_targets``) other than the one saved. Fields a file lacks
    are not compared."""
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}

    def rows(name: str):
        value = tensors.get(name)
        return None if value is None or value.dim() != 2 else int(value.shape[0])

    def number(key: str):
        value = config.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    found = [(number("n_source_components"), rows("encoder.components"), "n_source_components", "source SVD components")]
    rep = config.get("target_representation")
    if meta["method"] == "jae":
        found.append((number("n_target_components"), rows("codec.components"), "n_target_components",
                      "target SVD components"))
        if rep == "auto" and number("max_feature_targets") is not None:
            rep = "features" if len(meta["target_features"]) <= number("max_feature_targets") else "svd"
        held = "features" if rows("codec.components") is None else "svd"
        if rep in ("features", "svd") and rep != held:
            key = "target_representation" if config.get("target_representation") != "auto" else "max_feature_targets"
            raise ValueError(f"{path / 'model.json'}: its config says {key}={config[key]!r}, but its weights hold the "
                             f"{held!r} target representation; the file was edited or comes from another model: copy "
                             "the model folder again or refit the predictor")
    for most, saved, key, what in found:
        if most is not None and saved is not None and saved > most:
            raise ValueError(f"{path / 'model.json'}: its config says {key}={most}, but its weights hold {saved} {what}; "
                             "the file was edited or comes from another model: copy the model folder again or refit "
                             "the predictor")


def tensor_taker(arrays: dict, path: Path):
    """``take(name, shape)``: the saved array ``name``, checked against ``shape`` (None: any length), or a ValueError
    naming both files."""
    def take(name: str, shape: tuple) -> np.ndarray:
        value = arrays.get(name)
        if value is None:
            raise mismatch(path, f"no tensor {name!r}")
        if value.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, value.shape)):
            want = "x".join("any" if s is None else str(s) for s in shape) or "a scalar"
            raise mismatch(path, f"tensor {name!r} has shape {'x'.join(map(str, value.shape)) or 'scalar'}, not {want}")
        return value

    return take


def knn_targets(take, arrays: dict, n_cells: int, n_target: int, path: Path) -> dict:
    """The kNN baseline's training targets: dense (``Y_dense``) or CSR (``Y_data``, ``Y_indices``, ``Y_indptr``,
    ``Y_shape``), checked against its ``n_cells`` training cells and the ``n_target`` features."""
    k = arrays.get("baseline.k")
    if k is None or k.dtype.kind not in "iu" or not 1 <= int(k) <= n_cells:  # sklearn refused it at each predict
        raise mismatch(path, f"the kNN baseline's k {None if k is None else k.tolist()!r} is not a whole number from 1 to its {n_cells} training cells")
    if "baseline.Y_dense" in arrays:
        return {"Y_dense": take("baseline.Y_dense", (n_cells, n_target))}
    parts = {k: take(f"baseline.{k}", (None,)) for k in ("Y_data", "Y_indices", "Y_indptr", "Y_shape")}
    if (list(parts["Y_shape"]) != [n_cells, n_target] or len(parts["Y_indptr"]) != n_cells + 1
            or len(parts["Y_data"]) != len(parts["Y_indices"])):
        raise mismatch(path, f"the kNN baseline's sparse targets are not {n_cells} cells x {n_target} features")
    return parts


def is_legacy(path: Path) -> bool:
    """Whether ``path`` is a predictor folder of the old layout (``predictor.json``, no ``model.json``)."""
    return (path / LEGACY_DESCRIPTION).is_file() and not (path / "model.json").is_file()


def read_legacy(path: Path) -> dict:
    """The description of a predictor folder in the old layout (``predictor.json``, predictor format 1)."""
    try:  # as model.json is read: bytes that are not UTF-8 text named, a BOM (saved by an editor) skipped
        meta = json.loads((path / LEGACY_DESCRIPTION).read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        why = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else f"not valid JSON ({err})"
        raise ValueError(f"{path / LEGACY_DESCRIPTION} is {why}; {damaged_folder('predictor')}") from None
    if not isinstance(meta, dict) or meta.get("format_version") != 1:
        version = meta.get("format_version") if isinstance(meta, dict) else None
        from ..checkpoint import READABLE_VERSIONS  # "and model format 2": unchanged since model format 2

        raise ValueError(
            f"{path} was saved with predictor format {version!r}; this jae reads predictor.json of format 1 and "
            f"model.json of formats {READABLE_VERSIONS[0]} to {READABLE_VERSIONS[-1]}: refit the predictor with this version"
        )
    if not (path / "weights.pt").is_file():
        raise FileNotFoundError(f"{path} holds no saved predictor (predictor.json + weights.pt); check the path")
    return meta
