"""Checks that a matrix holds raw counts jae can use: finite, non-negative, integer, no empty cells."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._words import columns_near
from .call_fixes import memory_call
from .count_fixes import count_faults, with_non_integer_fix
from .features import by_cell_names

__all__ = ["validate_counts", "check_fit_annotations", "reference_mask", "samples_hint", "PYTHON_FIXES"]

logger = logging.getLogger(__name__)

#: Right whichever layer was read: the default 'counts' may hold normalised values too (stored after normalising).
_RAW_HINT = ("jae needs raw counts: pass layer=... naming where they are (the default layer='counts'; layer=None for "
             ".X; layer='raw' for an AnnData's .raw)")
#: The same, where what was read is ``.raw`` (``layer='raw'``, already passed): scanpy's ``adata.raw = adata`` before
#: normalising float counts keeps a ``.raw`` that shares ``.X``, normalised with it.
_RAW_READ_HINT = ("what layer='raw' read (the .raw, or .X where there is none) holds normalised values too (adata.raw "
                  "= adata before normalising float counts shares .X): keep the counts before normalising, with "
                  "adata.raw = adata.copy() or adata.layers['counts'] = adata.X.copy(), then pass layer=... naming "
                  "them")


def counts_hint(source) -> str:
    """The hint for counts streamed from ``source`` (a :class:`jae.io.chunked.BackedCounts`): :data:`_RAW_READ_HINT`
    where it reads a file's ``raw`` group, the default otherwise."""
    from .raw import RAW_GROUP, x_read_hint

    return _RAW_READ_HINT if getattr(source, "layer", None) == RAW_GROUP else x_read_hint(source) or _RAW_HINT


def _counts_in(name: str, adata: str) -> str:
    """The example code's expression for the counts ``name`` says were read (``"(X"`` or ``"(layer 'L'"``, as the
    readers word it) from the AnnData called ``adata``: ``layer='raw'`` reads a layer of that name, else ``.raw``, else
    ``.X`` (:func:`jae.io.raw.resolve_raw`); ``layers['counts']`` when ``name`` does not say."""
    import re

    if re.search(r"\(X[,)]", name):
        return f"{adata}.X"
    found = re.search(r"\(layer '([^']*)'", name)
    layer = found.group(1) if found else "counts"
    if layer == "raw":
        return (f"({adata}.layers['raw'] if 'raw' in {adata}.layers else {adata}.X if {adata}.raw is None else "
                f"{adata}.raw.X)")
    return f"{adata}.layers[{layer!r}]"


def _read_raw(name: str) -> bool:
    """Whether ``name`` (as the readers word it) says the matrix was read with ``layer='raw'``."""
    return "(layer 'raw'" in name


#: Largest distance from a whole number that reads as a count stored with rounding error (float32 keeps about 7
#: digits: 4,999,999.5 is no count, 5.9999995 is), said as such in the refusal.
_ROUNDING = 1e-3


def _values(X) -> np.ndarray:
    """The stored values of ``X`` (``.data`` for sparse matrices, so zeros are never scanned)."""
    if sp.issparse(X):
        return X.data
    return np.asarray(X).ravel()


#: What leaving a modality out of some cells means, by the modality's kind (the message on cells without counts).
_NOT_MEASURED = {
    "ADT": "cells without antibody staining",
    "ATAC": "cells whose chromatin accessibility was not profiled",
    "GEX": "cells whose RNA was not sequenced",
}


def _nan_rows(X) -> int:
    """The number of rows of ``X`` that are all NaN (every feature stored, and NaN)."""
    import scipy.sparse as sp

    if sp.issparse(X):
        X = sp.csr_matrix(X)
        full = np.flatnonzero(np.diff(X.indptr) == X.shape[1])
        return int(sum(np.isnan(X.data[X.indptr[r]:X.indptr[r + 1]]).all() for r in full))
    return int(np.isnan(np.asarray(X, dtype=float)).all(axis=1).sum())


_MOSAIC = ContextVar("jae_mosaic_counts", default=False)


@contextmanager
def mosaic_counts():
    """Within it, :func:`validate_counts` words the fix for cells without counts in a modality for mosaic data (the
    modalities hold different cells): leaving them out of that modality alone, never intersecting the modalities'
    cells, which would drop every cell measured in one modality."""
    token = _MOSAIC.set(True)
    try:
        yield
    finally:
        _MOSAIC.reset(token)


