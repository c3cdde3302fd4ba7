"""Which organism a dataset comes from, for the cell-cycle gene lists: ``uns['organism']``, else gene-symbol case."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = ["given_organism", "infer_organism", "organism_from_uns", "organism_from_genes", "refuse_other_organism"]

logger = logging.getLogger(__name__)


def organism_from_uns(data) -> str | None:
    """``'human'`` / ``'mouse'`` from ``data.uns['organism']`` (the competition files carry it; any name of
    :data:`jae.preprocess.cell_cycle.ORGANISMS`), else None; an organism jae has no cell-cycle genes of is said in a
    warning (the caller then tells it from the gene names)."""
    from .._cell_cycle_genes import ORGANISMS  # not .cell_cycle: its numba kernels (0.6 s) load with it

    uns = getattr(data, "uns", None)
    value = None if uns is None else uns.get("organism")
    if value is None:
        return None
    key = ORGANISMS.get(str(value).strip().lower())
    if key is None:  # 'danio_rerio' was passed over in silence, and the model recorded the guess 'human'
        logger.warning("uns['organism'] is %r, an organism jae has no cell-cycle genes of; the organism is told from "
                       "the gene names instead: pass organism='human' or 'mouse' to choose, or fit with "
                       "JAEConfig(n_phase=0) to leave the cell-cycle block out", value)
    return key


def organism_from_genes(gene_names) -> str:
    """'mouse' when most names are mouse Ensembl IDs (``ENSMUSG...``) or title-case symbols (``Mcm5``), else 'human'
    (``MCM5``, ``ENSG...``); the other organism when none of the guess's cell-cycle genes are among the names but the
    other's are (mouse genes sorted by name start with ``0610005C13Rik``-like names, neither case)."""
    names = pd.Index(gene_names).astype(str)[:2000]
    if len(names) and np.mean(names.str.upper().str.startswith("ENSMUSG")) > 0.5:
        return _with_markers(gene_names, "mouse")  # upper case like human symbols, so checked first
    title = np.mean([n[:1].isupper() and n[1:].lower() == n[1:] and n[1:] != "" for n in names]) if len(names) else 0
    return _with_markers(gene_names, "mouse" if title > 0.5 else "human")


def _with_markers(gene_names, guess: str) -> str:
    """``guess``, unless its cell-cycle genes are missing from ``gene_names`` while the other organism's are there (the
    fit then refused the guess as if the user had given it, naming the other organism)."""
    from .cell_cycle import has_markers

    other = "human" if guess == "mouse" else "mouse"
    for organism in (guess, other):
        if not has_markers(gene_names, organism):  # CellCycleGenes.find's least: one gene of each list
            continue
        if organism != guess:
            logger.info("the gene names look %s, but they hold %s cell-cycle genes and no %s ones: organism %r",
                        guess, other, guess, other)
        return organism
    return guess


def infer_organism(data, gene_names) -> str:
    """The organism of ``data``: ``uns['organism']`` when it names one, else guessed from ``gene_names``' case.

    Parameters
    ----------
    data
        AnnData / MuData (or anything with ``.uns``), or None.
    gene_names
        The RNA modality's ``var_names``.

    Returns
    -------
    ``'human'`` or ``'mouse'``.
    """
    return organism_from_uns(data) or organism_from_genes(gene_names)


def given_organism(organism: str | None, *, needed: bool = True) -> str | None:
    """A user's ``organism=`` as ``'human'`` / ``'mouse'`` (None stays None: read from the data). When the cell-cycle
    genes are ``needed``, a name jae has no gene lists for (a typo, another species) is refused in one line naming
    the fix, instead of a warning and a model without its cell-cycle block; otherwise it is kept as given."""
    from .._cell_cycle_genes import ORGANISMS  # not .cell_cycle: its numba kernels (0.6 s) load with it

    if organism is None:
        return None
    key = ORGANISMS.get(str(organism).strip().lower())
    if key is None and needed:
        raise ValueError(
            f"organism={organism!r}: jae has the cell-cycle genes of human and mouse only; pass one of them, "
            "organism=None to read uns['organism'] or tell it from the gene names, or JAEConfig(n_phase=0) to fit "
            "another organism without the cell-cycle block"
        )
    return key or organism


def refuse_other_organism(genes, organism: str) -> None:
    """Refuse ``organism`` when none of its cell-cycle genes are in ``genes`` but the other organism's are (mouse
    data fitted as human: the fit would go on without its cell-cycle block, one warning in its log)."""
    from .cell_cycle import ORGANISMS, CellCycleGenes

    other = {"human": "mouse", "mouse": "human"}.get(ORGANISMS.get(str(organism).strip().lower(), ""))
    if other is None:
        return
    try:
        found = CellCycleGenes.find(genes, other)
    except ValueError:  # neither organism's genes: a gene list of other names, warned of as before
        return
    raise ValueError(f"organism is {organism!r} (given, or read from uns['organism']), but none of its cell-cycle "
                     f"genes are among the RNA's var_names, while {found.counts[0]} S-phase and {found.counts[1]} "
                     f"G2/M-phase genes of {other} are, as the names are written: pass organism={other!r} to score "
                     "the cell cycle with those, or JAEConfig(n_phase=0) to fit without it")
