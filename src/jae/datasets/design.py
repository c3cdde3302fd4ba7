"""The simulated dataset's design: feature names, expression programs, batch and cell-cycle effects, cell labels.

Everything here is small (``n_states x n_features`` programs, one value per cell for labels and library sizes),
so a design for a million cells fits in memory; the counts themselves are sampled block by block
(:mod:`jae.datasets.sampling`). The biology:

- **cell types** share one latent vector per type (``n_cell_types x n_factors``) that drives every modality
  through modality-specific sparse loadings, so types differ consistently in RNA, ATAC and protein;
- **a trajectory**: the first ``n_lineage`` types form one lineage; its cells have a continuous pseudotime
  ``t`` in [0, 1] and a program interpolated between the lineage types' programs (in ``n_bins`` steps); the
  other types are discrete clusters whose pseudotime is NaN, as in the competition;
- **batches** scale every feature by a batch-specific factor and shift the library size;
- **cell cycle**: a fraction of each type cycles, in S or G2M phase, with the Tirosh S or G2M genes up-regulated.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..config import as_seed
from ..io.plan import available_memory

__all__ = ["SimulationParams", "Design", "make_design", "BATCH_NAMES", "CELL_TYPE_NAMES"]

#: Batch names of the NeurIPS 2021 data (site ``s`` and donor ``d``), used in this order.
BATCH_NAMES = ("s1d1", "s1d2", "s1d3", "s2d1", "s2d4", "s2d5", "s3d3", "s3d6", "s3d7", "s3d10", "s4d1", "s4d8", "s4d9")
#: Cell type names (bone-marrow-like); the first four form the lineage. Generic names beyond this list.
CELL_TYPE_NAMES = (
    "HSC", "MK/E prog", "Proerythroblast", "Erythroblast", "CD14+ Mono", "CD4+ T naive", "Naive CD20+ B",
    "NK", "cDC2", "pDC", "CD8+ T", "Plasma cell", "ILC", "Lymph prog", "G/M prog", "CD16+ Mono",
)
PHASES = ("G1", "S", "G2M")
_LOGIT_CAP = 4.0
#: Cells per generation block; each block has its own generator, so output does not depend on write chunk size.
BLOCK_CELLS = 1024
#: Bytes of feature distributions kept for reuse (the presets' all fit: 0.55 GB); above, the oldest are recomputed
_CDF_CACHE_BYTES = 1 << 30
_CHROMS = {
    # approximate chromosome lengths in Mb (GRCh38 / GRCm39), for naming peaks
    "human": dict(zip([f"chr{i}" for i in range(1, 23)] + ["chrX"],
                      [248, 242, 198, 190, 181, 171, 159, 145, 138, 134, 135, 133, 114, 107, 102, 90, 83, 80, 59,
                       64, 47, 51, 156])),
    "mouse": dict(zip([f"chr{i}" for i in range(1, 20)] + ["chrX"],
                      [195, 181, 159, 156, 151, 149, 144, 130, 124, 130, 121, 120, 120, 125, 104, 98, 95, 90, 61,
                       169])),
}


@dataclass(frozen=True)
class SimulationParams:
    """Knobs of the simulator (defaults give competition-like sparsity and clearly visible effects).

    Attributes
    ----------
    rna_umis, atac_fragments, adt_counts
        Median counts per cell (>= 1); ``None`` scales with the number of features so that the fraction of detected
        features matches the competition data (about 1.5k of 13,431 genes; about 7% of peaks).
    depth_sd
        Standard deviation of log library size between cells (>= 0, as every standard deviation here).
    batch_strength
        Standard deviation of the per-feature log fold change of each batch.
    batch_depth_sd
        Standard deviation of the per-batch log library-size shift.
    program_strength
        Scale of the cell-type programs (log fold changes).
    cycle_strength
        Log fold change of S genes in S-phase cells and of G2M genes in G2M cells.
    cycling_fraction
        Mean fraction of cycling (S or G2M) cells per type, in [0, 1].
    n_bins
        Steps of the trajectory's program interpolation (>= 2).

    Values out of range are refused when the object is made.
    """

    rna_umis: float | None = None
    atac_fragments: float | None = None
    adt_counts: float | None = None
    depth_sd: float = 0.4
    batch_strength: float = 0.5
    batch_depth_sd: float = 0.3
    program_strength: float = 1.5
    cycle_strength: float = 1.5
    cycling_fraction: float = 0.3
    n_bins: int = 16

    def __post_init__(self):
        # refused here, in one line naming the field: numpy failed deep in the simulation ('scale < 0', an IndexError
        # for a NaN depth) or the value was silently replaced (a depth of 0 by 1 count, n_bins=0 by 2)
        for name in ("rna_umis", "atac_fragments", "adt_counts", "depth_sd", "batch_strength", "batch_depth_sd",
                     "program_strength", "cycle_strength", "cycling_fraction", "n_bins"):
            v = getattr(self, name)
            if v is None and name.endswith(("umis", "fragments", "counts")):
                continue
            integral = name == "n_bins"
            if isinstance(v, bool) or not isinstance(v, numbers.Integral if integral else numbers.Real) or not np.isfinite(v):
                raise TypeError(f"SimulationParams {name} must be a {'whole' if integral else 'finite'} number, not {v!r}")
            low, high = {"n_bins": (2, None), "cycling_fraction": (0, 1), "program_strength": (None, None),
                         "cycle_strength": (None, None)}.get(name, (0, None))
            if name.endswith(("umis", "fragments", "counts")) and v < 1:
                raise ValueError(f"SimulationParams {name}={v!r}: a median count per cell must be >= 1 (below, it was "
                                 "taken as 1), or None for the competition-like default")
            if (low is not None and v < low) or (high is not None and v > high):
                raise ValueError(f"SimulationParams {name}={v!r} is out of range: pass {name} >= {low}"
                                 + (f" and <= {high}" if high is not None else ""))


@dataclass
class Design:
    """Feature names, log-scale programs and per-cell labels of one simulated dataset (see module docs).

    ``base[mod]`` is ``(n_features,)``, ``programs[mod]`` ``(n_states, n_features)``, ``batch_effect[mod]``
    ``(n_batches, n_features)``, ``cycle_effect`` ``(3, n_genes)`` (rows G1, S, G2M); per-cell arrays have
    length ``n_cells``: ``state``, ``batch``, ``phase`` codes, ``cell_type`` codes, ``pseudotime`` (NaN off the
    trajectory) and ``depth[mod]`` (total counts).
    """

    kind: str
    organism: str
    seed: int
    var_names: dict[str, pd.Index]
    base: dict[str, np.ndarray]
    programs: dict[str, np.ndarray]
    batch_effect: dict[str, np.ndarray]
    cycle_effect: np.ndarray
    batch_names: list[str]
    cell_type_names: list[str]
    obs_names: pd.Index
    cell_type: np.ndarray
    state: np.ndarray
    batch: np.ndarray
    phase: np.ndarray
    pseudotime: np.ndarray
    pseudotime_mod: dict[str, np.ndarray]
    depth: dict[str, np.ndarray]
    _cdf_cache: dict = field(default_factory=dict, repr=False)
    _cdf_bytes: int = field(default=0, repr=False)

    @property
    def n_cells(self) -> int:
        return int(self.state.shape[0])

    @property
    def mods(self) -> list[str]:
        return list(self.var_names)

    def logits(self, mod: str, state: int, batch: int, phase: int = 0) -> np.ndarray:
        """Log-scale relative abundance of every feature of ``mod`` for one group of cells, float64."""
        out = self.base[mod] + self.programs[mod][state] + self.batch_effect[mod][batch]
        if mod == "rna":
            out = out + self.cycle_effect[phase]
        # soft cap: no single feature takes more than about a percent of a cell's counts, as in real data
        return _LOGIT_CAP * np.tanh(out / _LOGIT_CAP)

    def cdf(self, mod: str, state: int, batch: int, phase: int = 0) -> np.ndarray:
        """Cumulative feature distribution of one group (memoised), ``(n_features,)`` float64 ending at 1."""
        key = (mod, state, batch, phase if mod == "rna" else 0)
        cdf = self._cdf_cache.get(key)
        if cdf is None:
            logit = self.logits(mod, *key[1:])
            cdf = np.cumsum(np.exp(logit - logit.max()))
            cdf /= cdf[-1]
            while self._cdf_cache and self._cdf_bytes + cdf.nbytes > _CDF_CACHE_BYTES:  # oldest out: it grew unbounded
                self._cdf_bytes -= self._cdf_cache.pop(next(iter(self._cdf_cache))).nbytes  # (7 GB, 100 types x 50 batches)
            self._cdf_cache[key] = cdf
            self._cdf_bytes += cdf.nbytes
        return cdf

    def obs(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        """The per-cell annotations of cells ``start:stop`` as the competition stores them."""
        sl = slice(start, stop)
        obs = pd.DataFrame(index=self.obs_names[sl])
        obs["batch"] = pd.Categorical.from_codes(self.batch[sl], categories=self.batch_names)
        obs["cell_type"] = pd.Categorical.from_codes(self.cell_type[sl], categories=self.cell_type_names)
        obs["phase"] = pd.Categorical.from_codes(self.phase[sl], categories=list(PHASES))
        for key, values in self.pseudotime_mod.items():
            obs[key] = values[sl]
        return obs


def _gene_names(n_genes: int, organism: str, rng: np.random.Generator) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    from .._cell_cycle_genes import cell_cycle_genes  # not jae.preprocess: no numba for the names

    s_genes, g2m_genes = cell_cycle_genes(organism)
    n_cc = len(s_genes) + len(g2m_genes)
    if n_genes < 2 * n_cc:
        raise ValueError(
            f"n_genes={n_genes} is too small to hold the {n_cc} cell-cycle genes among as many other genes; "
            f"pass n_genes >= {2 * n_cc}"
        )
    prefix = "SIMG" if organism == "human" else "Simg"
    synthetic = [f"{prefix}{i:05d}" for i in range(n_genes - n_cc)]
    names = np.array(synthetic + list(s_genes) + list(g2m_genes), dtype=object)
    order = rng.permutation(n_genes)
    names = names[order]
    is_s = np.isin(names, s_genes)
    is_g2m = np.isin(names, g2m_genes)
    return pd.Index(names), is_s, is_g2m


def _peak_names(n_peaks: int, organism: str, rng: np.random.Generator) -> pd.Index:
    chroms = _CHROMS[organism]
    sizes = np.array(list(chroms.values()), dtype=float)
    counts = rng.multinomial(n_peaks, sizes / sizes.sum())
    names: list[str] = []
    for chrom, size_mb, n in zip(chroms, sizes, counts):
        if n == 0:
            continue
        # peaks of 300-1500 bp separated by random gaps, spread over the chromosome
        widths = rng.integers(300, 1500, size=n)
        gaps = rng.exponential(size_mb * 1e6 / (n + 1) * 0.8, size=n).astype(np.int64) + 100
        length = int(size_mb * 1_000_000)
        if 10_000 + int(gaps.sum()) + int(widths.sum()) > length:
            # the gaps' mean leaves no room for the peaks themselves, so a chromosome's last peaks ran past its end
            # (a few peaks: one long gap; very many: their widths): its gaps above 100 bp are scaled down to fit
            # (integer floors, so the last peak ends at or before the end); the draws and other chromosomes are kept
            room = length - 10_000 - 100 * n - int(widths.sum())  # >= 0 up to _max_peaks (make_design)
            spare = gaps - 100
            gaps = spare * max(room, 0) // max(int(spare.sum()), 1) + 100
        starts = np.cumsum(gaps + np.concatenate([[0], widths[:-1]])) + 10_000
        names.extend(f"{chrom}-{s}-{s + w}" for s, w in zip(starts, widths))
    return pd.Index(names)


#: Chromosome bases per peak that :func:`make_design` requires at least: a peak of 300-1,500 bp (900 on average)
#: and its gap of at least 100 bp fill about 1,000, so every chromosome holds its share of peaks with room to spare
_BASES_PER_PEAK = 1250


def _max_peaks(organism: str) -> int:
    """The most peaks the simulator names on ``organism``'s chromosomes (2,421,600 human, 2,097,600 mouse)."""
    return sum(_CHROMS[organism].values()) * 1_000_000 // _BASES_PER_PEAK


