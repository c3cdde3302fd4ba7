"""A ``reference`` mask choosing fewer than 2 cells was refused with the message of missing labels: "0 labelled cells
in obs['cell_type'] of 120; supervised JAE pretrains ...: add labels ... or use JAEConfig(mode='unsupervised')",
though every cell was labelled (and, in unsupervised mode, told to use the mode it was in). It now names the
reference cells and the fix, the mask."""

import numpy as np
import pytest

import jae.preprocess.pipeline as pipeline
from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.mark.parametrize("mode", ["supervised", "unsupervised"])
@pytest.mark.parametrize("chosen", [0, 1])
def test_a_reference_mask_of_too_few_cells_is_refused_naming_the_mask(monkeypatch, mode, chosen):
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    monkeypatch.setattr(pipeline, "preprocess", lambda *a, **k: pytest.fail("the preprocessing ran before the check"))
    reference = np.zeros(m.n_obs, bool)
    reference[:chosen] = True
    with pytest.raises(ValueError) as info:
        JAE(JAEConfig(mode, max_epochs=2, n_svd=10), seed=0, device="cpu").fit(m, reference=reference,
                                                                              progress_bar=False)
    assert str(info.value) == (f"{chosen} reference cells of 120; JAE pretrains on at least 2 reference cells: choose "
                               "more with reference=<column or mask>, or fit on more cells")


def test_too_few_labelled_cells_without_a_mask_still_asks_for_labels(monkeypatch):
    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    m.obs["ct"] = m.obs["cell_type"].astype(object).where(np.arange(m.n_obs) < 1)
    monkeypatch.setattr(pipeline, "preprocess", lambda *a, **k: pytest.fail("the preprocessing ran before the check"))
    with pytest.raises(ValueError, match=r"^1 labelled cells in obs\['ct'\] of 120; supervised JAE pretrains on at "
                                         r"least 2 cells with a cell-type label: add labels with"):
        JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(m, cell_type_key="ct", progress_bar=False)
