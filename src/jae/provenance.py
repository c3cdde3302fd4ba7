"""The record of what made an embedding, stored beside it in ``data.uns``: under ``key_added`` without its ``X_``
(``uns['jae']`` for ``obsm['X_jae']``), as scanpy keeps ``obsm['X_umap']``'s parameters in ``uns['umap']``, so
each stored embedding keeps its own record."""

from __future__ import annotations

__all__ = ["record", "uns_key"]


def record(model, key_added: str = "X_jae", *, columns: list[str] | None = None) -> dict:
    """The provenance of ``model``'s embedding stored in ``obsm[key_added]``.

    Returns
    -------
    A dict of strings, numbers and lists (writable to .h5ad / .h5mu): ``jae_version``, ``obsm_key``, ``columns``
    (the embedding's column names, :attr:`jae.JAE.column_names` unless given), ``modalities``, ``seed``,
    ``organism`` and ``params`` (the :class:`jae.JAEConfig` as a dict).
    """
    from . import __version__

    model._require_fitted()
    return {
        "jae_version": __version__,
        "obsm_key": str(key_added),
        "columns": list(model.column_names if columns is None else columns),
        "modalities": [str(m) for m in model.modality_names],
        "seed": int(model.seed),
        "organism": str(model.organism or "unknown"),
        "params": model.config.to_dict(),
    }


def uns_key(key_added: str) -> str:
    """The ``uns`` key of the record of ``obsm[key_added]``: ``'X_jae'`` -> ``'jae'``, ``'X_jae_2'`` -> ``'jae_2'``."""
    key = str(key_added)
    return key[2:] if key.startswith("X_") and len(key) > 2 else key