def _barcodes(n: int, batches: np.ndarray, batch_names: list[str], seed: int) -> pd.Index:
    """Unique 10x-like barcodes: the cell index scrambled bijectively into 16 nucleotides, then ``-1-<batch>``."""
    # murmur3's 32-bit finaliser: a bijection of uint32, and 4**16 == 2**32, so the barcodes are unique
    code = (np.arange(n, dtype=np.uint64) + np.uint64(seed * 2654435761 + 12345)) % np.uint64(2**32)
    for shift, mult in ((16, 0x85EBCA6B), (13, 0xC2B2AE35), (16, None)):
        code ^= code >> np.uint64(shift)
        if mult is not None:
            code = (code * np.uint64(mult)) % np.uint64(2**32)
    letters = np.array(list("ACGT"))
    digits = np.empty((n, 16), dtype="<U1")
    for j in range(16):
        digits[:, 15 - j] = letters[((code >> np.uint64(2 * j)) & np.uint64(3)).astype(np.intp)]
    bc = digits.view("<U16").ravel()
    suffix = np.array([f"-1-{b}" for b in batch_names], dtype=object)[batches]
    return pd.Index(bc.astype(object) + suffix)


def _sparse_loadings(rng: np.random.Generator, n_factors: int, n_features: int, density: float, sd: float):
    mask = rng.random((n_factors, n_features)) < density
    return np.where(mask, rng.normal(0.0, sd, size=(n_factors, n_features)), 0.0)


