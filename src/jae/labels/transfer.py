"""Label transfer (:meth:`jae.JAE.predict_cell_type`): calibrated cell-type probabilities and the unknown call.

The probabilities are the equal mixture of two classifiers with different errors (issue 12):

- a regularised linear classifier (:mod:`jae.model.linear`) of the voters' labels on their embedding's columns
  after the cell-type part, kept with the model and fitted again whenever that embedding changes (after
  fine-tuning; ``model.voter_linear``, saved in the model folder), its softmax at a temperature
  ``model.calibration.linear_temperature`` (round 45; files saved before it mix the network's cell-type head, the
  softmax of the latent's cell-type logits at the temperature ``T``, instead);
- the 15-NN vote among the model's reference voters (:mod:`jae.model.voters`: a seeded sample of the training
  reference cells, kept as input features) in jae's embedding, the voters embedded by the current network.

Each temperature is fitted on the held-out reference cells (never voters) to minimise its mixture's negative
log-likelihood, so the final probabilities are the calibrated ones; the expected calibration error of the returned
mixture on those cells is ``model.calibration.ece``. A sample of those cells is kept with the model
(:class:`jae.model.voters.CalibrationCells`), and :meth:`jae.JAE.finetune` fits the calibration again on them, so it
describes the network as it is after fine-tuning. A cell is called unknown when the calibrated head (at ``T``)
alone is less sure of it, or when it lies farther from every type centroid, on average over the cell and its 10
nearest neighbours among the cells predicted with it (:func:`smooth_over_cells`), than all but 5% of the held-out
reference cells (:data:`UNKNOWN_SCORE`, chosen by leaving one type out inside references). Models saved without voters (format 2) give the head alone. Everything
is fitted at the end of :meth:`jae.JAE.fit_transformed` by :func:`fit_calibration` (:func:`calibrate` after a
fine-tuning). The head's probabilities, the vote and the mixture live in :mod:`jae.labels.mixture`, the unknown call
(:data:`UNKNOWN_SCORE`, :func:`smooth_over_cells`, :func:`unknown_scores`) in :mod:`jae.labels.unknown`; their names
are importable from here as well.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..query.fit_cells import new_cell_scale, scaled_new, scaled_rows
from ..io.call_fixes import called_as
from ..io.features import by_cell_names
from ..model.calibration import UNKNOWN_QUANTILE, LabelCalibration
from ..model.readout import softmax
from ..storage import cell_names, checked_key, in_data_order, store_obs
from ..evaluation.inputs import files_h5mu
from .embedding_record import check_record, embedding_cells, embedding_table, given_observed
from ..model.voters import K_VOTE, MAX_CALIBRATION_CELLS, CalibrationCells, Voters, unvoted
from .heldout_alone import alone_thresholds, placed_alone
from .variants import warn_blank_variants
from .._words import first_names
# the vote and mixture (labels/mixture.py) and the unknown call (labels/unknown.py), kept importable from here
from .mixture import _head_probabilities, _knn_distance, _linear, _mixed, vote, voters_linear
from .unknown import (SMOOTH_ANCHORS, SMOOTH_K, UNKNOWN_SCORE, _head_call, _unknown_call, other_cells,
                      smooth_over_cells, unknown_scores, unsure_types)

__all__ = ["predict_cell_type", "check_not_measurement", "label_categories", "obs_labels",
           "fit_calibration", "calibrate", "recalibrate", "vote", "unknown_scores", "UNKNOWN_SCORE", "SMOOTH_K",
           "SMOOTH_ANCHORS"]

logger = logging.getLogger(__name__)

#: Cells per chunk of :func:`predict_cell_type`'s per-cell steps (head probabilities, vote, mixture, unknown call).
LABEL_CHUNK = 65_536


#: Labels that annotation tools write for cells without a type, compared case-insensitively: scvi-tools' scANVI
#: marks its unlabelled cells with ``unlabeled_category="Unknown"``, and others write "Unassigned" or "Unlabeled".
#: jae's unlabelled (query) cells are those with a missing label, so these would be learnt as a cell type.
UNLABELLED_TEXT = frozenset({"unknown", "unlabeled", "unlabelled", "unassigned", "unannotated"})


def unlabelled_placeholders(values) -> tuple[list[str], int]:
    """The labels among ``values`` that read as "no type" (:data:`UNLABELLED_TEXT`, compared case-insensitively),
    sorted, and how many of ``values`` they are: what :func:`label_categories` (fit) and ``evaluate`` warn about."""
    text = pd.Series(np.asarray(values, dtype=object), dtype=object).astype(str)
    hit = text.str.strip().str.lower().isin(UNLABELLED_TEXT)
    return sorted(text[hit].unique()), int(hit.sum())


def check_not_measurement(labels: pd.Series, key: str | None, fix: str = "cell_type_key=<column>") -> None:
    """Refuse cell-type ``labels`` that are continuous numbers: a float column of more than
    :data:`jae.evaluation.checks.MAX_FLOAT_TYPES` distinct values, not all whole (a pseudotime, a QC metric), read as
    cell types by jae.evaluate's rule, which refuses the same column. fit learnt each value as a type of its own (BMMC
    CITE's pseudotime_order_GEX: 105 one-cell types). ``fix``: the argument that names another column."""
    from ..evaluation.checks import MAX_FLOAT_TYPES

    if not pd.api.types.is_float_dtype(labels.dtype):
        return
    distinct = np.unique(labels.dropna().to_numpy(np.float64))
    if len(distinct) > MAX_FLOAT_TYPES and not np.allclose(distinct, np.round(distinct)):
        raise ValueError(
            f"obs[{key!r}] holds continuous numbers ({len(distinct)} distinct values, e.g. "
            f"{[float(f'{x:.4g}') for x in distinct[:3]]}), not cell types; pass {fix} naming the column of cell-type "
            "labels")


