"""The input shifts a mapped model reads its query batches with (:class:`QueryAdapter`), the held-out scale they are
trained on (:func:`held_out_scale_of`), and which cells of a data set are the reference's by the column it was fitted
with (:func:`_reference_cells`). :func:`jae.mapping.map_query` trains the shifts; this module reads them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._words import fields_line
from .batches import batch_names

__all__ = ["QueryAdapter", "held_out_scale_of"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryAdapter:
    """Input shifts of the query batches a mapped model learned.

    Attributes
    ----------
    batch_key
        The ``obs`` column holding each cell's batch.
    batches
        Names of the mapped (query) batches, in the order of ``shift``'s rows.
    shift
        ``(len(batches), n_input)`` float32, added to the features of that batch's cells: the unknown call's
        features (and the embedding's when ``scale`` is None).
    scale
        ``(n_input,)`` float32 or None: each input column's held-out scale (:func:`held_out_scale_of`); the
        embedding's features of a mapped batch's cell are its features divided by it, plus ``scaled_shift``.
    scaled_shift
        ``(len(batches), n_input)`` float32 or None (with ``scale``): added to the divided features; zeros for batches
        mapped since session 43 (:func:`jae.mapping.map_query` no longer trains it), the shifts trained on the divided
        features for batches mapped before.
    unscaled
        Batches mapped without the scale (``epochs=0``) by a model whose other mappings have it: their embedding's
        features read ``shift`` too (their rows of ``scaled_shift`` are copies of it, never read).
    """

    batch_key: str
    batches: tuple[str, ...]
    shift: np.ndarray
    scale: np.ndarray | None = None
    scaled_shift: np.ndarray | None = None
    unscaled: tuple[str, ...] = ()

    def __repr__(self) -> str:  # the dataclass's printed every array: a mapped model's adapter, its shifts whole
        return fields_line(self)

    @property
    def shifts_embedding(self) -> bool:
        """Whether a mapped batch's embedding reads a trained shift, so differs from the reference model's reading of
        new cells: a model mapped before the held-out scale (``scale`` None; its ``shift``), or a second shift trained
        before session 43 (``scaled_shift``). A batch mapped with ``epochs=0`` has a zero shift and is embedded as the
        reference model embeds new cells, as are batches mapped since session 43, whose shift serves the unknown call
        alone."""
        return bool(np.any(self.shift if self.scale is None else self.scaled_shift))

    def extended(self, batches, shift: np.ndarray, scaled_shift: np.ndarray | None = None,
                 scale: np.ndarray | None = None) -> "QueryAdapter":
        """This adapter and a later mapping's batches (``scale`` with its ``scaled_shift``): every batch keeps the
        features it had, a mapping without the scale (``epochs=0``, or before any had it) in :attr:`unscaled`."""
        batches = tuple(batches)
        if self.scale is None and scaled_shift is None:
            return QueryAdapter(self.batch_key, self.batches + batches, np.vstack([self.shift, shift]))
        mine = (self.scaled_shift, self.unscaled) if self.scale is not None else (self.shift, self.batches)
        theirs = (scaled_shift, ()) if scaled_shift is not None else (shift, batches)
        return QueryAdapter(self.batch_key, self.batches + batches, np.vstack([self.shift, shift]),
                            self.scale if self.scale is not None else scale, np.vstack([mine[0], theirs[0]]),
                            mine[1] + theirs[1])

    def batches_of(self, data, cells: pd.Index | None, reference_batches=None, reference_key: str | None = None, *,
                   layer: str | None = "counts") -> np.ndarray:
        """The batches of ``data``'s cells ``cells`` (None: of every cell in ``obs`` order) (:meth:`batch_column`,
        unwarned)."""
        batch = self.batch_column(data, reference_batches, reference_key, layer=layer, warn=False)
        return (batch if cells is None else batch.reindex(cells)).to_numpy()

    def batch_column(self, data, reference_batches=None, reference_key: str | None = None, *,
                     layer: str | None = "counts", warn: bool = True) -> pd.Series:
        """The batch of each of ``data``'s cells (text, indexed by cell), from the ``obs`` column this adapter reads;
        a cell without a batch is refused, as :func:`map_query` refuses it (:func:`jae.io.paired.check_batches`).
        Given the reference's batches, cells of a batch that is neither mapped nor the reference's are named in a
        warning: they get no shift (a batch not mapped yet, or a mapped one written otherwise, e.g. 3.0 for 3).
        Given also the column the reference was fitted with (``reference_key``), when it is not this adapter's
        column, a cell is the reference's by its batch there (:func:`_reference_cells`), and a cell with no batch in
        this adapter's column (or data without that column) takes its reference batch from there, so the reference's
        own cells embed as the reference model embeds them (:func:`_from_reference`). ``layer``: where the counts of
        data given as a path are (its file opened as the calling method opens it, for its obs). ``warn`` False: none
        of the warnings (nor the INFO line of cells given their reference batch), for a caller whose data was said
        before. The result's ``attrs['from_reference']`` counts the cells given their reference batch."""
        from ..io.cell_obs import cell_obs_of
        from ..io.paired import check_batches, get_annotation
        from ..io.plan import opened

        # as fit: a modality's own columns too (a second competition file's); a path: its file's obs
        keys = [self.batch_key, reference_key]  # the model's columns: 'rna:batch' found as modality 'rna''s 'batch'
        obs = cell_obs_of(opened(data, layer=layer), keys, model_keys=keys)
        obs, n_filled = _from_reference(obs, self.batch_key, reference_batches, reference_key, warn=warn)
        if obs is None or self.batch_key not in obs.columns:
            raise ValueError(
                f"this model was made by map_query and shifts the cells of the batches {list(self.batches)} found in "
                f"obs[{self.batch_key!r}]; the data has no such column: add it (data.obs[{self.batch_key!r}] = each "
                "cell's batch), or read the files with annotations=FILE holding it (jae.read_competition, "
                "jae.io.open_competition, jae.io.open_rna) (cells of other batches are embedded as the reference "
                "model embeds them)" + _modality_fix(data, self.batch_key)
            )
        batch = get_annotation(obs, self.batch_key, what="batch labels")
        try:
            check_batches(batch, min_cells=1)  # not shifted as a batch 'nan'
        except ValueError as err:  # often the reference's own cells beside the query (a column of the query only)
            key = self.batch_key
            said = f"this model was made by map_query and shifts cells by their batch in obs[{key!r}]: {err}"
            if reference_key == key:  # the reference's own column: filling it from itself would change nothing
                raise ValueError(said) from None
            source = "<the column the reference was fitted with>" if reference_key is None else repr(reference_key)
            raise ValueError(said + "; cells of the reference get no shift, so give them their reference batch, e.g. "
                             f"data.obs[{key!r}] = data.obs[{key!r}].astype(object).fillna(data.obs[{source}])"
                             ".astype(str)") from None
        batch = batch.astype(str)
        batch.attrs["from_reference"] = n_filled
        if reference_batches is not None and warn:
            fitted = _reference_cells(self.batch_key, self.batches, obs, batch, reference_batches, reference_key)
            other = batch[~batch.isin(list(self.batches) + [str(b) for b in reference_batches]) & ~fitted]
            if len(other) and [str(b) for b in reference_batches] == ["all"]:  # fitted without a batch column
                logger.warning(
                    "%d cells are of batches in the column %s that this model did not map (%s; mapped: %s): they are "
                    "embedded without a shift, as the reference model embeds them, which is right for its reference "
                    "cells (it was fitted without a batch column, so their batch names are not on record); cells of "
                    "new samples among them: map them first (map_query, jae map)",
                    len(other), self.batch_key, batch_names(sorted(map(str, other.unique()))),
                    batch_names(self.batches))
            elif len(other):
                logger.warning(
                    "%d cells are of batches in the column %s that this model neither mapped nor was fitted on (%s; "
                    "mapped: %s): %s; map them first (map_query, jae map), or, if they are a mapped batch, name it as "
                    "it was named then", len(other), self.batch_key, batch_names(sorted(map(str, other.unique()))),
                    batch_names(self.batches), "they are embedded without the shift its mapped batches' embedding "
                    "reads, as the reference model embeds them" if self.shifts_embedding else "their embedding and "
                    "labels are a mapped batch's (the reference model's reading of new cells), but their unknown call "
                    "lacks the shift map_query trains for it")
        return batch

    def apply(self, X: np.ndarray, batch, *, scaled: bool = True) -> np.ndarray:
        """``X`` as the encoder reads it (a new array; ``X`` itself is never changed): each mapped batch's cells
        divided by ``scale`` plus their batch's ``scaled_shift`` (the embedding's features), or, with ``scaled`` False
        or no ``scale``, plus their batch's ``shift`` (the unknown call's); other cells as they are."""
        index = pd.Index(list(self.batches))
        codes = index.get_indexer(np.asarray(batch).astype(str))  # -1: not mapped
        if not (codes >= 0).any():
            return X
        out = np.array(X, dtype=np.float32, copy=True)
        hit = codes >= 0
        if scaled and self.scale is not None:
            plain = hit & np.isin(codes, index.get_indexer(list(self.unscaled)))
            hit &= ~plain
            out[hit] = out[hit] / self.scale + self.scaled_shift[codes[hit]]
            out[plain] += self.shift[codes[plain]]
        else:
            out[hit] += self.shift[codes[hit]]
        return out

    def scales(self, batch) -> bool:
        """Whether :meth:`apply` gives any of the cells of ``batch`` other features scaled than not."""
        scaled = [b for b in self.batches if b not in self.unscaled]
        return self.scale is not None and bool(np.isin(np.asarray(batch).astype(str), scaled).any())

    def shifted(self, batch) -> np.ndarray:
        """``(n_cells,)`` bool: the cells of ``batch`` (each cell's batch) whose batch has a shift of its own, which
        :meth:`apply` reads them with; a batch mapped with ``epochs=0`` has none (its cells are read as the reference
        model reads new cells, :func:`jae.query.fit_cells.scaled_rows`)."""
        own = [str(b) for b, s in zip(self.batches, self.shift) if np.any(s != 0)]
        return np.isin(np.asarray(batch).astype(str), own)