def validate_counts(X, *, name: str, modality: str | None = None, kind: str | None = None,
                    hint: str = _RAW_HINT) -> None:
    """Check that ``X`` (cells x features) holds raw counts.

    Only the stored values are scanned for sparse matrices (``X.data``), so the check is linear in the number of
    non-zeros.

    Parameters
    ----------
    X
        Count matrix, cells x features: scipy sparse or dense array.
    name
        What ``X`` is (e.g. ``"mdata['atac'] layer 'counts'"``), used in error messages.
    modality
        The name of the modality ``X`` is, in paired data: cells with no counts in it may be cells it was not
        measured in (a query stained with antibodies in part), which jae places from the other modality when they
        are left out of this one only (mosaic data); the message then says so.
    kind
        ``'GEX'``, ``'ATAC'`` or ``'ADT'``: the modality's kind, for the example of such cells in that message.
    hint
        Where raw counts go, said after a matrix that holds other values (default: the ``layer=`` argument).

    Returns
    -------
    None; the matrix is not modified.

    Raises
    ------
    ValueError
        For an empty matrix (0 cells or 0 features), NaN or infinite values, negative values, non-integer values
        or cells whose counts are all zero. The message names the problem and how to fix it.
    """
    if hint is _RAW_HINT and _read_raw(name):
        hint = _RAW_READ_HINT
    n_obs, n_vars = X.shape
    if n_obs == 0 or n_vars == 0:
        raise ValueError(
            f"{name} is empty ({n_obs} cells x {n_vars} features); jae needs at least one cell and one feature "
            "in each modality: check the file and any subsetting done before"
        )
    values = _values(X)
    if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        raise ValueError(f"{name} has dtype {values.dtype}, not numbers; {hint}")
    if np.issubdtype(values.dtype, np.floating):
        n_bad, n_neg, n_frac, example, off, _ = count_faults(values)
        if n_bad:
            unmeasured = _nan_rows(X) if modality is not None else 0
            if unmeasured:  # jae's in-memory mosaic layout, met where cells are streamed from a file
                raise ValueError(
                    f"{name} has {unmeasured} cells whose row is all NaN (cells not measured in it, the mosaic layout "
                    "jae reads from data in memory); streamed from a file, a modality must leave such cells out "
                    f"instead (jae places them from the other modality): write the file again without them in "
                    f"{modality!r}, e.g. in Python: from jae.io.mosaic import missing_rows; m = "
                    f"mudata.read_h5mu(FILE); a = m[{modality!r}]; m.mod[{modality!r}] = a[~missing_rows(a.layers["
                    "'counts'] if 'counts' in a.layers else a.X)].copy(); m.update(); m.write(NEW_FILE); or read it "
                    "into memory: memory_budget=<bytes> above what it needs (fit; embed and map stream files whatever "
                    "the budget: in Python, "
                    f"{memory_call('mudata.read_h5mu({file})') or 'model.embed(mudata.read_h5mu(FILE))'})")
            raise ValueError(f"{name} has {n_bad} NaN or infinite values; {hint}")
        if n_neg:
            raise ValueError(f"{name} has {n_neg} negative values; {hint}")
        if n_frac:
            near = off < _ROUNDING  # every one nearly whole: shown with the digits that tell it from a count
            shown = f"{example:.10g}" if near else f"{example:g}"
            hint = with_non_integer_fix(hint, off, near)  # counts with rounding error; else corrected counts, if no raw
            raise ValueError(
                f"{name} has {n_frac} non-integer values (e.g. {shown}), so it looks normalised; {hint}")
    elif values.dtype != bool and values.size and values.min() < 0:
        n_neg = int(np.count_nonzero(values < 0))
        raise ValueError(f"{name} has {n_neg} negative values; {hint}")
    totals = np.asarray(X.sum(axis=1)).ravel()
    n_zero = int(np.count_nonzero(totals == 0))
    if n_zero and modality is not None and _MOSAIC.get():  # (mu.pp.intersect_obs: no cell measured in one left)
        raise ValueError(
            f"{n_zero} of {n_obs} cells have zero total counts in {name}; leave them out of {modality!r} alone (a cell "
            f"measured in the other modality too is then placed from it, one measured in {modality!r} alone leaves the "
            f"data), e.g. a = mdata[{modality!r}]; mdata.mod[{modality!r}] = a[np.asarray({_counts_in(name, 'a')}.sum("
            "axis=1)).ravel() > 0].copy(); mdata.update() (a file: read by mudata.read_h5mu, then written again); not "
            "mu.pp.intersect_obs(mdata), which drops every cell measured in one modality")
    if n_zero:
        unmeasured = _NOT_MEASURED.get(kind, "cells the assay was not run on")
        alone = "" if modality is None else (
            f"if {modality!r} was not measured in them (e.g. {unmeasured}), leave them out of "
            f"{modality!r} only and jae places them from the other modality (cells lacking a modality: mosaic data), "
            f"e.g. adata = adata[np.asarray({_counts_in(name, 'adata')}.sum(axis=1)).ravel() > 0].copy() for that "
            "modality's AnnData, put back in the MuData or written to its own .h5ad; if they are empty droplets, ")
        fix = ("remove them from both modalities first, e.g. sc.pp.filter_cells(adata, min_counts=1) on each "
               "modality then mu.pp.intersect_obs(mdata)") if modality is not None else (
            # one modality on its own (a prediction's source, an RNA-only query): no second modality to subset
            "remove them first, e.g. sc.pp.filter_cells(adata, min_counts=1) (in a MuData: on each modality, then "
            "mu.pp.intersect_obs(mdata))")
        raise ValueError(f"{n_zero} of {n_obs} cells have zero total counts in {name}; {alone}{fix}")


