"""Query cells' input features computed (:mod:`jae.query`): the preprocessing's own path for the model's features
in both modalities, else each modality's block from the features present (an SVD block re-solved, missing protein
columns regressed: :mod:`jae.query.partial`), and the block of a modality a cell lacks regressed on its other block
(:func:`fill_missing_blocks`). :mod:`jae.query` finds the data's modalities and cells and hands their counts here."""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
import pandas as pd

from .fit_cells import SeenCounts
from ..io.features import FeatureOverlap, feature_overlap
from .alone import other_alone
from .partial import svd_partial, values_partial

logger = logging.getLogger(__name__)


class QueryFeatures(NamedTuple):
    """``X``: ``(n_cells, n_input)`` float32 input features; ``cells``: their names; ``observed``:
    ``(n_cells, n_modalities)`` bool, whether each cell has each modality (False: its columns were imputed);
    ``fitted``: ``(n_cells,)`` bool, whether each cell is one of the model's fitted cells (:mod:`jae.query.fit_cells`;
    None when the model keeps none)."""

    X: np.ndarray
    cells: pd.Index
    observed: np.ndarray
    fitted: np.ndarray | None = None


def _transform(model, counts, var_names, names, cells: pd.Index, observed: np.ndarray | None = None,
               rows: list | None = None, symbols=(None, None), raw=(None, None),
               columns=(None, None)) -> QueryFeatures:
    """Features of the cells ``cells``; ``observed`` ``(n_cells, 2)``: whether each cell has each modality
    (``counts[i]`` holds the cells ``observed[:, i]`` only; every cell both when None). ``counts[i]`` is a matrix or
    a row-block source; its rows are the cells ``rows[i]`` (positions in ``cells``), by default those measured in
    it in ``cells``' order. ``symbols[i]``: the gene symbols in ``var['feature_name']`` (CELLxGENE), or a function
    giving them, for the message when the features do not match (:func:`jae.io.features.feature_overlap`);
    ``raw[i]``: the features of a ``.raw`` the data holds there and did not read, for that message too;
    ``columns[i]``: the ``var`` columns of the genes' other names (:func:`jae.io.gene_names.name_columns`, or a
    function giving them), read by instead of the var_names where those hold too few of the model's genes
    (:func:`jae.io.gene_names.names_by_column`: CELLxGENE's Ensembl IDs for a model of symbols)."""
    pre = model.preprocessor
    var_names = [_by_column(v, e, c, name=f"modality {n!r}") if k == "GEX" and v is not None and c is not None else v
                 for v, e, c, n, k in zip(var_names, pre.var_names, columns, names, pre.kinds)]
    full = observed is None
    observed = np.ones((len(cells), 2), dtype=bool) if full else observed
    exact = full and all(pd.Index(v).astype(str).equals(e) for v, e in zip(var_names, pre.var_names))
    keeps = getattr(model, "fit_cells", None) is not None and counts[0] is not None
    if exact:  # the preprocessing's own path: paired cells embed exactly as they always did
        # the counts were checked: not again (Preprocessor.transform)
        from ..preprocess.pipeline import transform_blocks
        seen = SeenCounts(counts[0]) if keeps else None  # fitted cells told in the same pass (jae.query.fit_cells)
        X = transform_blocks(pre, [seen or counts[0], *counts[1:]], var_names=var_names, names=names)[0]
        return QueryFeatures(X, cells, observed, None if seen is None else seen.fitted(model))
    with_rna = var_names[0] is not None
    with other_alone(model, var_names):  # one AnnData of the second modality, read as the RNA: said so
        overlaps = [None if v is None else _overlap(i, v, e, name=f"modality {n!r}", symbols=sym, with_rna=with_rna,
                                                    raw=r, peaks=pre.kinds[i] == "ATAC")
                    for i, (v, e, n, sym, r) in enumerate(zip(var_names, pre.var_names, names, symbols, raw))]
    moments = getattr(model, "moments", None)
    needs = not observed.all() or any(o is not None and not o.complete for o in overlaps)
    if needs and moments is None:
        raise ValueError(
            "this model was saved before jae kept the reference cells' feature statistics, which filling in missing "
            "features or a missing modality needs; refit it with this jae version, or pass data with the model's "
            "features in both modalities"
        )
    X = np.zeros((len(cells), pre.n_output), dtype=np.float32)
    widths = pre.widths
    blocks = [slice(0, widths[0]), slice(widths[0], widths[0] + widths[1])]
    rows = [np.flatnonzero(observed[:, i]) for i in (0, 1)] if rows is None else rows
    seen = SeenCounts(counts[0], overlaps[0].columns) if keeps and overlaps[0].complete else None
    if counts[0] is not None:
        X[rows[0], blocks[0]] = _block(model, 0, seen or counts[0], overlaps[0], blocks, None)
    if counts[1] is not None:
        at = rows[1]
        with_rna = observed[at, 0]
        if overlaps[1].complete or with_rna.all() or pre.bases[1] is not None:  # (an SVD block reads no RNA)
            X[at, blocks[1]] = _block(model, 1, counts[1], overlaps[1], blocks, X[at, blocks[0]])
        else:  # missing proteins of cells without RNA: regressed on the present proteins alone
            matrix = counts[1].read() if hasattr(counts[1], "read") else getattr(counts[1], "X", counts[1])
            for sel in (with_rna, ~with_rna):  # (a protein panel: a narrow matrix, read whole)
                if sel.any():
                    X[at[sel], blocks[1]] = _block(model, 1, matrix[np.flatnonzero(sel)], overlaps[1], blocks,
                                                   X[at[sel], blocks[0]] if sel is with_rna else None)
    return QueryFeatures(fill_missing_blocks(model, X, observed), cells, observed, _fitted(model, seen, observed,
                                                                                         rows))


