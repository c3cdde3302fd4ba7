"""Fitting on mosaic data: cells with RNA only, the second modality only, or both (issue 15).

:meth:`jae.JAE.fit` hands data in which some cell lacks a modality (:func:`jae.io.mosaic.is_mosaic`) to
:func:`fit_mosaic`. Data where every cell has both takes the unchanged paired path, so its model and embedding are
bit-identical to before. The mechanism:

1. **Preprocessing per modality on the cells measured in it**: each modality's normalisation and SVD basis are
   fitted on every cell that has it (:func:`jae.preprocess.preprocess` on that modality alone), so one-modality
   cells shape the bases too. Cell-cycle scores come from RNA; cells without RNA have none (the phase term skips
   them).
2. **The missing block is imputed, never zero**: the paired cells' input features (the concatenated per-modality
   SVD coordinates / protein values) give a Gaussian (:class:`jae.model.moments.FeatureMoments`); a cell without
   the second modality gets that block's regression on its RNA block (the conditional mean), a cell without RNA
   the RNA block's regression on its second block, the same regression :mod:`jae.query` uses for query cells.
3. **Masked reconstruction**: the imputed entries are the decoder's input but not its target: they carry zero
   error and zero gradient (:func:`train_mosaic`), so the autoencoder never learns to reproduce its own guesses.
4. **Modality dropout** on the paired cells: each minibatch, a share :data:`MODALITY_DROPOUT` of them has one
   modality (RNA or the second, alternately by a seeded draw) replaced by its imputation from the other, while the
   target stays the measured values. The encoder thus learns to place a cell from one measured modality plus the
   regression's guess at the same spot as from both, and the decoder learns to predict the dropped modality:
   the one-modality cells of the data are then not an input the network never saw.

Data on disk (:class:`jae.io.MosaicFiles`, an ``.h5mu`` whose modalities hold different cells) that would not fit
the memory budget takes the same steps with each modality's counts read in row blocks, as paired files are.

After the fit, ``model.moments`` holds the reference paired cells' moments (what query imputation uses), and
:func:`jae.impute` predicts a missing modality on request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

__all__ = ["MODALITY_DROPOUT", "MIN_PAIRED_CELLS", "MosaicInput", "fit_mosaic", "train_mosaic", "impute_blocks",
           "check_mosaic_batches"]

logger = logging.getLogger(__name__)

#: Share of the paired cells of each minibatch whose RNA or second modality is replaced by its imputation.
MODALITY_DROPOUT = 0.3
#: Fewest cells with both modalities a mosaic fit accepts: the regressions between modalities are fitted on them.
MIN_PAIRED_CELLS = 50
ONE_PROCESS = ("fitting on mosaic data (cells missing a modality) runs in one process; run it without torchrun (or fit "
               "on the paired cells only)")
ONE_PROCESS_FINETUNE = ("fine-tuning on cells missing a modality (e.g. RNA alone) runs in one process; run it without "
                        "torchrun, or embed these cells without fine-tuning (model.embed without model.finetune; "
                        "finetune_epochs=0 in jae.embed_files)")


def _refuse_data_parallel() -> None:
    """Refuse a data-parallel launch (``torchrun``, or a process group of several) before the preprocessing, which
    ran in full in every process before :func:`train_mosaic` refused it."""
    import torch.distributed as dist

    from .train.distributed import _enabled, _launch

    grouped = dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1
    if _enabled() and (_launch()[0] > 1 or grouped):
        raise ValueError(ONE_PROCESS)


def impute_blocks(X: np.ndarray, moments, widths, rows_of: list[np.ndarray]) -> np.ndarray:
    """A copy of ``X`` in which block ``i`` of the cells ``rows_of[i]`` is replaced by its conditional mean given the
    other block (``moments``: a :class:`~jae.model.moments.FeatureMoments` of paired cells)."""
    out = np.array(X, dtype=np.float32, copy=True)
    cols = np.arange(sum(widths))
    blocks = [cols[: widths[0]], cols[widths[0]:]]
    for i, rows in enumerate(rows_of):
        if len(rows):
            out[np.ix_(rows, blocks[i])] = moments.conditional_mean(X[np.ix_(rows, blocks[1 - i])], blocks[1 - i], blocks[i])
    return out


@dataclass(frozen=True)
class MosaicInput:
    """What training on mosaic cells needs besides their features ``X``.

    Attributes
    ----------
    observed
        ``(n_cells, 2)`` bool: whether each cell has each modality (its imputed block is masked out of the loss).
    dropped
        ``(n_cells, n_input)`` float32: each cell's input with both blocks replaced by their regression on the other
        block (for the paired cells: the inputs modality dropout swaps in).
    widths
        Input columns of the two modalities.
    rate
        Modality dropout's share of the paired cells per minibatch.
    """

    observed: np.ndarray
    dropped: np.ndarray
    widths: tuple[int, int]
    rate: float = MODALITY_DROPOUT

    @property
    def paired(self) -> np.ndarray:
        """``(n_cells,)`` bool: cells with both modalities."""
        return self.observed.all(axis=1)

    def subset(self, rows) -> "MosaicInput":
        return MosaicInput(self.observed[rows], self.dropped[rows], self.widths, self.rate)

    def train(self, network, X, **kwargs) -> pd.DataFrame:
        """:func:`jae.train.train_network`'s signature, trained by :func:`train_mosaic` with this input."""
        return train_mosaic(network, X, mosaic=self, **kwargs)


