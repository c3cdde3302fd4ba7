"""Public API of modality prediction: :func:`predict` and the :class:`ModalityPredictor` model class."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

import anndata as ad
import numpy as np
import pandas as pd
import torch

from .._device import usable_device
from .._flags import check_flags
from ..config import as_seed
from ..io import detect_kind, normalize_kind
from ..io.features import unique_features
from ..io.paths import user_path
from ..io.raw import counts_names
from .baselines import KNNBaseline, MeanBaseline, RidgeBaseline
from .checks import (check_target, check_unique_features, one_modality, pair_cells, query_columns,
                     refuse_raw_objects, layers_together, source_counts, sources_checked, target_counts, with_layer)
from .codec import TargetCodec, assemble, fit_codec
from .config import PredictConfig
from .output import prediction_anndata, target_var, var_from_record, var_record
from .source import SourceEncoder, fit_source_encoder
from .streamed import SourceFile, open_source
from .targets import target_matrix
from .saved import BASELINE_SHAPES, check_description, is_legacy, knn_targets, mismatch, read_legacy, tensor_taker
from .train import build_network, predict_codes, train_ensemble

__all__ = ["METHODS", "ModalityPredictor", "predict"]

logger = logging.getLogger(__name__)

Method = Literal["jae", "mean", "knn", "ridge"]
#: Prediction methods: the network and the three baselines.
METHODS: tuple[str, ...] = ("jae", "mean", "knn", "ridge")


class ModalityPredictor:
    """Predict a target modality from a source modality, trained on paired cells.

    Parameters
    ----------
    method
        ``'jae'`` (the network), or a baseline: ``'mean'`` (per-feature training mean), ``'knn'`` (kNN
        regression on the source encoding), ``'ridge'`` (ridge regression on the source encoding).
    config
        Settings; :class:`PredictConfig` defaults when None.
    seed
        Seeds the SVDs, the validation split, the initialisation, batches and dropout (as :class:`jae.JAE`'s).
    device
        Where the network trains and predicts: ``'auto'`` (CUDA when available), ``'cpu'``, ``'cuda'``, ...
        Results on CPU are reproducible bit for bit with the same BLAS thread count (OMP_NUM_THREADS, else one per
        core; the source SVD rounds differently on another count); dropout masks are drawn on the CPU on every device.

    Examples
    --------
    >>> model = ModalityPredictor(seed=0).fit(train_gex, train_adt)  # doctest: +SKIP
    >>> pred = model.predict(test_gex)  # AnnData: test cells x proteins  # doctest: +SKIP
    """

    def __init__(
        self, method: Method = "jae", *, config: PredictConfig | None = None, seed: int = 0, device: str = "auto"
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; choose one of {list(METHODS)}")
        if config is not None and not isinstance(config, PredictConfig):
            raise TypeError(f"config must be a jae.prediction.PredictConfig, not {type(config).__name__}")
        self.method = method
        self.config = config or PredictConfig()
        self.seed = as_seed(seed)
        self.device = usable_device(device)
        self.history: list[list[dict[str, float]]] = []
        self._fitted = False

    # ------------------------------------------------------------------ fit / predict
    def fit(
        self,
        train_source: ad.AnnData,
        train_target: ad.AnnData,
        *,
        seed: int | None = None,
        source_kind: str | None = None,
        target_kind: str | None = None,
        progress_bar: bool = True,
        layer: str | None = "counts",
    ) -> ModalityPredictor:
        """Train on paired cells.

        Parameters
        ----------
        train_source
            Source modality of the training cells, raw counts at ``layer``.
        train_target
            Target modality of the same cells (matched by ``obs_names``). Its ``.X`` is used when it already holds
            the competition's normalised values, otherwise they are built from counts (see
            :mod:`jae.prediction.targets`).
        seed
            Replaces the constructor's ``seed`` when given.
        source_kind, target_kind
            ``'GEX'``, ``'ATAC'`` or ``'ADT'``; detected from ``var['feature_types']`` when None, else from the
            feature names when they tell (one side's names are genomic intervals or a small protein panel:
            :func:`jae.io.modality.kind_from_names`; the other side is then GEX).
        progress_bar
            Show a progress bar while training the network.
        layer
            Where the source's raw counts are, as for :meth:`jae.JAE.fit`: a layer's name (the default
            ``'counts'``, read from ``.X`` when there is no such layer nor a ``.raw``), None for ``.X``, ``'raw'`` for
            the AnnData's ``.raw`` (:mod:`jae.io.raw`). The target's counts, when its ``.X`` holds no normalised
            values, are its layer of that name (else its ``.X``). Not saved: it says where the data keep their
            counts, so each call names it.

        Returns
        -------
        ``self``, fitted.
        """
        seed = self.seed if seed is None else as_seed(seed)  # refused before the data is looked at
        check_flags(progress_bar=progress_bar)
        train_source = with_layer(one_modality(train_source, name="train_source", layer=layer), layer,
                                  name="train_source")
        return self._fit(train_source, train_target, seed=seed, source_kind=source_kind, target_kind=target_kind,
                         progress_bar=progress_bar, layer=layer)

    def _fit(self, train_source, train_target, *, seed: int, source_kind, target_kind, progress_bar: bool,
             layer: str | None) -> ModalityPredictor:
        """:meth:`fit` of a ``train_source`` already read at ``layer`` (:func:`with_layer`), ``seed`` and
        ``progress_bar`` checked: jae.predict's and jae predict's, read beside the query (one reading of each)."""
        check_target(one_modality(train_target, name="train_target"), name="train_target", layer=layer)
        for adata, name in ((train_source, "train_source"), (train_target, "train_target")):
            unique_features(adata.var_names, name)  # queries are matched by name; predictions are named by them
        train_target = pair_cells(train_source, train_target)
        kinds = training_kinds(train_source, train_target, source_kind, target_kind)
        counts = source_counts(train_source, name="train_source", layer=layer)
        tgt_counts = target_counts(train_target, layer)
        Y = target_matrix(train_target.X, tgt_counts, kinds[1], name="train_target", layer=layer)
        # the data is refused above with a fitted model left as it was; a refit failing or interrupted (Ctrl-C) below
        # leaves it unfitted, never the new encoding feeding the previous fit's networks
        self._fitted = False
        self.source_kind, self.target_kind = kinds
        self.source_features = pd.Index(train_source.var_names.astype(str))
        self.target_features = pd.Index(train_target.var_names.astype(str))
        self.target_var = target_var(train_target.var, self.target_kind)  # the predictions' var
        self.dataset_id = str(train_source.uns.get("dataset_id", train_target.uns.get("dataset_id", "unknown")))
        cfg = self.config
        self.seed = seed

        self.encoder = fit_source_encoder(counts, self.source_kind, n_components=cfg.n_source_components, seed=seed)
        S = self.encoder.transform(counts)
        logger.info(
            "predict %s -> %s with %r: %d training cells, %d source features, %d target features",
            self.source_kind, self.target_kind, self.method, S.shape[0], counts.shape[1], Y.shape[1],
        )  # fmt: skip
        if self.method == "jae":
            rep = cfg.target_representation
            if rep == "auto":
                rep = "features" if Y.shape[1] <= cfg.max_feature_targets else "svd"
            self.codec = fit_codec(
                Y, self.target_kind, representation=rep, n_components=cfg.n_target_components, seed=seed
            )
            ensemble = train_ensemble(
                self._net_input(S, counts), self.codec.encode(Y), config=cfg, seed=seed, device=self.device,
                progress_bar=progress_bar,
            )
            self.nets, self.history, self.dropout_ = ensemble.nets, ensemble.histories, ensemble.dropout
        else:
            self.baseline = self._make_baseline().fit(S, Y, seed=seed)
        self._fitted = True
        return self

    def _net_input(self, S: np.ndarray, counts) -> np.ndarray:
        """The network's input: the source encoding, plus the log sequencing depth when configured."""
        return np.hstack([S, self.encoder.log_depth(counts)]) if self.config.source_depth else S

    def _make_baseline(self):
        cfg = self.config
        if self.method == "mean":
            return MeanBaseline(self.target_kind)
        if self.method == "knn":
            return KNNBaseline(self.target_kind, ks=tuple(cfg.knn_ks), val_fraction=cfg.val_fraction)
        return RidgeBaseline(self.target_kind, rel_alphas=tuple(cfg.ridge_rel_alphas), val_fraction=cfg.val_fraction)

    def predict_blocks(self, query_source, *, layer: str | None = "counts"):
        """Predictions for the cells of ``query_source`` (as for :meth:`predict`, counts at ``layer``) as an iterator
        of ``(rows, n_target_features)`` row blocks (dense or CSR), in query order; wide targets are never
        materialised whole."""
        self._check_fitted()
        query_source = _query(query_source, layer, read=self.source_features)
        idx = query_columns(query_source, self.source_features, kinds=(self.source_kind, self.target_kind))
        net = self.method == "jae"
        if isinstance(query_source, SourceFile):  # encoded one row block at a time: the same numbers, row by row
            width = self.encoder.n_dims + int(net and self.config.source_depth)
            S = query_source.encode(lambda counts: self._net_input(self.encoder.transform(counts), counts) if net
                                    else self.encoder.transform(counts), width, columns=idx)
        else:
            full, query_source = query_source, query_source if idx is None else query_source[:, idx]
            counts = source_counts(query_source, name="query_source", full=None if idx is None else full, layer=layer)
            S = self.encoder.transform(counts)
            S = self._net_input(S, counts) if net else S
        if net:
            return self.codec.decode_blocks(predict_codes(self.nets, S))
        return self.baseline.predict_blocks(S)

    def predict(self, query_source, *, output: Literal["auto", "dense", "sparse"] = "auto",
                layer: str | None = "counts") -> ad.AnnData:
        """Predict the target modality for cells measured with the source modality only.

        Parameters
        ----------
        query_source
            Source modality of the query cells, with the training source's features (same names; another order
            is realigned, other features are ignored), raw counts at ``layer``: an AnnData, or the path of an ``.h5ad``
            file, whose counts are then read in row blocks (never whole; :mod:`jae.prediction.streamed`).
        output
            ``'dense'``: float32 ndarray. ``'sparse'``: CSR, predictions below ``config.sparse_below`` dropped
            (meant for ATAC, whose predictions are accessibilities in [0, 1]). ``'auto'``: dense unless the
            target is ATAC and the prediction has more than ``config.dense_limit`` values.
        layer
            Where the query's raw counts are, as for :meth:`fit` (the default ``'counts'``; None: ``.X``; ``'raw'``:
            the ``.raw``, of an AnnData or of the file).

        Returns
        -------
        AnnData of shape ``(n_query_cells, n_target_features)``: ``.X`` the predictions in the competition's
        normalised convention, ``obs`` the query cells' ``obs`` (an ``.h5ad`` path's too), ``var`` the training target's
        ``var`` (``var['feature_types']`` the target kind; a loaded model: the columns it saved), ``uns['method_id']``,
        ``uns['dataset_id']`` (:mod:`jae.prediction.output`).
        """
        _check_output(output)
        self._check_fitted()
        query_source = _query(query_source, layer, read=self.source_features)
        if output == "auto":
            big = query_source.n_obs * len(self.target_features) > self.config.dense_limit
            output = "sparse" if self.target_kind == "ATAC" and big else "dense"
        sparse_below = self.config.sparse_below if output == "sparse" else None
        X = assemble(self.predict_blocks(query_source, layer=layer), sparse_below=sparse_below)
        uns = {"dataset_id": str(query_source.uns.get("dataset_id", self.dataset_id)), "method_id": self.method_id}
        return prediction_anndata(X, query_source, self.target_var, uns)  # the query's obs, the target's var

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Save the fitted model to the folder ``path`` in jae's model format (:mod:`jae.checkpoint`):
        ``model.json`` (format version, ``model_kind`` ``"predictor"``, method, config, kinds, feature names) and
        ``weights.pt`` (tensors only, loaded with ``weights_only=True``), written atomically as one folder;
        ``overwrite=True`` replaces an existing one (otherwise it raises).

        Returns
        -------
        The folder path.
        """
        from ..checkpoint import write_model_folder

        self._check_fitted()
        arrays: dict[str, np.ndarray] = {}
        if self.encoder.components is not None:
            arrays["encoder.components"] = self.encoder.components
        if self.method == "jae":
            arrays["codec.mean"] = self.codec.mean
            if self.codec.components is not None:
                arrays["codec.components"] = self.codec.components
        else:
            arrays.update({f"baseline.{k}": np.asarray(v) for k, v in self.baseline.state().items()})
        tensors = {k: torch.from_numpy(np.array(v, order="C")) for k, v in arrays.items()}
        for i, net in enumerate(self.nets if self.method == "jae" else []):
            tensors.update({f"net{i}.{k}": v.detach().clone() for k, v in net.state_dict().items()})
        meta = {
            "method": self.method,
            "config": self.config.to_dict(),
            "seed": self.seed,
            "source_kind": self.source_kind,
            "target_kind": self.target_kind,
            "dataset_id": self.dataset_id,
            "n_members": len(self.nets) if self.method == "jae" else 0,
            "dropout_selected": self.dropout_ if self.method == "jae" else None,
            "source_features": list(self.source_features),
            "target_features": list(self.target_features),
            "target_var": var_record(self.target_var),
        }
        return write_model_folder(path, meta, tensors, kind="predictor", overwrite=overwrite)

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str = "auto") -> ModalityPredictor:
        """Load a model saved by :meth:`save` (or a predictor folder of jae <= 0.x: ``predictor.json``, predictor
        format 1).

        Parameters
        ----------
        path
            The model folder (``model.json`` + ``weights.pt``).
        device
            Where the networks run (``'auto'``: CUDA when available).

        Returns
        -------
        The fitted :class:`ModalityPredictor`.
        """
        from ..checkpoint import damaged_description, load_tensors, read_model_folder

        path, device = user_path(path), usable_device(device)  # a device torch cannot use: not a damaged folder's fault
        if is_legacy(path):
            meta = read_legacy(path)
            tensors = load_tensors(path / "weights.pt", kind="predictor")  # weights_only=True; one clear error
        else:
            meta, tensors = read_model_folder(path, kind="predictor")
        with damaged_description(path, kind="predictor"):
            return cls._build(meta, tensors, device=device, path=path)

    @classmethod
    def _build(cls, meta: dict, tensors: dict, *, device: str, path: Path) -> ModalityPredictor:
        """The predictor described by ``meta`` with the weights ``tensors`` (:meth:`load` of the folder ``path``)."""
        check_description(meta, tensors, path)
        model = cls(meta["method"], config=PredictConfig.from_dict(meta["config"]), seed=meta.get("seed", 0),
                    device=device)  # fmt: skip
        model.source_kind, model.target_kind = meta["source_kind"], meta["target_kind"]
        model.dataset_id = meta["dataset_id"]
        model.source_features = pd.Index(meta["source_features"])
        model.target_features = pd.Index(meta["target_features"])
        model.target_var = var_from_record(meta.get("target_var"), model.target_features, model.target_kind)
        arrays = {k: v.numpy() for k, v in tensors.items() if not k.startswith("net")}
        n_source, n_target = len(model.source_features), len(model.target_features)
        take = tensor_taker(arrays, path)
        components = take("encoder.components", (None, n_source)) if model.source_kind != "ADT" else None
        model.encoder = SourceEncoder(kind=model.source_kind, n_features=n_source, components=components)
        if model.method == "jae":
            optional = "codec.components" in arrays  # the 'svd' representation of a wide target
            model.codec = TargetCodec(model.target_kind, take("codec.mean", (n_target,)),
                                      take("codec.components", (None, n_target)) if optional else None)
            model.nets, model.dropout_ = [], meta["dropout_selected"]
            for i in range(meta["n_members"]):
                state = {k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith(f"net{i}.")}
                net = build_network(
                    model.encoder.n_dims + model.config.source_depth, model.codec.n_dims, model.config,
                    dropout=model.dropout_,
                )
                try:
                    net.load_state_dict(state)  # strict: a missing, unexpected or misshapen tensor raises
                except RuntimeError:
                    raise mismatch(path, f"network {i}'s tensors are missing or misshapen") from None
                model.nets.append(net.to(model.device).eval())
        else:
            shapes = BASELINE_SHAPES[model.method](model.encoder.n_dims, n_target)
            state = {k: take(f"baseline.{k}", shape) for k, shape in shapes.items()}
            if model.method == "knn":
                state.update(knn_targets(take, arrays, len(state["train_S"]), n_target, path))
            model.baseline = model._make_baseline().load_state(state)
        model._fitted = True
        return model

    def __repr__(self) -> str:
        if not self._fitted:
            return f"ModalityPredictor(method={self.method!r}, unfitted, seed={self.seed})"
        return (f"ModalityPredictor({self.source_kind} -> {self.target_kind}, method={self.method!r}, "
                f"{len(self.source_features)} -> {len(self.target_features)} features, seed={self.seed})")

    @property
    def method_id(self) -> str:
        """Identifier written to ``uns['method_id']``: ``'jae'`` or ``'jae_<baseline>'``."""
        return "jae" if self.method == "jae" else f"jae_{self.method}_baseline"

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise ValueError("this ModalityPredictor is not fitted yet; call .fit(train_source, train_target) first")


def _kind(adata: ad.AnnData, given: str | None) -> str | None:
    """The kind given, or in ``var['feature_types']``; None when neither says."""
    if given is not None:
        return normalize_kind(given)
    return detect_kind(adata) if "feature_types" in adata.var.columns else None


def training_kinds(source: ad.AnnData, target: ad.AnnData, source_kind, target_kind) -> tuple[str, str]:
    """Source and target kinds: given, from ``feature_types``, or, for a side that has neither, from the feature
    names when they tell (:func:`jae.io.modality.pair_from_names`). Raises naming the argument when a kind stays
    unknown."""
    from ..io.modality import pair_from_names

    known = [_kind(source, source_kind), _kind(target, target_kind)]
    kinds = pair_from_names(known, (source.var_names, target.var_names))
    for i, (arg, what) in enumerate((("source_kind", "source"), ("target_kind", "target"))):
        if kinds[i] is None:
            raise ValueError(
                f"cannot tell the {what} modality's kind: var has no 'feature_types' column and its feature names do "
                f"not tell; pass {arg}='GEX', 'ATAC' or 'ADT'"
            )
        if known[i] is None:
            logger.info("the %s modality has no var['feature_types']; read as %s from the feature names (to override "
                        "this: --%s, or %s= in Python)", what, kinds[i], arg.replace("_", "-"), arg)
    if kinds[0] == kinds[1]:
        raise ValueError(
            f"train_source and train_target are both {kinds[0]}: prediction maps one modality to another (e.g. GEX -> "
            "ADT); pass the other modality as train_target (or fix source_kind / target_kind)")
    return kinds[0], kinds[1]


def _check_output(output) -> None:
    if output not in ("auto", "dense", "sparse"):
        raise ValueError(f"unknown output {output!r}; use 'auto', 'dense' or 'sparse'")


def _query(query_source, layer: str | None = "counts", *, read=None):
    """A query's source modality as :meth:`ModalityPredictor.predict` reads it: an AnnData (refused in one line when it
    is anything else), or an ``.h5ad`` path opened to be read in row blocks (:func:`jae.prediction.streamed.open_source`);
    one already opened is kept. Its counts are at ``layer`` (:func:`jae.prediction.checks.with_layer`); ``read``: the
    source features the predictor reads, the only names its ``.raw`` may not repeat (:func:`jae.io.raw.names_read`)."""
    from ..io.raw import names_read

    if isinstance(query_source, SourceFile):
        return query_source
    with names_read(read):
        if isinstance(query_source, (str, os.PathLike)):  # an .h5mu: one modality of it (predict takes no h5mu=FILE)
            return open_source(query_source, layer=layer,
                               mudata_fix="pass one of those modalities, mudata.read_h5mu(path)[name], or {save}")
        return with_layer(one_modality(query_source, name="query_source", layer=layer), layer, name="query_source")


def predict(
    train_source: ad.AnnData,
    train_target: ad.AnnData,
    query_source: ad.AnnData | str | os.PathLike,
    *,
    method: Method = "jae",
    seed: int = 0,
    config: PredictConfig | None = None,
    output: Literal["auto", "dense", "sparse"] = "auto",
    source_kind: str | None = None,
    target_kind: str | None = None,
    device: str = "auto",
    progress_bar: bool = True,
    layer: str | None = "counts",
) -> ad.AnnData:
    """Train on paired cells and predict the target modality of the query cells.

    Parameters
    ----------
    train_source, train_target
        Paired training cells (matched by ``obs_names``): source raw counts in ``layers['counts']`` (or ``.X``);
        target ``.X`` in the competition's normalised convention, or raw counts from which it is built.
    query_source
        Query cells' source modality, with the training source's features (others ignored): an AnnData, or the path
        of an ``.h5ad`` file, read in row blocks (as for :meth:`ModalityPredictor.predict`).
    method
        ``'jae'`` (the network) or a baseline, ``'mean'``, ``'knn'``, ``'ridge'``.
    seed
        Seed of every random step.
    config
        Settings (:class:`PredictConfig`).
    output
        ``'auto'``, ``'dense'`` or ``'sparse'``, see :meth:`ModalityPredictor.predict`.
    source_kind, target_kind
        Modality kinds, detected from ``var['feature_types']`` when None.
    device
        Where the network trains (``'auto'``: CUDA when available).
    progress_bar
        Show a progress bar while training.
    layer
        Where both sources' raw counts are, as for :meth:`jae.JAE.fit` (the default ``'counts'``; None: ``.X``;
        ``'raw'``: the AnnData's ``.raw``); see :meth:`ModalityPredictor.fit`.

    Returns
    -------
    AnnData ``(n_query_cells, n_target_features)`` with the predictions in ``.X`` (float32, dense or CSR), ``obs``
    the query cells' ``obs``, ``var`` the training target's ``var``, ``uns['method_id']`` and ``uns['dataset_id']``
    (as :meth:`ModalityPredictor.predict`'s).
    """
    refuse_raw_objects(train_source=train_source, train_target=train_target, query_source=query_source)  # together
    one_modality(train_source, name="train_source", layer=layer)  # the query and output: checked before the training
    one_modality(train_target, name="train_target")
    _check_output(output)
    # a path: opened (names only) as ModalityPredictor.predict opens it; a layer missing in both: said in one line
    sources = layers_together(train=lambda: with_layer(train_source, layer, name="train_source"),
                              query=lambda: _query(query_source, layer, read=counts_names(train_source, layer)))
    train_source, query_source = sources["train"], sources["query"]
    kinds = training_kinds(train_source, train_target, source_kind, target_kind)
    check_unique_features(train_source=train_source, train_target=train_target, query_source=query_source)
    sources_checked(query_source, train_source, kinds=kinds, layer=layer)  # a training source without counts too
    model = ModalityPredictor(method, config=config, seed=seed, device=device)
    check_flags(progress_bar=progress_bar)  # as fit checks it; train_source was read at layer above (with_layer)
    model._fit(train_source, train_target, seed=model.seed, source_kind=source_kind, target_kind=target_kind,
               progress_bar=progress_bar, layer=layer)
    return model.predict(query_source, output=output, layer=layer)
