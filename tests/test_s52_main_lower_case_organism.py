"""Gene symbols lower-cased (mcm5) read as either organism's (MCM5 human, Mcm5 mouse), and without uns['organism']
the data is taken for human: the cell-cycle warning's rename (session 52: .str.upper()) would then score mouse genes
with the human lists. When every name is lower case, the line now also names the other organism's rename and its
organism= (and only then: upper-case mouse names, or Ensembl IDs, are one organism's)."""

from __future__ import annotations

import pytest

from jae.preprocess.cell_cycle import CellCycleGenes, cell_cycle_genes


def test_lower_case_symbols_name_both_organisms_renames():
    s, g2m = cell_cycle_genes("mouse")
    lower = [x.lower() for x in s + g2m]
    with pytest.raises(ValueError, match=r"str\.upper\(\) on the RNA modality \(mouse genes: \.str\.capitalize\(\), "
                                         r"with organism='mouse'\)"):
        CellCycleGenes.find(lower, "human")
    with pytest.raises(ValueError, match=r"str\.capitalize\(\) on the RNA modality \(human genes: \.str\.upper\(\), "
                                         r"with organism='human'\)"):
        CellCycleGenes.find(lower, "mouse")


def test_names_of_one_organism_get_one_rename():
    s, g2m = cell_cycle_genes("mouse")
    with pytest.raises(ValueError) as info:
        CellCycleGenes.find([x.upper() for x in s + g2m], "mouse")  # MCM5 for a mouse model: only capitalize()
    assert str(info.value).endswith("str.capitalize() on the RNA modality")
