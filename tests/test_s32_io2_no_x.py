"""get_paired on data whose modality has no .X (nor a counts layer) is refused in one line naming the modality and the
fix (jae.io.mosaic.is_mosaic's wording), instead of scipy's 'does not support dtype object' or an IndexError."""

import anndata as ad
import mudata as md
import pytest

import jae


@pytest.mark.filterwarnings("ignore::FutureWarning")  # mudata's own, on building a MuData
@pytest.mark.parametrize("empty", ["prot", "rna"])
@pytest.mark.parametrize("layer", ["counts", None])
@pytest.mark.parametrize("as_dict", [False, True])
def test_modality_without_x_is_refused_in_one_line(empty, layer, as_dict):
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, seed=0)
    mods = {name: m[name].copy() for name in ("rna", "prot")}
    mods[empty] = ad.AnnData(obs=mods[empty].obs.copy(), var=mods[empty].var.copy())
    data = mods if as_dict else md.MuData(mods)
    with pytest.raises(ValueError, match=rf"^modality '{empty}' holds no counts: its \.X is empty \(its layers: \[\]\)"
                       ) as err:
        jae.io.get_paired(data, layer=layer)
    assert "\n" not in str(err.value) and "layer=..." in str(err.value)
