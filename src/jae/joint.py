"""The user-facing joint-embedding model: ``JAE().fit(mdata)`` then ``.embed(mdata)``."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ._device import float32_default
from ._flags import check_flags, check_layer
from ._words import not_a_key
from .config import JAEConfig, OtherCalls, as_epochs, as_seed, keyword_arguments, model_arguments
from .fitting import fit_preprocessed, fit_stages
from .io.call_fixes import called_as
from .io.cell_obs import reading_columns
from .io.paired import batch_column, get_paired
from .io.validate import check_fit_annotations
from .model import JAENetwork, LatentLayout
from .mapping.train import finetune_inputs
from .mapping.adapter import QueryAdapter
from ._transformed_checks import check_batch_labels, check_batch_size, refuse_data
from .io.mosaic import is_mosaic
from .mosaic import MosaicInput, fit_mosaic
from .query.fit_cells import scaled_new
from .query.features import query_features
from .labels.transfer import recalibrate
from .model.calibration import LabelCalibration
from .model.moments import FeatureMoments
from .model.readout import Readout
from .preprocess import Preprocessor
from .provenance import describe
from .preprocess.organism import given_organism, infer_organism
from .storage import checked_key, in_data_order, store_obsm
from .train import Stage, train_network, unchanged_on_failure, usable_device
from .train.loop import autograd_on, seeded_rng
from .train.trainer import check_features

__all__ = ["JAE"]

logger = logging.getLogger(__name__)


class JAE(OtherCalls):
    """Joint embedding of paired single-cell modalities with the JAE autoencoder.

    Parameters
    ----------
    config
        Hyper-parameters; :class:`JAEConfig`'s defaults (the seed's or tuned, noted there) when None.
    seed
        Seeds every random step (SVD, validation split, initialisation, dropout, minibatch order). The same
        seed gives the same embedding on the same machine with the same BLAS thread count (OMP_NUM_THREADS, else one
        per core): the SVD bases round differently on another count, which moves the embedding a little.
    device
        ``'auto'`` (CUDA when available), ``'cpu'`` or ``'cuda'``.

    Examples
    --------
    >>> model = jae.JAE().fit(mdata, batch_key="batch", cell_type_key="cell_type")  # doctest: +SKIP
    >>> emb = model.embed(mdata)  # also stored in mdata.obsm["X_jae"]  # doctest: +SKIP
    """

    @model_arguments  # JAE(max_epochs=5): one line naming JAE(JAEConfig(max_epochs=5)), not a bare TypeError
    def __init__(self, config: JAEConfig | None = None, *, seed: int = 0, device: str = "auto") -> None:
        self.config = JAEConfig.given(config)
        self.seed = as_seed(seed)
        self.device = usable_device(device)
        self.network: JAENetwork | None = None
        self.layout: LatentLayout | None = None
        self.preprocessor: Preprocessor | None = None
        self.modality_names: tuple[str, ...] = ()
        self.cell_types, self.cell_type_values = [], None  # label names as text; numeric labels' own values (jae.labels)
        self.cell_type_order = None  # the reference's categorical order of its types (jae.labels.label_order)
        self.batches, self.batch_key = [], None  # batch_key: fit's obs column (None: one batch, or unrecorded)
        self.organism: str | None = None
        self.readout: Readout | None = None  # None: the embedding is the raw latent (JAEConfig.readout="latent")
        self.calibration: LabelCalibration | None = None  # supervised models: calibrated confidence, unknown call
        self.voters = None  # supervised models: reference cells of the label-transfer vote (jae.model.voters)
        self.calibration_cells = None  # supervised models: held-out reference cells the calibration is fitted on
        self.voter_linear = None  # the voters' linear classifier with the digest of its fit (jae.model.linear)
        self.axes_carry = None  # fit: the reference axes' cross-fitted carry (the small-reference rule), when measured
        self.adapter: QueryAdapter | None = None  # models made by map_query: input shifts of the query batches
        self.moments: FeatureMoments | None = None  # reference input's mean/covariance: fills in missing query input
        self.fit_cells = None  # sorted fingerprints of the fit's cells: other cells are new (jae.query.fit_cells)
        self.history = pd.DataFrame()

    # ----------------------------------------------------------------------------------------- properties
    @property
    def is_fitted(self) -> bool:
        """True once :meth:`fit` or :meth:`load` has built the network."""
        return self.network is not None

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise RuntimeError("this JAE model is not fitted yet; call model.fit(data) or JAE.load(path) first")

    @property
    def column_names(self) -> list[str]:
        """Names of the embedding's columns (see :mod:`jae.model.readout`)."""
        self._require_fitted()
        if self.readout is None:
            return self.layout.column_names(self.cell_types, self.batches)
        return self.readout.column_names(self.layout, self.cell_types)

    @property
    def second_kind(self) -> str:
        """The second modality's kind, ``'ATAC'`` or ``'ADT'`` (the first is RNA)."""
        return self._require_fitted() or self.preprocessor.kinds[1]  # unfitted: said so, not 'NoneType has no kinds'

    # ----------------------------------------------------------------------------------------------- fit
    @keyword_arguments(settings=True)  # fit(mdata, max_epochs=5), scvi-tools' habit: one line naming the fix
    @called_as("fit")  # a file's refusals name this call (jae.io.call_fixes)
    def fit(
        self, data, *,
        batch_key: str | None = "batch", cell_type_key: str | None = "cell_type",
        phase_keys: tuple[str, str] | None = None, reference=None,
        finetune: bool = True,
        organism: str | None = None,
        layer: str | None = "counts",
        modalities: tuple[str, str] | None = None,
        memory_budget: int | str | None = None,
        progress_bar: bool = True,
    ) -> "JAE":
        """Fit preprocessing on all cells, pretrain on annotated reference cells, fine-tune on the rest.

        Parameters
        ----------
        data
            MuData (or ``{name: AnnData}``) with an RNA modality and an ATAC or protein modality, raw counts in
            ``layer``; one AnnData holding both (:func:`jae.io.split_anndata`); or data on disk:
            :func:`jae.io.open_competition` / :func:`jae.io.open_h5mu`, an ``.h5mu`` path or a backed MuData (a
            view of one: its cells, read into memory), read into memory when it fits ``memory_budget``, else streamed.
        batch_key
            Column of ``obs`` with the batch of each cell; None treats all cells as one batch (e.g. one sample).
        cell_type_key
            Column with cell-type labels. Cells with a label form the reference (pretraining); cells without
            one are the query (fine-tuning). Ignored in unsupervised mode.
        phase_keys
            Columns with S and G2M scores; computed from RNA with the standard gene lists when None.
        reference
            Boolean mask (or a boolean ``obs`` column's name) choosing the reference cells; each needs a label.
        finetune
            Fine-tune on the query cells (reconstruction loss only, the seed's lr and epochs).
        organism
            ``'human'`` or ``'mouse'`` for the cell-cycle genes; None: ``uns['organism']``, else guessed from gene symbols.
        layer
            Where the raw counts are: a layer (``'counts'``), ``'raw'`` (the AnnData's ``.raw``) or None (``.X``).
        modalities
            ``(rna_name, other_name)`` when the MuData holds more than two modalities.
        memory_budget
            Bytes (or ``'8G'``) that reading data on disk into memory may take; by default half the available
            memory. Larger data is streamed from disk (:func:`jae.io.plan_input` logs the choice).
        progress_bar
            One progress bar for the preprocessing and one per training stage.

        Returns
        -------
        self, fitted. ``self.history`` holds the per-epoch losses.
        """
        from .io.mosaic_files import MosaicFiles
        from .io.obs_keys import check_fit_keys
        from .io.paired_files import PairedFiles
        from .io.plan import plan_input
        from .io.raw import refuse_raw_repeats
        from .query.fit_cells import fit_fingerprints
        from .preprocess.pipeline import SVD_FIT_CELLS, preprocess

        check_flags(finetune=finetune, progress_bar=progress_bar)  # a text 'no' is truthy: it would turn them on
        check_layer(layer)  # a list or a number: one line, not anndata's 'unhashable type'
        check_fit_keys(batch_key=batch_key, cell_type_key=cell_type_key, phase_keys=phase_keys,
                       supervised=self.config.mode == "supervised")  # one column as both: before reading data
        refuse_raw_repeats(data, layer)  # layer='raw': names .raw repeats, with the fix on .raw (not on .X)
        organism = given_organism(organism, needed=(score_phase := phase_keys is None and bool(self.config.n_phase)))
        with batch_column(batch_key), reading_columns([cell_type_key, batch_key, reference, phase_keys]):
            # the modalities must agree on the batch column fit reads; obs columns it does not read: said at INFO
            read = plan_input(data, memory_budget=memory_budget, modalities=modalities, layer=layer)
            data, modalities = read, modalities if read is data else None  # read from a file: 'rna' and its kind's
            streamed = isinstance(data, PairedFiles)
            if isinstance(data, MosaicFiles) or (not streamed and is_mosaic(data, modalities=modalities, layer=layer)):
                return fit_mosaic(self, data, batch_key=batch_key, cell_type_key=cell_type_key, phase_keys=phase_keys,
                                  reference=reference, finetune=finetune, organism=organism, layer=layer,
                                  modalities=modalities, progress_bar=progress_bar)
            keys = [cell_type_key, batch_key, reference, *(phase_keys or ())]  # streamed: a column only the second
            paired = data.with_columns(keys) if streamed else get_paired(  # file holds, as read whole
                data, modalities=modalities, layer=layer)
        obs = paired.obs
        check_fit_annotations(  # cheap checks before the SVD
            obs, batch_key=batch_key, cell_type_key=cell_type_key, supervised=self.config.mode == "supervised",
            reference=reference, phase_keys=phase_keys,
        )
        organism = organism or infer_organism(data, paired.var_names[0])  # organism= checked above
        logger.info(
            "fitting preprocessing on %d cells: %s", len(obs),
            ", ".join(f"{n} ({k}, {X.shape[1]} features)" for n, k, X in zip(paired.names, paired.kinds, paired.counts)),
        )
        preprocessor, X, phase = preprocess(
            paired.sources() if streamed else paired.counts, paired.kinds, paired.var_names, names=paired.names,
            n_components=self.config.n_svd, seed=self.seed, organism=organism if score_phase else None,
            progress_bar=progress_bar, protein_norm=self.config.protein_norm_for(), checked=True,
        )
        fit_preprocessed(
            self, X, obs, phase if score_phase else None, names=paired.names, organism=organism,
            preprocessor=preprocessor, batch_key=batch_key, cell_type_key=cell_type_key, phase_keys=phase_keys,
            reference=reference, finetune=finetune, progress_bar=progress_bar,
        )
        self.fit_cells = fit_fingerprints((paired.sources() if streamed else paired.counts)[0], len(obs), SVD_FIT_CELLS)
        return self

    def fit_transformed(self, X: np.ndarray, obs: pd.DataFrame, *, preprocessor: Preprocessor,
                        batch_key: str | None = "batch", cell_type_key: str | None = "cell_type",
                        phase_keys: tuple[str, str] | None = None, reference=None, finetune: bool = True,
                        progress_bar: bool = True, mosaic: MosaicInput | None = None) -> "JAE":
        """:meth:`fit` on features already transformed by ``preprocessor`` (e.g. fitted by streaming).

        ``X`` is ``(n_cells, preprocessor.n_output)``; ``obs`` holds the annotations of the same cells; ``mosaic``:
        which cells lack a modality (:mod:`jae.mosaic`; None: every cell has both). A model without modality names
        gets ``'rna'`` and ``'atac'`` or ``'prot'`` (:attr:`modality_names`). A call refused for an argument
        leaves the model as it was; a fit that fails or is stopped later (an error, Ctrl-C) leaves no model.
        ``batch_key``, ``cell_type_key``, ``phase_keys``, ``reference``, ``finetune``, ``progress_bar``: as for
        :meth:`fit`. Returns ``self``, fitted.
        """
        fit_stages(self, X, obs, preprocessor=preprocessor, batch_key=batch_key, cell_type_key=cell_type_key,
                   phase_keys=phase_keys, reference=reference, finetune=finetune, progress_bar=progress_bar,
                   mosaic=mosaic)
        # features given: no counts to know the fit's cells by (fit keeps them, jae.query.fit_cells)
        self.fit_cells = None
        return self

    @keyword_arguments()
    def map_query(self, query, *, batch_key: str | None = None, epochs: int | None = None, layer: str | None = "counts",
                  seed: int | None = None, progress_bar: bool = True) -> "JAE":
        """Map new samples onto this reference: a new model that places the query in this model's space.

        The copy's network, preprocessing, readout and calibration are frozen; each query batch this model does not
        know gets a shift of its input features, trained on the query cells with the reconstruction loss (only
        query-specific parameters are trained), which the unknown call reads; the embedding and labels read those
        features put back on the reference cells' spread (its SVD components' held-out scale) without a shift
        (:mod:`jae.mapping` explains both). Cells of reference batches, and of batches
        this model mapped before (with ``epochs=0`` or not), embed bit-identically; this model and its files are never
        changed. A query without a new batch is refused.

        ``query``: data as for :meth:`fit`, or with other features or RNA alone (:mod:`jae.query`); ``batch_key``:
        the query batches' ``obs`` column, read again by the new model's :meth:`embed` (None: the column earlier
        mappings read, else the one ``fit`` read, else ``'batch'``: :func:`jae.mapping.batches.query_batch_key`);
        ``epochs``: passes over the query cells (default :data:`jae.mapping.train.ADAPTER_EPOCHS`; 0: this model's own
        embedding; a query of more than :data:`jae.mapping.train.ADAPTER_CELLS` cells gets the steps of that many passes
        over that many cells); ``layer``: raw counts; ``seed``: of the shifts' minibatch order (None: this model's
        ``seed + 2`` modulo ``2**32``); ``progress_bar``: one bar.

        Returns
        -------
        A new fitted :class:`JAE` (``adapter``: :class:`jae.mapping.adapter.QueryAdapter`; ``mappings``: each
        mapping's batches, cells, seed, epochs, steps, saved in model.json); nothing is stored in ``query``: embed it
        with the new model.
        """
        from .mapping.train import map_query

        check_layer(layer)  # before the query is read
        with reading_columns([batch_key, getattr(self, "batch_key", None)]):  # other obs columns' clashes: INFO
            return map_query(self, query, batch_key=batch_key, epochs=epochs, layer=layer, seed=seed,
                             progress_bar=progress_bar)

    def _batch_codes(self, batch) -> np.ndarray:
        """int64 codes of batch labels in ``self.batches``; -1 for a batch the model was not pretrained on."""
        return pd.Index(self.batches).get_indexer(np.asarray(batch).astype(str)).astype(np.int64)

    # ----------------------------------------------------------------------------------- fine-tune / embed
    @keyword_arguments()
    def finetune(self, data, *, batch_key: str | None = None, epochs: int | None = None, layer: str | None = "counts",
                 seed: int | None = None, progress_bar: bool = True) -> "JAE":
        """Fine-tune on new, unannotated cells with the reconstruction loss only (the seed's online step).

        ``epochs`` defaults to the seed's (2 when the second modality is ATAC, 1 when ADT). ``batch_key`` names the
        ``obs`` column with the cells' batches; a model with ``decoder_batch`` gives the decoder the batches it was
        pretrained on (and zeros for new ones, or for every cell when ``batch_key`` is None); a cell without a batch is
        refused before any work. ``data`` and ``layer``: as for :meth:`embed`; ``seed``: of the minibatch order and
        dropout (None: the model's ``seed + 1`` modulo ``2**32``); ``progress_bar``: one bar over the epochs. A model
        made by :meth:`map_query` trains on the features :meth:`embed` encodes: cells of its mapped batches (in the
        column the mapping read, ``adapter.batch_key``, which the data must hold) shifted, other cells not (jae.mapping).

        The model changes in place and is returned (:meth:`map_query` leaves the reference as it is). A model with label
        transfer then fits its calibration again on the held-out reference cells it keeps
        (:func:`jae.labels.transfer.calibrate`), so confidences and the unknown call describe the fine-tuned network.
        """
        self._require_fitted()
        check_flags(progress_bar=progress_bar)  # before the projection
        check_layer(layer)
        if batch_key is not None and not isinstance(batch_key, str):  # as fit says it (a list is unhashable to pandas)
            raise TypeError(f"batch_key must name one obs column (a string) or be None, not "
                            f"{not_a_key(batch_key, 'batch_key')}")
        epochs = None if epochs is None else as_epochs(epochs, zero="0 skips fine-tuning")  # before the projection
        seed = None if seed is None else as_seed(seed)
        with reading_columns([batch_key, getattr(self.adapter, "batch_key", None)]):  # other columns' clashes: INFO
            X, batch, mosaic = finetune_inputs(self, data, batch_key=batch_key, layer=layer)  # jae.mapping
        return self.finetune_transformed(X, batch=batch, epochs=epochs, seed=seed, progress_bar=progress_bar, mosaic=mosaic)

    @unchanged_on_failure  # a fine-tuning that does not finish leaves the model as it was
    @float32_default()  # the adversary and the mosaic draws in float32 whatever torch's default dtype
    @autograd_on()  # trained under a caller's torch.no_grad() or inference_mode() too
    def finetune_transformed(self, X: np.ndarray, *, batch=None, epochs: int | None = None, seed: int | None = None,
                             progress_bar: bool = True, mosaic=None) -> "JAE":
        """:meth:`finetune` on already-transformed features ``(n_cells, preprocessor.n_output)``.

        ``batch``: the decoder's batch labels (``(n_cells,)``) or None; ``mosaic``: as for :meth:`fit_transformed`.
        ``X`` is trained on as given: a mapped model's shifts are added by :meth:`finetune`, not here. ``epochs``,
        ``seed``, ``progress_bar``: as for :meth:`finetune`. Returns ``self``, fine-tuned.
        """
        self._require_fitted()
        check_flags(progress_bar=progress_bar)
        kind = self.second_kind
        epochs = self.config.finetune_epochs(kind) if epochs is None else as_epochs(epochs, zero="0 skips fine-tuning")
        seed = (self.seed + 1) % 2**32 if seed is None else as_seed(seed)
        if epochs == 0 or len(X) < 2:
            if epochs:  # one cell: batch norm needs two to a minibatch, so there is nothing to train on
                logger.warning("fine-tuning skipped: %d cell, fewer than one minibatch needs (2)", len(X))
            return self
        check_features(X, len(X), self.preprocessor.n_output, rows="one row per cell")  # NaN: no 'lower the lr'
        if batch is not None and len(batch) != len(X):
            raise ValueError(f"batch has {len(batch)} labels for {len(X)} cells; pass one label per cell")
        stage = Stage.finetuning(self.config, epochs, len(X))
        with seeded_rng(self.device, seed):
            hist = (train_network if mosaic is None else mosaic.train)(
                self.network, self._tensor(X), layout=self.layout, config=self.config, stage=stage,
                seed=seed, batch=None if batch is None else self._tensor(self._batch_codes(batch)),
                progress_bar=progress_bar,
            )
        self.history = pd.concat([self.history, hist.assign(seed=seed)], ignore_index=True)  # seed: to rebuild it
        self.voter_linear = None  # fitted for the network before: recalibrate (or the next labels) fits it again
        recalibrate(self)  # label transfer: the calibration describes the network as it is now
        return self

    @keyword_arguments()
    @called_as("embed")  # a file's refusals name this call (jae.io.call_fixes)
    def embed(self, data, *, key_added: str | None = "X_jae", layer: str | None = "counts") -> np.ndarray:
        """The joint embedding of every cell (:mod:`jae.model.readout`; the raw latent without a readout). ``data``: as
        for :meth:`fit`, or with other features than the model's, or RNA alone, filled in as :mod:`jae.query` explains;
        cells the model was not fitted on are read on its cells' scale (:mod:`jae.query.fit_cells`). ``layer``: as for
        :meth:`fit`.

        Returns
        -------
        ``(n_cells, len(self.column_names))`` float32 array aligned to the data's ``obs_names``; also stored in
        ``data.obsm[key_added]`` (its provenance in ``data.uns``, :func:`jae.provenance.uns_key`: ``'jae'`` for
        ``'X_jae'``, ``'jae_umap'`` for ``'X_umap'``, never scanpy's own ``uns['umap']``; a dict of AnnData: in each
        AnnData, its cells' rows, :mod:`jae.storage`) unless ``key_added`` is None.
        """
        checked_key(key_added, data=data)  # before any work
        check_layer(layer)
        X, cells, batch, _, new = self._features(data, layer=layer)
        Z = self.embed_transformed(scaled_new(self, X, new, batch), batch=batch)  # new cells: jae.query.fit_cells
        return self._store(data, Z, cells, key_added)

    @keyword_arguments()
    def latent(self, data, *, key_added: str | None = None, layer: str | None = "counts") -> np.ndarray:
        """The network's raw latent vector of every cell: cell-type logits | batch | phase | free units (``data`` and
        ``layer`` as for :meth:`embed`).

        Returns
        -------
        ``(n_cells, self.layout.dim)`` float32 array aligned to the data's ``obs_names``; also stored in
        ``data.obsm[key_added]`` when ``key_added`` is given. :meth:`embed` reads the embedding off it.
        """
        checked_key(key_added, example="X_jae_latent", data=data)  # before any work
        check_layer(layer)
        X, cells, batch, _, new = self._features(data, layer=layer)
        columns = self.layout.column_names(self.cell_types, self.batches)
        Z = self.latent_transformed(scaled_new(self, X, new, batch), batch=batch)
        return self._store(data, Z, cells, key_added, columns=columns)

    def _store(self, data, Z: np.ndarray, cells: pd.Index, key_added: str | None, *, columns=None, pad=True):
        Z, cells = in_data_order(data, Z, cells, pad=pad, key=key_added)  # jae.storage: rows in obs_names order
        if key_added is not None:  # into the data's obsm, or each AnnData's of a dict; never into files
            store_obsm(data, Z, cells, key_added, record=self.provenance(key_added, columns=columns))
        return Z

    def provenance(self, key_added: str = "X_jae", *, columns: list[str] | None = None) -> dict:
        """What made the embedding stored under ``key_added`` in ``obsm`` (``columns``: its names), as :meth:`embed`
        records it in ``uns``: a dict."""
        from .provenance import record

        return record(self, key_added, columns=columns)

    def embed_transformed(self, X: np.ndarray, *, batch_size: int = 65536, batch=None) -> np.ndarray:
        """The embedding ``(n_cells, len(self.column_names))`` of already-transformed features ``X``.

        ``batch``: the cells' batch labels, for a model made by :meth:`map_query` (its query batches are shifted);
        ``batch_size``: cells encoded at a time (a whole number >= 1; another size may change the last bits of float32).
        """
        check_batch_size(batch_size)
        refuse_data(X)
        check_batch_labels(batch, len(X))
        if self.adapter is not None and batch is not None:
            X = self.adapter.apply(X, batch)
        return self._readout(X, None, batch_size=batch_size)

    def _readout(self, X: np.ndarray, Z: np.ndarray | None, *, batch_size: int = 65536) -> np.ndarray:
        """The readout of ``X`` and its latent ``Z`` (None: encoded chunk by chunk here), written chunk by chunk
        into one array: a million cells never hold a second whole copy of the latent or of the embedding."""
        if self.readout is None:
            return Z if Z is not None else self.latent_transformed(X, batch_size=batch_size)
        out = np.empty((len(X), len(self.column_names)), np.float32)
        for s in range(0, len(X), batch_size):
            part = X[s : s + batch_size]
            z = self.latent_transformed(part, batch_size=batch_size) if Z is None else Z[s : s + batch_size]
            out[s : s + len(part)] = self.readout(part, z, self.layout)
        return out

    @torch.no_grad()
    def latent_transformed(self, X: np.ndarray, *, batch_size: int = 65536, batch=None) -> np.ndarray:
        """Latent vectors ``(n_cells, layout.dim)`` of already-transformed features ``X`` (``batch`` and ``batch_size``:
        as for :meth:`embed_transformed`)."""
        self._require_fitted()
        check_batch_size(batch_size)  # 0 or less: range() would give no chunk and np.empty's garbage would come back
        refuse_data(X)
        check_batch_labels(batch, len(X))
        if self.adapter is not None and batch is not None:
            X = self.adapter.apply(X, batch)
        self.network.eval()
        out = np.empty((len(X), self.layout.dim), np.float32)
        for s in range(0, len(X), batch_size):
            out[s : s + batch_size] = self.network.encode(self._tensor(np.asarray(X[s : s + batch_size], np.float32))).float().cpu().numpy()
        return out

    @keyword_arguments()
    def predict_cell_type(
        self, data, *, layer: str | None = "counts", embedding: np.ndarray | str | None = None,
        key_added: str | None = None,
    ) -> pd.DataFrame:
        """Label transfer: the most probable cell type of each cell, its calibrated probability and an unknown call.

        The probability is an equal mixture of a linear classifier of the stored reference cells' labels on the
        embedding (:mod:`jae.model.linear`; its softmax at a temperature fitted on held-out reference cells) and a
        15-nearest-neighbour vote among the same cells in the embedding (:mod:`jae.labels`, :mod:`jae.model.voters`);
        ``unknown`` is True for cells of which the calibrated cell-type head is less sure, or which lie farther from
        every type centroid, on average over each cell's 10 nearest cells given with it, than 95 % of the held-out
        reference cells (:data:`jae.labels.UNKNOWN_SCORE`); ``unknown_score`` is the larger average in units of its
        threshold (> 1: unknown), to rank cells. Files saved before the linear classifier mix the head with the
        vote; format-2 files use the head alone; files before calibration give the plain softmax, no unknown call.

        ``layer``: as for :meth:`embed`. ``embedding``: this model's :meth:`embed` of the same cells (in their order, a
        DataFrame indexed by ``obs_names``, or the ``data.obsm`` key it was stored under, e.g. ``'X_jae'``; its cells are called unknown by the modalities ``data`` holds: pass the data it was embedded from, e.g. the MuData, not its ``'rna'``; a key that :meth:`embed` stored in one modality alone, e.g. ``embed(mdata['rna'])``, as embedded from that modality alone). ``key_added``: also store the columns as
        ``data.obs[f'{key_added}_{column}']`` (``'jae'``: ``jae_cell_type``, ``jae_confidence``, ``jae_unknown``,
        ``jae_unknown_score``, the columns ``jae embed`` writes; a dict of
        AnnData: each AnnData's ``obs``; numeric types as text, as scanpy keeps clusters); None stores nothing.

        Returns
        -------
        ``(n_cells, 4)`` DataFrame indexed by ``obs_names``: ``'cell_type'`` (categorical over :attr:`cell_types`, in
        the order of the reference's categories when its labels were a categorical column; else sorted),
        ``'confidence'`` (float32), ``'unknown'`` (bool), ``'unknown_score'`` (float32); in ``data.obs`` too with ``key_added``.
        """
        from .labels.transfer import predict_cell_type

        check_layer(layer)
        return predict_cell_type(self, data, layer=layer, embedding=embedding, key_added=key_added)

    # -------------------------------------------------------------------------------------- save / load
    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``model.json`` and ``weights.pt`` (tensors only) into the folder ``path`` (``overwrite``: replace).

        Missing folders above ``path`` are created, as scvi-tools' ``save`` does, and named in an INFO line;
        :func:`jae.fit_files`, :func:`jae.map_files` and the CLI, given paths to run on, refuse them instead.
        A model that does not yet keep its voters' linear classifier (loaded from a folder written before session 47,
        or mapped from one) fits it first, so the folder keeps it and no later call refits it. Returns the folder."""
        from .checkpoint import save_model

        self._require_fitted()
        if self.voter_linear is None:
            from .labels.mixture import _linear

            _linear(self, None)  # fitted and kept as its first labels would (None where labels mix the head)
        return save_model(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | Path, *, device: str = "auto") -> "JAE":
        """The model saved in the folder ``path``, rebuilt on ``device``; never unpickles arbitrary objects."""
        from .checkpoint import load_model

        return load_model(cls, path, device=device)

    # ------------------------------------------------------------------------------------------ helpers
    def _features(self, data, *, layer: str | None) -> tuple:
        """(features, cells, a mapped model's batch of each or None, the modalities each cell has, whether each cell
        is new, not one of the fit's, or None when the model keeps no fitted cells): :mod:`jae.query`,
        :mod:`jae.query.fit_cells`."""
        with reading_columns([getattr(self.adapter, "batch_key", None)]):  # other obs columns' clashes: INFO
            batch = None if self.adapter is None else self.adapter.batch_column(data, self.batches, self.batch_key,
                                                                                layer=layer)
            X, cells, observed, fitted = query_features(self, data, layer=layer)
        return (X, cells, None if batch is None else batch.reindex(cells).to_numpy(), observed,
                None if fitted is None else ~fitted)

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(a), device=self.device)

    def __repr__(self) -> str:
        return describe(self)
