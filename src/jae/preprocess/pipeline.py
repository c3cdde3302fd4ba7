"""Fit the seed's preprocessing on paired counts and apply it identically to new cells.

One implementation for data in memory and data on disk: counts are read, normalised and projected in row blocks
of :data:`BLOCK_ROWS` cells (:class:`jae.io.chunked.InMemoryCounts` or :class:`~jae.io.chunked.BackedCounts`),
so both give the same numbers. Each modality's SVD basis is fitted by :func:`jae.preprocess.streaming.
fit_svd_streaming` on the normalised counts of a seeded sample of :data:`SVD_FIT_CELLS` cells (all cells when
there are fewer), kept in memory during the fit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .._flags import bars_off, check_flags, is_whole
from ..io.chunked import read_ahead
from ..io.features import feature_indexer, unique_features
from .normalize import clr, log_normalize
from .held_out import fold_count
from .svd import SVDBasis, fit_numbers

__all__ = ["Preprocessor", "preprocess", "transform_blocks", "BLOCK_ROWS", "SVD_FIT_CELLS"]

logger = logging.getLogger(__name__)

#: Cells per row block: a 4,096-cell block of competition-shaped ATAC (116k peaks) is about 0.35 GB as CSR.
BLOCK_ROWS = 4096
#: Cells the SVD bases are fitted on (a seeded sample when there are more): `benchmarks/results/
#: scale_svd_subsample.md` shows 5,000 cells already match all 10,000 in the metric suite; 20,000 keeps the fit
#: under a minute and about 1.4 GB at competition shape.
SVD_FIT_CELLS = 20_000
#: Power iterations of the randomized SVD (scikit-learn's default, as the seed used).
SVD_N_ITER = 5
#: How protein (ADT) counts may be normalised (``Preprocessor.protein_norm``), in words for the fit's log line.
_PROTEIN_NORM_WORDS = {
    "log": "as counts per 1e4, log10(1 + x)",
    "clr": "by their centred log-ratio per cell",
    "clr_depth": "by their centred log-ratio per cell after scaling each cell to the median protein count",
}
PROTEIN_NORMS = tuple(_PROTEIN_NORM_WORDS)
#: Where raw counts go, said when :func:`preprocess` is given other values (NaN, negative or normalised ones).
_PREPROCESS_HINT = "preprocess needs each modality's raw counts (e.g. adata.layers['counts'])"


def _sample_rows(n_cells: int, n_fit: int | None, seed: int) -> np.ndarray | None:
    """Sorted seeded sample of ``n_fit`` rows; None (all rows) when ``n_fit`` is None or not below ``n_cells``; a user's
    ``svd_fit_cells`` that is no whole number >= 2 refused in one line, before any pass."""
    _check_fit_cells(n_fit)
    if n_fit is None or n_fit >= n_cells:
        return None
    return np.sort(np.random.default_rng(seed).choice(n_cells, size=n_fit, replace=False))


def _check_fit_cells(n_fit) -> None:
    """Refuse a ``svd_fit_cells`` that is no whole number >= 2 (None: every cell) in one line."""
    if n_fit is not None and not is_whole(n_fit, 2):
        raise ValueError(f"svd_fit_cells must be None (every cell) or a whole number >= 2 (the cells the SVD bases are "
                         f"fitted on), not {n_fit!r}; e.g. svd_fit_cells={SVD_FIT_CELLS}")


def _kinds(kinds) -> tuple[str, ...]:
    """A user's modality kinds as jae writes them (``'rna'``, ``'gex'`` -> ``'GEX'``, :func:`jae.io.modality.
    normalize_kind`), one that is no kind refused in one line: a kind is matched as written (``'ADT'`` is not
    reduced, ``'GEX'`` is scored for the cell cycle), so ``'adt'`` would have been reduced as if it were peaks."""
    from ..io.modality import normalize_kind

    if isinstance(kinds, str):
        raise TypeError(f"kinds must be a list with one kind per modality, e.g. ['GEX', 'ATAC'], not {kinds!r}")
    return tuple(normalize_kind(k) for k in kinds)


def _paired_sources(counts, kinds, var_names, names) -> list:
    """Row-block sources of ``counts``, refused in one line before any pass unless there is one matrix, kind and
    feature list per modality, each list as long as its matrix is wide and every matrix holding as many cells."""
    if not isinstance(counts, (list, tuple)):
        raise TypeError(f"counts must be a list with one count matrix per modality, e.g. [rna_counts, adt_counts], "
                        f"not a {type(counts).__name__}")
    if not len(counts) == len(kinds) == len(var_names):
        raise ValueError(f"got {len(counts)} count matrices, {len(kinds)} kinds and {len(var_names)} var_names: give "
                         "one of each per modality, in the same order")
    sources = _as_sources(counts)
    for src, features, name in zip(sources, var_names, names):
        if src.shape[1] != len(features):
            raise ValueError(f"modality {name!r} has {src.shape[1]} features but {len(features)} var_names; give the "
                             "names of its columns, in order")
        if src.shape[0] != sources[0].shape[0]:
            raise ValueError(f"modality {name!r} has {src.shape[0]} cells, {names[0]!r} {sources[0].shape[0]}: give "
                             "the same cells in the same order in every modality")
    return sources


def _as_sources(counts) -> list:
    from ..io.chunked import InMemoryCounts
    from ._checks import refuse_annotated

    for i, c in enumerate(counts):  # a matrix, not a row-block source, that is an AnnData or its .X on disk: numpy's
        if not hasattr(c, "blocks"):  # "setting an array element with a sequence", scipy's "dtype object"
            refuse_annotated(c, "Preprocessor", f"counts[{i}]", "[rna.layers['counts'], adt.layers['counts']], each "
                             "modality's raw counts as a matrix")
    return [c if hasattr(c, "blocks") else InMemoryCounts(c) for c in counts]


def _fit_bases(
    sources, kinds, *, names, n_components: int, seed: int, svd_fit_cells: int | None, cell_cycle=None,
    tick: Callable[[], None] = lambda: None, hint: str | None = None,
) -> tuple[list[SVDBasis | None], float | None]:
    """Pass 1 (normalise each block, keep the SVD sample, gene means for ``cell_cycle``) and the SVD fits.

    Blocks read from disk are checked to be counts (:func:`jae.io.validate.validate_counts`); given a ``hint`` (where
    raw counts go, for the message), those in memory too.

    Returns the bases and the median protein (ADT) count per cell over every cell given (None without proteins;
    ``Preprocessor.protein_depth``)."""
    from ..io.chunked import BackedCounts
    from ..io.validate import counts_hint, validate_counts
    from ._sparse import tiled
    from .held_out import held_out_scale
    from .streaming import fit_svd_streaming

    n_cells = sources[0].shape[0]
    rows = _sample_rows(n_cells, svd_fit_cells, seed)
    if rows is not None:
        logger.info("SVD bases fitted on a seeded sample of %d of %d cells", len(rows), n_cells)
    bases, depth = [], None
    for src, kind, name in zip(sources, kinds, names):
        check = hint is not None or isinstance(src, BackedCounts)  # JAE.fit's in memory were checked when paired
        pieces, pos, totals = [], 0, []
        for block in read_ahead(src.blocks(BLOCK_ROWS)):  # reading overlaps the checks and normalisation
            if check:
                validate_counts(block, name=f"modality {name!r} (cells {pos}-{pos + block.shape[0] - 1})",
                                kind=kind, **({"modality": name, "hint": counts_hint(src)} if hint is None
                                              else {"hint": hint}))
            if rows is None:
                picked = slice(None)
            else:
                picked = rows[slice(*np.searchsorted(rows, [pos, pos + block.shape[0]]))] - pos
            keep = kind != "ADT" and (rows is None or len(picked) > 0)
            if kind == "ADT":  # every cell's protein total: a narrow panel, one number per cell
                totals.append(np.asarray(block.sum(axis=1), dtype=np.float64).ravel())
            if cell_cycle is not None and kind == "GEX":  # gene means need every cell
                normed = log_normalize(block, copy=False)  # blocks are fresh copies: normalised in place
                cell_cycle.add(normed)
                if keep:
                    pieces.append(normed[picked])
            elif keep:  # normalisation is per cell: the sampled rows alone give the same numbers, cheaper
                pieces.append(log_normalize(block[picked], copy=False))
            pos += block.shape[0]
            tick()
        if kind == "ADT":
            bases.append(None)
            depth = float(np.median(np.concatenate(totals))) if totals else None
            continue
        logger.debug("fitting %d-component SVD of %s (%d x %d)", n_components, kind, n_cells, src.shape[1])
        products = [tiled(p) for p in pieces]  # tiled once for the SVD's 2 (n_iter + 1) products
        basis = fit_svd_streaming(lambda: iter(products), n_features=src.shape[1], n_components=n_components,
                                  seed=seed, n_iter=SVD_N_ITER, on_pass=tick)
        # per component, how much less a cell outside the fit spreads along it (new samples mapped onto the model);
        # its folds read the tiled blocks' rows, not copies
        scale = held_out_scale(products, n_features=src.shape[1], n_components=basis.n_components, seed=seed,
                               n_iter=SVD_N_ITER, on_pass=tick)
        bases.append(replace(basis, held_out_scale=scale))
        products.clear()
        pieces.clear()  # the sample's blocks are freed before the next modality is read
    return bases, depth


@dataclass(frozen=True)
class Preprocessor:
    """Per-modality normalisation and truncated SVD (none for proteins, log- or CLR-normalised), concatenated.

    Attributes
    ----------
    kinds
        Kind of each modality (``'GEX'``, ``'ATAC'``, ``'ADT'``), RNA first.
    var_names
        Features of each modality, in the order the bases expect.
    bases
        Fitted SVD basis per modality; None for ADT (normalised values are used directly).
    protein_norm
        How protein (ADT) counts are normalised: ``"log"``, as every other modality (:func:`.log_normalize`);
        ``"clr"``, their centred log-ratio per cell (:func:`.clr`; ``JAEConfig.protein_norm``); ``"clr_depth"``, the
        same after scaling each cell's proteins to ``protein_depth`` counts.
    protein_depth
        The fitted cells' median protein count per cell (``"clr_depth"``'s common total; None without proteins).
    """

    kinds: tuple[str, ...]
    var_names: tuple[pd.Index, ...]
    bases: tuple[SVDBasis | None, ...]
    protein_norm: str = "log"
    protein_depth: float | None = None

    def __post_init__(self) -> None:
        if not (len(self.kinds) == len(self.var_names) == len(self.bases)):
            raise ValueError("Preprocessor: kinds, var_names and bases must have one entry per modality")
        from ..io.modality import KINDS

        for kind in self.kinds:  # another spelling ('gex', 'adt') would be normalised as some other kind
            if kind not in KINDS:
                raise ValueError(f"Preprocessor: kind {kind!r} is none of {', '.join(KINDS)}; e.g. kinds=['GEX', "
                                 "'ADT']")
        if self.protein_norm not in PROTEIN_NORMS:
            raise ValueError(f"Preprocessor: protein_norm must be one of {PROTEIN_NORMS}, not {self.protein_norm!r}")
        if self.protein_norm == "clr_depth" and "ADT" in self.kinds and not (self.protein_depth or 0) > 0:
            raise ValueError(f"Preprocessor: protein_norm 'clr_depth' needs a positive protein_depth (the median "
                             f"protein count per cell), not {self.protein_depth!r}: if most cells have no protein "
                             "counts, remove them first")
        for kind, names, basis in zip(self.kinds, self.var_names, self.bases):
            if basis is not None and basis.n_features != len(names):
                raise ValueError(f"{kind}: SVD basis has {basis.n_features} features but {len(names)} names are given")

    @classmethod
    def fit(
        cls, counts, kinds, var_names, *, n_components: int = 100, seed: int = 0,
        svd_fit_cells: int | None = SVD_FIT_CELLS, protein_norm: str = "log",
    ) -> "Preprocessor":
        """Fit on raw counts of all cells given (reference and query together, as the seed did).

        Parameters
        ----------
        counts
            One ``(n_cells, n_features_m)`` raw count matrix per modality, same cells in the same order, or row-block
            sources (:class:`jae.io.chunked.BackedCounts` for counts on disk).
        kinds
            Kind of each modality.
        var_names
            Feature names of each modality.
        n_components
            SVD dimensions per modality (the seed: 100).
        seed
            Seed of the randomised SVD and of its cell sample.
        svd_fit_cells
            Cells the SVD bases are fitted on (a seeded sample when there are more; None: all cells).
        protein_norm
            How proteins are normalised: ``'log'`` (the default, the seed's: as every modality), ``'clr'`` or
            ``'clr_depth'`` (see :class:`jae.JAEConfig`; ``JAE.fit`` passes the config's).

        Returns
        -------
        A new fitted :class:`Preprocessor` (the class is called as ``Preprocessor.fit(...)``).
        """
        kinds = _kinds(kinds)
        n_components, seed = fit_numbers(n_components, seed)
        if protein_norm not in PROTEIN_NORMS:  # before the passes, not when the fitted bases are put together
            raise ValueError(f"Preprocessor: protein_norm must be one of {PROTEIN_NORMS}, not {protein_norm!r}")
        sources = _paired_sources(counts, kinds, var_names, kinds)
        _warn_one_protein(kinds, var_names, kinds, protein_norm)
        bases, depth = _fit_bases(
            sources, kinds, names=kinds, n_components=n_components, seed=seed, svd_fit_cells=svd_fit_cells,
            hint="Preprocessor.fit needs each modality's raw counts (e.g. adata.layers['counts'])",
        )
        return cls.from_bases(kinds, var_names, bases, protein_norm=protein_norm, protein_depth=depth)

    @classmethod
    def from_bases(
        cls, kinds, var_names, bases, *, protein_norm: str = "log", protein_depth: float | None = None,
    ) -> "Preprocessor":
        """A Preprocessor built from ``bases`` fitted elsewhere (e.g.
        :func:`jae.preprocess.streaming.fit_svd_streaming`), one per modality of ``kinds`` with its ``var_names``;
        ``protein_norm`` and ``protein_depth``: the fields of that name."""
        return cls(_kinds(kinds), tuple(pd.Index(v).astype(str) for v in var_names), tuple(bases), protein_norm,
                   protein_depth)

    def by_clr(self, i: int) -> bool:
        """Whether modality ``i`` is normalised by its centred log-ratio (proteins of a ``"clr"`` or ``"clr_depth"``
        preprocessor)."""
        return self.kinds[i] == "ADT" and self.protein_norm != "log"

    def scale_of(self, i: int) -> str:
        """The scale of modality ``i``'s normalised values, in words (e.g. for an imputed layer's description)."""
        if self.by_clr(i):
            scaled = f"count scaled to {self.protein_depth:g} per cell" if self.protein_norm == "clr_depth" else "count"
            return f"log1p({scaled} / geometric mean of (1 + it) over the cell's proteins)"
        return "log10(1 + 1e4 * count / total count)"

    def normalise(self, i: int, X, *, copy: bool = True):
        """Modality ``i``'s raw counts ``X`` normalised (``copy=False``: a float32 CSR block may be normalised in
        place)."""
        check_flags(copy=copy)
        if not self.by_clr(i):
            return log_normalize(X, copy=copy)
        return clr(X, self.protein_depth if self.protein_norm == "clr_depth" else None)

    def __repr__(self) -> str:  # the dataclass's printed every gene name and SVD component: hundreds of lines
        parts = [f"{kind} {len(names):,} features -> {'themselves' if b is None else f'{b.n_components} SVD components'}"
                 for kind, names, b in zip(self.kinds, self.var_names, self.bases)]
        norm = f", protein_norm={self.protein_norm!r}" if "ADT" in self.kinds else ""
        return f"Preprocessor({', '.join(parts)}{norm})"

    @property
    def widths(self) -> tuple[int, ...]:
        """Feature columns of each modality (SVD components, or the proteins themselves), in order."""
        return tuple(len(v) if b is None else b.n_components for v, b in zip(self.var_names, self.bases))

    @property
    def n_output(self) -> int:
        """Width of the concatenated features."""
        return sum(self.widths)

    def transform_one(self, i: int, X) -> np.ndarray:
        """Features of modality ``i`` from its raw counts ``X`` (columns already in the fitted order)."""
        return self._features_of(i, self.normalise(i, X))

    def _features_of(self, i: int, normed) -> np.ndarray:
        if self.bases[i] is None:
            return np.asarray(normed.toarray() if hasattr(normed, "toarray") else normed, dtype=np.float32)
        from .streaming import project_blocks

        return project_blocks([normed], self.bases[i], n_rows=normed.shape[0])

    def transform(self, counts, var_names=None, *, names=None) -> np.ndarray:
        """Concatenated features ``(n_cells, n_output)`` float32 from raw counts of every modality.

        ``counts`` are matrices or row-block sources (:class:`jae.io.chunked.BackedCounts`), processed in row
        blocks. ``var_names`` (one index per modality) lets columns be matched by name; features that differ from
        the fitted ones raise ValueError. ``names``: the modalities' names in messages (None: their kinds).
        """
        kinds = ", ".join(self.kinds)  # one matrix failed in len() ('sparse array length is ambiguous'), or its rows
        if not isinstance(counts, (list, tuple)):  # were read as modalities; one var_names index in pandas
            raise TypeError(f"Preprocessor.transform: counts must be a list with one count matrix per modality "
                            f"({kinds}), not a {type(counts).__name__}; e.g. [rna_counts, adt_counts]")
        if var_names is not None and (not isinstance(var_names, (list, tuple)) or len(var_names) != len(self.kinds)):
            got = f"{len(var_names)} lists" if isinstance(var_names, (list, tuple)) else f"a {type(var_names).__name__}"
            raise TypeError(f"Preprocessor.transform: var_names must be a list with one list of feature names per "
                            f"modality ({kinds}), in the order of counts, not {got}; or None (the fitted features)")
        return transform_blocks(self, counts, var_names=var_names, names=names,
                                hint="Preprocessor.transform needs each modality's raw counts (e.g. "
                                     "adata.layers['counts'])")[0]


def transform_blocks(
    preprocessor: Preprocessor, counts, *, var_names=None, names=None, cell_cycle=None,
    tick: Callable[[], None] = lambda: None, hint: str | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Pass 2: features of every cell, block by block, and cell-cycle scores from a fitted ``cell_cycle`` scorer.

    Given a ``hint`` (where raw counts go, for the message), each block is checked to hold raw counts
    (:func:`jae.io.validate.validate_counts`) before it is normalised; callers whose counts were checked pass None.

    Returns
    -------
    ``(X, phase)``: ``(n_cells, preprocessor.n_output)`` float32 features and ``(n_cells, 2)`` float32 S and G2/M
    scores (None without ``cell_cycle``).
    """
    pre = preprocessor
    if len(counts) != len(pre.kinds):
        raise ValueError(f"expected {len(pre.kinds)} modalities, got {len(counts)}")
    names = names or pre.kinds
    sources = _as_sources(counts)
    n_cells = sources[0].shape[0]
    indexers = []
    for i, src in enumerate(sources):
        if var_names is not None:
            indexers.append(feature_indexer(var_names[i], pre.var_names[i], name=f"modality {names[i]!r}"))
        elif src.shape[1] != len(pre.var_names[i]):
            raise ValueError(
                f"modality {names[i]!r} has {src.shape[1]} features, the model expects {len(pre.var_names[i])}"
            )
        else:
            indexers.append(None)
        if src.shape[0] != n_cells:
            raise ValueError(f"modality {names[i]!r} has {src.shape[0]} cells, {names[0]!r} {n_cells}: pair them first")
    X = np.empty((n_cells, pre.n_output), dtype=np.float32)
    phase = np.empty((n_cells, 2), dtype=np.float32) if cell_cycle is not None else None
    col = 0
    for i, (src, idx) in enumerate(zip(sources, indexers)):
        width = len(pre.var_names[i]) if pre.bases[i] is None else pre.bases[i].n_components
        pos = 0
        for block in read_ahead(src.blocks(BLOCK_ROWS)):  # the next block is read while this one is processed
            if hint is not None:  # NaN gave NaN features, normalised values were normalised again, without a word
                from ..io.validate import validate_counts

                validate_counts(block, name=f"modality {names[i]!r} (cells {pos}-{pos + block.shape[0] - 1})",
                                hint=hint)
            if idx is not None:
                block = block[:, idx]
            normed = pre.normalise(i, block, copy=False)  # a fresh copy of the rows (sources' blocks are)
            X[pos : pos + block.shape[0], col : col + width] = pre._features_of(i, normed)
            if cell_cycle is not None and pre.kinds[i] == "GEX":
                phase[pos : pos + block.shape[0]] = cell_cycle.score(normed)
            pos += block.shape[0]
            tick()
        col += width
    return X, phase


def _warn_one_protein(kinds, var_names, names, protein_norm: str) -> None:
    """Warn of a one-protein panel normalised by the cell's own total ('log', 'clr_depth'): the same value in every
    cell (up to rounding), so the protein modality tells the cells apart by nothing."""
    for kind, features, name in zip(kinds, var_names, names):
        if kind == "ADT" and len(features) == 1 and protein_norm != "clr":
            logger.warning("modality %r has one protein: normalised by each cell's own total (protein_norm %r) it has "
                           "the same value in every cell, so it carries no information; protein_norm='clr' keeps its "
                           "count (JAEConfig(protein_norm='clr') for a supervised fit)", name, protein_norm)


def preprocess(
    counts, kinds, var_names, *, names=None, n_components: int = 100, seed: int = 0,
    svd_fit_cells: int | None = SVD_FIT_CELLS, organism: str | None = None, progress_bar: bool = False,
    protein_norm: str = "log", checked: bool = False,
) -> tuple[Preprocessor, np.ndarray, np.ndarray | None]:
    """Fit the preprocessing and transform every cell, in two passes over row blocks of the counts.

    Parameters
    ----------
    counts
        One raw count matrix or row-block source (:class:`jae.io.chunked.BackedCounts`) per modality.
    kinds, var_names, n_components, seed, svd_fit_cells
        As for :meth:`Preprocessor.fit`.
    names
        Modality names, for messages.
    organism
        Score the cell cycle from the RNA modality with this organism's genes; None: no scores.
    progress_bar
        One progress bar over the blocks and SVD passes.
    protein_norm
        As :class:`Preprocessor`'s.
    checked
        True: the counts in memory were already checked to be raw counts (:func:`jae.io.validate_counts`; ``JAE.fit``
        checks them when it pairs the modalities); False: they are checked here, block by block, as counts on disk
        always are.

    Returns
    -------
    ``(preprocessor, X, phase)``: the fitted :class:`Preprocessor`, ``(n_cells, n_output)`` float32 features and
    ``(n_cells, 2)`` float32 S and G2/M scores (None without ``organism``; NaN when too few cell-cycle genes are
    present, with a warning).
    """
    from tqdm.auto import tqdm

    from .cell_cycle import CellCycleScorer, found_words
    from .organism import refuse_other_organism

    check_flags(progress_bar=progress_bar, checked=checked)  # a text such as 'no' would draw the bar
    kinds = _kinds(kinds)
    n_components, seed = fit_numbers(n_components, seed)
    names = tuple(names or kinds)
    sources = _paired_sources(counts, kinds, var_names, names)
    for features, name in zip(var_names, names):  # before any pass: a fitted model matches features by name
        unique_features(features, f"modality {name!r}")
    n_cells = sources[0].shape[0]
    scorer, phase_nan = None, None
    if organism is not None and "GEX" in kinds:
        genes = var_names[list(kinds).index("GEX")]
        try:
            scorer = CellCycleScorer(genes, organism=organism, seed=seed)
        except ValueError as err:
            refuse_other_organism(genes, organism)
            logger.warning("no cell-cycle scores (%s); the phase loss is skipped", err)
            phase_nan = np.full((n_cells, 2), np.nan, dtype=np.float32)
        if scorer is not None and (words := found_words(tuple(map(len, scorer.sets)), organism)) is not None:
            logger.info("cell-cycle (phase) scores use %s; the others are not in the RNA's genes", words)
    if protein_norm not in PROTEIN_NORMS:
        raise ValueError(f"preprocess: protein_norm must be one of {PROTEIN_NORMS}, not {protein_norm!r}")
    if "ADT" in kinds:
        logger.debug("proteins normalised %s (protein_norm %r)", _PROTEIN_NORM_WORDS[protein_norm], protein_norm)
    _warn_one_protein(kinds, var_names, names, protein_norm)
    n_blocks = len(sources) * -(-n_cells // BLOCK_ROWS)
    _check_fit_cells(svd_fit_cells)
    sampled = n_cells if svd_fit_cells is None else min(n_cells, svd_fit_cells)  # the SVD's cells, its cross-fit's
    total = 2 * n_blocks + sum((SVD_N_ITER + 1) * (1 + fold_count(sampled)) for k in kinds if k != "ADT")
    from .._launch import is_writer  # under torchrun, process 0 alone draws the bar (as training's)

    # leave=False: gone once done, as training's and evaluate's (a finished fit left this bar alone on screen)
    with tqdm(total=total, disable=not progress_bar or bars_off() or not is_writer(), desc="preprocessing", unit="step",
              leave=False) as bar:
        bases, depth = _fit_bases(
            sources, kinds, names=names, n_components=n_components, seed=seed, svd_fit_cells=svd_fit_cells,
            cell_cycle=scorer, tick=bar.update, hint=None if checked else _PREPROCESS_HINT,
        )
        pre = Preprocessor.from_bases(kinds, var_names, bases, protein_norm=protein_norm, protein_depth=depth)
        if protein_norm == "clr_depth" and depth is not None:
            logger.debug("median protein count per cell: %g (every cell's proteins are scaled to it)", depth)
        if scorer is not None and not _has_controls(scorer):
            scorer, phase_nan = None, np.full((n_cells, 2), np.nan, dtype=np.float32)
        X, phase = transform_blocks(pre, sources, names=names, cell_cycle=scorer, tick=bar.update)
    return pre, X, phase if phase_nan is None else phase_nan


def _has_controls(scorer) -> bool:
    """Whether ``scorer`` (its gene means added) finds control genes for both marker lists; if not (an RNA panel of a
    few dozen genes: each expression bin holds one or two, the markers alone), a warning, as for too few markers."""
    try:
        scorer._control_sets()
    except ValueError:
        logger.warning("no cell-cycle scores (the RNA's %d genes hold no control genes beside the cell-cycle markers in "
                       "their expression bins: too few genes); the phase loss is skipped", len(scorer.var_names))
        return False
    return True