#: How :func:`check_fit_annotations` words each fix for a Python user; the CLI passes its flags instead.
PYTHON_FIXES: dict[str, str] = {
    "batch_key": "batch_key=<column>",
    "no_batch": "batch_key=None",
    "cell_type_key": "cell_type_key=<column>",
    "annotations": "read_competition(..., annotations=FILE)",
    "unsupervised": "JAEConfig(mode='unsupervised')",
    "reference": "reference=<column or mask>",
}


def check_fit_annotations(
    obs,
    *,
    batch_key: str | None,
    cell_type_key: str | None,
    supervised: bool,
    reference=None,
    phase_keys: tuple[str, str] | None = None,
    fixes: dict[str, str] | None = None,
    paired=None,
) -> None:
    """Check the per-cell annotations :meth:`jae.JAE.fit` needs, before any expensive step.

    Checks that the batch and cell-type columns exist, that supervised mode has at least two labelled reference
    cells, that every cell has a batch (query cells too: fine-tuning, :meth:`jae.JAE.finetune` and
    :func:`jae.mapping.map_query` refuse a cell without one) and every batch at least two reference cells, and that
    the phase columns exist. Linear in the number of cells.

    Parameters
    ----------
    obs
        Per-cell annotations (:class:`pandas.DataFrame`, e.g. ``mdata.obs``).
    batch_key
        Column with each cell's batch; None treats all cells as one batch.
    cell_type_key
        Column with cell-type labels (NaN for query cells); used in supervised mode only.
    supervised
        Whether the model is fitted in supervised mode (cell-type labels needed).
    reference
        Boolean mask or name of a boolean column choosing the reference cells, as for :meth:`jae.JAE.fit`.
    phase_keys
        Columns with S and G2M scores, when given.
    fixes
        How the messages name each fix (keys of :data:`PYTHON_FIXES`); the Python arguments by default.
    paired
        Mosaic data: ``(n_cells,)`` bool, the cells measured in both modalities; at least 2 of them must be reference
        cells (the reference's paired cells give the moments that complete a cell's missing modality).

    Raises
    ------
    KeyError
        For a missing column, naming the available ones and the argument that chooses another.
    ValueError
        For no (or one) labelled reference cell, cells without a batch, or a batch with a single reference cell.
    """
    from ..train.distributed import check_rendezvous
    from .cell_obs import pulled_name_fix
    from .obs_keys import check_fit_keys
    from .paired import check_batches

    check_rendezvous()  # the fits calling this train data-parallel: WORLD_SIZE > 1 without MASTER_ADDR, before any work
    check_fit_keys(batch_key=batch_key, cell_type_key=cell_type_key, phase_keys=phase_keys, supervised=supervised)
    fix = {**PYTHON_FIXES, **(fixes or {})}
    if batch_key is None and "samples" in fix and (aggr := samples_hint(obs.index, "batch", fix["samples"])):
        route = aggr.replace("InputFiles(..., annotations=FILE)", "--annotations FILE (InputFiles(..., annotations=FILE))")
        logger.warning("every cell is taken for one batch (--batch-key none / batch_key=None), but %s, with "
                       "--batch-key batch (batch_key='batch')", route)
    if batch_key is not None and batch_key not in obs.columns:
        shown = columns_near(obs.columns, batch_key)  # 'donor_id' for 'donor' first
        if pulled := pulled_name_fix(obs, batch_key, "batch_key"):  # 'rna:batch' for the modality's 'batch'
            raise KeyError(f"no batch column {batch_key!r} in obs ({shown}){pulled}")
        aggr = samples_hint(obs.index, batch_key, fix.get("samples"))
        aggr = f"{aggr}; else " if aggr else ""
        raise KeyError(
            f"no batch column {batch_key!r} in obs ({shown}); {aggr}pass {fix['batch_key']} naming the "
            f"column with each cell's batch, or {fix['no_batch']} to treat all cells as one batch"
        )
    labels = None
    if supervised:
        if cell_type_key is None:
            raise ValueError(
                f"supervised mode needs cell-type labels; pass {fix['cell_type_key']} or use {fix['unsupervised']}"
            )
        if cell_type_key not in obs.columns:
            shown = columns_near(obs.columns, cell_type_key)  # 'cell_type' for 'celltype' first
            if pulled := pulled_name_fix(obs, cell_type_key, "cell_type_key"):
                raise KeyError(f"no cell-type column {cell_type_key!r} in obs ({shown}){pulled}")
            raise KeyError(
                f"supervised mode needs cell-type labels, but obs has no column {cell_type_key!r} ({shown}); pass "
                f"{fix['cell_type_key']}, add labels with {fix['annotations']}, or use {fix['unsupervised']}"
            )
        labels = obs[cell_type_key]
    ref = reference_mask(obs, reference, labels, cell_type_key=cell_type_key, fixes=fixes)
    if paired is not None:
        _check_reference_paired(ref, np.asarray(paired, dtype=bool), labels, reference, cell_type_key, fix)
    if batch_key is not None:
        batch = obs[batch_key]
        try:
            check_batches(batch, min_cells=1)  # every cell: a query cell was fine-tuned as a batch 'nan'
            check_batches(batch[ref])  # sizes: of the reference cells
        except ValueError as err:
            raise ValueError(f"{err}; or pass {fix['no_batch']} to treat all cells as one batch") from None
    for key in phase_keys or ():
        if key not in obs.columns:
            raise KeyError(f"no cell-cycle score column {key!r} in obs ({columns_near(obs.columns, key)})")
        _check_scores(obs[key], key)
        if np.isinf(pd.to_numeric(obs[key], errors="coerce").to_numpy(float, na_value=np.nan)).any():  # NaN: no score
            raise ValueError(f"phase_keys column {key!r} holds infinite values: give each cell a finite score (NaN where a "
                             "cell has none), or pass phase_keys=None to score the cells from RNA")