def label_categories(labels: pd.Series, *, key: str | None = None) -> tuple[list[str], list | None]:
    """The cell types of the reference's ``labels`` (no NaN): their names as text, sorted (the model's
    ``cell_types``, the embedding's column names), and for labels that are numbers (integers such as cluster ids, or
    floats) the reference's own value of each name, which orders the names :func:`predict_cell_type` returns
    numerically (None for text labels). ``key``: the labels' ``obs`` column; a label reading as "no type"
    (:data:`UNLABELLED_TEXT`, scANVI's "Unknown") is then warned about, with the fix, as it is learnt as a type."""
    names = sorted(pd.unique(labels.astype(str)))
    if key is not None:
        warn_blank_variants(names, key, "learnt")
    placeholders, n_cells = unlabelled_placeholders(labels) if key is not None else ([], 0)
    if placeholders:
        logger.warning(
            "%d reference cells have the cell-type label %s in obs[%r], as scvi-tools (scANVI's unlabeled_category) "
            "and other tools mark unlabelled cells; jae learns it as a cell type of its own and predicts it for "
            "other cells; if these cells are unlabelled, make their labels missing so they are fitted as query "
            "cells: obs[%r] = obs[%r].where(~obs[%r].isin(%r))", n_cells, " / ".join(map(repr, placeholders)), key,
            key, key, key, placeholders)  # not .replace(..., np.nan): deprecated for categorical columns, as obs keeps
    values = pd.unique(np.asarray(labels, dtype=object))
    nums = [v for v in values if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))]
    if len(nums) != len(values):
        return names, None
    kind = int if all(isinstance(v, numbers.Integral) for v in nums) else float
    own = {str(v): kind(v) for v in nums}  # the text astype(str) made of each value
    return names, ([own[n] for n in names] if set(own) == set(names) else None)


def label_order(labels: pd.Series, names: list[str], values: list | None) -> list[str] | None:
    """The order of the cell types ``names`` (with their ``values``: :func:`label_categories`) that the reference's
    ``labels`` set as a categorical column (e.g. by lineage), as text, for the categories of
    :func:`predict_cell_type`; None for labels that set none (not categorical, or their order is the one predictions
    have without it: text sorted, numbers in numeric order), so the model keeps none."""
    if not isinstance(labels.dtype, pd.CategoricalDtype):
        return None
    present = set(names)
    order = [n for n in labels.cat.categories.astype(str) if n in present]  # types the reference has, in its order
    if sorted(order) != sorted(names):  # text that astype(str) of the values writes otherwise: no order kept
        return None
    default = names if values is None else [n for _, n in sorted(zip(values, names))]
    return None if order == default else order


