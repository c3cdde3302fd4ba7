"""Reference mapping (issue 15): :meth:`jae.JAE.map_query` and the query-batch adapters it trains.

Mechanism (scArches-style "architecture surgery", adapted to jae's encoder, which takes no batch input):

- the reference model is deep-copied; the copy's whole network, preprocessing, readout and calibration are frozen,
  so every reference cell (a cell of a reference batch) has a bit-identical embedding through the mapped model;
- each new batch of the query gets one query-specific parameter: a shift of its input features (the normalised,
  SVD-projected features the encoder reads), starting at zero (the reference model's own embedding of the query);
- the shifts are trained on the query cells alone with the reconstruction loss through the frozen autoencoder:
  a batch effect that moves the query's cells off what the reference's autoencoder reconstructs is moved back.
  The shifted features then go through the reference's encoder and readout, so the query lands in the
  reference's coordinates (the same embedding columns, the same cell-type probabilities);
- the embedding and the labels read a new batch's features divided by the reference's held-out scale
  (:func:`held_out_scale_of`, measured at fit by :mod:`jae.preprocess.held_out`), without a shift: a new cell's SVD
  projections are less spread than the reference cells' (theirs hold each fitted cell's own noise), so undivided
  they neighbour each other rather than the reference's cells of their type. The unknown call reads the features as
  they are with the trained shift (its thresholds were set on held-out reference cells, not divided either). Sessions
  41-42 trained a second shift on the divided features for the embedding; once the reference model read new cells
  divided too (:mod:`jae.query.fit_cells`), the model without that shift scored as well on the nine sets of the mapping
  benchmark (overall +0.002 on average, no set lower by more than 0.0013; one simulated seed that the shift had
  collapsed, 0.798, back at 0.839) and labelled the leave-one-type-out protocol's test cells better (0.811 -> 0.815),
  so it is no longer trained (its rows are zeros: ``scaled_shift``) and mapping takes half the steps
  (``benchmarks/results/mapping.md``, session 43). Model files mapped before keep the second shift they were saved
  with. Models saved before the scale was measured, and ``epochs=0``, have the first shift alone.

Query cells without the second modality (:mod:`jae.query` fills in its columns from their RNA) are mapped on their
measured columns: the imputed ones are left out of the reconstruction loss.

The mapped model remembers the ``obs`` column of the batches; :meth:`jae.JAE.embed` reads it to shift the cells
of mapped batches and leaves every other cell as the reference model embeds it. It also keeps a record of each
mapping done (:func:`mappings_of`: the batches added, their cells, the seed, epochs and steps), saved in
``model.json`` (``"mappings"``) and written with every embedding it makes (``uns['jae']['mapping']``).
"""

from __future__ import annotations

import copy
import logging

import numpy as np
import pandas as pd
import torch

from .._device import float32_default
from .adapter import QueryAdapter, _reference_cells, held_out_scale_of
from .._words import apart
from ..io.call_fixes import called_as
from ..train.loop import autograd_on
from .batches import (
    _unique_cells, batch_names, cell_batches, check_mapped_key, check_new_batches, check_seed_epochs,
    mapped_column_missing, query_batch_key, shown_order, warn_numeric_twins,
)

__all__ = ["QueryAdapter", "cell_batches", "held_out_scale_of", "map_query", "mappings_of", "query_batch_key"]

logger = logging.getLogger(__name__)

#: Adam learning rate of the shifts (one vector per batch, a well-conditioned problem: a large step is safe).
ADAPTER_LR = 1e-2
#: Cells per minibatch when training the shifts.
ADAPTER_BATCH = 256
#: Default epochs over the query cells (each epoch visits every query cell once).
ADAPTER_EPOCHS = 20
#: Training length cap: a query of more cells is trained for the steps ``epochs`` passes over this many cells take
#: (10 minibatches a pass, 200 steps at the default epochs; each step still draws from all the query's cells). The
#: shifts have no minimum to settle in (on simulated data their norm keeps growing with the steps), and mapping
#: reference batches onto a model fitted without them scores level with the reference model's own embedding up to
#: 200 steps and lower after (batch ASW on BMMC CITE; trajectory conservation 0.94 -> 0.18 on a simulated Multiome
#: seed at 400). Before the cap the steps grew with the query: 23,000 at 300,000 cells (`results/mapping_cap.md`).
ADAPTER_CELLS = 2_560