def fit_mosaic(model, data, *, batch_key, cell_type_key, phase_keys, reference, finetune, organism, layer, modalities,
               progress_bar: bool):
    """The body of :meth:`jae.JAE.fit` for mosaic data (see the module docstring)."""
    from .io.mosaic import get_mosaic
    from .io.validate import check_fit_annotations, mosaic_counts
    from .fitting import fit_preprocessed
    from .model.moments import FeatureMoments
    from .preprocess import Preprocessor
    from .preprocess.organism import given_organism, infer_organism
    from .preprocess.pipeline import preprocess

    from .io.mosaic_files import MosaicFiles

    streamed = isinstance(data, MosaicFiles)  # on disk: each modality's counts read in row blocks
    m = data if streamed else get_mosaic(data, modalities=modalities, layer=layer)
    m.check_paired(MIN_PAIRED_CELLS)
    if (misnamed := m.misnamed()) is not None:  # enough cells paired, but more would be under their own names
        logger.warning("cells measured in one modality alone look like the other's renamed (%s): %s; as they are, "
                       "each is fitted as two cells with one modality", m.summary(), misnamed)
    obs = m.obs
    check_mosaic_batches(m.names, m.observed, obs, batch_key)
    check_fit_annotations(
        obs, batch_key=batch_key, cell_type_key=cell_type_key, supervised=model.config.mode == "supervised",
        reference=reference, phase_keys=phase_keys, paired=m.paired,  # the model's moments: of reference paired cells
    )
    warn_filtered_singles(m.names, m.observed, obs, batch_key, fix=_paired_cells_fix(m, streamed))
    _refuse_data_parallel()  # after the cheap checks, before the preprocessing
    score_phase = phase_keys is None and bool(model.config.n_phase)
    organism = given_organism(organism, needed=score_phase) or infer_organism(data, m.var_names[0])
    logger.info("fitting preprocessing per modality on the cells measured in it (%s)", m.summary())
    bases, depth = [], None
    phase = np.full((m.n_obs, 2), np.nan, dtype=np.float32)
    blocks = []
    sources = m.sources() if streamed else m.counts
    for i in (0, 1):
        with mosaic_counts():  # streamed counts checked block by block: cells without counts named as in memory
            pre_i, X_i, phase_i = preprocess(
                [sources[i]], (m.kinds[i],), (m.var_names[i],), names=(m.names[i],), n_components=model.config.n_svd,
                seed=model.seed, organism=organism if score_phase and m.kinds[i] == "GEX" else None,
                progress_bar=progress_bar, protein_norm=model.config.protein_norm_for(), checked=True,
            )
        bases.append(pre_i.bases[0])
        depth = pre_i.protein_depth if pre_i.protein_depth is not None else depth  # of the cells with proteins
        block = np.zeros((m.n_obs, X_i.shape[1]), np.float32)
        rows = m.positions(i)  # the rows of counts[i] among all cells
        block[rows] = X_i
        blocks.append(block)
        if phase_i is not None:
            phase[rows] = phase_i
    preprocessor = Preprocessor.from_bases(m.kinds, m.var_names, bases, protein_norm=model.config.protein_norm_for(),
                                           protein_depth=depth)
    X = np.hstack(blocks)
    widths = preprocessor.widths
    moments = FeatureMoments.fit(X, m.paired)
    missing = [np.flatnonzero(~m.observed[:, i]) for i in (0, 1)]
    X = impute_blocks(X, moments, widths, missing)  # the missing blocks: regression on the measured one
    dropped = impute_blocks(X, moments, widths, [np.arange(m.n_obs)] * 2)
    logger.info("imputed %d cells' %s and %d cells' %s input from the other modality (regression over %d paired "
                "cells); modality dropout %.0f%% of paired cells per minibatch", len(missing[1]), m.kinds[1],
                len(missing[0]), m.kinds[0], int(m.paired.sum()), 100 * MODALITY_DROPOUT)
    return fit_preprocessed(
        model, X, obs, phase if score_phase else None, names=m.names, organism=organism, preprocessor=preprocessor,
        batch_key=batch_key, cell_type_key=cell_type_key, phase_keys=phase_keys, reference=reference,
        finetune=finetune, progress_bar=progress_bar,
        mosaic=MosaicInput(m.observed, dropped, widths, rate=MODALITY_DROPOUT),
    )