def _categorical(model, codes: np.ndarray) -> pd.Categorical:
    """Predicted ``codes`` (positions in ``model.cell_types``) as labels: every known type, in the model's order, as
    scanpy keeps labels; numeric labels as the reference's values (:func:`label_categories`), in numeric order
    (:func:`obs_labels` then gives them as text). A reference whose categorical labels set an order
    (``model.cell_type_order``, :func:`label_order`) gives its types in that order."""
    values = getattr(model, "cell_type_values", None)
    order = getattr(model, "cell_type_order", None)
    if values is None:
        labels = pd.Categorical.from_codes(codes, categories=pd.Index(model.cell_types))
        return labels if order is None else labels.reorder_categories(order)
    if order is None:
        return pd.Categorical(np.asarray(values)[codes], categories=sorted(values))
    value_of = dict(zip(model.cell_types, values))
    return pd.Categorical(np.asarray(values)[codes], categories=[value_of[n] for n in order])


def obs_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """Predicted ``labels`` as ``obs`` columns hold them: numeric cell types (cluster ids 0..n) as text categories in
    the same (numeric) order, as scanpy stores its own clusters; its ``rank_genes_groups(groups=['0'])`` and
    ``get.rank_genes_groups_df(group='0')`` take text names. :func:`predict_cell_type` returns its labels so, the
    values it stores in ``obs`` with ``key_added``."""
    categories = labels["cell_type"].cat.categories
    if categories.dtype == object or isinstance(categories.dtype, pd.StringDtype):  # text already (pandas 3: str)
        return labels
    out = labels.copy()
    out["cell_type"] = pd.Categorical.from_codes(labels["cell_type"].cat.codes, categories=categories.astype(str))
    return out


def fit_calibration(
    model, X: np.ndarray, ref: np.ndarray, codes: np.ndarray, val_idx: np.ndarray, observed: np.ndarray | None = None
) -> tuple[LabelCalibration, Voters, CalibrationCells]:
    """Voters, calibration cells, temperature and unknown thresholds of ``model``: the voters are a sample (seeded by
    the model's seed) of the training reference cells, the calibration cells one of the held-out reference cells
    (positions ``val_idx`` in the reference rows ``ref`` of the features ``X``, the pretraining's validation split;
    ``codes``: the reference cells' labels; ``observed``: their modalities, a mosaic reference's, None: all paired),
    and :func:`calibrate` fits the calibration on them. Called after fine-tuning, so they describe the final network."""
    train = np.setdiff1d(np.arange(len(ref)), val_idx)
    voters = Voters.sample(X, codes[train], seed=model.seed, rows=ref[train])  # reads only the sampled rows
    unvoted(voters, codes, model.cell_types)  # types never predicted, said at the fit
    cells = CalibrationCells.sample(X, codes[val_idx], seed=model.seed, rows=ref[val_idx],
                                    max_voters=MAX_CALIBRATION_CELLS,
                                    observed=None if observed is None else observed[val_idx])
    return calibrate(model, voters, cells), voters, cells


