"""The Tirosh et al. (2016) S-phase and G2/M-phase marker genes, human and mouse, as stored in
``jae/resources/cell_cycle_genes_{human,mouse}.txt`` (symbol, Ensembl ID, phase).

Read here without the scoring's compiled kernels (:mod:`jae.preprocess.cell_cycle`, which imports numba, 0.5 s):
:func:`jae.simulate` names its genes after them and the readers tell RNA by them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = ["ORGANISMS", "cell_cycle_genes"]

#: Accepted organism names (lower case) -> resource file stem.
ORGANISMS = {
    "human": "human",
    "homo sapiens": "human",
    "homo_sapiens": "human",
    "hs": "human",
    "mouse": "mouse",
    "mus musculus": "mouse",
    "mus_musculus": "mouse",
    "mm": "mouse",
}


@lru_cache(maxsize=None)
def _gene_table(organism: str) -> pd.DataFrame:
    key = ORGANISMS.get(str(organism).strip().lower())
    if key is None:
        raise ValueError(
            f"unknown organism {organism!r}; use one of {sorted(set(ORGANISMS))} "
            "(the competition files store it in uns['organism'])"
        )
    text = resources.files("jae.resources").joinpath(f"cell_cycle_genes_{key}.txt")
    with text.open("r", encoding="utf-8") as fh:
        return pd.read_table(fh, comment="#", dtype=str)


def cell_cycle_genes(organism: str) -> tuple[list[str], list[str]]:
    """The Tirosh et al. S-phase and G2/M-phase marker gene symbols.

    Parameters
    ----------
    organism
        ``'human'`` or ``'mouse'`` (also ``'homo sapiens'``, ``'mus_musculus'``, ...). Human symbols are upper
        case, mouse symbols capitalised, as in scib.

    Returns
    -------
    ``(s_genes, g2m_genes)``: two lists of gene symbols (43 and 54 genes).
    """
    table = _gene_table(organism)
    return (
        table.loc[table["phase"] == "S", "gene_name"].tolist(),
        table.loc[table["phase"] == "G2/M", "gene_name"].tolist(),
    )
