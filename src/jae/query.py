"""Query data as a fitted model's input features, when it lacks some of them (issue 15).

Every :meth:`jae.JAE.embed`, :meth:`~jae.JAE.latent`, :meth:`~jae.JAE.predict_cell_type`, :meth:`~jae.JAE.finetune`
and :meth:`~jae.JAE.map_query` call reads its data through :func:`query_features`. Data with the model's features
in both modalities takes the preprocessing's own path (:meth:`jae.preprocess.Preprocessor.transform`), so paired
cells embed exactly as before. Otherwise, per modality:

- **features that differ from the reference's** (another gene or peak list, another antibody panel): the overlap is
  used, extra features are ignored, one log line gives the numbers (:func:`jae.io.features.feature_overlap`), and
  below :data:`jae.io.features.MIN_FEATURE_FRACTION` of the reference's features it refuses. Missing features are
  never read as zeros: an SVD block is re-solved from the present features (the posterior mean of its coordinates
  under the reference cells' distribution, :meth:`jae.model.moments.FeatureMoments.block_posterior`), and missing
  protein columns get their regression on the observed columns over the reference cells (the conditional mean,
  :meth:`~jae.model.moments.FeatureMoments.conditional_mean`). A cell's library size is its total over the present
  features divided by the share they hold in the reference cells' mean profile.
- **cells without the second modality** (a MuData or AnnData with RNA only, or a second modality measured in part of
  the cells): that modality's columns get their regression on the cell's RNA columns over the reference cells. The
  network and every paired cell's embedding are untouched; RNA-only cells land in the same space.

Both need the reference cells' feature moments that :meth:`jae.JAE.fit` keeps (``model.moments``); models saved
before them embed only data with the reference's features in both modalities.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .io.features import FeatureOverlap, examples, feature_overlap
from .preprocess.normalize import SCALE, log_normalize

__all__ = ["QueryFeatures", "query_features"]

logger = logging.getLogger(__name__)

#: Largest share of the library the missing features may be estimated to hold.
MAX_MISSING_SHARE = 0.9


class QueryFeatures(NamedTuple):
    """``X``: ``(n_cells, n_input)`` float32 input features; ``cells``: their names; ``observed``:
    ``(n_cells, n_modalities)`` bool, whether each cell has each modality (False: its columns were imputed)."""

    X: np.ndarray
    cells: pd.Index
    observed: np.ndarray


def query_features(model, data, *, layer: str | None = "counts") -> QueryFeatures:
    """The input features of ``data``'s cells for the fitted ``model`` (see the module docstring).

    ``data``: MuData, ``{name: AnnData}``, an AnnData of the RNA modality alone, or data on disk
    (:func:`jae.io.open_competition` / :func:`jae.io.open_h5mu`, streamed in row blocks).
    """
    from .io.paired_files import _as_files

    model._require_fitted()
    files = _as_files(data, None)
    if files is not None:
        return _from_files(model, files, data)
    mods = _modalities(data)
    names = _pick(model, mods)
    rna, other = (mods[n] if n is not None else None for n in names)
    if other is not None and pd.Index(other.obs_names).sort_values().equals(pd.Index(rna.obs_names).sort_values()):
        from .io.paired import get_paired

        paired = get_paired({n: mods[n] for n in names}, modalities=names, layer=layer)
        if paired.kinds != model.preprocessor.kinds:
            raise ValueError(
                f"data has modalities of kinds {paired.kinds}, the model was fitted on {model.preprocessor.kinds}")
        cells, counts = _cell_order(data, paired.obs_names), list(paired.counts)
        if not cells.equals(paired.obs_names):
            counts = [c[paired.obs_names.get_indexer(cells)] for c in counts]
        return _transform(model, counts, [paired.var_names[0], paired.var_names[1]], names, cells, None)
    return _mosaic(model, data, names, rna, other, layer=layer)


# ----------------------------------------------------------------------------------------- finding the modalities
def _modalities(data) -> dict:
    if isinstance(data, Mapping):
        return dict(data)
    if hasattr(data, "mod"):
        return dict(data.mod)
    if hasattr(data, "var_names") and hasattr(data, "X"):  # one AnnData: the RNA modality alone
        return {"rna": data}
    raise TypeError(f"expected a MuData, a dict of AnnData or an AnnData of RNA, got {type(data).__name__}")


def _pick(model, mods: dict) -> tuple[str, str | None]:
    """The data's names of the model's RNA and second modality (None when the data lacks the second)."""
    from .io.modality import detect_kind

    found = []
    for name, kind in zip(model.modality_names, model.preprocessor.kinds):
        if name in mods:
            found.append(name)
            continue
        same = []
        for n, adata in mods.items():
            try:
                if detect_kind(adata, name=n) == kind:
                    same.append(n)
            except ValueError:
                continue
        if len(same) > 1:
            raise ValueError(f"the data has {len(same)} {kind} modalities ({examples(same)}); keep the one to embed")
        found.append(same[0] if same else None)
    if found[0] is None:
        raise ValueError(
            f"the data has no RNA modality (the model's is named {model.modality_names[0]!r}; data has "
            f"{examples(list(mods), 5)}): jae places query cells from their RNA, with or without "
            f"{model.preprocessor.kinds[1]}; add it under that name"
        )
    return found[0], found[1]


def _cell_order(data, names: pd.Index) -> pd.Index:
    target = getattr(data, "obs_names", None)
    if target is not None and len(target) == len(names) and pd.Index(target).isin(names).all():
        return pd.Index(target)
    return pd.Index(names)


def _mosaic(model, data, names, rna, other, *, layer) -> QueryFeatures:
    from .io.paired import _as_csr, _matrix
    from .io.validate import validate_counts

    cells = pd.Index(rna.obs_names)
    if not cells.is_unique:
        raise ValueError(f"modality {names[0]!r} has duplicated cell names; make obs_names unique first")
    target = getattr(data, "obs_names", None)
    if target is not None and hasattr(data, "mod"):
        only_other = pd.Index(target).difference(cells)
        if len(only_other):
            raise ValueError(
                f"{len(only_other)} cells have no RNA (e.g. {examples(only_other)}); jae places query cells from "
                "their RNA, with or without the second modality: drop those cells (e.g. mdata[has_rna])"
            )
        cells = pd.Index(target)
    counts_rna = _as_csr(_matrix(rna, name=names[0], layer=layer))
    if not pd.Index(rna.obs_names).equals(cells):
        counts_rna = counts_rna[pd.Index(rna.obs_names).get_indexer(cells)]
    validate_counts(counts_rna, name=f"modality {names[0]!r}")
    has = np.zeros(len(cells), dtype=bool)
    counts_other, var_other = None, None
    if other is not None:
        in_cells = pd.Index(other.obs_names).isin(cells)
        if not in_cells.all():
            raise ValueError(
                f"{int((~in_cells).sum())} cells of modality {names[1]!r} are not in {names[0]!r} (e.g. "
                f"{examples(pd.Index(other.obs_names)[~in_cells])}); jae places query cells from their RNA: drop them"
            )
        pos = cells.get_indexer(pd.Index(other.obs_names))
        has[pos] = True
        counts_other = _as_csr(_matrix(other, name=names[1], layer=layer))[np.argsort(pos)]
        validate_counts(counts_other, name=f"modality {names[1]!r}")
        var_other = other.var_names
    logger.info(
        "%d of %d cells have no %s measurements (modality %r): its features are imputed from their RNA by the "
        "reference cells' regression", int((~has).sum()), len(cells), model.preprocessor.kinds[1],
        model.modality_names[1],
    )
    return _transform(model, [counts_rna, counts_other], [rna.var_names, var_other], names, cells, has)


def _from_files(model, files, data) -> QueryFeatures:
    if files.kinds != model.preprocessor.kinds:
        raise ValueError(f"data has modalities of kinds {files.kinds}, the model was fitted on {model.preprocessor.kinds}")
    observed = np.ones((files.n_obs, 2), dtype=bool)
    cached = getattr(model, "_files_features", None)
    if cached is not None and cached[0]() is files and cached[1] is model.preprocessor:
        return QueryFeatures(cached[2], files.obs_names, observed)  # the same files again (jae embed: fine-tune, embed)
    X = _transform(model, files.sources(), list(files.var_names), files.names, files.obs_names, None).X
    if files is data:  # one slot, kept until other data comes: a pass over big files costs minutes
        model._files_features = (weakref.ref(files), model.preprocessor, X)
    return QueryFeatures(X, files.obs_names, observed)


# --------------------------------------------------------------------------------------------- the features
def _transform(model, counts, var_names, names, cells: pd.Index, has_other: np.ndarray | None) -> QueryFeatures:
    """Features of the cells ``cells``; ``counts[1]`` holds only the cells ``has_other`` (all when None)."""
    pre = model.preprocessor
    observed = np.ones((len(cells), 2), dtype=bool)
    if has_other is not None:
        observed[:, 1] = has_other
    exact = has_other is None and all(pd.Index(v).astype(str).equals(e) for v, e in zip(var_names, pre.var_names))
    if exact:  # the preprocessing's own path: paired cells embed exactly as they always did
        return QueryFeatures(pre.transform(counts, var_names, names=names), cells, observed)
    overlaps = [
        None if v is None else feature_overlap(v, e, name=f"modality {n!r}")
        for v, e, n in zip(var_names, pre.var_names, names)
    ]
    moments = getattr(model, "moments", None)
    needs = has_other is not None and not has_other.all() or any(o is not None and not o.complete for o in overlaps)
    if needs and moments is None:
        raise ValueError(
            "this model was saved before jae kept the reference cells' feature statistics, which filling in missing "
            "features or a missing modality needs; refit it with this jae version, or pass data with the model's "
            "features in both modalities"
        )
    X = np.zeros((len(cells), pre.n_output), dtype=np.float32)
    widths = [len(v) if b is None else b.n_components for v, b in zip(pre.var_names, pre.bases)]
    blocks = [slice(0, widths[0]), slice(widths[0], widths[0] + widths[1])]
    for i in (0, 1):
        if counts[i] is None:
            continue
        rows = np.arange(len(cells)) if i == 0 or has_other is None else np.flatnonzero(has_other)
        X[rows, blocks[i]] = _block(model, i, counts[i], overlaps[i], blocks, X[rows, blocks[0]] if i else None)
    if has_other is not None and not has_other.all():
        gone = np.flatnonzero(~has_other)
        cols = np.arange(pre.n_output)
        X[gone, blocks[1]] = moments.conditional_mean(X[gone, blocks[0]], cols[blocks[0]], cols[blocks[1]])
    return QueryFeatures(X, cells, observed)


def _block(model, i: int, counts, overlap: FeatureOverlap, blocks, rna_X: np.ndarray | None) -> np.ndarray:
    """Modality ``i``'s columns from its counts, the missing features re-solved (``rna_X``: the same cells' RNA
    columns, which missing protein columns are regressed on)."""
    from .io.chunked import InMemoryCounts
    from .preprocess.pipeline import BLOCK_ROWS

    pre = model.preprocessor
    source = counts if hasattr(counts, "blocks") else InMemoryCounts(counts)
    out, pos = [], 0
    for block in source.blocks(BLOCK_ROWS):
        n = block.shape[0]
        identity = len(overlap.columns) == block.shape[1] and np.array_equal(overlap.columns, np.arange(block.shape[1]))
        sub = block if identity else block[:, overlap.columns]
        if overlap.complete:
            out.append(pre._features_of(i, log_normalize(sub)))
        elif pre.bases[i] is not None:
            out.append(_svd_partial(model, i, sub, overlap, blocks[i]))
        else:
            out.append(_values_partial(model, i, sub, overlap, blocks, rna_X[pos:pos + n]))
        pos += n
    return np.concatenate(out) if out else np.empty((0, blocks[i].stop - blocks[i].start), np.float32)


def _normalise(sub, missing_share: float):
    """log10(1 + 1e4 c / L) with ``L`` the total over the present features divided by ``1 - missing_share`` (the
    share of the library the missing features hold in the reference cells' mean profile, so the present features
    are normalised as with every feature present); a cell with no counts over them gives a row of zeros."""
    X = sp.csr_matrix(sub, dtype=np.float32, copy=True)
    totals = np.asarray(X.sum(axis=1)).ravel()
    scale = (SCALE * (1.0 - missing_share) / np.maximum(totals, 1e-12)).astype(np.float32)
    X.data *= np.repeat(scale, np.diff(X.indptr))
    np.log1p(X.data, out=X.data)
    X.data /= np.float32(np.log(10.0))
    return X


def _reference_share(missing_values: np.ndarray) -> float:
    """Share of the library held by features whose log-normalised values are ``missing_values`` ``(m,)`` (the
    reference cells' mean), one number for every cell."""
    share = np.clip(10.0 ** np.asarray(missing_values, dtype=np.float64) - 1.0, 0.0, None).sum() / SCALE
    return float(min(share, MAX_MISSING_SHARE))


def _svd_partial(model, i: int, sub, overlap: FeatureOverlap, block: slice) -> np.ndarray:
    comp = model.preprocessor.bases[i].components
    V_obs = comp[:, overlap.present]
    share = _reference_share(model.moments.mean[block] @ comp[:, overlap.missing])
    normed = _normalise(sub, share)
    proj = np.asarray(normed @ V_obs.T, dtype=np.float64)
    sq = np.asarray(normed.multiply(normed).sum(axis=1), dtype=np.float64).ravel()
    return model.moments.block_posterior(block, V_obs, proj, sq, len(overlap.present))


def _values_partial(model, i: int, sub, overlap: FeatureOverlap, blocks, rna_X: np.ndarray) -> np.ndarray:
    cols = np.arange(model.preprocessor.n_output)
    observed = np.concatenate([cols[blocks[0]], cols[blocks[i]][overlap.present]])
    missing = cols[blocks[i]][overlap.missing]
    share = _reference_share(model.moments.mean[missing])
    normed = np.asarray(_normalise(sub, share).toarray(), dtype=np.float32)
    out = np.empty((sub.shape[0], blocks[i].stop - blocks[i].start), dtype=np.float32)
    out[:, overlap.present] = normed
    out[:, overlap.missing] = model.moments.conditional_mean(np.hstack([rna_X, normed]), observed, missing)
    return out