def held_out_scale_of(preprocessor) -> np.ndarray | None:
    """``(n_input,)`` float32: each input column's held-out scale, how much less a cell outside the reference's SVD
    fit spreads along it than the reference's cells (:func:`jae.preprocess.held_out.held_out_scale`; 1 for columns
    not from an SVD, the proteins); None when a basis has none (a model saved before jae measured it)."""
    out = []
    for basis, width in zip(preprocessor.bases, preprocessor.widths):
        if basis is None:
            out.append(np.ones(width, np.float32))
        elif basis.held_out_scale is None:
            return None
        else:
            out.append(np.asarray(basis.held_out_scale, np.float32))
    return np.concatenate(out)


def _reference_cells(own_key: str, batches, obs, batch: pd.Series, reference_batches, key: str | None, *,
                     mapping: bool = False) -> pd.Series:
    """Whether each cell is of a reference batch in ``obs[key]``, the column the reference was fitted with, when the
    batches ``batches`` are read from another column, ``own_key`` (all False otherwise). Cells also of one of
    ``batches`` there are named in a warning: embedded (``mapping`` False), they get that batch's shift, so a reference
    cell holding a query's batch name there (the same sample name, or Seurat's 'SeuratProject' in orig.ident) was
    embedded shifted without a word; mapped (True), they are trained on and shifted as query cells."""
    if not key or key == own_key or obs is None or key not in obs.columns:
        return pd.Series(False, index=batch.index)
    column = obs[key].reindex(batch.index)
    fitted = column.notna() & column.astype(str).isin([str(b) for b in reference_batches])
    both = fitted & batch.isin(list(batches))
    if both.any():
        logger.warning(
            "%d cells are of reference batches in obs[%r], the column the reference was fitted with (%s), and of "
            + ("new batches in obs[%r], the column this mapping reads (%s): they are mapped as query cells (trained on "
               "and shifted), so they are not embedded as the reference model embeds them; if they are reference "
               "cells, leave them out of the query, or give them their reference batch in obs[%r] too" if mapping else
               "batches this model mapped in obs[%r], the column it maps by (%s): they get the mapped batch's shift, so "
               "they are not embedded as the reference model embeds them; if they are reference cells, embed them with "
               "the reference model (the same embedding), or give them their reference batch in obs[%r] too"),
            int(both.sum()), key, batch_names(sorted(set(column[both].astype(str)))), own_key,
            batch_names(sorted(set(batch[both]))), own_key)
    return fitted