def _check_reference_paired(ref, paired, labels, reference, cell_type_key, fix) -> None:
    """Refuse mosaic data whose reference holds fewer than 2 cells measured in both modalities: the model's moments
    (what completes a cell's missing modality, :class:`jae.model.moments.FeatureMoments`) are fitted on those."""
    n_ref = int((ref & paired).sum())
    if n_ref >= 2:
        return
    if reference is None and labels is not None:
        what, choose = f"labelled in obs[{cell_type_key!r}]", f"label some of them in obs[{cell_type_key!r}]"
        choose += f" (or add labels with {fix['annotations']}), or use {fix['unsupervised']}"
    else:
        what, choose = "chosen by reference=", f"choose some of them with {fix['reference']}"
    raise ValueError(
        f"{n_ref} of the {int(paired.sum())} cells measured in both modalities are reference cells ({what}); jae "
        "completes a cell's missing modality from the reference cells measured in both and needs at least 2: "
        f"{choose}")


def samples_hint(names, key: str, route: str | None = None) -> str:
    """For cells named by Cell Ranger aggr (``AAAC-1``, ``AAAC-2``: :func:`sample_suffixes`) whose batch column
    ``key`` is missing, how to take each sample as a batch: ``route`` (``<key>`` in it stands for ``key``; by default
    the obs column set in Python); "" for other names, where --batch-key none / batch_key=None is the fix."""
    samples = sample_suffixes(names)
    if not samples:
        return ""
    route = route or "add the column, e.g. mdata.obs[<key>] = mdata.obs_names.str.rsplit('-', n=1).str[-1]"
    return (f"its cell names end in {', '.join(samples[:5])}{' ...' if len(samples) > 5 else ''} ({len(samples)} "
            f"samples, as Cell Ranger aggr names them): to take each sample as a batch, "
            f"{route.replace('<key>', repr(key))}")


