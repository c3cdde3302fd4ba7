"""Cell-cycle scores (S and G2/M) from log-normalised expression, the way scanpy and scib compute them.

The gene lists are the Tirosh et al. (2016) S-phase and G2/M-phase markers, human and mouse, stored in
``jae/resources/cell_cycle_genes_{human,mouse}.txt`` (symbol, Ensembl ID, phase), read by
:mod:`jae._cell_cycle_genes` (without numba, which the scoring's kernels here import). Scoring follows
``scanpy.tl.score_genes_cell_cycle`` exactly: the score of a gene set is its mean expression minus the mean
expression of control genes drawn at random from the same expression bins (25 bins of mean expression; per
bin ``min(#S, #G2M)`` genes), each set drawn from a fresh ``RandomState(seed)``. With ``seed=0`` the scores
equal scanpy's, which is what scib's cell-cycle conservation uses.

:class:`CellCycleScorer` gives the same scores over row blocks (two passes: gene means, then scores), for data
read from disk in blocks. :class:`CellCycleGenes` holds the marker genes found in one gene list, looked up once and
passed to either when many batches of the same genes are scored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._cell_cycle_genes import ORGANISMS, _gene_table, cell_cycle_genes  # read without numba (jae.simulate)
from .._compiled import compiled

__all__ = ["cell_cycle_genes", "score_cell_cycle", "CellCycleGenes", "CellCycleScorer", "add_grouped", "score_grouped",
           "ORGANISMS"]

log = logging.getLogger(__name__)

_N_BINS = 25  # scanpy.tl.score_genes default


def _present(table: pd.DataFrame, phase: str, var_names: pd.Index) -> list[str]:
    """Genes of one phase found in ``var_names``, by symbol or Ensembl ID (with or without a version suffix), whichever
    matches more (as scib)."""
    rows = table[table["phase"] == phase]
    versioned = _unversioned(var_names)
    best: list[str] = []
    for column in ("gene_name", "gene_id"):
        found = [g if g in var_names else versioned[g] for g in rows[column] if g in var_names or g in versioned]
        if len(found) > len(best):
            best = found
    return best


def found_words(counts: tuple[int, int], organism: str) -> str | None:
    """``'3 of 43 S-phase and 3 of 54 G2/M-phase marker genes'`` for ``counts``, the numbers of S-phase and G2/M-phase
    marker genes of ``organism`` found in a gene list; None when every one of both lists is there (nothing to say)."""
    s_all, g2m_all = cell_cycle_genes(organism)
    n_s, n_g2m = counts
    if (n_s, n_g2m) == (len(s_all), len(g2m_all)):
        return None
    return f"{n_s} of {len(s_all)} S-phase and {n_g2m} of {len(g2m_all)} G2/M-phase marker genes"


def _case_fix(table: pd.DataFrame, var_names: pd.Index, need: int) -> str | None:
    """The fix when ``var_names`` hold the markers in another case (``mcm5``: a tool lower-cased them), which the exact
    lookup (as scanpy's) does not match; None when a lookup ignoring case finds too few of them as well."""
    upper = dict(zip(var_names.str.upper()[::-1], var_names[::-1]))
    found = [[upper[g.upper()] for g in table.loc[table["phase"] == p, column] if g.upper() in upper]
             for column in ("gene_name", "gene_id") for p in ("S", "G2/M")]
    pair = max((found[:2], found[2:]), key=lambda f: len(f[0]) + len(f[1]))
    if min(map(len, pair)) < need:
        return None
    given = pair[0][0]
    exact = next(g for c in ("gene_name", "gene_id") for g in table[c] if g.upper() == given.upper())
    how = "upper()" if exact == exact.upper() else "capitalize()"  # human symbols and IDs; mouse symbols (Mcm5)
    # all lower case, a symbol reads as either organism's (mcm5: MCM5 or Mcm5): the other one's rename named too
    other = ("" if given != given.lower() or exact.upper().startswith("ENS") else
             " (mouse genes: .str.capitalize(), with organism='mouse')" if how == "upper()" else
             " (human genes: .str.upper(), with organism='human')")
    return (f"{len(pair[0])} and {len(pair[1])} are there in another case (e.g. {given!r} for {exact!r}), and "
            f"gene names are matched exactly: rename them, e.g. adata.var_names = adata.var_names.str.{how} on the "
            f"RNA modality{other}")


def has_markers(var_names, organism: str) -> bool:
    """Whether ``var_names`` hold at least one S-phase and one G2/M-phase marker of ``organism``, as
    :meth:`CellCycleGenes.find` needs them, without its log lines (a question asked of both organisms)."""
    var_names = pd.Index(np.asarray(var_names).astype(str))
    table = _gene_table(organism)
    return all(_present(table, phase, var_names) for phase in ("S", "G2/M"))


def _unversioned(var_names: pd.Index) -> dict[str, str]:
    """Ensembl IDs with a version suffix in ``var_names`` (``ENSG00000100297.15``, as GENCODE writes them), by the ID
    without it (the gene lists'), so that they are found as well; the first of two versions of one ID."""
    names = var_names[var_names.str.match(r"^ENS[A-Z]*G\d+\.\d+$")]
    return dict(zip(names.str.replace(r"\.\d+$", "", regex=True)[::-1], names[::-1]))


def _column_means(X) -> np.ndarray:
    """Per-gene mean over cells, with scanpy's dtype conventions (float64 for sparse, input dtype for dense)."""
    if sp.issparse(X):
        return np.asarray(X.sum(axis=0, dtype=np.float64)).ravel() / X.shape[0]
    return np.nanmean(np.asarray(X), axis=0)  # a DataFrame (adata.to_df()) as its values


def _row_means(X, columns: np.ndarray) -> np.ndarray:
    """Each row's float64 mean over ``columns``.

    Sparse input is read row by row (:func:`_csr_row_sums`), with no column-major copy of the block, and summed
    as scipy sums ``X[:, columns]`` (float32 for float32 data, in the order of ``columns``), so the scores are
    the same numbers bit for bit.
    """
    if sp.issparse(X):
        X = X if X.format == "csr" else X.tocsr()
        rank = np.full((1, X.shape[1]), -1, dtype=np.int64)
        rank[0, columns] = np.arange(len(columns))
        sums = _csr_row_sums(X.indptr, X.indices, X.data, np.zeros(X.shape[0], dtype=np.int64), rank, len(columns))
        return sums.astype(np.float64) / len(columns)
    return np.nanmean(np.asarray(X)[:, columns], axis=1, dtype=np.float64)  # X[:, columns] of a DataFrame: pandas


@compiled(nogil=True)
def _csr_row_sums(indptr, indices, data, group, ranks, n_columns):
    """Each CSR row's sum of its stored values in the columns ranked by its group's row of ``ranks`` (-1: not
    summed; ``n_columns`` the most ranked columns of a group), in the data's dtype, added in rank order; rows of
    group -1 sum to 0."""
    out = np.zeros(indptr.shape[0] - 1, dtype=data.dtype)
    values = np.zeros(n_columns, dtype=data.dtype)
    touched = np.empty(n_columns, dtype=np.int64)
    seen = np.zeros(n_columns, dtype=np.bool_)
    for i in range(indptr.shape[0] - 1):
        if group[i] < 0:
            continue
        rank = ranks[group[i]]
        n = 0
        for p in range(indptr[i], indptr[i + 1]):
            r = rank[indices[p]]
            if r >= 0:
                if not seen[r]:
                    seen[r] = True
                    touched[n] = r
                    n += 1
                values[r] += data[p]
        order = np.sort(touched[:n])
        acc = out[i]  # zero, in the data's dtype
        for j in range(n):
            acc += values[order[j]]
            values[order[j]] = 0
            seen[order[j]] = False
        out[i] = acc
    return out


@compiled(nogil=True)
def _csr_group_column_sums(indptr, indices, data, group, n_groups, n_columns):
    """``(n_groups, n_columns)`` column sums of each group's CSR rows (group -1: none), in the data's dtype, added
    in row order: each group's row equals scipy's ``X[rows].sum(axis=0)`` bit for bit."""
    out = np.zeros((n_groups, n_columns), dtype=data.dtype)
    for i in range(indptr.shape[0] - 1):
        g = group[i]
        if g >= 0:
            for p in range(indptr[i], indptr[i + 1]):
                out[g, indices[p]] += data[p]
    return out


def _control_genes(genes: np.ndarray, gene_means: np.ndarray, *, ctrl_size: int, seed: int) -> np.ndarray:
    """Column indices of the binned random control genes of one gene set (column indices ``genes``)."""
    rng = np.random.RandomState(seed)  # legacy generator: reproduces scanpy's np.random.seed(0) draws
    finite = np.flatnonzero(np.isfinite(gene_means))
    ranks = pd.Series(gene_means[finite]).rank(method="min").to_numpy()
    n_items = max(1, int(np.round(len(finite) / (_N_BINS - 1))))
    cut = np.full(len(gene_means), -1.0)
    cut[finite] = ranks // n_items
    in_set = np.zeros(len(gene_means), dtype=bool)
    in_set[genes] = True
    control = np.zeros(len(gene_means), dtype=bool)
    for value in np.unique(cut[genes]):
        candidates = np.flatnonzero(cut == value)  # in var order, as scanpy's obs_cut index
        if ctrl_size < len(candidates):
            candidates = candidates[rng.choice(len(candidates), size=ctrl_size, replace=False)]
        control[candidates] = True
    control &= ~in_set
    if not control.any():
        raise ValueError(
            "cell-cycle scoring found no control genes; pass the full log-normalised gene matrix, not only the "
            "cell-cycle genes"
        )
    return np.flatnonzero(control)


def _score_set(X, genes: np.ndarray, gene_means: np.ndarray, *, ctrl_size: int, seed: int) -> np.ndarray:
    """Score one gene set (column indices ``genes``) against binned random control genes."""
    control = _control_genes(genes, gene_means, ctrl_size=ctrl_size, seed=seed)
    return _row_means(X, genes) - _row_means(X, control)


@dataclass(frozen=True)
class CellCycleGenes:
    """The S-phase and G2/M-phase marker genes found in one gene list, resolved once for every batch scored with it.

    :meth:`find` looks the Tirosh genes up (by symbol or Ensembl ID, whichever matches more, as scib) and logs how
    many of each list are present; :func:`score_cell_cycle` and :class:`CellCycleScorer` take the result as
    ``genes=``, so scoring many batches of the same genes looks them up (and says so) once.

    Attributes
    ----------
    n_var
        Length of the gene list the indices refer to.
    s, g2m
        Column indices of the S-phase and G2/M-phase genes present.
    names
        The names at those columns (``s`` then ``g2m``), which :meth:`check` compares (empty: not compared).
    """

    n_var: int
    s: np.ndarray
    g2m: np.ndarray
    names: tuple[str, ...] = ()

    @property
    def counts(self) -> tuple[int, int]:
        """``(n_s, n_g2m)``: how many genes of each list are present."""
        return len(self.s), len(self.g2m)

    @property
    def ctrl_size(self) -> int:
        """Control genes drawn per expression bin (scanpy: the smaller list's size)."""
        return min(self.counts)

    @classmethod
    def find(cls, var_names, organism: str = "human", *, min_genes: int = 1,
             who: str = "score_cell_cycle") -> "CellCycleGenes":
        """The marker genes of ``organism`` in ``var_names``; ``who`` names the caller in the error raised when fewer
        than ``min_genes`` (at least 1) of either list are present, or when ``var_names`` repeat a name."""
        from .._flags import is_whole

        if not is_whole(min_genes, 0):
            raise ValueError(f"{who}: min_genes must be a whole number >= 0 (the fewest genes of each cell-cycle list "
                             f"that must be present), not {min_genes!r}; e.g. min_genes=1")
        var_names = pd.Index(np.asarray(var_names).astype(str))
        if not var_names.is_unique:  # the names and the call: 'not unique (var_names_make_unique)' named neither
            from .._words import count
            from ..io.features import examples

            dup = var_names[var_names.duplicated()].unique()
            raise ValueError(f"{who}: var_names repeat {count(len(dup), 'gene name')} (e.g. {examples(dup)}); make "
                             "them unique first, e.g. adata.var_names_make_unique() on the RNA")
        table = _gene_table(organism)
        s_genes = _present(table, "S", var_names)
        g2m_genes = _present(table, "G2/M", var_names)
        if min(len(s_genes), len(g2m_genes)) < max(1, min_genes):
            raise ValueError(
                f"{who}: only {len(s_genes)} S-phase and {len(g2m_genes)} G2/M-phase {organism} marker genes "
                f"are in var_names (need >= {max(1, min_genes)} each)"
                + (f", but {case}" if (case := _case_fix(table, var_names, max(1, min_genes))) else "; check the "
                   "organism (--organism, or organism= in Python) and that var_names are gene symbols or Ensembl IDs")
            )
        found = cls(len(var_names), var_names.get_indexer(s_genes), var_names.get_indexer(g2m_genes),
                    tuple(str(g) for g in (*s_genes, *g2m_genes)))
        if (words := found_words(found.counts, organism)) is not None:  # DEBUG: a fit says it at INFO, evaluate's
            log.debug("cell-cycle scores use the %s in var_names (the others are not there)", words)  # cc_cons warns
        return found

    def check(self, var_names, who: str) -> None:
        """Refuse a gene list (``var_names``, or its length) of another length than the one the genes were found in,
        or whose names at the marker genes' columns are others (a gene list of the same length in another order, or
        of other genes, scored other genes as the markers)."""
        n_var = var_names if isinstance(var_names, (int, np.integer)) else len(var_names)
        if n_var != self.n_var:
            raise ValueError(f"{who}: genes= was found in {self.n_var} var_names, the data has {n_var}; find them in "
                             "these var_names (CellCycleGenes.find)")
        if not self.names or isinstance(var_names, (int, np.integer)):
            return
        here = pd.Index(np.asarray(var_names).astype(str))[np.concatenate([self.s, self.g2m]).astype(np.int64)]
        moved = [(a, b) for a, b in zip(self.names, here) if a != b]
        if moved:
            raise ValueError(f"{who}: genes= was found in other var_names of the same length: {len(moved)} of its "
                             f"{len(self.names)} marker genes' columns hold other genes here (e.g. {moved[0][0]!r} is "
                             f"{moved[0][1]!r}); find them in these var_names (CellCycleGenes.find)")


def score_cell_cycle(
    X_lognorm,
    var_names,
    *,
    organism: str = "human",
    seed: int = 0,
    min_genes: int = 1,
    genes: CellCycleGenes | None = None,
) -> pd.DataFrame:
    """S-phase and G2/M-phase scores per cell (scanpy's ``score_genes_cell_cycle``).

    Parameters
    ----------
    X_lognorm
        Log-normalised expression, ``(n_cells, n_genes)``, dense or scipy sparse (all genes, not only the
        cell-cycle ones: control genes are drawn from all of them).
    var_names
        The ``n_genes`` gene names (symbols or Ensembl IDs).
    organism
        ``'human'`` or ``'mouse'``; see :func:`cell_cycle_genes`.
    seed
        Seed of the control-gene draw; ``0`` reproduces scanpy (and scib).
    min_genes
        Fewest genes of each list that must be present. scib scores with as few as one.
    genes
        The marker genes already found in ``var_names`` (:meth:`CellCycleGenes.find`), e.g. when scoring many
        batches; None looks them up here.

    Returns
    -------
    DataFrame ``(n_cells, 2)`` with float64 columns ``'S_score'`` and ``'G2M_score'`` and a ``RangeIndex`` in
    row order (set ``.index = obs_names`` yourself).
    """
    from ..config import as_seed

    from ._checks import refuse_annotated

    refuse_annotated(X_lognorm, "score_cell_cycle", "X_lognorm", "score_cell_cycle(log_normalize(adata.layers["
                     "'counts']), adata.var_names)")
    seed = as_seed(seed)  # None drew other control genes each call; -1 or 1.5 failed in numpy, after the look-up
    var_names = pd.Index(np.asarray(var_names).astype(str))
    if X_lognorm.ndim != 2 or X_lognorm.shape[1] != len(var_names):
        raise ValueError(
            f"score_cell_cycle: X_lognorm has shape {X_lognorm.shape} but {len(var_names)} var_names were given; "
            "pass one name per column"
        )
    if genes is None:
        genes = CellCycleGenes.find(var_names, organism, min_genes=min_genes)
    genes.check(var_names, "score_cell_cycle")
    means = _column_means(X_lognorm)  # on the input's own layout: float sums then match scanpy's bit for bit
    if sp.issparse(X_lognorm):
        X_lognorm = X_lognorm.tocsr()  # once: every gene-set mean reads rows (_row_means)
    scores = {}
    for name, idx in zip(("S_score", "G2M_score"), (genes.s, genes.g2m)):
        scores[name] = _score_set(X_lognorm, idx, means, ctrl_size=genes.ctrl_size, seed=seed)
    return pd.DataFrame(scores)


def plain_reason(err: Exception) -> str:
    """``err``'s message without the internal name it starts with (``'CellCycleScorer: '``, ``'score_cell_cycle: '``:
    the callee a cell-cycle reference used), for a reason cc_cons is n/a, read by users who called neither."""
    import re

    return re.sub(r"^(CellCycleScorer|score_cell_cycle): ", "", str(err))


class CellCycleScorer:
    """:func:`score_cell_cycle` over row blocks: :meth:`add` every block (gene means), then :meth:`score` each.

    The control genes depend only on the per-gene means over all cells, after which a cell's score is a difference
    of its own row means, so block-wise scores equal those of :func:`score_cell_cycle` on all cells at once (up to
    the summation order of the float64 gene means).

    Parameters
    ----------
    var_names, organism, seed, min_genes, genes
        As for :func:`score_cell_cycle`.

    Examples
    --------
    >>> scorer = CellCycleScorer(genes, organism="human")  # doctest: +SKIP
    >>> for block in blocks(): scorer.add(block)  # doctest: +SKIP
    >>> scores = np.concatenate([scorer.score(block) for block in blocks()])  # doctest: +SKIP
    """

    def __init__(self, var_names, *, organism: str = "human", seed: int = 0, min_genes: int = 1,
                 genes: CellCycleGenes | None = None) -> None:
        from ..config import as_seed

        self.seed = as_seed(seed)  # here, not when score() first draws the control genes after a pass over the data
        self.var_names = pd.Index(np.asarray(var_names).astype(str))
        if genes is None:
            genes = CellCycleGenes.find(self.var_names, organism, min_genes=min_genes, who="CellCycleScorer")
        genes.check(self.var_names, "CellCycleScorer")
        self.sets, self.ctrl_size = [genes.s, genes.g2m], genes.ctrl_size
        self._sums = np.zeros(len(self.var_names), dtype=np.float64)
        self._n = 0
        self._controls: list[np.ndarray] | None = None

    def _check_block(self, X_lognorm, who: str) -> None:
        from ._checks import refuse_annotated

        refuse_annotated(X_lognorm, f"CellCycleScorer.{who}", "X_lognorm", f"scorer.{who}(log_normalize(adata.layers["
                         "'counts']))")
        if X_lognorm.shape[1] != len(self.var_names):
            raise ValueError(
                f"CellCycleScorer: a block has {X_lognorm.shape[1]} genes, the scorer {len(self.var_names)}; pass "
                "blocks of all genes in var_names order"
            )

    def add(self, X_lognorm) -> None:
        """Accumulate the gene sums of one log-normalised ``(rows, n_genes)`` block ``X_lognorm`` (first pass)."""
        self._check_block(X_lognorm, "add")
        if self._controls is not None:
            raise RuntimeError("CellCycleScorer: add() after score(); add every block first, then score")
        if sp.issparse(X_lognorm):
            self._sums += np.asarray(X_lognorm.sum(axis=0, dtype=np.float64)).ravel()
        else:
            self._sums += np.nansum(np.asarray(X_lognorm, dtype=np.float64), axis=0)
        self._n += X_lognorm.shape[0]

    def _control_sets(self) -> list[np.ndarray]:
        """The S and G2/M control genes, drawn once from the gene means of every block added."""
        if self._controls is None:
            if self._n == 0:
                raise RuntimeError("CellCycleScorer: score() before any add(); add every block first")
            means = self._sums / self._n
            self._controls = [_control_genes(idx, means, ctrl_size=self.ctrl_size, seed=self.seed) for idx in self.sets]
        return self._controls

    def score(self, X_lognorm) -> np.ndarray:
        """``(rows, 2)`` float64 S and G2/M scores of one log-normalised block ``X_lognorm`` (second pass)."""
        self._check_block(X_lognorm, "score")  # a wider block was scored by its first columns, without a word
        controls = self._control_sets()
        if sp.issparse(X_lognorm):
            X_lognorm = X_lognorm.tocsr()  # once for the four gene-set means (no copy for CSR blocks)
        return np.column_stack(
            [_row_means(X_lognorm, idx) - _row_means(X_lognorm, ctrl) for idx, ctrl in zip(self.sets, controls)]
        )


def add_grouped(scorers: list[CellCycleScorer], X, group: np.ndarray) -> None:
    """:meth:`CellCycleScorer.add` of each scorer's rows of one CSR block, read once: row ``i`` goes to
    ``scorers[group[i]]`` (-1: to none); the sums are those of ``scorers[g].add(X[group == g])`` bit for bit."""
    X = X.tocsr()
    group = np.asarray(group, dtype=np.int64)
    counts = np.bincount(group[group >= 0], minlength=len(scorers))
    for g in np.flatnonzero(counts):
        scorers[g].add(X[:0])  # add()'s checks (a block of other genes, add() after score()), adding nothing
    sums = _csr_group_column_sums(X.indptr, X.indices, X.data, group, len(scorers), X.shape[1])
    for g in np.flatnonzero(counts):
        scorers[g]._sums += sums[g]
        scorers[g]._n += int(counts[g])


def score_grouped(scorers: list[CellCycleScorer], X, group: np.ndarray) -> np.ndarray:
    """``(rows, 2)`` S and G2/M scores of one CSR block, row ``i`` by ``scorers[group[i]]`` (NaN for -1), read
    once: each row's scores are those of ``scorers[group[i]].score`` bit for bit (the marker genes are the same for
    every scorer, the control genes each scorer's own)."""
    X = X.tocsr()
    group = np.asarray(group, dtype=np.int64)
    out = np.full((X.shape[0], 2), np.nan)
    used = np.unique(group[group >= 0])
    if not len(used):
        return out
    for k, idx in enumerate(scorers[used[0]].sets):
        ranks = np.full((len(scorers), X.shape[1]), -1, dtype=np.int64)
        sizes = np.ones(len(scorers), dtype=np.int64)
        for g in used:
            ctrl = scorers[g]._control_sets()[k]
            ranks[g, ctrl] = np.arange(len(ctrl))
            sizes[g] = len(ctrl)
        ctrl_sums = _csr_row_sums(X.indptr, X.indices, X.data, group, ranks, int(sizes.max()))
        mine = group >= 0
        ctrl_means = ctrl_sums[mine].astype(np.float64) / sizes[group[mine]]
        out[mine, k] = _row_means(X, idx)[mine] - ctrl_means
    return out
