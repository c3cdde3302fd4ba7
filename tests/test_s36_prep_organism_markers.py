"""Gene names whose case looks human while they hold mouse cell-cycle genes (mouse genes sorted by name open with
``0610005C13Rik``-like names): the organism guessed from them is mouse, and JAE.fit no longer refuses the guess as
if the user had given organism='human'."""

from __future__ import annotations

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.preprocess import cell_cycle_genes
from jae.preprocess.organism import infer_organism, organism_from_genes


def _sorted_mouse_names(n: int) -> list[str]:
    s, g2m = cell_cycle_genes("mouse")
    riken = [f"{1000 + i}0000A{i:02d}Rik" for i in range(n - len(s) - len(g2m))]  # digits first: neither case
    return riken + s + g2m


def test_names_holding_one_organisms_markers_are_that_organism():
    assert organism_from_genes(_sorted_mouse_names(300)) == "mouse"
    human_s, human_g2m = cell_cycle_genes("human")
    assert organism_from_genes([n.upper() for n in _sorted_mouse_names(300)]) == "human"
    assert organism_from_genes(["Abc1", "Def2"] + human_s + human_g2m) == "human"  # title case, human markers
    assert organism_from_genes(["Abc1", "Def2", "Ghi3"]) == "mouse"  # no markers of either: the case decides
    assert organism_from_genes(["ENSG00000100297.15", "ENSG00000164104.11", "Mcm5x", "Ab1", "Cd2"]) == "human"


def test_fit_guesses_mouse_from_names_that_do_not_look_mouse():
    data = simulate(150, kind="cite", n_genes=300, n_proteins=5, n_cell_types=3, n_batches=2, seed=1)
    data.mod["rna"].var_names = _sorted_mouse_names(300)
    data.update()
    data.uns.pop("organism", None)
    assert infer_organism(data, data.mod["rna"].var_names) == "mouse"
    model = JAE(JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(data, progress_bar=False)
    assert model.organism == "mouse"
