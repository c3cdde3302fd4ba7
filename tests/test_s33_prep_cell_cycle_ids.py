"""Cell-cycle genes found in var_names that are Ensembl IDs with a version suffix (GENCODE's ``ENSG00000100297.15``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jae.datasets import simulate
from jae.preprocess import log_normalize, preprocess, score_cell_cycle
from jae.preprocess.cell_cycle import CellCycleGenes, _gene_table


def _ids(symbols, organism="human"):
    table = _gene_table(organism)
    ids = dict(zip(table["gene_name"], table["gene_id"]))
    return pd.Index([ids.get(g, f"ENSG{90000000 + i:011d}") for i, g in enumerate(symbols)])


def test_versioned_ensembl_ids_find_the_cell_cycle_genes_as_the_ids_without_version():
    # 0 of 43 S and 0 of 54 G2/M genes were found: preprocess warned and fitted without the phase block, and the
    # message said to check that var_names are gene symbols or Ensembl IDs (which they were)
    m = simulate(80, kind="cite", n_genes=200, n_proteins=6, n_cell_types=3, n_batches=2, seed=1)
    rna, prot = m.mod["rna"], m.mod["prot"]
    ids = _ids(rna.var_names)
    versioned = pd.Index([f"{g}.{i % 20 + 1}" for i, g in enumerate(ids)])
    plain = CellCycleGenes.find(ids)
    found = CellCycleGenes.find(versioned)
    assert found.counts == plain.counts and found.counts[0] > 5
    np.testing.assert_array_equal(found.s, plain.s)
    np.testing.assert_array_equal(found.g2m, plain.g2m)
    X = log_normalize(rna.layers["counts"])
    pd.testing.assert_frame_equal(score_cell_cycle(X, versioned), score_cell_cycle(X, ids))
    counts, kinds = [rna.layers["counts"], prot.layers["counts"]], ["GEX", "ADT"]
    _, _, phase = preprocess(counts, kinds, [versioned, prot.var_names], n_components=5, organism="human")
    _, _, expected = preprocess(counts, kinds, [ids, prot.var_names], n_components=5, organism="human")
    assert np.isfinite(phase).all()
    np.testing.assert_array_equal(phase, expected)