def _every_one(codes: np.ndarray, n: int) -> np.ndarray:
    """``codes`` (drawn categories ``0..n-1``, ``n <= len(codes)``) with each category given at least one cell: an
    empty one takes the last cell of the then largest one (no random draw, so the later draws are those they were).
    ``codes`` itself when none is empty, as at the defaults; with types or batches close to the cells, obs held
    categories without a cell (10 cells of 8 types: 6 types drawn)."""
    sizes = np.bincount(codes, minlength=n)
    if sizes.all():
        return codes
    codes = codes.copy()
    for empty in np.flatnonzero(sizes == 0):
        largest = int(sizes.argmax())
        codes[np.flatnonzero(codes == largest)[-1]] = empty
        sizes[largest] -= 1
        sizes[empty] += 1
    return codes


def _whole(name: str, value) -> int:
    """A size given to the simulator as an int (numpy integers too), refused in one line when it is text ('1000',
    '1k'), a fraction, None or a bool, which would otherwise fail deep inside the simulation."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)) and float(value).is_integer():
        # 1e5 is a whole number: 'must be a whole number, not 100000.0' read as a contradiction (session 48's walk)
        raise TypeError(f"{name} must be an integer, not {float(value)!r} (a float); pass {name}={int(value)}")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, not {value!r}; e.g. {name}=1000 (an int, not text)")
    return int(value)


#: Peak bytes per cell of :func:`make_design` (labels, barcodes, depths; measured about 360).
_DESIGN_BYTES_PER_CELL = 400


def _check_memory(sizes: dict[str, int], n_features: int, n_bins: int = 16) -> None:
    """Refuse in one line sizes whose design alone exceeds the memory available: numpy's MemoryError came with a
    traceback (an extra zero or two in n_cells), and a huge n_genes or n_peaks ran for minutes before it. ``sizes``:
    ``n_cells``, the feature counts, ``n_cell_types`` and ``n_batches``; ``n_features``: those of both modalities;
    ``n_bins``: SimulationParams' trajectory steps, named when they take most of it."""
    available = available_memory()
    n_types = sizes["n_cell_types"]
    # bytes: per cell its labels; per feature its name, then its row of every program (types, factors, the
    # trajectory's steps) and of every batch effect
    parts = {"n_cells": sizes["n_cells"] * _DESIGN_BYTES_PER_CELL,
             "n_cell_types": 8 * n_features * (n_types + 3 * max(8, n_types) + n_types + 16),
             "n_batches": 8 * n_features * sizes["n_batches"]}
    parts.update({k: 100 * sizes[k] for k in ("n_genes", "n_peaks", "n_proteins") if k in sizes})
    # the trajectory's steps beyond the 16 counted above: about 21 bytes a step and feature while they are built
    # (n_bins=20_000 took 2.5 GB more for 6,000 features); left out, a large n_bins ended in numpy's MemoryError
    steps = 24 * n_features * max(n_bins - 16, 0)
    need = sum(parts.values()) + steps
    if available is not None and need > available and steps >= need / 2:
        raise ValueError(f"SimulationParams n_bins={n_bins}: the simulation's design needs about {need / 1e9:.1f} GB of "
                         f"memory (every feature's program at each of the trajectory's {n_bins:,} steps), more than "
                         f"the {available / 1e9:.1f} GB available; pass fewer steps (n_bins, default 16)")
    if available is not None and need > available:
        # named: the size furthest above a real dataset's (the competition's, rounded up)
        typical = dict(n_cells=10**6, n_genes=20_000, n_peaks=200_000, n_proteins=200, n_cell_types=50, n_batches=15)
        name = max(sizes, key=lambda k: sizes[k] / typical[k])
        raise ValueError(f"{name}={sizes[name]}: the simulation's design needs about {need / 1e9:.1f} GB of memory (every "
                         f"cell's labels, barcode and depth, even when the counts are streamed to disk; every feature's "
                         f"name and programs), more than the {available / 1e9:.1f} GB available; simulate fewer cells, "
                         "features, cell types or batches")