def calibrate(model, voters: Voters, cells: CalibrationCells, *, again: bool = False) -> LabelCalibration:
    """The label calibration of ``model``'s network as it is now, fitted on the held-out reference ``cells`` with the
    reference ``voters`` (:func:`fit_calibration` at the end of a fit; :meth:`jae.JAE.finetune` again after it
    changes the network). ``again``: a refit after fine-tuning, whose numbers are logged at DEBUG only (the fit said
    them at INFO; a second such line with other numbers read as if the saved model had changed)."""
    n_ct = model.layout.n_cell_type
    X_val = cells.features
    Z_val = model.latent_transformed(X_val)
    E_val = model._readout(X_val, Z_val)
    Z_vot = model.latent_transformed(voters.features)
    V = model._readout(voters.features, Z_vot)  # embed_transformed's numbers; the latent kept for unsure_types
    # the fit that predict_cell_type reuses while the network and voters stay as they are (model.voter_linear)
    linear = voters_linear(model, V, voters.codes) if len(voters) else None
    logits_alone, rest_alone = placed_alone(model, X_val, cells.observed)
    cal = LabelCalibration.fit(
        heldout_logits=Z_val[:, model.layout.block("cell_type")], heldout_codes=cells.codes,
        heldout_rest=E_val[:, n_ct:],
        # type centroids and spreads from the voters: every training cell up to MAX_VOTERS, a seeded sample above
        # (at a million cells, embedding all of them cost 180 s and 1.3 GB for the same statistics)
        train_rest=V[:, n_ct:], train_codes=voters.codes, n_types=n_ct,
        heldout_vote=voters.vote(V, E_val, n_ct) if len(voters) else None,
        heldout_knn=_knn_distance(model, E_val, V) if len(voters) else None,
        heldout_linear=None if linear is None else linear.logits(E_val[:, n_ct:]),
        heldout_logits_alone=logits_alone, heldout_rest_alone=rest_alone,
        heldout_paired=None if cells.observed is None else cells.observed.all(axis=1),
    )
    logger.log(
        logging.DEBUG if again else logging.INFO,
        "label transfer%s: %d voters; calibration on %d held-out reference cells: temperature %.3g, expected "
        "calibration error of the %s + %d-NN vote mixture %.4f (at temperature 1: %.4f; perfectly calibrated "
        "probabilities would score about %.4f on this many cells)",
        " recalibrated for the network fine-tuned on these cells" if again else "",
        len(voters), cal.n_heldout, cal.linear_temperature if cal.linear else cal.temperature,
        "linear classifier" if cal.linear else "head", K_VOTE, cal.ece, cal.ece_raw, cal.ece_floor,
    )
    needed = round(1 / UNKNOWN_QUANTILE)  # cells a quantile at UNKNOWN_QUANTILE needs to be more than the minimum
    unsure = unsure_types(model, cal, Z_vot[:, model.layout.block("cell_type")], voters.codes)
    if unsure:
        shown = first_names(f"{name!r} ({share:.0%} of its {n} training cell{'' if n == 1 else 's'})"
                            for name, n, share in unsure)
        logger.log(
            logging.DEBUG if again else logging.WARNING,
            "the 'unknown' call may flag many query cells of %d reference type%s, since the head is less sure of "
            "most of the reference's own cells of %s than of all but %.0f%% of the held-out reference cells: %s. "
            "Their labels are given as usual: for %s read the confidence rather than the unknown flag, or fit the "
            "reference with more cells of %s", len(unsure), "" if len(unsure) == 1 else "s",
            "it" if len(unsure) == 1 else "them", 100 * UNKNOWN_QUANTILE, shown,
            "this type" if len(unsure) == 1 else "these types", "it" if len(unsure) == 1 else "them")
    if 0 < cal.n_heldout < needed:
        logger.warning(
            "the 'unknown' call's threshold rests on %d held-out reference cells, fewer than the %d its %.0f%% quantile "
            "needs, so it is their least confident one: expect known cells flagged unknown (BMMC starters: 16-31%%); "
            "read the confidence instead, or fit a larger reference", cal.n_heldout, needed, 100 * UNKNOWN_QUANTILE,
        )
    return cal


def recalibrate(model) -> None:
    """Fit ``model``'s label calibration again for its network as it is now, on the calibration cells it keeps (after
    :meth:`jae.JAE.finetune`); a model without calibration (unsupervised, or inside ``fit``, which calibrates after
    its fine-tuning) is left alone; a file without calibration cells (format < 5) keeps its calibration, with a
    warning."""
    if model.calibration is None:
        return
    if getattr(model, "calibration_cells", None) is None or getattr(model, "voters", None) is None:
        logger.warning(
            "this model's file keeps no held-out reference cells (saved before jae kept them, model format < 5), so "
            "its label calibration (confidence temperature, unknown-call threshold) still describes the network "
            "before this fine-tuning; refit the model with this jae version to have it recalibrated")
        return
    model.calibration = calibrate(model, model.voters, model.calibration_cells, again=True)