def check_mosaic_batches(names, observed: np.ndarray, obs: pd.DataFrame, batch_key: str | None, *,
                         alternative: str | None = "pass batch_key=None to treat all cells as one batch") -> None:
    """Refuse a batch column missing exactly the cells measured in one modality alone (``names``: the two
    modalities, ``observed``: ``(n_cells, 2)`` whether each of ``obs``' cells has each), as a column kept in the other
    modality's obs alone gives it, saying so: the batch checks
    (:func:`jae.io.paired.check_batches`) counted them without the reason, so the fix, filling the missing labels, did
    not say where. ``alternative``: the caller's other way out, after giving every cell its batch (None: none)."""
    from .io.validate import missing_text

    if batch_key is None or batch_key not in obs.columns:
        return  # the caller's checks name the column's absence
    gone = obs[batch_key].isna().to_numpy() | missing_text(obs[batch_key].to_numpy())
    for i in (0, 1):
        if gone.any() and np.array_equal(gone, ~np.asarray(observed)[:, i]):
            raise ValueError(
                f"{int(gone.sum())} of {len(gone)} cells have no batch label in {batch_key!r}: exactly the cells "
                f"measured in {names[1 - i]!r} alone, as when the column is kept in modality {names[i]!r}'s obs "
                f"only; give every cell its batch (in the MuData's obs, e.g. mdata.obs[{batch_key!r}], in modality "
                f"{names[1 - i]!r}'s obs too, or in an annotation file, InputFiles(..., annotations=FILE))"
                + ("" if alternative is None else f", or {alternative}"))


def _paired_cells_fix(m, streamed: bool) -> str:
    """How to keep the cells both modalities of ``m`` hold, in the user's terms: the MuData given (its modalities'
    names), the file the call reads (the names it has, where known: a reader renames them), or a pair of files."""
    from .io.call_fixes import called_file
    from .io.zarr_stores import is_zarr

    file = called_file()
    if file is False and not streamed:
        return f"mdata[mdata.obsm[{m.names[0]!r}] & mdata.obsm[{m.names[1]!r}]].copy()"
    if not isinstance(file, str):
        return "files of the same cells in both modalities"
    given = m.loader[1] if streamed and len(m.loader) == 2 and isinstance(m.loader[1], dict) else {}
    a, b = (repr(given[k]) if given.get(k) else f"<its {w}'s name>" for k, w in (("rna", "RNA"), ("other", "other")))
    read = "read_zarr" if is_zarr(file) else "read_h5mu"
    return (f"mdata = mudata.{read}({file!r}); mdata = mdata[mdata.obsm[{a}] & mdata.obsm[{b}]].copy(), then fit it "
            "or write it to a new file")


def warn_filtered_singles(names, observed: np.ndarray, obs: pd.DataFrame, batch_key: str | None, *,
                          fix: str) -> None:
    """Warn when cells measured in one modality alone share a batch (``batch_key``; None: all one) with paired cells,
    as when quality control filtered one modality's cells and not the other's (a scanpy QC of the RNA, paired with the
    whole protein file): the cells it removed are fitted from the other modality, as the mosaic design's are. A
    mosaic's own single-modality samples, batches of their own, say nothing. ``fix``: how to keep the paired cells
    (:func:`_paired_cells_fix`)."""
    observed = np.asarray(observed, bool)
    paired, single = observed.all(axis=1), observed.any(axis=1) & ~observed.all(axis=1)
    if not single.any() or not paired.any():
        return
    if batch_key is not None and batch_key in obs.columns:
        batch = obs[batch_key].astype(str).to_numpy()
        single &= np.isin(batch, np.unique(batch[paired]))
    if single.any():
        alone = [int((single & observed[:, i]).sum()) for i in (0, 1)]
        logger.warning(
            "%d cells are measured in one modality alone (%s) within the batches of the %d paired cells: cells that "
            "quality control removed from one modality only are fitted from the other; to fit the paired cells "
            "alone, keep the cells both hold: %s", int(single.sum()),
            ", ".join(f"{n} {name!r} only" for n, name in zip(alone, names) if n), int(paired.sum()), fix)


