"""Sparse count sampling: each cell's total counts drawn from its group's feature distribution, straight to CSR.

A cell with ``N`` counts gets ``N`` draws from a categorical distribution over features (a multinomial). The
draws are generated already sorted within each cell (sorted uniforms from normalised cumulative sums of
exponentials, then inverse-CDF look-up), so duplicates are adjacent and the CSR row is built by run-length
encoding in O(draws), with no dense ``cells x features`` array anywhere. Proteins (few features, many counts)
are drawn densely from a Poisson instead.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..io.plan import available_memory
from .design import BLOCK_CELLS, Design

__all__ = ["sample_block", "check_counts_memory", "BLOCK_CELLS"]

#: Bytes a stored count takes while a block is sampled: a float32 value and an int32 index in the blocks' pieces,
#: then again in the CSR they are stacked into
_BYTES_PER_VALUE = 16


def _sorted_multinomial_rows(cdf: np.ndarray, totals: np.ndarray, rng: np.random.Generator):
    """Multinomial draws for cells sharing one distribution, as per-cell sorted runs.

    Returns
    -------
    ``(indices, data, nnz_per_cell)``: feature indices (int32, ascending within each cell), counts (float32) and
    the number of distinct features of each cell.
    """
    n = totals.shape[0]
    ends = np.cumsum(totals + 1)  # each cell gets N + 1 exponentials; the last one only normalises
    cs = np.cumsum(rng.standard_exponential(int(ends[-1])))
    before = np.concatenate([[0.0], cs[ends[:-1] - 1]])
    scale = cs[ends - 1] - before
    cell_of = np.repeat(np.arange(n), totals + 1)
    keep = np.ones(cs.shape[0], dtype=bool)
    keep[ends - 1] = False
    u = (cs - before[cell_of]) / scale[cell_of]
    u = u[keep]
    cell_of = cell_of[keep]
    feat = np.searchsorted(cdf, u, side="right")
    np.minimum(feat, cdf.shape[0] - 1, out=feat)
    new_run = np.ones(feat.shape[0], dtype=bool)
    new_run[1:] = (feat[1:] != feat[:-1]) | (cell_of[1:] != cell_of[:-1])
    run_starts = np.flatnonzero(new_run)
    data = np.diff(np.append(run_starts, feat.shape[0])).astype(np.float32)
    nnz = np.bincount(cell_of[run_starts], minlength=n)
    return feat[run_starts].astype(np.int32), data, nnz


def _sample_sparse(design: Design, mod: str, cells: np.ndarray, rng: np.random.Generator) -> sp.csr_matrix:
    """Rows of ``cells`` (consecutive, ordered by group within their block as the design guarantees)."""
    n_features = len(design.var_names[mod])
    phase = design.phase[cells] if mod == "rna" else np.zeros(cells.shape[0], dtype=np.int8)
    group = (design.state[cells].astype(np.int64) * len(design.batch_names) + design.batch[cells]) * 3 + phase
    if np.any(np.diff(group) < 0):
        raise AssertionError("cells of a block must be ordered by group")  # guaranteed by make_design
    bounds = np.flatnonzero(np.diff(group)) + 1
    pieces_idx, pieces_data, pieces_nnz = [], [], []
    for lo, hi in zip(np.concatenate([[0], bounds]), np.concatenate([bounds, [cells.shape[0]]])):
        c0 = cells[lo]
        cdf = design.cdf(mod, int(design.state[c0]), int(design.batch[c0]), int(phase[lo]))
        idx, data, cnt = _sorted_multinomial_rows(cdf, design.depth[mod][cells[lo:hi]], rng)
        pieces_idx.append(idx)
        pieces_data.append(data)
        pieces_nnz.append(cnt)
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(pieces_nnz))])
    out = sp.csr_matrix(
        (np.concatenate(pieces_data), np.concatenate(pieces_idx), indptr), shape=(cells.shape[0], n_features)
    )
    out.has_sorted_indices = True
    return out


def _sample_dense_poisson(design: Design, mod: str, cells: np.ndarray, rng: np.random.Generator) -> sp.csr_matrix:
    key = design.state[cells].astype(np.int64) * len(design.batch_names) + design.batch[cells]
    uniq, inverse = np.unique(key, return_inverse=True)
    table = np.empty((uniq.shape[0], len(design.var_names[mod])))
    for i, k in enumerate(uniq):
        cdf = design.cdf(mod, int(k // len(design.batch_names)), int(k % len(design.batch_names)))
        table[i] = np.diff(cdf, prepend=0.0)
    probs = table[inverse]
    counts = rng.poisson(probs * design.depth[mod][cells, None]).astype(np.float32)
    empty = counts.sum(axis=1) == 0
    counts[empty, np.argmax(probs[empty], axis=1)] = 1.0  # no all-zero cells
    return sp.csr_matrix(counts)


def sample_block(design: Design, start: int, stop: int) -> dict[str, sp.csr_matrix]:
    """Counts of cells ``start:stop`` for every modality of ``design``.

    ``start`` must be a multiple of :data:`BLOCK_CELLS`; each block of that many cells is drawn from its own
    generator ``np.random.default_rng([seed, block_index])``, so any chunking gives identical matrices.

    Returns
    -------
    ``{modality: (stop - start, n_features) CSR float32}`` of raw integer counts with sorted indices.
    """
    if start % BLOCK_CELLS:
        raise ValueError(f"start={start} must be a multiple of BLOCK_CELLS={BLOCK_CELLS}")
    stop = min(stop, design.n_cells)
    parts: dict[str, list[sp.csr_matrix]] = {mod: [] for mod in design.mods}
    for b0 in range(start, stop, BLOCK_CELLS):
        b1 = min(b0 + BLOCK_CELLS, stop)
        rng = np.random.default_rng([design.seed, b0 // BLOCK_CELLS])
        cells = np.arange(b0, b1)
        for mod in design.mods:
            sampler = _sample_dense_poisson if mod == "prot" else _sample_sparse
            parts[mod].append(sampler(design, mod, cells, rng))
    return {mod: (p[0] if len(p) == 1 else sp.vstack(p, format="csr")) for mod, p in parts.items()}


def check_counts_memory(design: Design, n_held: int, name: str, fix: str) -> None:
    """Refuse in one line, before they are drawn, the counts of ``n_held`` cells held in memory at once when they
    exceed the memory available: numpy's MemoryError came with a traceback, or the system killed the process, after
    minutes of drawing (``jae.simulate(5_000_000)``, ``jae demo --n-cells 5000000``, a ``--chunk-size`` of every
    cell). ``name`` (e.g. ``'n_cells=5000000'``) leads the message, ``fix`` ends it. An upper bound of the values
    stored (each cell's counts, at most its features) is checked first, so most calls draw nothing more; above it,
    the values of the first block of cells (its own generator's draws, made again later) give the estimate checked."""
    available = available_memory()
    if available is None:
        return
    per_cell = sum(len(names) if mod == "prot" else float(np.minimum(design.depth[mod], len(names)).mean())
                   for mod, names in design.var_names.items())
    if _BYTES_PER_VALUE * per_cell * n_held <= available:
        return
    first = sample_block(design, 0, BLOCK_CELLS)
    rows = next(iter(first.values())).shape[0]
    need = _BYTES_PER_VALUE * sum(int(b.indptr[-1]) for b in first.values()) / rows * n_held
    if need > available:
        def size(n: float) -> str:
            return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"

        raise ValueError(f"{name}: holding the counts of {n_held:,} cells in memory at once needs about {size(need)}, "
                         f"more than the {size(available)} available; {fix}")
