"""One modality of another kind than the model's second, given alone (a CITE-seq model given mdata['atac'], or a
Multiome model given mdata['prot']), was refused as "the data holds GEX + ATAC", naming RNA the data does not hold.
The refusal now names what the data holds; RNA beside the other kind is named as before."""

from __future__ import annotations

import pytest

import jae


def test_other_kind_alone_named_as_held(own_cite_model):
    _, model = own_cite_model("s38_other_kind_alone")
    multiome = jae.simulate(40, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=14)
    with pytest.raises(ValueError, match=r"^the data holds ATAC, the model was fitted on GEX \+ ADT; give GEX \+ ADT "
                                         r"data \(or RNA alone\), or use a model fitted on GEX \+ ATAC$"):
        model.embed(multiome["atac"].copy(), key_added=None)
    with pytest.raises(ValueError, match=r"^the data holds GEX \+ ATAC, the model was fitted on GEX \+ ADT"):
        model.embed(multiome.copy(), key_added=None)
