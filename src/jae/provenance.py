"""The record of what made an embedding, stored beside it in ``data.uns``: under ``key_added`` without its ``X_``
(``uns['jae']`` for ``obsm['X_jae']``), as scanpy keeps ``obsm['X_umap']``'s parameters in ``uns['umap']``, so
each stored embedding keeps its own record; a key not starting with ``jae`` gets ``jae_`` in front
(``obsm['X_umap']`` -> ``uns['jae_umap']``), so a record never replaces scanpy's own ``uns['umap']``,
``uns['pca']`` or ``uns['neighbors']`` (:func:`uns_key`)."""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["describe", "record", "uns_key", "finetune_seeds", "weights_fingerprint"]


def record(model, key_added: str = "X_jae", *, columns: list[str] | None = None) -> dict:
    """The provenance of ``model``'s embedding stored in ``obsm[key_added]``.

    Returns
    -------
    A dict of strings, numbers and lists (writable to .h5ad / .h5mu): ``jae_version``, ``obsm_key``, ``columns``
    (the embedding's column names, :attr:`jae.JAE.column_names` unless given), ``modalities``, ``seed``,
    ``organism``, ``params`` (the :class:`jae.JAEConfig` as a dict), ``finetune_seeds`` (:func:`finetune_seeds`, the
    seed of each fine-tuning, in order; empty when none), ``weights`` (:func:`weights_fingerprint`); for a model made by :meth:`jae.JAE.map_query`,
    ``mapping`` (:func:`jae.mapping.mappings_of`, keyed ``'1'``, ``'2'``, ... in the order they were done).
    """
    from . import __version__
    from .mapping.train import mappings_of

    if not isinstance(key_added, str) or not key_added.strip():  # a number was recorded as obsm_key, silently
        raise (ValueError if isinstance(key_added, str) else TypeError)(
            f"key_added must name the obsm key the embedding is stored under (a non-empty string, e.g. 'X_jae'), "
            f"not {key_added!r}")
    if columns is not None and (isinstance(columns, (str, bytes)) or not all(isinstance(c, str) for c in columns)):
        raise TypeError(f"columns must be a list of the embedding's column names (strings) or None, not {columns!r}")
    model._require_fitted()
    out = {
        "jae_version": __version__,
        "obsm_key": str(key_added),
        "columns": list(model.column_names if columns is None else columns),
        "modalities": [str(m) for m in model.modality_names],
        "seed": int(model.seed),
        "organism": str(model.organism or "unknown"),
        "params": model.config.to_dict(),
    }
    out["finetune_seeds"] = finetune_seeds(model.history)
    out["weights"] = weights_fingerprint(model)
    mappings = mappings_of(model)
    if mappings:  # a model made by map_query: each mapping's batches, cells, seed, epochs, steps ('1' the first)
        out["mapping"] = {str(i): {k: v for k, v in m.items() if v is not None} for i, m in enumerate(mappings, 1)}
    return out


def weights_fingerprint(model) -> str:
    """A short hash (16 hex digits) of what maps a cell to its embedding: the network's weights, the SVD bases, the
    readout and a mapped model's batch shifts (and scale). Two models of the same seed, modalities and cell types
    (another reference, other parameters) differ in it; a saved and loaded model keeps it."""
    parts = {f"network.{k}": v.detach().cpu().numpy() for k, v in model.network.state_dict().items()}
    for i, basis in enumerate(getattr(model.preprocessor, "bases", ())):
        if basis is not None:
            parts[f"svd.{i}"] = basis.components
    if getattr(model, "readout", None) is not None:
        parts.update({f"readout.{k}": v for k, v in model.readout.to_tensors().items()})
    if getattr(model, "adapter", None) is not None:
        parts["adapter.shift"] = model.adapter.shift
        if model.adapter.scaled_shift is not None:  # the embedding's shifts and scale (mapped models alone)
            parts["adapter.scaled_shift"], parts["adapter.scale"] = model.adapter.scaled_shift, model.adapter.scale
        if getattr(model.adapter, "unscaled", ()):  # batches mapped with epochs=0 beside scaled ones: their shift
            parts["adapter.unscaled"] = np.isin(list(model.adapter.batches), list(model.adapter.unscaled))
    digest = hashlib.sha256()
    for name in sorted(parts):
        value = np.ascontiguousarray(parts[name])
        digest.update(f"{name}:{value.dtype.str}:{value.shape};".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()[:16]


def finetune_seeds(history) -> list[int]:
    """The seed of each fine-tuning the model had (:meth:`jae.JAE.finetune`, the query stage of ``fit``), in order,
    read from its history's ``seed`` column (one fine-tuning: the rows of stage ``'finetune'`` from epoch 1 on); a
    fine-tuning saved before jae kept its seed is left out."""
    if history is None or "seed" not in getattr(history, "columns", ()) or "stage" not in history.columns:
        return []
    starts = history[(history["stage"] == "finetune") & (history["epoch"] == 1)]["seed"].dropna()
    return [int(s) for s in starts]


def uns_key(key_added: str) -> str:
    """The ``uns`` key of the record of ``obsm[key_added]``: the key without ``X_`` when it then starts with ``jae``
    (``'X_jae'`` -> ``'jae'``, ``'X_jae_2'`` -> ``'jae_2'``, ``'jae_latent'`` -> ``'jae_latent'``), else that with
    ``jae_`` in front (``'X_umap'`` -> ``'jae_umap'``, ``'pca'`` -> ``'jae_pca'``, ``'X_'`` -> ``'jae_X_'``): never
    a key scanpy writes its own records under (``uns['umap']``, ``uns['pca']``, ``uns['neighbors']``, ...)."""
    key = str(key_added)
    key = key[2:] if key.startswith("X_") and len(key) > 2 else key
    return key if key.startswith("jae") else f"jae_{key}"


def describe(model) -> str:
    """What ``model`` is, in one line (``repr(model)``): its modalities, latent layout and embedding width, and for a
    model made by :meth:`jae.JAE.map_query` the query batches it shifts."""
    if not model.is_fitted:
        return f"JAE(unfitted, mode={model.config.mode!r}, seed={model.seed})"
    lay = model.layout
    parts = [
        "+".join(model.preprocessor.kinds),
        f"latent {lay.dim} = {lay.describe()}",
        f"embedding {len(model.column_names)} columns",
    ]
    adapter = getattr(model, "adapter", None)
    if adapter is not None:
        n = len(adapter.batches)
        shown = ", ".join(repr(b) for b in adapter.batches[:3]) + (", ..." if n > 3 else "")
        parts.append(f"mapped: {n} query batch{'es' if n > 1 else ''} ({shown}) by obs[{adapter.batch_key!r}]")
    return f"JAE({', '.join(parts)}, seed={model.seed})"