def _given_embedding(model, data, embedding) -> np.ndarray:
    """``embedding`` (an array, a DataFrame or a key of ``data.obsm``) as an array, refused in one line unless it is
    ``(data's cells, the model's columns)`` of finite numbers: another shape was read as it came (too few rows: labels
    for those alone, indexed 0..n-1; other columns: numpy's error), a NaN row failed in the vote."""
    names = cell_names(data)
    if isinstance(embedding, str) and not hasattr(data, "obsm") and (path := files_h5mu(data)) is not None:
        import mudata  # an .h5mu on disk: its obsm and record read as a backed MuData of the file reads them

        backed = mudata.read_h5mu(path, backed=True)
        try:
            embedding = pd.DataFrame(_given_embedding(model, backed, embedding), index=backed.obs_names)
        finally:
            backed.file.close()
    if isinstance(embedding, str):  # an obsm key, as scanpy's use_rep=; a dict's: each AnnData's, as embed stores it
        holders = [a for a in (data.values() if isinstance(data, Mapping) else [data]) if hasattr(a, "obsm")]
        found = [a for a in holders if embedding in a.obsm] or [  # a MuData's modalities (scanpy's use_rep there)
            a for a in getattr(data, "mod", {}).values() if embedding in a.obsm]
        if not found and not holders:  # data on disk: its files are read for their counts, never their obsm
            first = next((str(c.path) for c in getattr(data, "counts", None) or ()), None)  # its files' own reader
            read = ("mudata.read_h5mu(path)" if first is None else f"mudata.read_h5mu({first!r})" if first.endswith(
                ".h5mu") else f"anndata.read_h5ad({first!r})" if first.endswith(".h5ad") else None)  # None: 10x .h5
            raise KeyError(f"embedding={embedding!r} names an obsm key, but data is " + (
                "None" if data is None else "given as files, whose obsm jae does not read") + ": pass the array (e.g. "
                + (f"{read}.obsm[{embedding!r}]" if read else "the one model.embed returned") + "), the data read "
                "into memory, or embedding=None")
        if not found:
            keys = ", ".join(sorted({repr(k) for a in holders for k in a.obsm.keys()
                                     if k not in getattr(a, "mod", {})})) or "none"  # not a MuData's modality masks
            raise KeyError(f"embedding={embedding!r} is not a key of data.obsm (its keys: {keys}); pass the key "
                           "model.embed(data) stored (key_added, e.g. 'X_jae'), an array, or embedding=None")
        for adata in found:
            check_record(model, adata, embedding)
        if found[0] is not data:  # each cell's row from the first AnnData holding it
            frame = pd.concat([pd.DataFrame(np.asarray(a.obsm[embedding]), index=a.obs_names) for a in found])
            embedding = frame[~frame.index.duplicated()]
        else:
            embedding = data.obsm[embedding]
    embedding = np.asarray(by_cell_names(embedding_table(model, embedding), names, what="embedding"))
    width = len(model.column_names)
    rows = embedding.shape[0] if embedding.ndim else 0
    if embedding.ndim != 2 or embedding.shape[1] != width or (names is not None and rows != len(names)):
        cells = "n_cells" if names is None else str(len(names))
        raise ValueError(
            f"embedding has shape {embedding.shape}, not ({cells}, {width}): pass this model's embed() of the same "
            "cells, in their order (e.g. data.obsm['X_jae'] written by model.embed(data)), or embedding=None"
        )
    bad = ~np.isfinite(embedding if embedding.dtype.kind == "f" else embedding.astype(np.float64)).all(axis=1)
    if bad.any():
        first = names[np.flatnonzero(bad)[0]] if names is not None else int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"embedding has {int(bad.sum())} of {rows} rows with NaN or infinite values (e.g. cell {first!r}); embed "
            "those cells again (model.embed(data)) or drop them from data and embedding, or pass embedding=None")
    return embedding