def adapter_steps(n_cells: int, epochs: int) -> int:
    """Optimizer steps of the shifts' training: ``epochs`` passes over ``n_cells`` cells in minibatches of
    ``ADAPTER_BATCH``, capped at the steps of ``epochs`` passes over ``ADAPTER_CELLS`` cells."""
    return epochs * -(-min(n_cells, ADAPTER_CELLS) // ADAPTER_BATCH)


def _shift_bar(steps: int, progress_bar: bool):
    """The one progress bar of a mapping's training (``steps`` in all; none for 0 steps)."""
    from tqdm.auto import tqdm

    from ..train.distributed import draws_bar  # under torchrun every process maps; process 0 alone draws the bar

    return tqdm(total=steps, desc="mapping query", unit="step", disable=not (steps and draws_bar(progress_bar)),
                leave=False)  # gone once done, as fit's and evaluate's


def _train_shifts(model, X: np.ndarray, codes: np.ndarray, n_new: int, *, epochs: int, seed: int,
                  bar, weight: np.ndarray | None = None) -> np.ndarray:
    """Train one input shift per new batch (``codes`` in ``range(n_new)``) with the frozen network; ``weight``
    ``(n_cells, n_input)`` (1: measured, 0: imputed) keeps imputed columns out of the loss (None: all measured);
    ``bar``: the progress bar (:func:`_shift_bar`), advanced a step at a time and left open."""
    net = model.network
    net.eval()  # frozen: batch-norm statistics and dropout as at inference
    for p in net.parameters():
        p.requires_grad_(False)
    shift = torch.zeros(n_new, X.shape[1], device=model.device, requires_grad=True)
    opt = torch.optim.Adam([shift], lr=ADAPTER_LR)
    Xt, ct = model._tensor(X.astype(np.float32, copy=False)), model._tensor(codes.astype(np.int64))
    Wt = None if weight is None else model._tensor(weight.astype(np.float32))
    gen = torch.Generator().manual_seed(seed)
    n_cond = net.n_condition
    steps, done = adapter_steps(len(X), epochs), 0
    try:
        while done < steps:  # epochs over the cells; the last one partial when the cap stops it
            order = torch.randperm(len(X), generator=gen).to(model.device)
            for start in range(0, len(X), ADAPTER_BATCH)[:steps - done]:
                idx = order[start:start + ADAPTER_BATCH]
                # the shift's rows picked by a one-hot product, not by indexing: the gradient of an index is a
                # scatter-add whose order varies between CPU threads, so mapping was not reproducible bit for bit
                x = Xt[idx] + torch.nn.functional.one_hot(ct[idx], n_new).to(Xt.dtype) @ shift
                cond = None if not n_cond else x.new_zeros(len(idx), n_cond)  # a new batch: no reference condition
                recon = net.decode(net.encode(x), cond)
                if Wt is None:
                    loss = torch.mean((recon - x) ** 2)
                else:  # the mean over measured entries only
                    w = Wt[idx]
                    loss = torch.sum(w * (recon - x) ** 2) / torch.clamp(w.sum(), min=1.0)
                opt.zero_grad()
                loss.backward()
                opt.step()
                done += 1
                bar.update()
    finally:
        for p in net.parameters():
            p.requires_grad_(True)
    return shift.detach().cpu().numpy().astype(np.float32)


def _measured(model, observed: np.ndarray) -> np.ndarray | None:
    """``(n_cells, n_input)`` 1/0 weights of the measured / imputed columns (cells without the second modality);
    None when every cell has both modalities."""
    if observed.all():
        return None
    return np.repeat(observed, model.preprocessor.widths, axis=1).astype(np.float32)


def mappings_of(model) -> list[dict]:
    """The mappings that made ``model``, oldest first: one dict per :func:`map_query` call that trained shifts, with
    ``batch_key``, ``batches`` (the batches it added), ``n_cells`` (their cells), ``seed``, ``epochs``, ``steps`` and
    ``finetunes_before`` (the fine-tunings done before it, :func:`finetune_count`; absent in records of older jae).
    A model saved before jae kept these records (format 6 files without ``"mappings"``) gets one record of its
    adapter's batches without the rest; a model never mapped, an empty list."""
    records = getattr(model, "mappings", None)
    if records:
        return copy.deepcopy(list(records))  # the records' lists too: the mapped model's are not the reference's
    adapter = getattr(model, "adapter", None)
    if adapter is None:
        return []
    return [{"batch_key": adapter.batch_key, "batches": list(adapter.batches)}]


def finetune_count(model) -> int:
    """How many fine-tunings (:meth:`jae.JAE.finetune`, the query stage of ``fit``) ``model`` has had: a mapping's
    record keeps it (``finetunes_before``), so the record says which fine-tunings came before the mapping and which
    after (these train on the shifted features of the mapped batches)."""
    history = getattr(model, "history", None)
    if history is None or "stage" not in getattr(history, "columns", ()) or "epoch" not in history.columns:
        return 0
    return int(((history["stage"] == "finetune") & (history["epoch"] == 1)).sum())


def finetune_inputs(model, data, *, batch_key: str | None, layer: str | None) -> tuple:
    """What :meth:`jae.JAE.finetune` trains on: ``(features, the decoder's batch labels or None, MosaicInput or
    None)``. The features are the ones :meth:`jae.JAE.embed` encodes: for a model made by :func:`map_query`, each
    cell of a mapped batch is shifted by its batch's shift (read from the column the mapping read,
    :attr:`QueryAdapter.batch_key`; cells of other batches get none) and new cells are divided by the held-out scale
    (:mod:`jae.query.fit_cells`), so the fine-tuning fits the inputs the model then embeds. Every column is read and
    checked before the counts are projected."""
    from ..query.fit_cells import scaled_new
    from ..mosaic import MosaicInput
    from ..query.features import query_features

    labels = None if batch_key is None else cell_batches(data, batch_key, caller="finetune", layer=layer, model=model)
    if labels is not None and model.config.decoder_batch:  # '0.0' for a fitted '0': zeros to the decoder, said
        warn_numeric_twins(sorted(set(labels.astype(str))), model.batches, batch_key,
                           what="fine-tuning gives their cells' decoder no batch (zeros), as for new batches")
    adapter = model.adapter
    mapped = None if adapter is None else adapter.batch_column(data, model.batches, model.batch_key, layer=layer)
    X, cells, observed, fitted = query_features(model, data, layer=layer)  # cells lacking a modality: masked
    mapped = None if mapped is None else mapped.reindex(cells).to_numpy()
    X = scaled_new(model, X, None if fitted is None else ~fitted, mapped)  # new cells as embed reads them
    if mapped is not None:
        X = adapter.apply(X, mapped)
    mosaic = None if observed.all() else MosaicInput(observed, X, model.preprocessor.widths, rate=0.0)
    batch = None if labels is None else labels.reindex(cells).astype(str).to_numpy()
    return X, batch, mosaic


#: New batches from which a batch column whose batches hold a median of at most 2 cells is warned about (a column of
#: cell barcodes, or a per-cell score, given as batch_key).
MANY_BATCHES = 10
#: A new batch of fewer cells is warned about: its shift, one value per input column, is trained on those cells
#: alone, and Adam moves it by steps of about ADAPTER_LR whatever the batch's size (one step for each minibatch of
#: ADAPTER_BATCH that draws one of its cells, and on with momentum between them), so a batch of one or two cells gets
#: a shift as large as a sample's, fitted to those cells' own state (one cell type at most) rather than a batch effect.
MIN_BATCH_CELLS = 3


def _warn_few_cells(few: list, batch_key: str) -> None:
    """Warn, in one line naming the fixes, about new batches ``few`` (``[(name, cells)]``) of fewer than
    :data:`MIN_BATCH_CELLS` cells: each gets a shift of its own, resting on those cells."""
    from .._words import count

    if len(few) == 1:
        (name, n), = few
        said = (f"query batch {name!r} of obs[{batch_key!r}] holds {count(n, 'cell')}; its input shift is trained on "
                f"{'that cell' if n == 1 else 'those cells'} alone")
    else:
        sizes = dict(few)
        shown = batch_names(f"{b!r} ({sizes[b]})" for b in shown_order(sizes))
        said = (f"query batches {shown} of obs[{batch_key!r}] hold fewer than {MIN_BATCH_CELLS} cells each; each one's "
                "input shift is trained on those cells alone")
    one = len(few) == 1
    logger.warning("%s, so it fits %s own state rather than a batch effect: merge %s with a similar query batch "
                   "(rename it to that batch in obs[%r]) and map again, or leave its cells out of the query and embed "
                   "them with the reference model (no shift)", said,
                   "that cell's" if one and few[0][1] == 1 else "their", "it" if one else "each", batch_key)


@float32_default()  # the shifts in float32, as the network
@autograd_on()  # trained under a caller's torch.no_grad() or inference_mode() too
@called_as("map_query")  # a refusal of the query as it is read names this call (jae.io.call_fixes)
def map_query(reference, data, *, batch_key: str | None = None, epochs: int | None = None, layer: str | None = "counts",
              seed: int | None = None, progress_bar: bool = True):
    """The body of :meth:`jae.JAE.map_query` (see there)."""
    from .._flags import check_flags
    from .._words import count
    from ..config import as_epochs, as_seed
    from ..io.cell_obs import cell_obs_of
    from ..io.paired import batch_column
    from ..io.plan import _as_files, opened
    from ..query.features import query_features
    from ..train.loop import seeded_rng

    reference._require_fitted()
    check_flags(progress_bar=progress_bar)
    check_seed_epochs(seed, epochs)
    batch_key = query_batch_key(reference, batch_key)  # None: the reference's column
    check_mapped_key(reference, batch_key)  # before the data is read
    seed = (reference.seed + 2) % 2**32 if seed is None else as_seed(seed)  # None: the seed mapping always had
    with batch_column(batch_key):  # the modalities must agree on the query's batch column
        files = _as_files(data, None, rna_only=True, layer=layer)  # a path of an .h5mu file, as embed and predict_cell_type take
    data = data if files is None else files
    _unique_cells(data)  # duplicated names: refused with the count and the fix, not as a missing batch column
    adapter = reference.adapter
    try:
        batch_all = cell_batches(data, batch_key, caller="map_query", layer=layer, model=reference).astype(str)  # first
    except KeyError as err:  # a mapped model: its column, not another batch_key (check_mapped_key)
        if adapter is None or "no batch labels column" not in str(err):
            raise
        raise KeyError(mapped_column_missing(adapter)) from None
    known = set(reference.batches) | set(() if adapter is None else adapter.batches)
    check_new_batches(batch_all, known, batch_key)  # before the counts are read
    epochs = ADAPTER_EPOCHS if epochs is None else as_epochs(epochs, zero="0: the reference model's own embedding")
    X, cells, observed, fitted = query_features(reference, data, layer=layer)  # unusable data refused before warning
    carry = getattr(reference, "axes_carry", None)
    if carry is not None and carry < reference.config.axes_carry_min:
        logger.warning(  # what is measured is the carry, not a count of cells: it falls with cells per input column
            "this reference's principal axes keep %s of their variance on reference cells outside their fit "
            "(model.axes_carry, below the %s of JAEConfig(axes_carry_min)): they fit part of the reference cells' own "
            "noise, as on references with few cells for their input's width (a few hundred cells, for some data a "
            "few thousand), so mapped cells come out squeezed beside the reference cells; fitting the reference and "
            "these cells together (fit with them unlabelled) places them better",
            *apart(carry, reference.config.axes_carry_min),  # 0.8965 beside 0.90: not '0.90 ... below the 0.90'
        )
    batch = batch_all.reindex(cells).to_numpy()
    new = sorted(set(batch) - known)
    warn_numeric_twins(new, known, batch_key, what="they are mapped as new batches, each with its own shift")
    clash = sorted(set(batch) & set(reference.batches))
    if clash:  # scArches-style mapping takes a query batch as new; a reused name (e.g. 'sample1') is not
        logger.warning(
            "%s: their %d cells get no shift and embed as that reference batch's cells; if they are new samples, give "
            "them new names in the batch column %s (e.g. prefixed query_) and map again",
            _named_like(clash, "a reference batch", "reference batches"), int(np.isin(batch, clash).sum()), batch_key,
        )
    again = sorted(set(batch) & set(() if adapter is None else adapter.batches))
    if again:  # as a reference batch's name: a new sample named like a mapped batch gets that batch's shift
        logger.warning(
            "%s: their %d cells keep that batch's shift, not one trained on them; if they are new samples, give them "
            "new names in the batch column %s (e.g. prefixed query_) and map again",
            _named_like(again, "a batch this model mapped before", "batches this model mapped before"),
            int(np.isin(batch, again).sum()), batch_key,
        )
    cache = getattr(reference, "_files_features", None)  # the query's features, kept on the reference: not copied
    mapped = copy.deepcopy(reference, None if cache is None else {id(cache): None})
    mapped._files_features = None
    if not new:  # the query's cells with features hold no new batch (check_new_batches saw every cell's)
        check_new_batches(batch, known, batch_key)
    # mapped by another column than fit's: reference cells among the query, said
    keys = [reference.batch_key]  # 'rna:batch': modality 'rna''s 'batch' too
    _reference_cells(batch_key, new, cell_obs_of(opened(data), keys, model_keys=keys), batch_all, reference.batches,
                     reference.batch_key, mapping=True)
    _warn_fitted(fitted, batch, new, batch_key)
    rows = np.isin(batch, new)
    n_rows = int(rows.sum())
    rows = slice(None) if n_rows == len(rows) else rows  # every cell in a new batch: the features, not a copy
    codes = pd.Index(new).get_indexer(batch[rows])
    sizes = np.bincount(codes, minlength=len(new))
    if len(new) >= MANY_BATCHES and np.median(sizes) <= 2:  # a column of cell barcodes, say: a shift per cell
        logger.warning(
            "the batch column %s gives %d new batches for %d query cells (median %g cells each), and each batch gets "
            "an input shift trained on its own cells alone; a batch column names samples or runs, not cells: pass "
            "the column of the query's samples", batch_key, len(new), n_rows, float(np.median(sizes)))
    elif epochs and (few := [(b, int(n)) for b, n in zip(new, sizes) if n < MIN_BATCH_CELLS]):
        _warn_few_cells(few, batch_key)
    epochs_said = count(epochs, "epoch", "epochs")  # was '1 steps ... (1 epochs)' under jae map --epochs 1
    if n_rows > ADAPTER_CELLS:
        epochs_said += ("'s" if epochs == 1 else "'") + f" worth of {ADAPTER_CELLS:,} cells"
    # the shift is trained on the features as they are (the unknown call's, whose thresholds were set on features
    # like them); the embedding and the labels read the features divided by the held-out scale (the new cells back
    # on the spread of the reference's cells, jae.preprocess.held_out) with no shift, as the reference model reads
    # new cells (jae.query.fit_cells): a second shift trained on them added nothing (session 43, module docstring).
    # Models saved before the scale, and epochs=0 (documented as the reference model's own embedding): the shift alone
    scale = held_out_scale_of(mapped.preprocessor) if epochs else None
    logger.info("mapping %s of %s (%s) onto the reference: %s of input shifts (%s), the network frozen%s",
                count(n_rows, "query cell"), count(len(new), "new batch"), batch_names(new),
                count(adapter_steps(n_rows, epochs), "step"), epochs_said,
                "" if scale is None else "; the shifts serve the unknown call, the embedding and labels read the "
                "query on the reference's held-out scale")
    weight = _measured(mapped, observed[rows])
    with _shift_bar(adapter_steps(n_rows, epochs), progress_bar) as bar:
        with seeded_rng(mapped.device, seed):
            shift = _train_shifts(mapped, X[rows], codes, len(new), epochs=epochs, seed=seed, bar=bar, weight=weight)
    scaled_shift = None if scale is None else np.zeros_like(shift)
    new_adapter = QueryAdapter(batch_key, tuple(new), shift, None if scaled_shift is None else scale, scaled_shift)
    mapped.mappings = mappings_of(reference) + [{  # what rebuilds this mapping: saved in model.json
        "batch_key": batch_key, "batches": list(new), "n_cells": n_rows, "seed": int(seed), "epochs": int(epochs),
        "steps": int(adapter_steps(n_rows, epochs)), "finetunes_before": finetune_count(reference)}]
    mapped.adapter = new_adapter if adapter is None else adapter.extended(new, shift, scaled_shift, scale)
    return mapped


def _warn_fitted(fitted: np.ndarray | None, batch: np.ndarray, new: list, batch_key: str) -> None:
    """Warn when cells of the new batches are the reference's own fitted cells (told by their RNA counts,
    :mod:`jae.query.fit_cells`; ``fitted`` None: the model keeps none): the reference itself under a new batch name
    was mapped and embedded as new cells (divided by the held-out scale), not as the reference embeds them, without a
    word (its cell embeddings moved by up to 8 on the BMMC CITE starter)."""
    own = None if fitted is None else fitted & np.isin(batch, new)
    if own is not None and own.any():
        logger.warning(
            "%d cells of the new batches (%s) are the reference's own cells (their RNA counts are those of cells it "
            "was fitted on): they are mapped as query cells and embedded as new cells, not as the reference model "
            "embeds them; if they are reference cells, leave them out of the query, or give them their reference "
            "batch in the batch column %r", int(own.sum()), batch_names(sorted(set(batch[own]))), batch_key)


def _named_like(names, one: str, several: str) -> str:
    """The start of the warning about query batches named like known ones, each name quoted (a batch named ``0``
    reads as a name, not a count): "query batch '0' has the name of <one>", or "query batches 'a', 'b' have the names
    of <several>"."""
    shown = batch_names([repr(str(n)) for n in names])
    if len(names) == 1:
        return f"query batch {shown} has the name of {one}"
    return f"query batches {shown} have the names of {several}"