def _by_column(var_names, expected, columns, *, name: str):
    """``var_names``, or the genes' names in a ``var`` column where those match too few of ``expected``
    (:func:`jae.io.gene_names.names_by_column`)."""
    from ..io.features import MIN_FEATURE_FRACTION
    from ..io.gene_names import names_by_column

    found = names_by_column(var_names, expected, columns, name=name, min_fraction=MIN_FEATURE_FRACTION)
    return var_names if found is None else found


def _fitted(model, seen: SeenCounts | None, observed: np.ndarray, rows) -> np.ndarray | None:
    """Which cells are the model's fitted cells (:func:`jae.query.fit_cells.is_fitted`): cells with the model's every
    gene (in any order), told by their RNA counts as they were read (``seen``); cells without RNA, or data lacking some
    of its genes (``seen`` None), are new."""
    if getattr(model, "fit_cells", None) is None:
        return None
    fitted = np.zeros(len(observed), bool)
    if seen is not None:
        fitted[rows[0]] = seen.fitted(model)
    return fitted


def _overlap(i: int, var_names, expected, *, name: str, symbols, with_rna: bool, raw=None,
             peaks: bool = False) -> FeatureOverlap:
    """:func:`feature_overlap`; a second modality beside the RNA with too few of its features: the RNA-alone fix too;
    too few where the data's ``.raw``, not read (``raw``: its features), holds enough: ``layer='raw'`` first; enough,
    but with missing features among the extra ones named otherwise (``cd3`` for ``CD3``): a warning naming the fix
    (not sought among ``peaks``, a model's ATAC features: 8 s at 116,490 peaks, and a sample's own peaks are no
    renaming of the model's but other intervals, which :func:`jae.remap_peaks` puts on them)."""
    try:
        overlap = feature_overlap(var_names, expected, name=name, symbols=symbols)
        if not peaks:
            _warn_renamed(i, var_names, expected, overlap, name=name)
        return overlap
    except ValueError as err:
        # a renaming fix reads the model's features, named as a placeholder no one could fill: where they are
        text = _raw_fix(str(err).replace(_PLACEHOLDER, f"model.preprocessor.var_names[{i}]"), raw, expected)
        if i == 0 or not with_rna or "jae needs to place its cells" not in text:
            if text == str(err):
                raise
            raise ValueError(text) from None
        raise ValueError(f"{text}; or place these cells from their RNA alone: pass the RNA without the second "
                         "modality (its AnnData, e.g. mdata['rna'], or jae.io.open_rna(path))") from None


def _warn_renamed(i: int, var_names, expected, overlap: FeatureOverlap, *, name: str) -> None:
    """Warn when missing features of the model's are among the data's extra ones named another way (another case,
    prefix or suffix, tag, Ensembl version), with the renaming that reads them: they were read as missing (re-solved
    from the present ones) with no more than the overlap's INFO line, e.g. half of a panel's antibodies in lower case."""
    if not (len(overlap.missing) and overlap.n_extra):
        return
    from ..io.features import _renaming_fix

    expected = pd.Index(expected).astype(str)  # a renaming must read more of them than their names do
    fix = _renaming_fix(pd.Index(var_names).astype(str).unique(), expected, None, "the model",
                        need=(len(overlap.present) + 1) / len(expected))
    if fix is not None:
        logger.warning("%s: %d of the model's %d features are missing and read as such (re-solved from the present "
                       "ones), but the data's extra features include some of them named another way: %s", name,
                       len(overlap.missing), len(expected),
                       fix.replace(_PLACEHOLDER, f"model.preprocessor.var_names[{i}]"))