#: Bytes a drawn count takes at least (see _check_block_memory): lenient, so no run that fits is refused.
_BYTES_PER_COUNT = 16


def _check_block_memory(median: dict, params: SimulationParams, kind: str, n_cells: int, sizes: dict) -> None:
    """Refuse in one line depths whose counts for one block of cells exceed the memory available (each count takes
    at least 16 bytes while it is drawn, measured about 14 for a block of mixed groups, up to 60 for a block of one):
    numpy's MemoryError came with a traceback."""
    available = available_memory()
    spread = float(np.exp((params.depth_sd**2 + params.batch_depth_sd**2) / 2))  # mean / median of a log-normal
    fields = {"rna": ("rna_umis", "n_genes"), "atac": ("atac_fragments", "n_peaks")}
    for mod in ("rna", "atac") if kind == "multiome" else ("rna",):
        counts = min(n_cells, BLOCK_CELLS) * max(median[mod], 1.0) * spread
        if available is not None and _BYTES_PER_COUNT * counts > available:
            field, size = fields[mod]
            given = getattr(params, field)
            name = f"SimulationParams {field}={given!r}" if given is not None else f"{size}={sizes[size]}"
            scaled = "" if given is not None else ", as the depth scales with the features"
            raise ValueError(f"{name}: drawing the counts of {min(n_cells, BLOCK_CELLS)} cells at a time (about "
                             f"{max(median[mod], 1.0):,.0f} a cell{scaled}) needs about {_BYTES_PER_COUNT * counts / 1e9:.1f} GB of "
                             f"memory, more than the {available / 1e9:.1f} GB available; simulate shallower cells or "
                             "fewer features")


