"""get_paired's refusal of modalities holding different cells names examples only of a side that has some."""

import mudata as md
import pytest

import jae


def test_different_cells_are_named_without_an_empty_example_list():
    m = jae.simulate(60, seed=0)
    with pytest.warns(FutureWarning):  # mudata's own, on building a MuData
        both = md.MuData({"rna": m["rna"][:50].copy(), "atac": m["atac"].copy()})
    with pytest.raises(ValueError, match=r"0 only in 'rna', 10 only in 'atac' \(e\.g\. '") as err:
        jae.io.get_paired(both)
    assert "(e.g. )" not in str(err.value)