def _raw_fix(text: str, raw, expected) -> str:
    """The refusal ``text`` of too few of the model's features ``expected``, with ``layer='raw'`` as the first fix
    where the data's ``.raw`` of counts (``raw``: its features, None when there is none or it was read) holds enough:
    a model fitted with ``layer='raw'`` and a query read from the default ``layers['counts']``, cut to the highly
    variable genes with ``.X``, was told to refit on the shared features."""
    marker = "jae needs to place its cells: "
    if raw is None or marker not in text:
        return text
    from ..io.features import MIN_FEATURE_FRACTION

    expected = pd.Index(expected).astype(str)
    found = int(expected.isin(pd.Index(raw).astype(str)).sum())
    if found < MIN_FEATURE_FRACTION * len(expected):
        return text
    head, tail = text.split(marker, 1)
    return (f"{head}{marker}its .raw holds the counts of {found} of them: pass layer='raw' to read those (as a model "
            f"fitted with layer='raw' read its features); else {tail}")


#: How jae.io.features' renaming fixes name the model's features (e.g. ids = {n.split('_')[0]: n for n in <...>}).
_PLACEHOLDER = "<the model's features>"


def fill_missing_blocks(model, X: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """``X`` (changed in place and returned) with the block of each modality a cell lacks (``observed[:, i]`` False)
    set to its regression on the cell's other block over the reference cells (``model.moments``): how cells measured
    in one modality are placed, and how the label calibration places its held-out cells from one modality."""
    widths = model.preprocessor.widths
    blocks = [slice(0, widths[0]), slice(widths[0], widths[0] + widths[1])]
    cols = np.arange(model.preprocessor.n_output)
    for i in (1, 0):
        gone = np.flatnonzero(~observed[:, i])
        for s in range(0, len(gone), FILL_ROWS):  # the regression's float64 intermediates, a chunk of cells at a time
            rows = gone[s : s + FILL_ROWS]
            X[rows, blocks[i]] = model.moments.conditional_mean(X[rows, blocks[1 - i]], cols[blocks[1 - i]],
                                                                cols[blocks[i]])
    return X


#: Cells whose missing block :func:`fill_missing_blocks` regresses at a time: its float64 intermediates are a few
#: copies of cells x block width, about 4 GB for a million RNA-only cells in one piece.
FILL_ROWS = 65_536


def _block(model, i: int, counts, overlap: FeatureOverlap, blocks, rna_X: np.ndarray | None) -> np.ndarray:
    """Modality ``i``'s columns from its counts, the missing features re-solved (``rna_X``: the same cells' RNA
    columns, which missing protein columns are regressed on; None for cells without RNA: the present proteins
    alone)."""
    from ..io.chunked import InMemoryCounts
    from ..preprocess.pipeline import BLOCK_ROWS

    pre = model.preprocessor
    source = counts if hasattr(counts, "blocks") else InMemoryCounts(counts)
    out, pos = [], 0
    for block in source.blocks(BLOCK_ROWS):
        n = block.shape[0]
        identity = len(overlap.columns) == block.shape[1] and np.array_equal(overlap.columns, np.arange(block.shape[1]))
        sub = block if identity else block[:, overlap.columns]
        if not identity:  # counts in features the model lacks only: nothing to place the cell by in this modality
            _refuse_empty(model, i, sub, overlap, pos)
        if overlap.complete:
            out.append(pre._features_of(i, pre.normalise(i, sub)))
        elif pre.bases[i] is not None:
            out.append(svd_partial(model, i, sub, overlap, blocks[i]))
        else:
            out.append(values_partial(model, i, sub, overlap, blocks, None if rna_X is None else rna_X[pos:pos + n]))
        pos += n
    return np.concatenate(out) if out else np.empty((0, blocks[i].stop - blocks[i].start), np.float32)


def _refuse_empty(model, i: int, sub, overlap: FeatureOverlap, start: int) -> None:
    """Refuse cells (rows of ``sub``, the model's features present in a block of the data starting at cell ``start``)
    with no counts in modality ``i``'s features the model knows: their counts all lie in features it ignores, so
    normalising them divided by zero (the model's features all present) or placed them at the reference's mean."""
    zero = np.flatnonzero(np.asarray(sub.sum(axis=1)).ravel() == 0)
    if len(zero):
        raise ValueError(
            f"{len(zero)} cells of modality {model.modality_names[i]!r} (the first at its row {start + int(zero[0])}) "
            f"have no counts in the {len(overlap.present)} of its features the model knows (their counts all lie in "
            f"the {overlap.n_extra} features it does not know), so nothing places them from that modality: drop "
            "them, or, with a second modality, leave them out of this one only and jae places them from the other "
            "(mosaic data)"
        )