@called_as("predict_cell_type")  # a file's refusals name this call
def predict_cell_type(
    model, data, *, layer: str | None = "counts", embedding: np.ndarray | None = None, key_added: str | None = None
) -> pd.DataFrame:
    """:meth:`jae.JAE.predict_cell_type` (see there)."""
    checked_key(key_added, example="jae", obsm=False)  # before any work (obs columns: a '/' reads back)
    model._require_fitted()
    if not model.layout.n_cell_type:
        raise ValueError("this model was fitted without cell types (unsupervised mode), so it cannot predict them: fit "
                         "with mode='supervised' and a cell_type_key (CLI: jae fit --cell-type-key COLUMN)")
    cal, voters = model.calibration, getattr(model, "voters", None)
    plain = None  # mapped or new cells as the unknown call reads them, when that differs (_call_inputs)
    if embedding is None:
        X, cells, batch, observed, new = model._features(data, layer=layer)
        scaled = scaled_new(model, X, new, batch)  # new cells on the fit's cells' scale (jae.query.fit_cells)
        if batch is not None or scaled is not X:  # a mapped model's batches, new cells: the call reads them as they are
            plain = _call_inputs(model, data, X, cells, batch, new_scaled=scaled is not X)
            X = scaled if batch is None else model.adapter.apply(scaled, batch)
        Z = model.latent_transformed(X)
        logits = model._store(data, Z[:, model.layout.block("cell_type")], cells, None, pad=False)  # per chunk
        embedding = model._store(data, model._readout(X, Z), cells, None, pad=False)  # (cells read: no NaN rows)
        observed = in_data_order(data, observed, cells)[0]  # in the embedding's (the data's) order of the cells
    else:
        from ..io.plan import _as_files

        # a path: its files, which name the cells (the labels' index; the embedding's rows are checked against them)
        source = data if data is None or cell_names(data) is not None else _as_files(data, None, rna_only=True,
                                                                                      layer=layer) or data
        source, embedding = _cells_read(source, embedding)  # cells only hashtags hold: NaN rows of embed, set aside
        embedding, logits, cells = _given_embedding(model, source, given := embedding), None, cell_names(source) if (
            source is not None) else embedding_cells(embedding)  # data None: a DataFrame's (AnnData's) own cells
        observed = given_observed(model, source, given, layer=layer) if _head_call(model) else None  # RNA alone?
        adapter, keeps = getattr(model, "adapter", None), new_cell_scale(model) is not None
        if source is None and cal is not None and (keeps or getattr(adapter, "scale", None) is not None):
            _say_no_data(keeps, getattr(adapter, "scale", None) is not None)
        if source is not None and (keeps or getattr(adapter, "scale", None) is not None):
            # unwarned: the embedding's making said it
            batch = None if adapter is None else adapter.batch_column(
                source, model.batches, getattr(model, "batch_key", None), layer=layer, warn=False)
            if keeps or adapter.scales(batch):  # the call's features: computed only when a cell may be scaled
                from ..query.features import query_features

                X, f_cells, f_observed, fitted = query_features(model, source, layer=layer)
                X = _as_embedded(model, X, f_cells, f_observed, observed, cell_names(source))
                batch = None if batch is None else batch.reindex(f_cells).to_numpy()
                new = scaled_rows(model, None if fitted is None else ~fitted, batch) is not None
                plain = _call_inputs(model, source, X, f_cells, batch, new_scaled=new)
    if _head_call(model) and observed is not None and not observed.all():
        alone_thresholds(model)
    # after the data and the embedding are checked: 20,000 voters embedded (and a classifier fitted on them, unless
    # model.voter_linear was fitted on this embedding: jae.model.linear.kept_fit)
    # one encoding of the voters serves the vote, the call and unsure_types' head logits (embed_transformed's numbers)
    Z_vot = None if voters is None else model.latent_transformed(voters.features)
    V = None if voters is None else model._readout(voters.features, Z_vot)
    linear = _linear(model, V)  # one for every chunk
    parts = []  # every step is per cell: chunks keep the (n, n_types) float64 intermediates small at a million cells
    for s in range(0, len(embedding), LABEL_CHUNK):
        part = embedding[s : s + LABEL_CHUNK]
        part_head = _head_probabilities(model, part) if logits is None else (  # (chunk, n_types) float64 inside
            softmax if cal is None else cal.probabilities)(logits[s : s + LABEL_CHUNK])
        prob = _mixed(model, part_head, part, V, linear)
        best = prob.argmax(axis=1)
        confidence = prob[np.arange(len(best)), best]
        part_obs = None if observed is None else observed[s : s + LABEL_CHUNK]
        if plain is not None:  # the call on the cells as the call's thresholds were set: the shifts as trained
            part = plain[1][s : s + LABEL_CHUNK]
            part_head = (softmax if cal is None else cal.probabilities)(plain[0][s : s + LABEL_CHUNK])
        parts.append((best, confidence, _unknown_call(model, part_head, part, V, part_obs)))
    best, confidence, score = (np.concatenate(x) for x in zip(*parts)) if parts else (
        np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros((0, 2) if _head_call(model) else 0))
    names = cell_names(data)
    names = cells if names is None else names  # data given as a file path: the cells as read (the embedding's order)
    if names is None or len(names) != len(best):  # data with cells of a modality not read (hashtags): those read
        names = cells if cells is not None and len(cells) == len(best) else None
    if _head_call(model):  # the head's and the distance's, each averaged over every cell given; the larger
        rest = (embedding if plain is None else plain[1])[:, model.layout.n_cell_type:]
        others = other_cells(rest, seed=model.seed, names=names)  # one neighbour search serves both averages
        score = np.maximum(*(smooth_over_cells(rest, score[:, i], seed=model.seed, others=others) for i in (0, 1)))
        if 1 < len(rest) <= SMOOTH_K + 1:  # every cell averaged with all the others: one score for all, said
            logger.warning(
                "the unknown call averages each cell's score with those of its %d nearest cells among the cells "
                "predicted together; with %d cells every cell is averaged with all the others, so they share one "
                "unknown_score (%.3g) and one unknown flag whatever their cell types: predict them with more cells of "
                "their sample, or one at a time for each cell's own score", SMOOTH_K, len(rest), score[0])
    index = pd.Index(names) if names is not None else pd.RangeIndex(len(best))
    score = score.astype(np.float32)  # the call made on the score as stored: the two agree (1 + 3e-8 stores 1.0)
    labels = obs_labels(pd.DataFrame(  # numeric cell types as text, as scanpy keeps clusters and obs stores them
        {"cell_type": _categorical(model, best), "confidence": confidence, "unknown": score > 1.0,
         "unknown_score": score}, index=index))
    if voters is not None and labels["unknown"].any():
        _say_unsure(labels, unsure_types(model, cal, Z_vot[:, model.layout.block("cell_type")], voters.codes))
    if key_added is not None:  # jae.storage: the data's obs, or each AnnData's of a dict; data on disk never
        store_obs(data, labels, key_added)
    return labels


