"""jae.predict given training modalities whose cells differ: the message lists examples only where there are some."""

from __future__ import annotations

import pytest

import jae


@pytest.mark.parametrize("short", ["train_target", "train_source"])
def test_unpaired_training_cells_are_named_without_an_empty_example_list(short):
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, seed=0)
    source, target = m["rna"].copy(), m["prot"].copy()
    if short == "train_target":
        target = target[:40].copy()
    else:
        source = source[:40].copy()
    with pytest.raises(ValueError, match=r"^training cells are not paired: ") as info:
        jae.predict(source, target, source, method="mean", progress_bar=False)
    text = str(info.value)
    assert "(e.g. )" not in text
    assert ("20 of train_source's 60 cells are missing from train_target (e.g. '" in text if short == "train_target"
            else "20 of train_target's cells are not in train_source (e.g. '" in text)
