"""A missing modality predicted on request (issue 15): :func:`impute`.

For the cells of the data that lack a modality (RNA-only cells' proteins or peaks, protein- or peak-only cells'
RNA), the values that modality's features would have, in jae's normalised scale ``log10(1 + 1e4 * count / total)``
(what :func:`jae.preprocess.normalize.log_normalize` gives measured counts; proteins of a model that normalises them
by their centred log-ratio, :func:`jae.preprocess.normalize.clr`, in that scale). Two predictions:

- ``'decoder'`` (default): the autoencoder's reconstruction of the modality from the cell's latent. A model fitted
  on mosaic data was trained with modality dropout (:mod:`jae.mosaic`) to reconstruct a dropped modality's
  measured values from the other, so its decoder is a learnt cross-modal predictor. A decoder that takes the batch
  (``JAEConfig(decoder_batch=True)``) gets each cell's batch, read from the column the model was fitted with when
  the data holds it (zeros, as for fine-tuning, for a batch it was not fitted on, a cell without one, or data without
  the column: one log line);
- ``'regression'``: the linear regression of the modality's input block on the measured one over the reference
  cells (:mod:`jae.query`, the input the encoder receives).

An SVD modality is predicted as its ``n_svd`` coordinates mapped back through the basis (``coords @ components``),
so every feature gets a value: a smooth, low-rank estimate, not counts, which can fall below 0 (said in
``uns['jae_imputed']['values']``). The input data is never changed. Cells that are not the fit's own are read as
they are, not divided by the held-out scale as ``embed`` reads them (:mod:`jae.query.fit_cells`): divided, the decoder's
error on new cells rose on every shared set (``benchmarks/results/impute_new_cells.md``).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
import torch

from ..io.cell_obs import modality_with_column, reading_columns

__all__ = ["impute", "IMPUTE_METHODS", "add_imputed_layer"]

logger = logging.getLogger(__name__)

IMPUTE_METHODS = ("decoder", "regression")


@reading_columns(None)  # obs columns two modalities hold with other values: warned once (the output holds obs)
def impute(model, data, *, modality: str | None = None, method: str = "decoder", layer: str | None = "counts"):
    """Predict a modality for the cells of ``data`` that lack it.

    Parameters
    ----------
    model
        A fitted :class:`jae.JAE` (with ``moments``: fitted by this jae version), or the folder of a saved one.
    data
        As for :meth:`jae.JAE.embed`: a mosaic MuData, one modality alone, ...
    modality
        The model's name of the modality to predict (``model.modality_names``); None: the one some cells lack
        (an error when cells lack each, or none does).
    method
        ``'decoder'`` or ``'regression'`` (module docstring).
    layer
        Layer with raw counts.

    Returns
    -------
    :class:`anndata.AnnData`, cells missing the modality x the model's features of it: ``X`` float32 predicted
    normalised values, ``obs`` those cells' annotations (when the data has them) with ``jae_imputed`` = True,
    ``var`` the model's feature names with the columns of the data's own ``var`` of that modality when the data holds
    it for some cells (e.g. ``gene_ids``, ``feature_types``, ``is_control``; missing for features the data lacks; the
    names alone otherwise: a saved model keeps no ``var`` columns), ``uns['jae_imputed']`` what was predicted and how. It is returned only: ``data`` is not changed (``jae embed
    --impute-out`` writes it to a file, ``--impute-modality`` into the ``.h5mu`` copy). A prediction larger than the
    memory available (:func:`jae.io.plan.available_memory`) is refused in one line before the network runs, naming how
    many cells to impute at a time.
    """
    import anndata as ad
    from mudata import MuData

    from ..io.paired import cell_obs
    from ..query.features import query_features

    from ..joint import JAE

    from .._flags import check_layer

    if method not in IMPUTE_METHODS:
        raise ValueError(f"method={method!r}; pass one of {list(IMPUTE_METHODS)}")
    check_layer(layer)  # a list or a number: one line, not anndata's 'unhashable type'
    if isinstance(model, (str, os.PathLike)):
        model = JAE.load(model)  # a model folder; a wrong path gets load's one line
    elif not isinstance(model, JAE):
        raise TypeError(f"model must be a fitted jae.JAE or the folder of a saved one, not {type(model).__name__}")
    model._require_fitted()  # an unfitted JAE() has no modalities: said as embed says it
    check_moments(model)  # a model saved before them: said before the data is read
    names = list(model.modality_names)
    if isinstance(data, (ad.AnnData, MuData)) and data.n_obs == 0:  # in memory: not 'check the file'
        raise ValueError(f"data holds no cell (0 cells x {data.n_vars} features), so there is nothing to impute for: "
                         "pass the cells to impute for (check any subsetting done before, e.g. adata[mask] keeping "
                         "no cell)")
    if modality is not None:  # a misspelt name: said before the features are computed
        modality = check_modality_name(model, modality)
    if method == "decoder" and model.adapter is not None:  # a mapped model shifts cells by their batch: cells
        from ..io.plan import opened  # without one are refused before their counts are read, as jae embed does;
        # reference cells shifted as a mapped batch, and cells of batches not mapped, said as embed says them
        model.adapter.batch_column(opened(data, layer=layer), model.batches, getattr(model, "batch_key", None))
    if modality is None:  # cells lacking each modality: refused before their features are computed
        from ..query.features import measured

        early = measured(model, data, layer=layer)
        if early is not None and not early.all(axis=0).any():
            modality_to_impute(model, early)
    target = names[1] if modality is None else modality
    source = names[1 - names.index(target)]
    X, cells, observed, _ = query_features(model, data, layer=layer)
    # paired cells (nothing to impute): the fix predicts from one modality alone, in the data's own name for it
    i = modality_to_impute(model, observed, modality, nothing_fix=(
        f"to predict {target!r} from {source!r} for these cells, pass {source!r} alone"
        f"{_alone(model, data, source, layer)}") if observed.all() else None)
    from .memory import check_prediction_memory

    check_prediction_memory(model, observed, i, fix=lambda n: (  # before the network's work
        f"impute the cells in parts of at most {n:,} cells lacking it, each written to its own file (e.g. "
        f"jae.impute(model, mdata[:{n}]).write_h5ad(FILE), then the next cells)"))
    rows = np.flatnonzero(~observed[:, i])
    pre = model.preprocessor
    widths = pre.widths
    block = slice(0, widths[0]) if i == 0 else slice(widths[0], widths[0] + widths[1])
    if method == "regression":
        coords = X[rows, block]
    else:
        coords = _decoded(model, data, X, cells, rows, layer=layer)[:, block]
    basis = pre.bases[i]
    values = coords if basis is None else coords @ basis.components
    values = np.asarray(values, dtype=np.float32)
    if basis is None:
        np.clip(values, 0.0, None, out=values)  # normalised protein values are never negative
    from ..io.plan import opened

    data = opened(data, layer=layer)  # a file: its cells' annotations read from it opened (not its counts)
    obs = cell_obs(data, pulled=False)  # as fit reads them, without MuData's 'rna:batch' copies of 'batch'
    obs = pd.DataFrame(index=cells[rows]) if obs is None else obs.reindex(cells[rows]).copy()
    obs["jae_imputed"] = True
    from .var import imputed_var

    out = ad.AnnData(X=values, obs=obs, var=imputed_var(model, data, i, layer=layer))
    out.uns["jae_imputed"] = {
        "modality": names[i], "kind": pre.kinds[i], "method": method,
        "scale": pre.scale_of(i), "from": names[1 - i],
    }
    if basis is not None:  # the scale above is >= 0; a reconstruction through the basis is not held to it
        out.uns["jae_imputed"]["values"] = (
            f"low-rank reconstruction through the model's {basis.n_components}-component SVD basis: smooth, not "
            "counts; it can fall below 0 (min %.3g here)" % float(values.min()))  # (a positive min was said as 0)
    logger.info("imputed %s (%s, %d features) for %d of %d cells by the %s", names[i], pre.kinds[i],
                values.shape[1], len(rows), len(cells), method)
    return out


def _alone(model, data, source: str, layer: str | None = "counts") -> str:
    """How to impute from the model's modality ``source`` of paired ``data`` alone: ``jae.impute(model, mdata[<the
    data's name of it>])`` (a MuData or dict naming it 'gex' while the model says 'rna'), for one AnnData holding
    both, ``jae.io.split_anndata(adata)[...]``, or for a file, ``mudata.read_h5mu(PATH)[...]``
    (``anndata.read_h5ad``). A MuData holding the batches the model reads (mapped, or with a batch-aware decoder) in
    its global ``obs`` only: the modality with that column copied into its ``obs`` (:func:`_global_batch`). A
    ``layer`` other than the default is passed on in each call shown (else the AnnData read had no layer 'counts')."""
    import anndata as ad

    from ..io.modality import MOD_NAMES
    from ..io.paired_files import FilesOnDisk
    from ..query.features import _modalities, _pick

    index = list(model.modality_names).index(source)
    arg = "" if layer == "counts" else f", layer={layer!r}"  # where the counts are, for split_anndata and impute
    from ..io.plan import opened

    data = opened(data, layer=layer)  # a file: its modality read from it (the user has no mdata), as impute read it
    if isinstance(data, FilesOnDisk) and index < len(data.counts):
        c = data.counts[index]
        if c.modality is None:
            return f", e.g. jae.impute(model, anndata.read_h5ad({str(c.path)!r}){arg})"
        if key := _global_batch(model, *_h5mu_obs_columns(c.path, c.modality)):
            return _with_global_batch(c.modality, key, f"mdata = mudata.read_h5mu({str(c.path)!r}); ", arg)
        return f", e.g. jae.impute(model, mudata.read_h5mu({str(c.path)!r})[{c.modality!r}]{arg})"
    if isinstance(data, ad.AnnData):
        return (f", e.g. jae.impute(model, jae.io.split_anndata(adata{arg})"
                f"[{MOD_NAMES[model.preprocessor.kinds[index]]!r}]{arg})")
    try:
        own = _pick(model, _modalities(data, layer=None))[index]
    except (ValueError, KeyError, TypeError):
        own = None
    mods = getattr(data, "mod", None)
    if own is not None and hasattr(mods, "keys") and own in mods and isinstance(getattr(data, "obs", None),
                                                                                pd.DataFrame):
        if key := _global_batch(model, data.obs.columns, mods[own].obs.columns):
            return _with_global_batch(own, key, arg=arg)
    return f", e.g. jae.impute(model, mdata[{(own or source)!r}]{arg})"


def _global_batch(model, global_columns, own_columns) -> str | None:
    """The ``obs`` column of batches the model reads (a mapped model's, or the one a batch-aware decoder was fitted
    with) when a MuData holds it in its global ``obs`` (``global_columns``) but not in the modality's
    (``own_columns``), so that the modality alone would lack it; else None."""
    if model.adapter is not None:
        key = model.adapter.batch_key
    elif model.network.n_condition and list(getattr(model, "batches", [])) != ["all"]:
        key = getattr(model, "batch_key", None) or "batch"  # as _decoder_batches reads it
    else:
        return None
    own = {str(c) for c in own_columns}
    return key if key in {str(c) for c in global_columns} and key not in own else None


def _with_global_batch(name: str, key: str, read: str = "", arg: str = "") -> str:
    """How to impute from ``mdata[name]`` with ``mdata.obs[key]`` copied into its ``obs`` (``read``: the statement
    giving ``mdata``; ``arg``: the impute call's other arguments)."""
    return (f" with mdata.obs[{key!r}], the batches this model reads, copied into its obs, e.g. {read}"
            f"{modality_with_column(name, key)}; jae.impute(model, one{arg})")


def _h5mu_obs_columns(path, modality: str) -> tuple[list[str], list[str]]:
    """The columns of an ``.h5mu`` file's global ``obs`` and of its modality ``modality``'s."""
    from ..io.files import open_again

    def columns(group) -> list[str]:
        return [str(c) for c in group.attrs.get("column-order", [])] if group is not None else []

    with open_again(path, "its obs columns") as f:
        return columns(f.get("obs")), columns(f.get(f"mod/{modality}/obs"))


def modality_to_impute(model, observed: np.ndarray, modality: str | None = None, *, arg: str = "modality",
                       nothing_fix: str | None = None) -> int:
    """The index of the modality :func:`impute` predicts, given ``observed`` ``(n_cells, 2)`` (whether each cell has
    each modality); one line naming the fix when there is nothing to impute. ``jae embed --impute-out`` asks it
    before fine-tuning and embedding; ``arg``: how messages name the argument choosing the modality;
    ``nothing_fix``: the fix added when there is nothing to impute (e.g. not asking for the imputation)."""
    names = list(model.modality_names)
    fix = "" if nothing_fix is None else f"; {nothing_fix}"
    if modality is None:
        lacking = [i for i in (0, 1) if not observed[:, i].all()]
        if len(lacking) != 1:
            raise ValueError(
                f"every cell has both modalities: nothing to impute{fix}" if not lacking else
                f"cells lack {names[0]!r} and cells lack {names[1]!r}; pass {arg}= to choose which to impute"
            )
        return lacking[0]
    i = names.index(check_modality_name(model, modality, arg=arg))
    if observed[:, i].all():
        other = 1 - i
        lack = int((~observed[:, other]).sum())
        if lack:  # the modality the cells lack is the other one: naming it is the fix ("drop the imputation" was not)
            raise ValueError(f"every cell of the data has {names[i]!r}: nothing to impute (the measured values are "
                             f"there); {lack} of the {len(observed)} cells lack {names[other]!r}: pass "
                             f"{arg}={names[other]!r} to impute it" + ("" if nothing_fix is None else
                                                                       f", or {nothing_fix}"))
        raise ValueError(f"every cell of the data has {names[i]!r}: nothing to impute (the measured values are "
                         f"there){fix}")
    return i


def check_moments(model, arg: str = "jae.impute") -> None:
    """Refuse a model without the reference cells' feature moments (``model.moments``; saved by jae before it kept
    them): every imputation fills the missing block from them, so its only fix is a refit. ``arg``: what asked."""
    if getattr(model, "moments", None) is None:
        raise ValueError(f"{arg} predicts the missing modality from the reference cells' feature statistics, which "
                         "this model lacks (it was saved before jae kept them): refit it with this jae version")


def check_modality_name(model, modality: str, *, arg: str = "modality") -> str:
    """The model's name of ``modality``: one of its modality names, or a name of its kind (``'adt'``, ``'ADT'``,
    ``'protein'`` for a model's ``'prot'``: files read by jae name their modalities by kind, ``rna`` / ``atac`` /
    ``prot``, so a model fitted on a file calls ``'prot'`` what the file calls ``'adt'``); refuses any other,
    listing the model's names."""
    from ..io.modality import _ALIASES

    names = list(model.modality_names)
    if modality in names:
        return modality
    kind = _ALIASES.get(str(modality).lower(), str(modality).upper())
    same = [n for n, k in zip(names, model.preprocessor.kinds) if k == kind]
    if len(same) != 1:
        raise ValueError(f"{arg}={modality!r} is not one of the model's modalities {names}; pass one of them")
    logger.info("%s %r read as the model's modality %r (%s)", arg, modality, same[0], kind)
    return same[0]


def layer_modality(path, *, rna: str, other: str | None, other_kind: str | None, index: int, cells,
                   model) -> str:
    """The name, in the output's copy of the ``.h5mu`` file ``path``, of the modality whose ``layers['jae_imputed']``
    takes the prediction of the model's modality ``index`` (0: RNA, 1: the other) for the cells ``cells`` lacking
    it: the file's modality when those cells are rows of it (unmeasured rows all NaN), or, when the file has no such
    modality (RNA alone), a new one of the model's name holding those cells; else (the modality holds other cells)
    one line naming the fix, ``impute_out``."""
    from ..io.files import open_again
    from ..io.h5mu_files import read_h5mu_parts
    from ..io.rna_files import h5mu_rna_alone

    if index == 1 and h5mu_rna_alone(path, rna=rna, other=other) is not None:
        with open_again(path, "its modalities") as f:
            if model.modality_names[1] not in f["mod"]:
                return model.modality_names[1]  # added to the copy: the cells lacking it, the prediction alone
    parts = read_h5mu_parts(path, rna=rna, other=other, other_kind=other_kind, layer=None)
    name = (parts.rna, parts.other)[index]
    if len(parts.mods[name][0]) and not pd.Index(cells).isin(parts.mods[name][0].index).all():  # (no cell: replaced)
        raise ValueError(
            f"modality {name!r} of the .h5mu file holds other cells than those lacking it, so their prediction cannot "
            "be written as a layer of it in the output's copy: pass impute_out=FILE.h5ad to write it to its own file")
    return name


def add_imputed_layer(mdata, imputed, modality: str, key: str = "jae_imputed") -> None:
    """Write :func:`impute`'s prediction ``imputed`` into ``mdata[modality].layers[key]`` (float32, NaN where nothing
    was imputed: measured cells, and features the model does not have), matched by cell and feature name (peaks
    named with other separators by their interval, as :func:`jae.io.features.feature_overlap` does); a
    ``modality`` ``mdata`` lacks (or holding no cell) is added, holding the imputed cells with the prediction as its only matrix (no
    ``.X``: nothing in it is a count). An existing ``layers[key]`` is replaced when it holds an earlier prediction
    (its ``uns[key]`` record) or is named ``'jae...'``, and refused otherwise (e.g. ``key='counts'``: the raw counts).
    A layer larger than the memory available is refused in one line (:func:`jae.imputation.memory.check_layer_memory`):
    write ``imputed``, the cells lacking the modality alone, to its own file instead. A view (``mdata[cells]``) becomes
    an object of its own holding the layer, the MuData it views unchanged, as :meth:`jae.JAE.embed` stores results."""
    import anndata as ad
    from ..io.readers import _quiet_mudata  # no 'rna:depth' copies of the modalities' obs columns pulled into obs
    from ..storage import _own

    if not isinstance(imputed, ad.AnnData) or not isinstance(imputed.uns.get("jae_imputed"), dict):
        raise ValueError("imputed must be jae.impute's AnnData, whose uns['jae_imputed'] records what was predicted "
                         f"(this {type(imputed).__name__} has none; anndata.concat of predictions drops it unless "
                         "uns_merge='same')")
    if not hasattr(mdata, "mod"):  # an AnnData: AttributeError 'mod' below
        raise TypeError(f"mdata must be a MuData, whose modality {modality!r} takes the layer, not "
                        f"{type(mdata).__name__}: pass a MuData holding it (e.g. mudata.MuData({{{modality!r}: "
                        "adata})), or write the prediction to its own file (imputed.write_h5ad(FILE))")
    info = dict(imputed.uns["jae_imputed"])
    target = mdata.mod[modality] if modality in mdata.mod and mdata.mod[modality].n_obs else None  # else added
    for holder, obj, axis in (("imputed", imputed, "obs"), ("imputed", imputed, "var"),
                              *((f"mdata[{modality!r}]", target, axis) for axis in ("obs", "var") if target is not None)):
        _refuse_repeats(getattr(obj, f"{axis}_names"), holder, axis)  # else pandas' InvalidIndexError, or a
        # repeated feature's prediction written once
    if modality not in mdata.mod and (same := _same_kind(mdata, info.get("kind"))):  # not a second such modality
        raise ValueError(
            f"mdata has no modality {modality!r} but holds the {info['kind']} modality {same!r} (the model calls it "
            f"{info.get('modality')!r}), so a second {info['kind']} modality would be added beside it: pass "
            f"modality={same!r} to write the layer there, or write the prediction to its own file "
            "(imputed.write_h5ad(FILE))")
    if modality not in mdata.mod or mdata.mod[modality].n_obs == 0:  # (a modality measuring no cell: replaced)
        gone = imputed.obs_names.difference(mdata.obs_names, sort=False)  # (update() would add them to mdata)
        if len(gone):
            raise ValueError(f"mdata lacks {len(gone)} of the {imputed.n_obs} imputed cells (e.g. "
                             f"{[str(c) for c in gone[:3]]}): impute the cells of this mdata, or write the prediction "
                             "to its own file (imputed.write_h5ad(FILE))")
        values = np.asarray(imputed.X, dtype=np.float32)
        _own(mdata)  # a view (mdata[cells]): an object of its own first, as embed stores its results (jae.storage)
        mdata.mod[modality] = ad.AnnData(obs=pd.DataFrame(index=imputed.obs_names.copy()), var=imputed.var.copy(),
                                         layers={key: values}, uns={key: info})
        with _quiet_mudata():
            mdata.update()
        logger.info("imputed %s written as layers[%r] of a new modality %r (%d cells x %d features)",
                    info["modality"], key, modality, *values.shape)
        return
    adata = mdata.mod[modality]
    if key in adata.layers and not str(key).startswith("jae") and not (  # jae's own names: replaced (jae embed's copy)
            hasattr(adata.uns.get(key), "items") and "method" in adata.uns[key]):
        raise ValueError(f"mdata[{modality!r}].layers[{key!r}] holds values add_imputed_layer did not write (its "
                         f"uns[{key!r}] has no record of a prediction), e.g. raw counts, which the prediction would "
                         f"replace: pass another key (e.g. key='jae_imputed'), or delete that layer first (del "
                         f"mdata[{modality!r}].layers[{key!r}])")
    if key in adata.layers:
        logger.info("mdata[%r].layers[%r] held an earlier prediction; it is replaced", modality, key)
    from .memory import check_layer_memory, place

    earlier = adata.layers[key] if key in adata.layers else None  # replaced: released before the layer is made
    check_layer_memory(adata.n_obs, adata.n_vars, modality, freed=getattr(earlier, "nbytes", 0), fix=(
        "write the prediction of the cells lacking it to its own file instead (imputed.write_h5ad(FILE))"))
    del earlier
    rows = adata.obs_names.get_indexer(imputed.obs_names)
    if (rows < 0).any():  # (-1 would write their prediction into the last row, another cell's)
        gone = imputed.obs_names[rows < 0]
        raise ValueError(f"modality {modality!r} lacks {len(gone)} of the {imputed.n_obs} imputed cells (e.g. "
                         f"{[str(c) for c in gone[:3]]}); write the prediction to its own file (imputed.write_h5ad("
                         "FILE)), or add those cells to the modality as rows of NaN")
    cols = adata.var_names.get_indexer(imputed.var_names)
    if (cols < 0).any():  # peaks named with other separators (chr1:100-200 for chr1-100-200), as embed matches them
        from ..io.features import _by_interval

        cols = _by_interval(adata.var_names.astype(str), imputed.var_names.astype(str), cols,
                            name=f"modality {modality!r}", reference="the prediction")
    keep = cols >= 0
    if imputed.n_vars and not keep.any():  # the layer would be all NaN
        raise ValueError(
            f"none of the {imputed.n_vars} features predicted (e.g. {[str(v) for v in imputed.var_names[:3]]}) is a "
            f"feature of modality {modality!r} (e.g. {[str(v) for v in adata.var_names[:3]]}), so its layer would be "
            "all NaN: write the prediction to its own file (imputed.write_h5ad(FILE))")
    _own(mdata)  # every refusal passed: a view, or a modality that is one, made an object of its own to hold it
    _own(adata := mdata.mod[modality])
    if key in adata.layers:  # the earlier prediction is released before its replacement is made
        del adata.layers[key]
        adata.uns.pop(key, None)
    layer = np.full(adata.shape, np.nan, dtype=np.float32)
    place(layer, rows, cols, keep, np.asarray(imputed.X, dtype=np.float32))  # in blocks: no second whole copy
    adata.layers[key] = layer
    adata.uns[key] = info
    logger.info("imputed %s written as layers[%r] of modality %r (%d cells, %d of its %d features; NaN elsewhere)",
                info["modality"], key, modality, len(rows), int(keep.sum()), adata.n_vars)


def _refuse_repeats(index: pd.Index, holder: str, axis: str) -> None:
    """Refuse, in one line naming the fix, ``holder``'s ``{axis}_names`` (``index``) repeating a name: the layer is
    written by cell and feature name (:func:`add_imputed_layer`)."""
    if index.has_duplicates:
        twice = index[index.duplicated()].unique()
        raise ValueError(f"{holder}.{axis}_names repeat {len(twice)} {'cell' if axis == 'obs' else 'feature'} "
                         f"name{'s' if len(twice) > 1 else ''} (e.g. {[str(v) for v in twice[:3]]}); the imputed layer "
                         f"is written by cell and feature name: make them unique first ({holder}.{axis}_names_make_"
                         "unique()), or write the prediction to its own file (imputed.write_h5ad(FILE))")


def _same_kind(mdata, kind: str | None) -> str | None:
    """The name of ``mdata``'s modality of ``kind`` (``var['feature_types']``, else its name) holding cells, if any."""
    from ..io.modality import detect_kind

    for name, adata in mdata.mod.items():
        try:
            if adata.n_obs and detect_kind(adata, name=name) == kind:
                return name
        except ValueError:  # neither feature types nor a name jae knows: not taken for that kind
            continue
    return None


def _decoder_batches(model, data, cells: pd.Index, *, layer: str | None = "counts") -> np.ndarray | None:
    """For a model whose decoder takes the batch (``decoder_batch=True``): each of ``cells``' batch code among the
    model's (-1, the decoder's zeros, for a batch it was not fitted on or a cell without one), read from the column
    the model was fitted with; None (zeros for every cell) when the data lacks it, or for other models."""
    from .._words import first_names
    from ..io.paired import batch_column, cell_obs, get_annotation

    if not model.network.n_condition:
        return None
    key = getattr(model, "batch_key", None)
    if not key and list(getattr(model, "batches", [])) == ["all"]:  # fitted with batch_key=None: one batch
        return np.zeros(len(cells), dtype=np.int64)
    key = key or "batch"  # a model saved before jae kept fit's column: the default, as decoder_batch_key reads
    from ..io.plan import opened

    data = opened(data, layer=layer)  # a path: opened as impute opened it
    with batch_column(key):
        obs = cell_obs(data)
    if obs is None or not any(c == key or str(c).endswith(f":{key}") for c in obs.columns):
        logger.info("the data has no obs[%r], the batches this model's decoder was fitted with: the decoder gets no "
                    "batch (zeros) for every cell", key)
        return None
    labels = get_annotation(obs, key, what="batch labels").reindex(cells)
    codes = model._batch_codes(labels.astype(str))
    codes[labels.isna().to_numpy()] = -1
    if (codes < 0).any():  # not silent: their prediction is the decoder's for no batch
        new = pd.unique(labels[(codes < 0) & labels.notna().to_numpy()].astype(str))
        from ..mapping.batches import warn_numeric_twins  # '0.0' for a fitted '0' (a float column): said

        warn_numeric_twins(new, model.batches, key, what="the decoder gets no batch (zeros) for their cells")
        logger.info("%d of %d cells are of a batch this model's decoder was not fitted with (%s) or have no obs[%r]: "
                    "the decoder gets no batch (zeros) for them", int((codes < 0).sum()), len(codes),
                    first_names(map(str, new), rest="in all") or "none", key)
    return codes


@torch.no_grad()
def _decoded(model, data, X: np.ndarray, cells: pd.Index, rows: np.ndarray, *, layer: str | None = "counts"
             ) -> np.ndarray:
    """The network's reconstruction of the input of the cells ``rows`` (mapped batches shifted as for embed; a
    decoder taking the batch gets each cell's, :func:`_decoder_batches`)."""
    from ..train.trainer import _condition

    Xr = X[rows]
    if model.adapter is not None:
        held = model.adapter.batches_of(data, cells, model.batches, getattr(model, "batch_key", None), layer=layer)
        Xr = model.adapter.apply(Xr, held[rows])
    net = model.network
    codes = _decoder_batches(model, data, cells[rows], layer=layer)
    net.eval()
    out = []
    for s in range(0, len(Xr), 65536):
        x = model._tensor(np.ascontiguousarray(Xr[s:s + 65536]))
        cond = None if codes is None else _condition(net, model._tensor(codes[s:s + 65536]))
        out.append(net.decode(net.encode(x), cond).float().cpu().numpy())
    return np.concatenate(out)