def sample_suffixes(names) -> list[str]:
    """The suffixes ``-1``, ``-2``, ... ending every cell name, a barcode (``AAACCTGAGC...-2``), when there are
    several: Cell Ranger aggr's samples (the cells of its n-th library end in ``-n``); [] otherwise (one sample, or
    names of another form, e.g. numbered cells ``cell-1``, ``cell-2``)."""
    found = pd.Index(names).astype(str).str.extract(r"^[ACGTN]{6,}(-\d+)$", expand=False)  # barcodes; not cell-1
    if not len(found) or found.isna().any():
        return []
    values = sorted(found.unique(), key=lambda s: int(s[1:]))
    return values if len(values) > 1 else []


def _check_scores(column: pd.Series, key: str) -> None:
    """Refuse a ``phase_keys`` column holding text, e.g. the phase labels 'G1' / 'S' / 'G2M' instead of the S and
    G2M scores (numbers; numbers stored as objects pass), naming the column and the fix."""
    if pd.api.types.is_numeric_dtype(column):
        return
    values = pd.Series(np.asarray(column, dtype=object), index=column.index)
    text = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
    if len(text):
        raise ValueError(
            f"phase_keys column {key!r} holds text (e.g. {text.iloc[0]!r}), not scores: phase_keys names the S and G2M "
            "score columns (numbers, e.g. 'S_score' and 'G2M_score' of scanpy.tl.score_genes_cell_cycle); pass those "
            "columns, or phase_keys=None to score the cells from RNA"
        )


def reference_mask(obs, reference, labels, *, cell_type_key: str | None = None, fixes: dict[str, str] | None = None
                   ) -> np.ndarray:
    """``(n_cells,)`` bool: the reference cells of :meth:`jae.JAE.fit`.

    ``reference``: a boolean mask (a Series indexed by cell names: in any order) or the name of a boolean ``obs``
    column; None takes the labelled cells (``labels``, NaN for query cells, from the column ``cell_type_key``), or
    every cell when there are no labels. Raises when the mask is misshapen or not boolean, a reference cell has no
    label, a label is the text of a missing value ('nan') or the labels are continuous numbers (a pseudotime), or fewer
    than 2 cells remain; ``fixes`` as for :func:`check_fit_annotations`."""
    fix = {**PYTHON_FIXES, **(fixes or {})}
    n = len(obs)
    if labels is not None:
        from ..labels.transfer import check_not_measurement
        check_not_measurement(labels, cell_type_key, fix["cell_type_key"])  # as jae.evaluate refuses them
        _check_missing_as_text(labels, cell_type_key)
    if reference is not None:
        if isinstance(reference, str):
            if reference not in obs.columns:
                raise KeyError(
                    f"no reference column {reference!r} in obs ({columns_near(obs.columns, reference)}); pass "
                    f"{fix['reference']}"
                )
            reference = obs[reference]
        ref = _as_mask(by_cell_names(reference, obs.index, what="reference"))
        if ref.shape != (n,):
            raise ValueError(f"reference mask has shape {ref.shape}, expected ({n},): one entry per cell")
        if labels is not None and labels[ref].isna().any():
            raise ValueError(
                f"{int(labels[ref].isna().sum())} reference cells have no cell-type label in {cell_type_key!r}; "
                "label them or leave them out of the reference (cells without labels are fine-tuned on as query)"
            )
    elif labels is not None:
        ref = labels.notna().to_numpy()
    else:
        ref = np.ones(n, dtype=bool)
    if ref.sum() < 2:
        what = f"labelled cells in obs[{cell_type_key!r}]" if labels is not None and reference is None else "reference cells"
        raise ValueError(  # the reference mask chose too few, or (without labels) the data holds too few
            f"{int(ref.sum())} {what} of {n}; " + (f"supervised JAE pretrains on at least 2 cells with a cell-type label: "
            f"add labels with {fix['annotations']} or use {fix['unsupervised']}" if reference is None and labels is not None
            else f"JAE pretrains on at least 2 reference cells: choose more with {fix['reference']}, or fit on more cells"))
    if labels is not None:
        types = labels[ref].astype(str).unique()
        if len(types) < 2:  # the head would call every cell this type, with confidence 1
            raise ValueError(
                f"the {int(ref.sum())} labelled cells in obs[{cell_type_key!r}] are all one cell type "
                f"({types[0]!r}); supervised JAE learns to tell cell types apart and needs at least 2: label cells "
                f"of other types too, or use {fix['unsupervised']}"
            )
    return ref