def _cells_read(data, embedding):
    """``(data, embedding)`` without the cells of a MuData (or a dict) that only a modality jae does not read holds
    (hashtags: :func:`jae.io.cell_obs._read_cells`), which :meth:`jae.JAE.embed` gives NaN rows: views of the cells
    read, and an array ``embedding`` in the data's cell order cut to their rows (a key or a frame: read by name)."""
    names = cell_names(data) if hasattr(data, "mod") or isinstance(data, Mapping) else None
    if names is None:
        return data, embedding
    from ..io.cell_obs import _read_cells

    read = _read_cells(data, pd.DataFrame(index=names)).index
    if len(read) == len(names):
        return data, embedding
    by_name = isinstance(embedding, str) or hasattr(embedding, "index") or hasattr(embedding, "obs_names")
    if not by_name and np.ndim(embedding) == 2 and len(embedding) == len(names):
        embedding = np.asarray(embedding)[names.get_indexer(read)]
    if isinstance(data, Mapping) and not hasattr(data, "mod"):  # a dict of AnnData: each one's cells read
        return {n: a[pd.Index(a.obs_names).isin(read)] for n, a in data.items()}, embedding
    return data[read], embedding


def _as_embedded(model, X: np.ndarray, cells, observed: np.ndarray, embedded: np.ndarray | None, names):
    """The features ``X`` of ``cells`` (measured in the modalities ``observed``) as the given embedding was made
    from them: cells it placed from one modality (``embedded``, in the order ``names``: :func:`given_observed`, e.g.
    ``model.embed(mdata['rna'])``) get their other block regressed as such cells do (:func:`fill_missing_blocks`)."""
    if embedded is None or names is None:
        return X
    want = pd.DataFrame(embedded, index=pd.Index(names)).reindex(cells).to_numpy(dtype=bool)
    if np.array_equal(want, observed) or not (observed | ~want).all():  # (only a modality the cells have is dropped)
        return X
    from ..query.features import fill_missing_blocks

    return fill_missing_blocks(model, np.array(X, dtype=np.float32, copy=True), want)


