"""Session 44: refusals that name the user's own data in their fix."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.cli._messages import cli_message


def _mod(n_obs: int, n_vars: int, prefix: str, seed: int) -> ad.AnnData:
    rng = np.random.default_rng(seed)
    a = ad.AnnData(sp.csr_matrix(rng.poisson(1.0, (n_obs, n_vars)).astype(np.float32)))
    a.var_names = [f"{prefix}{i}" for i in range(n_vars)]
    a.obs_names = [f"c{i}" for i in range(n_obs)]
    return a


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("names, pair", [(("rna", "adt", "hto", "extra"), ("rna", "adt")),
                                         (("ADT", "GEX", "extra"), ("GEX", "ADT")),
                                         (("a", "b", "c"), ("a", "b"))])
def test_more_than_two_modalities_suggest_a_pair_of_the_datas_own_names(names, pair):
    """Three or more modalities were refused with "modalities=('rna', 'atac')" whatever the data held (a CITE-seq
    MuData was told to pick an ATAC modality it does not have); the example now pairs the data's RNA modality (by
    name, else the first) with another of its modalities, hashtags left out."""
    mdata = md.MuData({n: _mod(60, 30, n, i) for i, n in enumerate(names)})
    with pytest.raises(ValueError) as err:
        jae.JAE().fit(mdata, batch_key=None)
    text = str(err.value)
    assert f"modalities={pair!r}, RNA first" in text, text
    assert "atac" not in text.lower(), text
    assert "--rna-mod NAME and --other-mod NAME" in cli_message(text)
