"""Fitting a :class:`jae.JAE` on features already transformed by its preprocessing (:meth:`jae.JAE.fit_transformed`).

The stages, in order: the latent layout sized from the labels and batches; the input's principal axes (the PCA start
of the free units and the readout's components, with the small-reference rule, :func:`jae.model.readout.fit_principal_axes`);
pretraining on the reference cells (seeded validation split, early stopping); fine-tuning on the query cells; the
readout; the reference input's moments (for cells missing a modality); and, with labels, the label calibration on the
held-out reference cells (:mod:`jae.labels`). Every random step is seeded by the model's seed.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import numpy as np
import pandas as pd

from .io.cell_obs import check_batches, get_annotation, unused_batches
from .io.validate import reference_mask
from .labels.transfer import fit_calibration, label_categories, label_order
from .model import JAENetwork, LatentLayout
from .model.moments import FeatureMoments
from .model.readout import Readout, fit_principal_axes
from .train import Stage, split_validation, train_network, unfitted_on_failure
from .train.loop import autograd_on, seeded_rng
from .train.trainer import check_features
from ._device import float32_default
from ._flags import check_flags

__all__ = ["fit_stages", "fit_preprocessed"]

logger = logging.getLogger(__name__)

#: The modality names a model fitted by fit_transformed alone gets (mudata's usual short names).
_KIND_NAMES = {"GEX": "rna", "ATAC": "atac", "ADT": "prot"}


@float32_default()  # the network and the mosaic draws in float32 whatever torch's default dtype
@autograd_on()  # trained under a caller's torch.no_grad() or inference_mode() too
def fit_stages(model, X: np.ndarray, obs: pd.DataFrame, *, preprocessor, batch_key: str | None, cell_type_key: str | None,
               phase_keys: tuple[str, str] | None, reference, finetune: bool, progress_bar: bool, mosaic) -> None:
    """Fit ``model`` (a :class:`jae.JAE`) on ``X`` ``(n_cells, preprocessor.n_output)`` with the annotations ``obs`` of
    the same cells, in place; the arguments as :meth:`jae.JAE.fit_transformed` takes them."""
    # every argument is checked before the model is touched: a refused call leaves a fitted model as it was
    _check_types(X, obs, preprocessor)  # one line naming the argument, not an AttributeError
    check_features(X, len(obs), preprocessor.n_output)  # the shape, finite values: before the principal axes
    check_flags(finetune=finetune, progress_bar=progress_bar)
    _check_mosaic(mosaic, len(obs))
    cfg = model.config
    if batch_key is None:  # one batch: all cells
        batch = pd.Series("all", index=obs.index, name="batch")
        if note := unused_batches(obs):  # a batch column left aside: said (a plain one-batch fit says nothing)
            logger.info("no batch column given: all cells are fitted as one batch%s", note)
    else:
        batch = get_annotation(obs, batch_key, what="batch labels").astype(str)
    supervised = cfg.mode == "supervised"
    labels = None
    if supervised:
        if cell_type_key is None:
            raise ValueError("supervised mode needs cell_type_key; pass one or use JAEConfig(mode='unsupervised')")
        labels = get_annotation(obs, cell_type_key, what="cell-type labels")
    ref = reference_mask(obs, reference, labels, cell_type_key=cell_type_key)
    check_batches(batch[ref])
    phase = None
    if phase_keys is not None and cfg.n_phase:
        phase = np.column_stack([get_annotation(obs, k, what="cell-cycle scores").to_numpy(np.float32) for k in phase_keys])
    categories = label_categories(labels[ref], key=cell_type_key) if supervised else ([], None)
    batches = sorted(pd.unique(batch[ref]))
    layout = LatentLayout(
        n_cell_type=len(categories[0]), n_batch=len(batches), n_phase=cfg.n_phase,
        n_free=cfg.n_free if supervised else cfg.n_free_unsupervised,
    )
    _fit_checked(model, X, preprocessor=preprocessor, batch_key=batch_key, batch=batch, labels=labels, ref=ref,
                 phase=phase, categories=categories, batches=batches, layout=layout, finetune=finetune,
                 progress_bar=progress_bar, mosaic=mosaic)


@unfitted_on_failure  # a fit that does not finish (an error, Ctrl-C) leaves no model
def _fit_checked(model, X, *, preprocessor, batch_key, batch, labels, ref, phase, categories, batches, layout, finetune,
                 progress_bar, mosaic) -> None:
    """The stages of :func:`fit_stages` on its checked arguments: from here on the model changes."""
    cfg = model.config
    supervised = cfg.mode == "supervised"
    model.calibration = model.voters = model.calibration_cells = model.adapter = model.mappings = None  # none of the last fit
    model.voter_linear = None
    model.preprocessor, model.batch_key = preprocessor, batch_key  # batch_key: map_query's default
    if len(model.modality_names) != len(preprocessor.kinds):  # fit_transformed called alone: names from the kinds
        # (none made a model whose save wrote 'modalities': [], refused on load as damaged, and whose embed failed)
        model.modality_names = tuple(_KIND_NAMES[k] for k in preprocessor.kinds)
    model.batches, (model.cell_types, model.cell_type_values), model.layout = batches, categories, layout
    model.cell_type_order = label_order(labels[ref], *categories) if supervised else None  # the reference's order
    logger.info(
        "latent layout: %s = %d; %d reference, %d query cells", model.layout.describe(), model.layout.dim,
        int(ref.sum()), int((~ref).sum()),
    )
    principal_readout = cfg.readout_for() in ("principal", "components")
    principal = None  # one PCA of the reference features serves the PCA start and the readout
    cycle_shrink, model.axes_carry = cfg.type_cycle_shrink, None
    if cfg.pca_init or principal_readout:
        n_axes = max(model.layout.n_free, cfg.n_principal if principal_readout else 0)
        principal, cycle_shrink, model.axes_carry = fit_principal_axes(
            X, n_axes, ref=ref, batch=pd.factorize(batch)[0], config=cfg, seed=model.seed)
    with seeded_rng(model.device, model.seed):
        model.network = JAENetwork.from_config(cfg, preprocessor.n_output, model.layout).to(model.device)
        if cfg.pca_init:
            model.network.start_at_pca_of(X, ref, model.layout.block("free"), principal=principal)
        codes = None
        if supervised:
            codes = pd.Index(model.cell_types).get_indexer(labels[ref].astype(str)).astype(np.int64)
        _, val_idx = split_validation(int(ref.sum()), cfg.val_fraction, seed=model.seed)
        stage = Stage.pretraining(cfg, int(ref.sum()) - len(val_idx))
        train = train_network if mosaic is None else mosaic.subset(ref).train
        model.history = train(
            model.network, model._tensor(X if ref.all() else X[ref]), layout=model.layout, config=cfg, stage=stage,
            seed=model.seed,
            cell_type=None if codes is None else model._tensor(codes),
            phase=None if phase is None else model._tensor(phase[ref]),
            batch=model._tensor(model._batch_codes(batch[ref])), val_idx=val_idx, progress_bar=progress_bar,
        )
    if finetune and (~ref).any():
        model.finetune_transformed(X[~ref], batch=batch[~ref], progress_bar=progress_bar,
                                  mosaic=None if mosaic is None else mosaic.subset(~ref))
    model.readout = None
    if principal_readout:
        model.readout = Readout.fit(
            X, model.latent_transformed, layout=model.layout, n_principal=cfg.n_principal, rows=ref, codes=codes,
            principal=principal, free_units=cfg.readout_for() == "principal",
            phase=None if phase is None or not cycle_shrink else phase[ref], linear=cfg.type_linear, seed=model.seed,
            heldout=val_idx,  # the calibration's cells stay unseen by the type part's classifier
        )
    model.moments = FeatureMoments.fit(X, ref if mosaic is None else ref & mosaic.paired)
    # label transfer (jae.labels): the calibrated head and the reference voters
    if supervised:
        model.calibration, model.voters, model.calibration_cells = fit_calibration(
            model, X, np.flatnonzero(ref), codes, val_idx, None if mosaic is None else mosaic.observed[ref])


def fit_preprocessed(model, X, obs: pd.DataFrame, phase, *, names, organism, **kwargs):
    """:meth:`jae.JAE.fit_transformed` of ``model`` on the features :meth:`jae.JAE.fit` made of paired or mosaic
    cells, with the modality ``names`` and ``organism`` of that data (:func:`fitted_names`); ``phase``, the cell-cycle
    scores the preprocessing computed (None: none computed), goes in a copy of ``obs`` as ``S_score`` and
    ``G2M_score``, the ``phase_keys`` it is fitted on. ``kwargs``: the other arguments of fit_transformed."""
    if phase is not None:
        obs = obs.copy()
        kwargs["phase_keys"] = ("S_score", "G2M_score")
        obs[list(kwargs["phase_keys"])] = phase
    with fitted_names(model, names, organism):  # not before: a stopped or refused refit keeps the last fit's
        return model.fit_transformed(X, obs, **kwargs)


@contextmanager
def fitted_names(model, names, organism):
    """Give ``model`` the modality ``names`` and ``organism`` of the data :meth:`jae.JAE.fit` fits it on, for the
    block that calls :meth:`jae.JAE.fit_transformed`; put the last fit's back when that call is refused for an
    argument before it changes the model (its network is the one it had), so a refused refit leaves it whole."""
    before = model.network, model.modality_names, model.organism
    model.modality_names, model.organism = names, organism
    try:
        yield
    except BaseException:
        if model.network is before[0]:
            model.modality_names, model.organism = before[1:]
        raise


def _check_mosaic(mosaic, n_cells: int) -> None:
    """Refuse, in one line, a ``mosaic`` of :meth:`jae.JAE.fit_transformed` that is not a :class:`jae.mosaic.MosaicInput`
    of its cells (it failed in the middle of the fit, 'str' object has no attribute 'subset', the model dropped)."""
    from .mosaic import MosaicInput

    if mosaic is None:
        return
    if not isinstance(mosaic, MosaicInput):
        raise TypeError(f"mosaic must be a jae.mosaic.MosaicInput (which cells lack a modality) or None when every cell "
                        f"has both, not {type(mosaic).__name__}")
    if np.shape(mosaic.observed) != (n_cells, 2):
        raise ValueError(f"mosaic.observed has shape {np.shape(mosaic.observed)}, not ({n_cells}, 2): one row per "
                         "cell of X, one column per modality")


def _check_types(X, obs, preprocessor) -> None:
    """Refuse, in one line naming the argument, a ``preprocessor``, ``obs`` or ``X`` of :meth:`jae.JAE.fit_transformed`
    of the wrong kind (None, a name, a numpy array of annotations, a list of rows)."""
    from .preprocess import Preprocessor

    if not isinstance(preprocessor, Preprocessor):
        raise TypeError(f"preprocessor must be the jae.Preprocessor that transformed X (e.g. a fitted model's "
                        f"model.preprocessor), not {type(preprocessor).__name__}")
    if not isinstance(obs, pd.DataFrame):
        raise TypeError(f"obs must be a pandas DataFrame with the cells' annotations (e.g. mdata.obs), not "
                        f"{type(obs).__name__}")
    if not hasattr(X, "shape"):
        raise TypeError(f"X must be an array (n_cells, preprocessor.n_output), e.g. np.asarray(X, np.float32), not "
                        f"{type(X).__name__}")