def _from_reference(obs, own_key: str, reference_batches, key: str | None, *, warn: bool = True) -> tuple:
    """``(obs, n)``: ``obs`` (a copy when changed) whose cells with no batch in ``obs[own_key]`` (the column a mapping
    read; missing, or the data lacks it) and a reference batch in ``obs[key]`` (the column the reference was fitted
    with, another one) hold that reference batch in ``own_key`` too, and ``n``, how many did. Mapped batches are new
    to the model (:func:`jae.mapping.batches.check_new_batches`), so those cells get no shift: the reference's own
    cells (e.g. its file, which lacks the query's column) embed as the reference model embeds them, as the docs say.
    ``warn``: one INFO line with the count."""
    known = [] if reference_batches is None else [str(b) for b in reference_batches]
    if obs is None or not key or key == own_key or key not in obs.columns or not known or known == ["all"]:
        return obs, 0
    from ..io.validate import missing_text

    reference = obs[key].astype(object)
    own = obs[own_key].astype(object) if own_key in obs.columns else pd.Series(None, index=obs.index, dtype=object)
    fill = (own.isna().to_numpy() | missing_text(own.to_numpy())) & reference.notna().to_numpy() & (
        reference.astype(str).isin(known).to_numpy())
    if not fill.any():
        return obs, 0
    if warn:
        logger.info("%d cells have no batch in obs[%r], the column this model maps by, and are of reference batches "
                    "in obs[%r] (the column the reference was fitted with): they embed as the reference model embeds "
                    "them", int(fill.sum()), own_key, key)
    return obs.assign(**{own_key: own.where(~fill, reference.astype(str))}), int(fill.sum())


def _modality_fix(data, key: str) -> str:
    """For one AnnData (a MuData's modality, e.g. ``mdata['rna']``, whose batches mudata >= 0.3 keeps in the MuData's
    own obs, not the modality's): the lines that give it the MuData's column; '' for other data."""
    from ..io.cell_obs import modality_with_column

    if getattr(data, "mod", None) is not None or not hasattr(data, "obsm"):
        return ""
    return (f"; for a modality of a MuData holding the column in mdata.obs, e.g. {modality_with_column('rna', key)}, "
            "then pass one")