def _call_inputs(model, data, X: np.ndarray, cells, batch, *, new_scaled: bool = False,
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """``(cell-type logits, embedding)`` of ``data``'s cells (features ``X`` of ``cells``, in the data's order) with
    a mapped model's batches shifted as trained on their features as they are, and new cells (``new_scaled``: some
    are divided in the embedding, :mod:`jae.query.fit_cells`) as they are, neither divided by the held-out scale
    (:class:`jae.mapping.adapter.QueryAdapter`): what the unknown call reads, its thresholds having been set on held-out
    reference cells whose features were not divided either (dividing costs the call's AUROC, 0.862 -> 0.832 on the
    leave-one-type-out protocol, ``unknown_selection.md`` session 40). None when it would be the embedding itself."""
    mapped = batch is not None and model.adapter.scales(batch)
    if not (mapped or new_scaled):
        return None
    X = model.adapter.apply(X, batch, scaled=False) if batch is not None else X
    Z = model.latent_transformed(X)
    return (model._store(data, Z[:, model.layout.block("cell_type")], cells, None, pad=False),  # rows of the
            model._store(data, model._readout(X, Z), cells, None, pad=False))  # embedding's cells (read): no NaN rows


def _say_no_data(keeps: bool, mapped: bool) -> None:
    """Warn that labels of an embedding given without data (``predict_cell_type(None, embedding=E)``) call unknown on
    ``E`` as it is: a model that keeps its fitted cells (``keeps``) embeds new cells divided by the held-out scale, a
    mapped one (``mapped``) its batches so, while the call reads both undivided, from counts only the data gives."""
    which = " and ".join(w for w, on in (("cells it was not fitted on", keeps), ("its mapped batches' cells", mapped))
                         if on)
    logger.warning(
        "predict_cell_type(None, embedding=...) calls unknown on the embedding as given: this model embeds %s divided "
        "by the held-out scale, while its unknown call reads them undivided (a mapped batch with the shift map_query "
        "trained), from their counts, and without data every cell is called as a paired one, so unknown and "
        "unknown_score can differ from predict_cell_type(data, embedding=...) (cell_type and confidence do not); pass "
        "the data the embedding was made from", which)


def _say_unsure(labels: pd.DataFrame, unsure: list) -> None:
    """Warn when cells called unknown carry a label of a type the head's test flags on its own training cells
    (:func:`unsure_types`, said at the fit; a saved model's user sees it where the flags are written)."""
    called = labels["cell_type"].astype(str).to_numpy()
    hit = labels["unknown"].to_numpy() & np.isin(called, [name for name, _, _ in unsure])
    if hit.any():
        names = [name for name, _, _ in unsure if (called[hit] == name).any()]
        shown = first_names(repr(n) for n in names)
        logger.warning(
            "%d of the %d cells called unknown %s labelled %s, reference type%s the head is less sure of than of "
            "all but %.0f%% of the held-out reference cells even on the reference's own cells (the fit said so): "
            "there the flag cannot tell a cell of a type the reference has few cells of from one of a type it lacks; "
            "read their confidence beside it",
            int(hit.sum()), int(labels["unknown"].sum()), "is" if hit.sum() == 1 else "are", shown,
            "" if len(names) == 1 else "s",
            100 * UNKNOWN_QUANTILE)
