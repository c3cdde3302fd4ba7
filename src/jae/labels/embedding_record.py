"""The record a stored embedding carries (:mod:`jae.provenance`), checked against the model reading it back: an
embedding another state of the model made is refused (:func:`check_record`, for
:meth:`jae.JAE.predict_cell_type`'s ``embedding=KEY``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["STATE_FIELDS", "check_record", "embedding_cells", "embedding_table", "given_observed",
           "scored_embedding"]


#: Fields of an embedding's record (:func:`jae.provenance.record`) that tell the model state that made it.
STATE_FIELDS = ("seed", "modalities", "columns", "finetune_seeds", "mapping", "weights")


def _plain(value):
    """``value`` as plain Python (a record read back from .h5ad / .h5mu holds numpy arrays and scalars)."""
    if hasattr(value, "items"):  # a dict, or h5py's / anndata's mapping
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _changed(model, stored, key: str) -> str | None:
    """The model state's fields, in words, in which the record ``stored`` of an embedding differs from ``model`` as it
    is now (:func:`check_record`); None when none does."""
    from ..provenance import record

    stored, now = _plain(stored), _plain(record(model, key))

    def get(rec, field):  # a record holds "mapping" only for a mapped model
        return rec.get(field, {} if field == "mapping" else None)

    changed = [f for f in STATE_FIELDS if (f in stored or f == "mapping") and get(stored, f) != get(now, f)]
    changed = [f for f in changed if f != "weights"] or changed  # other weights follow from any other change
    what = {"finetune_seeds": f"fine-tunings (seeds {stored.get('finetune_seeds')} then, "
                              f"{now.get('finetune_seeds')} now)", "mapping": "mappings (map_query)",
            "weights": "weights (another model, or one fitted again)"}
    return ", ".join(what.get(f, f) for f in changed) or None


def check_record(model, data, key: str) -> None:
    """Refuse ``obsm[key]`` when its record in ``uns`` (:mod:`jae.provenance`) says another state of the model made
    it: a fine-tuning, a mapping, another seed, other columns or other weights since (``weights``: another model of
    the same seed and cell types, e.g. fitted with other parameters or on another reference; an embedding from before ``finetune`` gave
    confidences up to 0.035 off the model's own, with no message). No record (an array stored by hand, or by an
    older jae): nothing to compare; a record from before ``weights`` was kept is compared in its other fields."""
    from ..provenance import uns_key

    stored = getattr(data, "uns", {}).get(uns_key(key))
    if not hasattr(stored, "items") or str(stored.get("obsm_key", key)) != key:
        return  # no record, or that of another key sharing its uns key ('jae' and 'X_jae' both keep uns['jae'])
    latent = model.layout.column_names(model.cell_types, model.batches)  # model.latent's record: no embedding at all
    if _plain(stored.get("columns")) == latent and latent != list(model.column_names):
        raise ValueError(
            f"embedding={key!r} holds the model's latent (model.latent: {len(latent)} columns, cell-type logits | "
            f"batch | phase | free units), not its embedding (model.embed: {len(model.column_names)} columns), which "
            "predict_cell_type reads: store the embedding under its own key (model.embed(data, key_added='X_jae')) "
            "and pass that key, or pass embedding=None")
    changed = _changed(model, stored, key)
    if changed:
        raise ValueError(
            f"embedding={key!r} was made by another state of this model: its record uns[{uns_key(key)!r}] differs "
            f"in its {changed}; embed the cells again with this "
            f"model (model.embed(data, key_added={key!r})) or pass embedding=None")


def embedding_table(model, embedding, *, or_else: str = ", the obsm key holding it (e.g. 'X_jae'), or None"):
    """A given ``embedding`` as :func:`jae.labels.predict_cell_type` reads it: an AnnData (``jae embed``'s .h5ad read
    back: ``X`` the embedding, ``uns['jae']`` what made it) as a DataFrame of its ``X`` indexed by its ``obs_names``,
    refused in one line when its record says another state of the model made it (as :func:`check_record`); a sparse
    matrix as an array; anything else as it is. numpy read both as one object: "setting an array element with a
    sequence" for an AnnData, "embedding has shape ()" for a sparse matrix. A number or a dict is refused in one line
    naming what ``embedding`` takes (``or_else``: what else the caller takes, after the kinds of embedding)."""
    import pandas as pd

    if hasattr(embedding, "toarray"):
        return embedding.toarray()
    if not all(hasattr(embedding, a) for a in ("X", "obs_names", "uns")):
        if not isinstance(embedding, pd.DataFrame) and np.ndim(embedding) == 0:  # a number, a dict: "has shape ()"
            raise TypeError(f"embedding must be this model's embed() of the cells (an array, a DataFrame indexed by "
                            f"obs_names, or jae embed's .h5ad read back){or_else}, not {type(embedding).__name__} "
                            f"{embedding!r:.60}")
        return _by_column_name(model, embedding) if isinstance(embedding, pd.DataFrame) else embedding
    stored = embedding.uns.get("jae")
    if hasattr(stored, "items") and (changed := _changed(model, stored, str(stored.get("obsm_key", "X")))):
        raise ValueError(f"the embedding AnnData was made by another state of this model: its record uns['jae'] "
                         f"differs in its {changed}; pass this model's embed() of the cells (model.embed(data)), or "
                         "embedding=None")
    X = embedding.X
    if X is None:  # a MuData (or an AnnData without X) given by mistake: pandas said "Must pass 2-d input"
        raise ValueError(f"embedding is a {type(embedding).__name__} without X, not an embedding: pass the data's obsm "
                         "key holding this model's embedding (e.g. embedding='X_jae'), that array (e.g. "
                         "mdata.obsm['X_jae']), or embedding=None")
    return _by_column_name(model, pd.DataFrame(X.toarray() if hasattr(X, "toarray") else np.asarray(X),
                                               index=embedding.obs_names, columns=embedding.var_names))


def _by_column_name(model, table):
    """A DataFrame ``table`` whose columns are this model's :attr:`column_names` in another order (jae embed's .h5ad
    with its var sorted, a frame's columns picked by name) with its columns in the model's order; any other as it is
    (read by position). Read by position, such columns gave other labels, silently (session 44)."""
    names = [str(c) for c in model.column_names]
    given = [str(c) for c in table.columns]
    if given == names or len(given) != len(names) or set(given) != set(names) or len(set(given)) != len(given):
        return table
    import logging

    logging.getLogger(__name__).info("the embedding's columns are this model's in another order: read by name")
    at = {c: i for i, c in enumerate(given)}
    return table.iloc[:, [at[n] for n in names]].set_axis(list(model.column_names), axis=1)


def embedding_cells(embedding):
    """The cells a given ``embedding`` names itself (a DataFrame's index, an AnnData's ``obs_names``), which
    :func:`jae.labels.predict_cell_type` indexes its labels by when no data is given; None for an array (labels
    indexed 0..n-1)."""
    import pandas as pd

    if isinstance(embedding, pd.DataFrame):
        return pd.Index(embedding.index)
    names = getattr(embedding, "obs_names", None) if hasattr(embedding, "X") else None
    return None if names is None else pd.Index(names)


def given_observed(model, data, given, *, layer):
    """Which of the model's modalities each cell of ``data`` had when ``given`` (predict_cell_type's ``embedding=``)
    was made, in the data's cell order (:func:`jae.query.measured`'s answer; None: every cell both). For an obsm key
    held, with jae's record, by one modality's AnnData alone of data holding several (``model.embed(mdata['rna'])``
    stores it there), the cells were embedded from that modality alone, so they are called unknown as such; else the
    modalities ``data`` holds (an array, or a key stored by hand, as README's ``mdata['rna'].obsm['X_jae'] = emb``,
    which keeps no record there, says nothing of how it was made)."""
    import logging

    import pandas as pd

    from ..provenance import uns_key
    from ..query.features import measured
    from ..storage import cell_names

    mods = dict(data) if isinstance(data, Mapping) else getattr(data, "mod", None)
    if not isinstance(given, str) or not isinstance(mods, Mapping) or len(mods) < 2 or given in getattr(
            data, "obsm", {}):
        return measured(model, data, layer=layer)
    held = [(name, a) for name, a in mods.items() if given in getattr(a, "obsm", {})]
    record = None if len(held) != 1 else getattr(held[0][1], "uns", {}).get(uns_key(given))
    if not hasattr(record, "items") or str(record.get("obsm_key", given)) != given:
        return measured(model, data, layer=layer)
    name, alone = held[0]
    observed = measured(model, alone, layer=layer)  # one modality: that one column True for every cell
    cells = cell_names(data)  # predict_cell_type has checked that the modality holds each of them
    logging.getLogger(__name__).info(
        "embedding=%r is held, with its record, by modality %r alone (model.embed of that AnnData): its cells are "
        "called unknown as measured in %r alone", given, name, name)
    return observed[pd.Index(alone.obs_names).get_indexer(cells)]


def scored_embedding(model, embedding) -> np.ndarray:
    """:func:`jae.labels.unknown_scores`' ``embedding`` as an array (:func:`embedding_table`), refused in one line
    unless ``(n_cells, the model's columns)`` of finite numbers (a NaN row failed deep inside, as 'logits have 1 of
    50 rows with NaN', naming no embedding)."""
    embedding = np.asarray(embedding_table(model, embedding, or_else=""))
    if embedding.ndim != 2 or embedding.shape[1] != len(model.column_names):
        raise ValueError(f"embedding has shape {embedding.shape}, not (n_cells, {len(model.column_names)}): pass "
                         "this model's embed() of the cells (e.g. data.obsm['X_jae'] written by model.embed(data))")
    bad = ~np.isfinite(embedding if embedding.dtype.kind == "f" else embedding.astype(np.float64)).all(axis=1)
    if bad.any():
        raise ValueError(f"embedding has {int(bad.sum())} of {len(embedding)} rows with NaN or infinite values (e.g. "
                         f"row {int(np.flatnonzero(bad)[0])}); embed those cells again (model.embed(data)) or leave "
                         "them out")
    return embedding
