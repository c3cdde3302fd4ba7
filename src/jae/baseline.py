"""The seed's baseline embedding: per-modality SVD of the normalised data, concatenated.

Each modality is normalised with :func:`jae.preprocess.log_normalize` and reduced with a seeded truncated SVD
(:func:`jae.preprocess.fit_svd`); the blocks are concatenated. The total stays within ``n_dims`` (the competition's
format check allows at most 100), split evenly between the modalities; an ADT panel with no more features than its
share is used as is, a modality whose SVD gives fewer components than its share (a narrow gene panel, or fewer cells
than the share) gives those, and the unused share goes to the others.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from .io import get_paired, normalize_kind
from .io.cell_obs import reading_columns
from .preprocess import fit_svd, log_normalize
from .preprocess.pipeline import SVD_FIT_CELLS

__all__ = ["svd_baseline", "svd_baseline_from", "MAX_DIMS"]

log = logging.getLogger(__name__)

#: What ``jae.evaluate(..., baseline=True)`` adds to a refusal of the counts the baseline reads.
_WAY_OUT = "or pass baseline=False to score the given embeddings alone"

#: The competition's format check rejects joint embeddings wider than this.
MAX_DIMS = 100


def _budgets(n_features: Sequence[int], kinds: Sequence[str], n_dims: int,
             n_cells: int | None = None) -> list[int | None]:
    """Columns per modality; ``None`` marks an ADT block used without SVD. With ``n_cells``, a modality whose SVD
    gives fewer components than its even share (``min(n_cells, n_features) - 1``, e.g. a narrow gene panel) gets
    those, and the rest of its share goes to the others."""
    budgets: list[int | None] = [None] * len(kinds)
    remaining, todo = n_dims, list(range(len(kinds)))
    # ADT panels that fit into an even share are kept whole (no SVD); their leftover goes to the rest.
    for i in list(todo):
        if kinds[i] == "ADT" and n_features[i] <= remaining // len(todo):
            budgets[i] = None
            remaining -= n_features[i]
            todo.remove(i)
    capped = n_cells is not None
    while capped and todo:  # until no SVD falls short of its share (without a short one: the split as it was)
        capped = False
        for i in list(todo):
            most = max(1, min(n_cells, n_features[i]) - 1)
            if most < remaining // len(todo):
                budgets[i], capped = most, True
                remaining -= most
                todo.remove(i)
    for j, i in enumerate(todo):
        share = remaining // (len(todo) - j)
        budgets[i] = share
        remaining -= share
    return budgets


def _as_n_dims(n_dims) -> int:
    """``n_dims`` as an int, refused in one line when it is no whole number (numpy integers are)."""
    if isinstance(n_dims, bool) or not isinstance(n_dims, numbers.Integral):
        raise TypeError(f"svd_baseline: n_dims must be a whole number of columns, not {n_dims!r}; "
                        f"e.g. n_dims={MAX_DIMS}")
    return int(n_dims)


def _summed(X):
    """``X`` as a float32 CSR copy with repeated entries of a cell and feature summed (files assembled from triplets can
    hold them; normalised one by one they would be wrong), as jae's preprocessing reads counts
    (:class:`jae.io.chunked.InMemoryCounts`); dense input as it is. The input is never changed."""
    if not sp.issparse(X):
        return X
    X = sp.csr_matrix(X, dtype=np.float32, copy=True)
    if not X.has_canonical_format:
        X.sum_duplicates()
    return X


def svd_baseline(counts: Sequence, kinds: Sequence[str], *, n_dims: int = MAX_DIMS, seed: int = 0,
                 svd_fit_cells: int | None = SVD_FIT_CELLS) -> np.ndarray:
    """The SVD-concat baseline embedding of paired modalities.

    Parameters
    ----------
    counts
        Raw count matrices, one per modality, each ``(n_cells, n_features_m)`` with the same cells in the same
        order (dense or sparse).
    kinds
        Modality kinds, one per matrix: ``'GEX'``, ``'ATAC'`` or ``'ADT'``.
    n_dims
        Most columns in total (default 100, the competition's limit).
    seed
        Seed of the randomised SVDs and of the cell sample.
    svd_fit_cells
        Above this many cells, each SVD is fitted on a seeded sample of that many (the sample jae's own
        preprocessing fits on, :data:`jae.preprocess.pipeline.SVD_FIT_CELLS`) and every cell is projected onto it;
        None: fitted on every cell.

    Returns
    -------
    ``(n_cells, <= n_dims)`` float32 array: the modality blocks side by side, in the order of ``counts``.
    """
    from .config import as_seed

    seed = as_seed(seed)
    if isinstance(counts, Mapping) or hasattr(counts, "obs_names"):  # a MuData, an AnnData or {name: AnnData}
        raise TypeError(f"svd_baseline: counts is a {type(counts).__name__}; pass a list of count matrices, one per "
                        "modality, or the MuData (or {name: AnnData}) to jae.baseline.svd_baseline_from(data)")
    counts, kinds = list(counts), [normalize_kind(k) for k in kinds]
    for i, X in enumerate(counts):
        if hasattr(X, "obs_names"):
            raise TypeError(f"svd_baseline: counts[{i}] is an AnnData; pass its raw counts (adata.layers['counts'] or "
                            "adata.X), or the modalities together to jae.baseline.svd_baseline_from(data)")
    if len(counts) != len(kinds) or not counts:
        raise ValueError(f"svd_baseline: got {len(counts)} count matrices and {len(kinds)} kinds; give one kind each")
    n_cells = {X.shape[0] for X in counts}
    if len(n_cells) != 1:
        raise ValueError(f"svd_baseline: the matrices have different numbers of cells {sorted(n_cells)}; pair them first")
    n_dims = _as_n_dims(n_dims)
    if n_dims < len(counts):
        raise ValueError(f"svd_baseline: n_dims={n_dims} is fewer than one column per modality; raise n_dims")
    for X, kind in zip(counts, kinds):  # before any SVD; log_normalize would not say which modality or cells
        empty = np.flatnonzero(np.asarray(X.sum(axis=1)).ravel() <= 0)
        if len(empty):
            raise ValueError(f"svd_baseline: {len(empty)} of {X.shape[0]} cells have no {kind} counts (e.g. row "
                             f"{empty[0]}), nothing to normalise; remove those rows from every matrix first")
    from .io.chunked import InMemoryCounts

    return svd_baseline_blocks([InMemoryCounts(X) for X in counts], kinds, n_dims=n_dims, seed=seed,
                               svd_fit_cells=svd_fit_cells)


def svd_baseline_blocks(sources: Sequence, kinds: Sequence[str], *, n_dims: int = MAX_DIMS, seed: int = 0,
                        svd_fit_cells: int | None = SVD_FIT_CELLS,
                        checks: Sequence[tuple[str, str, str]] | None = None) -> np.ndarray:
    """:func:`svd_baseline` of counts read in row blocks (:class:`jae.io.chunked.InMemoryCounts`, or
    :class:`~jae.io.chunked.BackedCounts` for counts on disk), the one implementation of both.

    Each SVD is fitted on the normalised counts of every cell (then projected as they are), or, with
    ``svd_fit_cells`` below the number of cells, of the seeded sample of that many cells that jae's own preprocessing
    fits on; every cell is then read again, normalised and projected block by block, so the memory held is the
    sample, one block and the result. With ``checks``, one ``(counts named, modality, hint)`` per modality (how
    messages name its counts, its name, and where raw counts go), each block is checked to hold counts before it is
    used. Returns what
    :func:`svd_baseline` returns.
    """
    from .preprocess.pipeline import BLOCK_ROWS, _sample_rows

    kinds = [normalize_kind(k) for k in kinds]
    n_cells = sources[0].shape[0]
    budgets = _budgets([src.shape[1] for src in sources], kinds, n_dims, n_cells=n_cells)
    rows = _sample_rows(n_cells, svd_fit_cells, seed)
    if rows is not None:
        log.info("svd_baseline: SVDs fitted on a seeded sample of %d of %d cells", len(rows), n_cells)
    blocks = []
    for src, kind, k, check in zip(sources, kinds, budgets, checks or [None] * len(sources)):
        if k is None:
            log.debug("svd_baseline: %s used as is (%d features)", kind, src.shape[1])
            blocks.append(np.vstack([_dense(log_normalize(b, copy=False)) for b in _checked(src, kind, check)]))
            continue
        pieces, pos = [], 0
        for b in _checked(src, kind, check):
            picked = slice(None) if rows is None else rows[slice(*np.searchsorted(rows, [pos, pos + b.shape[0]]))] - pos
            pieces.append(log_normalize(b[picked], copy=False))
            pos += b.shape[0]
        sample = pieces[0] if len(pieces) == 1 else sp.vstack(pieces, format="csr")
        pieces.clear()
        basis = fit_svd(sample, n_components=k, seed=seed)
        log.debug("svd_baseline: %s -> %d SVD components", kind, basis.n_components)
        if rows is None:  # the sample is every cell, normalised: projected as it is, not read and normalised again
            blocks.append(basis.transform(sample))
            continue
        del sample
        blocks.append(np.vstack([basis.transform(log_normalize(b, copy=False)) for b in src.blocks(BLOCK_ROWS)]))
    return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)


def _dense(X) -> np.ndarray:
    return X.toarray() if hasattr(X, "toarray") else np.asarray(X)


def _checked(src, kind: str, check: tuple[str, str, str] | None):
    """``src``'s row blocks, each refused in one line when a cell has no counts (nothing to normalise) or, given a
    ``check`` (the counts as messages name them, the modality's name and where its raw counts go), when it holds no
    counts (:func:`jae.io.validate.validate_counts`)."""
    from .preprocess.pipeline import BLOCK_ROWS

    pos = 0
    for b in src.blocks(BLOCK_ROWS):
        cells = f"cells {pos}-{pos + b.shape[0] - 1}"
        if check is not None:
            from .io.validate import validate_counts

            validate_counts(b, name=check[0], modality=check[1], kind=kind, hint=check[2])
        empty = np.flatnonzero(np.asarray(b.sum(axis=1)).ravel() <= 0)
        if len(empty):
            raise ValueError(f"svd_baseline: {len(empty)} of {cells} have no {kind} counts (e.g. row "
                             f"{pos + empty[0]}), "
                             "nothing to normalise; remove those rows from every matrix first" +
                             ("" if check is None else f"; {_WAY_OUT}"))
        pos += b.shape[0]
        yield b


def _stored_at(counts) -> str:
    """Where a file's counts are stored, as messages about in-memory data name it: ``X``, ``layer 'counts'``,
    ``layer 'raw'``."""
    layer = getattr(counts, "layer", None)
    return "X" if layer is None else f"layer {'raw' if layer == '.raw' else layer!r}"


def svd_baseline_from(data, *, n_dims: int = MAX_DIMS, seed: int = 0, layer: str | None = "counts") -> np.ndarray:
    """:func:`svd_baseline` of a MuData (or ``{name: AnnData}``) holding two paired modalities.

    Parameters
    ----------
    data
        Passed to :func:`jae.io.get_paired` with ``layer``.
    n_dims, seed
        As in :func:`svd_baseline`.
    layer
        Layer with raw counts (``None``: ``.X``).

    Returns
    -------
    ``(n_cells, <= n_dims)`` float32 array, rows in ``get_paired(data).obs_names`` order.
    """
    from .config import as_seed

    seed, n_dims = as_seed(seed), _as_n_dims(n_dims)  # checked before the data are read
    with reading_columns(()):  # it reads no obs column: modalities' clashes (muon's leiden) said at INFO
        paired = get_paired(data, layer=layer)
    return svd_baseline(paired.counts, paired.kinds, n_dims=n_dims, seed=seed)


def scored_baseline(data, *, seed: int = 0, layer: str | None = "counts") -> np.ndarray:
    """:func:`svd_baseline_from` for ``jae.evaluate(..., baseline=True)``: counts it cannot use (normalised values,
    cells without counts) are refused with evaluate's way out too: or pass ``baseline=False`` to score the given
    embeddings alone. Paired files on disk (:class:`jae.io.PairedFiles`) are streamed in row blocks
    (:func:`svd_baseline_blocks`), never read whole."""
    from .config import as_seed

    seed = as_seed(seed)
    if hasattr(data, "sources"):  # paired files on disk (jae.io.PairedFiles): streamed in row blocks, never read whole
        from .io.validate import counts_hint

        checks = [(f"modality {name!r} ({_stored_at(c)})", name, f"{counts_hint(c)}; {_WAY_OUT}")
                  for name, c in zip(data.names, data.counts)]
        return svd_baseline_blocks(data.sources(), data.kinds, seed=seed, checks=checks)
    try:
        with reading_columns(()):  # it reads no obs column: modalities' clashes said by evaluate, here at INFO
            paired = get_paired(data, layer=layer)
    except ValueError as err:
        raise ValueError(f"{err}; {_WAY_OUT}") from None
    return svd_baseline(paired.counts, paired.kinds, seed=seed)