def make_design(
    n_cells: int,
    *,
    kind: Literal["multiome", "cite"],
    n_genes: int,
    n_peaks: int,
    n_proteins: int,
    n_cell_types: int,
    n_batches: int,
    organism: str,
    seed: int,
    params: SimulationParams,
) -> Design:
    """Draw a simulated dataset's design (everything but the counts) from ``np.random.default_rng(seed)``.

    Returns
    -------
    The :class:`Design`; see :func:`jae.datasets.simulate` for the parameters.
    """
    if not isinstance(params, SimulationParams):
        raise TypeError(f"params must be a jae.datasets.SimulationParams, not {type(params).__name__}; e.g. "
                        "params=jae.datasets.SimulationParams(depth_sd=0.3)")
    if kind not in ("multiome", "cite"):
        raise ValueError(f"unknown kind {kind!r}; use kind='multiome' (RNA + ATAC) or kind='cite' (RNA + protein)")
    sizes = dict(n_cells=n_cells, n_genes=n_genes, n_peaks=n_peaks, n_proteins=n_proteins, n_cell_types=n_cell_types,
                 n_batches=n_batches)
    n_cells, n_genes, n_peaks, n_proteins, n_cell_types, n_batches = (_whole(k, v) for k, v in sizes.items())
    seed = as_seed(seed)
    organism = str(organism).strip().lower()
    if organism not in _CHROMS:
        raise ValueError(f"unknown organism {organism!r}; use organism='human' or 'mouse'")
    if n_cells < 2:
        raise ValueError(f"n_cells={n_cells}: simulate at least 2 cells")
    if n_cell_types < 2:
        raise ValueError(f"n_cell_types={n_cell_types}: simulate at least 2 cell types; pass n_cell_types >= 2")
    if n_cell_types > n_cells:
        raise ValueError(f"n_cell_types={n_cell_types} is more than n_cells={n_cells}: some types would have no cell; "
                         f"pass n_cell_types <= {n_cells}")
    if n_batches < 1:
        raise ValueError(f"n_batches={n_batches}: simulate at least 1 batch")
    if n_batches > n_cells:  # obs['batch'] held categories without a cell (an empty batch in every per-batch step)
        raise ValueError(f"n_batches={n_batches} is more than n_cells={n_cells}: some batches would have no cell; "
                         f"pass n_batches <= {n_cells}")
    second = "atac" if kind == "multiome" else "prot"
    n_second = n_peaks if kind == "multiome" else n_proteins
    if n_second < 2:
        raise ValueError(f"{'n_peaks' if kind == 'multiome' else 'n_proteins'}={n_second}: need at least 2 features")
    second_name = "n_peaks" if kind == "multiome" else "n_proteins"
    _check_memory(dict(n_cells=n_cells, n_genes=n_genes, **{second_name: n_second}, n_cell_types=n_cell_types,
                       n_batches=n_batches), n_genes + n_second, params.n_bins)
    if kind == "multiome" and n_peaks > _max_peaks(organism):  # peaks were named past the chromosomes' ends
        raise ValueError(f"n_peaks={n_peaks}: more peaks than fit side by side on the {organism} chromosomes "
                         f"({sum(_CHROMS[organism].values()):,} Mb); pass n_peaks <= {_max_peaks(organism)}")
    median = {
        "rna": params.rna_umis if params.rna_umis is not None else 2200.0 * n_genes / 13431,
        "atac": params.atac_fragments if params.atac_fragments is not None else 9000.0 * n_peaks / 116490,
        "prot": params.adt_counts if params.adt_counts is not None else 2500.0 * n_proteins / 134,
    }
    _check_block_memory(median, params, kind, n_cells, dict(n_genes=n_genes, n_peaks=n_peaks))
    rng = np.random.default_rng(seed)

    # features
    gene_names, is_s, is_g2m = _gene_names(n_genes, organism, rng)
    var_names = {"rna": gene_names}
    if kind == "multiome":
        var_names["atac"] = _peak_names(n_peaks, organism, rng)
    else:
        var_names["prot"] = pd.Index([f"ADT{i:03d}" for i in range(n_proteins)])

    # baseline abundance: RNA heavy-tailed, ATAC flatter, proteins high and flat; cell-cycle genes well expressed
    base = {"rna": rng.normal(0.0, 1.5, size=n_genes)}
    base["rna"][is_s | is_g2m] = rng.normal(1.5, 0.5, size=int((is_s | is_g2m).sum()))
    base[second] = rng.normal(0.0, 0.6 if kind == "multiome" else 0.8, size=n_second)

    # cell-type latent shared by the modalities, and each type's program through modality loadings
    n_factors = max(8, n_cell_types)
    latent = rng.normal(0.0, 1.0, size=(n_cell_types, n_factors))
    density = {"rna": 0.05, "atac": 0.05, "prot": 0.3}
    type_programs = {
        mod: params.program_strength * latent @ _sparse_loadings(rng, n_factors, len(var_names[mod]), density[mod], 0.8)
        for mod in var_names
    }

    # the lineage: first n_lineage types, programs interpolated over n_bins pseudotime steps
    n_lineage = max(2, min(4, n_cell_types // 2))
    n_bins = max(2, params.n_bins)
    grid = np.linspace(0.0, 1.0, n_bins)
    pos = grid * (n_lineage - 1)
    lo = np.minimum(np.floor(pos).astype(int), n_lineage - 2)
    frac = (pos - lo)[:, None]
    programs = {}
    for mod, prog in type_programs.items():
        traj = (1 - frac) * prog[lo] + frac * prog[lo + 1]
        programs[mod] = np.vstack([prog[n_lineage:], traj])  # states: off-lineage types, then trajectory bins

    batch_effect = {mod: rng.normal(0.0, params.batch_strength, size=(n_batches, len(v))) for mod, v in var_names.items()}
    cycle_effect = np.zeros((3, n_genes))
    cycle_effect[1, is_s] = params.cycle_strength
    cycle_effect[2, is_g2m] = params.cycle_strength
    cycle_effect[2, is_s] = 0.3 * params.cycle_strength  # G2M cells still carry some S-phase transcripts

    # cells: type proportions, batches, phases, pseudotime
    props = rng.dirichlet(np.full(n_cell_types, 4.0))
    cell_type = _every_one(rng.choice(n_cell_types, size=n_cells, p=props), n_cell_types)
    batch = _every_one(rng.integers(0, n_batches, size=n_cells), n_batches)
    cyc = np.clip(params.cycling_fraction * rng.uniform(0.5, 1.5, size=n_cell_types), 0.0, 1.0)
    cycling = rng.random(n_cells) < cyc[cell_type]
    phase = np.where(cycling, np.where(rng.random(n_cells) < 0.5, 1, 2), 0).astype(np.int8)
    on_traj = cell_type < n_lineage
    pseudotime = np.full(n_cells, np.nan)
    width = 1.0 / (n_lineage - 1)
    seg_lo = np.clip((cell_type - 0.5) * width, 0.0, 1.0)
    seg_hi = np.clip((cell_type + 0.5) * width, 0.0, 1.0)
    u = rng.random(n_cells)
    pseudotime[on_traj] = (seg_lo + u * (seg_hi - seg_lo))[on_traj]
    # state: off-lineage type index, or a trajectory bin by stochastic rounding of the pseudotime position
    x = np.nan_to_num(pseudotime) * (n_bins - 1)
    b = np.minimum(np.floor(x).astype(int) + (rng.random(n_cells) < (x - np.floor(x))), n_bins - 1)
    state = np.where(on_traj, (n_cell_types - n_lineage) + b, cell_type - n_lineage).astype(np.int32)
    # within each generation block, cells are ordered by (state, batch, phase) so that the sampler writes rows in
    # order, group by group, with no reordering of the sparse rows
    key = (state.astype(np.int64) * n_batches + batch) * 3 + phase
    perm = np.lexsort((key, np.arange(n_cells) // BLOCK_CELLS))
    cell_type, batch, phase, pseudotime, state = (a[perm] for a in (cell_type, batch, phase, pseudotime, state))
    pseudotime_mod = {}
    for mod_kind in ("GEX", "ATAC" if kind == "multiome" else "ADT"):
        noisy = np.clip(pseudotime + rng.normal(0.0, 0.03, size=n_cells), 0.0, 1.0)
        pseudotime_mod[f"pseudotime_order_{mod_kind}"] = noisy

    # library sizes: per-cell log-normal, shifted per batch
    depth = {}
    for mod in var_names:
        shift = rng.normal(0.0, params.batch_depth_sd, size=n_batches)
        log_depth = np.log(max(median[mod], 1.0)) + shift[batch] + rng.normal(0.0, params.depth_sd, size=n_cells)
        depth[mod] = np.maximum(np.rint(np.exp(log_depth)), 1).astype(np.int64)

    batch_names = list(BATCH_NAMES[:n_batches]) + [f"s{i}d1" for i in range(5, 5 + n_batches - len(BATCH_NAMES))]
    type_names = list(CELL_TYPE_NAMES[:n_cell_types]) + [f"Type {i}" for i in range(len(CELL_TYPE_NAMES), n_cell_types)]
    if n_lineage < 4 and n_cell_types <= len(CELL_TYPE_NAMES):
        # keep the lineage names together at the front: the lineage is types 0..n_lineage-1
        type_names = list(CELL_TYPE_NAMES[:n_lineage]) + list(CELL_TYPE_NAMES[4 : 4 + n_cell_types - n_lineage])
    return Design(
        kind=kind, organism=organism, seed=seed, var_names=var_names, base=base, programs=programs,
        batch_effect=batch_effect, cycle_effect=cycle_effect, batch_names=batch_names, cell_type_names=type_names,
        obs_names=_barcodes(n_cells, batch, batch_names, seed), cell_type=cell_type.astype(np.int32),
        state=state, batch=batch.astype(np.int32), phase=phase, pseudotime=pseudotime,
        pseudotime_mod=pseudotime_mod, depth=depth,
    )
