"""``simulate``: a seeded in-memory paired dataset (10x Multiome-like or CITE-seq-like) as a MuData."""

from __future__ import annotations

import logging
from typing import Literal

import anndata as ad
import pandas as pd

from .design import Design, SimulationParams, make_design
from .sampling import check_counts_memory, sample_block

__all__ = ["simulate", "FEATURE_TYPES"]

logger = logging.getLogger(__name__)

#: ``var['feature_types']`` of each modality, as in the competition files.
FEATURE_TYPES = {"rna": "GEX", "atac": "ATAC", "prot": "ADT"}


def modality_var(design: Design, mod: str) -> pd.DataFrame:
    """The ``var`` table of one simulated modality (``feature_types``)."""
    var = pd.DataFrame(index=design.var_names[mod].copy())
    var["feature_types"] = pd.Categorical([FEATURE_TYPES[mod]] * len(var))
    return var


def dataset_uns(design: Design) -> dict:
    """``uns`` entries of a simulated dataset: ``dataset_id`` and ``organism``."""
    return {"dataset_id": f"jae_simulated_{design.kind}_seed{design.seed}", "organism": design.organism}


def simulate(
    n_cells: int = 2000,
    *,
    kind: Literal["multiome", "cite"] = "multiome",
    n_genes: int = 2000,
    n_peaks: int = 4000,
    n_proteins: int = 30,
    n_cell_types: int = 6,
    n_batches: int = 3,
    organism: str = "human",
    seed: int = 0,
    params: SimulationParams | None = None,
):
    """Simulate paired single-cell counts with cell types, batch effects, cell cycle and a trajectory.

    Cell types share a latent program that drives both modalities; the first types form one lineage whose cells
    carry a continuous pseudotime; batches scale every feature and the library size; a fraction of cells cycles
    (S or G2M) with the Tirosh S / G2M genes up-regulated (see :mod:`jae.datasets.design`). Counts are
    multinomial draws from each cell's feature distribution (sparse, never densified except for proteins).

    Parameters
    ----------
    n_cells
        Number of cells, whose counts are all held in memory: refused in one line when they would not fit
        (:func:`jae.datasets.write_simulated` streams any number to disk).
    kind
        ``'multiome'`` (modalities ``'rna'`` + ``'atac'``) or ``'cite'`` (``'rna'`` + ``'prot'``).
    n_genes, n_peaks, n_proteins
        Feature counts (``n_peaks`` only for multiome, ``n_proteins`` only for CITE). ``n_genes`` includes the
        97 (human) cell-cycle genes and must be at least twice their number.
    n_cell_types, n_batches
        Numbers of cell types (>= 2) and batches (named like the competition's, ``s1d1``, ``s1d2``, ...), each at
        most ``n_cells``; every type and batch has at least one cell.
    organism
        ``'human'`` or ``'mouse'``: cell-cycle gene symbols and peak chromosomes.
    seed
        Seed of all random draws; the same seed gives identical matrices.
    params
        Depths and effect sizes (:class:`jae.datasets.SimulationParams`); defaults give competition-like sparsity.

    Returns
    -------
    :class:`mudata.MuData` whose modalities hold raw integer counts as ``(n_cells, n_features)`` CSR float32 in
    ``.X`` and ``.layers['counts']`` (the same object) and ``var['feature_types']`` (GEX / ATAC / ADT).
    ``mdata.obs`` has ``'batch'``, ``'cell_type'``, ``'phase'`` (G1 / S / G2M), ``'pseudotime_order_GEX'`` and
    ``'pseudotime_order_ATAC'`` or ``'pseudotime_order_ADT'`` (NaN off the trajectory); ``mdata.uns`` has
    ``'dataset_id'`` and ``'organism'``.
    """
    from ..io.readers import make_mudata

    design = make_design(
        n_cells, kind=kind, n_genes=n_genes, n_peaks=n_peaks, n_proteins=n_proteins, n_cell_types=n_cell_types,
        n_batches=n_batches, organism=organism, seed=seed, params=params or SimulationParams(),
    )
    check_counts_memory(design, design.n_cells, f"n_cells={n_cells}", "simulate fewer cells, or stream them to disk "
                        "in chunks with jae.datasets.write_simulated (jae simulate)")
    counts = sample_block(design, 0, n_cells)
    obs = design.obs()
    mods = {}
    for mod in design.mods:
        X = counts[mod]
        adata = ad.AnnData(X=X, obs=pd.DataFrame(index=obs.index.copy()), var=modality_var(design, mod))
        adata.layers["counts"] = X
        mods[mod] = adata
    mdata = make_mudata(mods)
    for col in obs.columns:
        mdata.obs[col] = obs[col].to_numpy() if obs[col].dtype.kind == "f" else obs[col].values
    mdata.uns.update(dataset_uns(design))
    logger.info(
        "simulated %s: %d cells, %s", kind, n_cells, ", ".join(f"{m} {counts[m].shape[1]} features" for m in design.mods)
    )
    return mdata