# ---------------------------------------------------------------------------------------------- training
def train_mosaic(network, X: torch.Tensor, *, mosaic: MosaicInput, layout, config, stage, seed: int, cell_type=None,
                 phase=None, batch=None, val_idx=None, progress_bar: bool = True) -> pd.DataFrame:
    """:func:`jae.train.train_network` for mosaic cells: the imputed entries masked out of the reconstruction term
    (zero error, zero gradient; the term is the mean over all entries, so a one-modality cell's reconstruction
    counts by the entries it measured) and modality dropout on the paired cells (the module docstring).

    One process only; the batch adversary (``config.w_adversary``) as in :func:`~jae.train.train_network`.
    """
    from .model import BatchAdversary, adversary_step_loss, jae_loss
    from .model.loss import type_weights
    from .train.distributed import data_parallel
    from .train.loop import cpu_threads, make_optimizer, run_epochs
    from .train.trainer import _condition, _lower_lr

    device = X.device
    if data_parallel(device) is not None:  # fitting is refused before its preprocessing; fine-tuning here (jae embed)
        raise ValueError(ONE_PROCESS if not stage.reconstruction_only else ONE_PROCESS_FINETUNE)
    n = X.shape[0]
    observed = torch.as_tensor(mosaic.observed, device=device)
    dropped = torch.as_tensor(np.ascontiguousarray(mosaic.dropped), device=device)
    widths = torch.as_tensor(mosaic.widths, device=device)
    use_adversary = config.w_adversary > 0 and batch is not None and layout.n_batch >= 2 and not stage.reconstruction_only
    train_idx = torch.arange(n, device=device)
    val_t = None
    if val_idx is not None and len(val_idx):
        keep = np.ones(n, dtype=bool)
        keep[val_idx] = False
        train_idx = torch.as_tensor(np.flatnonzero(keep), device=device)
        val_t = torch.as_tensor(val_idx, device=device)
    type_weight = None if cell_type is None else type_weights(cell_type[train_idx], layout.n_cell_type,
                                                              config.type_balance)
    optimizer = make_optimizer(network, lr=stage.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(seed)
    drop_gen = torch.Generator().manual_seed(seed + 7919)
    if use_adversary:
        classifier = BatchAdversary(layout.dim, layout.n_batch).to(device)
        adv_opt = make_optimizer(classifier, lr=stage.lr, weight_decay=0.0)

    def loss(idx: torch.Tensor, train: bool) -> tuple[dict, torch.Tensor]:
        xb, ob = X[idx], observed[idx]
        x_in = xb
        if train and mosaic.rate > 0:
            draw = torch.rand(len(idx), generator=drop_gen).to(device)
            both = ob.all(dim=1)
            lose = torch.stack([both & (draw < mosaic.rate / 2), both & (draw >= mosaic.rate / 2) & (draw < mosaic.rate)], 1)
            swap = torch.repeat_interleave(lose, widths, dim=1)
            x_in = torch.where(swap, dropped[idx], xb)
        mask = torch.repeat_interleave(ob, widths, dim=1)
        bb = None if batch is None else batch[idx]
        z, recon = network(x_in, _condition(network, bb))
        parts = jae_loss(
            z, torch.where(mask, recon, xb), xb, layout=layout, config=config,
            cell_type=None if cell_type is None else cell_type[idx], phase=None if phase is None else phase[idx],
            adversary_logits=classifier(z) if use_adversary and train else None,
            reconstruction_only=stage.reconstruction_only, type_weight=type_weight,
        )
        return parts, z

    def step(local: torch.Tensor) -> dict:
        idx = train_idx[local]
        parts, z = loss(idx, True)
        optimizer.zero_grad(set_to_none=True)
        parts["total"].backward()
        optimizer.step()
        if use_adversary:
            adv_opt.zero_grad(set_to_none=True)
            parts["adversary_fit"] = adversary_step_loss(classifier, z, batch[idx])
            parts["adversary_fit"].backward()
            adv_opt.step()
        return parts

    @torch.no_grad()
    def validate() -> float:
        total = 0.0
        for s in range(0, len(val_t), 4096):
            idx = val_t[s:s + 4096]
            total += float(loss(idx, False)[0]["total"]) * len(idx)
        return total / max(len(val_t), 1)

    with cpu_threads(device):
        history = run_epochs(
            network, step, n_train=len(train_idx), batch_size=stage.batch_size or config.batch_size,
            generator=generator,
            max_epochs=stage.max_epochs, validate=None if val_t is None else validate, patience=stage.patience,
            min_batch=2, row={"stage": stage.name}, desc=f"jae {stage.name} (mosaic)", progress_bar=progress_bar,
            epoch_cells=stage.epoch_cells, round_tolerance=stage.round_tolerance, epoch_tolerance=stage.epoch_tolerance,
            diverged=_lower_lr(config, stage),  # the field to lower, as the paired trainer names it
        )
    if history:
        logger.info("%s (mosaic): %d epoch%s, %s", stage.name, len(history), "" if len(history) == 1 else "s",
                    ", ".join(f"{k} {v:.4f}" for k, v in history[-1].items() if isinstance(v, float)))
    return pd.DataFrame(history)