#: Texts that mean "no value" in a label or batch column, compared case-insensitively after stripping blanks: what
#: ``.astype(str)`` makes of NaN / None / pd.NA, an empty string, and what R and spreadsheets write for a missing value.
MISSING_TEXT = frozenset({"", "nan", "none", "na", "n/a", "<na>", "null"})


def missing_text(values) -> np.ndarray:
    """``(n,)`` bool: the entries that are text reading as a missing value (:data:`MISSING_TEXT`)."""
    codes, uniques = pd.factorize(pd.Series(values, copy=False) if isinstance(values, pd.Categorical) else
                                  np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values)
    uniques = pd.Series(np.asarray(uniques, dtype=object), dtype=object)  # each distinct value once (NaN: code -1)
    if pd.api.types.infer_dtype(uniques, skipna=True) in ("string", "empty"):
        found = uniques.str.strip().str.lower().isin(MISSING_TEXT).to_numpy()
    else:  # bytes or other objects among them
        found = np.array([isinstance(v, (str, bytes)) and (v.decode(errors="replace") if isinstance(v, bytes) else v)
                          .strip().lower() in MISSING_TEXT for v in uniques], dtype=bool)
    return np.append(found, False)[codes]


def _check_missing_as_text(labels, cell_type_key) -> None:
    """Refuse cell-type labels that spell a missing value ('nan' after ``.astype(str)``): they would be learnt as a
    cell type of their own, and those cells not treated as the unlabelled query."""
    present = labels[labels.notna()]
    missing = missing_text(present.astype(str).to_numpy())
    if missing.any():
        found = sorted({repr(str(v)) for v in present[missing]})
        raise ValueError(
            f"{int(missing.sum())} cells have the cell-type label {', '.join(found)} in {cell_type_key!r}, the text of "
            "a missing value (e.g. after .astype(str)), which would be learnt as a cell type; make them real missing "
            f"values so they are fitted as unlabelled query cells: obs[{cell_type_key!r}] = obs[{cell_type_key!r}]"
            f".where(~obs[{cell_type_key!r}].isin([{', '.join(found)}]))"  # .replace: deprecated for categoricals
        )


def _as_mask(reference) -> np.ndarray:
    """``reference`` as a boolean array; refuses text or other non-0/1 values, which ``bool`` would read as True."""
    missing = int(pd.isna(pd.Series(np.asarray(reference, dtype=object).ravel())).sum())
    if missing:
        raise ValueError(f"the reference mask has {missing} missing values; fill them, e.g. "
                         "reference=mask.fillna(False) to fit those cells as query cells")
    values = np.asarray(reference)
    if values.dtype == object and all(isinstance(v, (bool, np.bool_)) for v in values.ravel()):
        values = values.astype(bool)  # True / False held as Python objects
    if values.dtype == bool:
        return values
    if np.issubdtype(values.dtype, np.number) and np.isin(values, (0, 1)).all():
        return values.astype(bool)
    shown = ", ".join(repr(v) for v in pd.unique(values.ravel())[:3])
    raise ValueError(
        f"the reference mask holds {shown}, not True / False: give booleans, e.g. reference=obs['is_ref'] == 'True' "
        "for a column of text"
    )
