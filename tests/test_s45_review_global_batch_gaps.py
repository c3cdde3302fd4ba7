"""A MuData's global obs batch column set from one modality (mdata.obs['batch'] = mdata['rna'].obs['batch'], as
mudata >= 0.3 users write it now that obs is not pulled for them) leaves the cells of the other modality without a
batch; jae read the global column only, so fit refused those cells, and for mosaic data said 'as when the column is
kept in modality 'rna''s obs only; give every cell its batch (... in modality 'prot''s obs too ...)' while modality
'prot''s obs held them. A cell the global column gives no batch now takes the one its modalities' obs give it (as one
modality's missing batch is taken from the next), in memory and from an .h5mu file read whole or streamed; global
values win wherever they are given."""

from __future__ import annotations

import mudata
import numpy as np
import pandas as pd
import pytest

import jae
from jae.io import open_h5mu, open_mosaic_h5mu
from jae.io.cell_obs import cell_obs


def _mosaic():
    full = jae.simulate(600, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=4)
    rna, prot = full["rna"][:450].copy(), full["prot"][150:].copy()  # 150 cells RNA alone, 150 proteins alone
    rna.obs = full.obs.iloc[:450][["batch", "cell_type"]].copy()
    prot.obs = full.obs.iloc[150:][["batch"]].copy()
    data = mudata.MuData({"rna": rna, "prot": prot})
    return data, full.obs["batch"].astype(str)


def _paired():
    full = jae.simulate(300, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=5)
    rna, prot = full["rna"].copy(), full["prot"].copy()
    rna.obs = full.obs[["batch", "cell_type"]].copy()
    data = mudata.MuData({"rna": rna, "prot": prot})
    return data, full.obs["batch"].astype(str)


@pytest.mark.parametrize("make", [_mosaic, _paired], ids=["mosaic", "paired"])
def test_cells_the_global_batch_column_lacks_take_their_modalitys(make, tmp_path):
    data, truth = make()
    gaps = data["rna"].obs["batch"].astype(object).copy()
    if make is _paired:
        gaps.iloc[:20] = np.nan  # a metadata table lacking some cells
    data.obs["batch"] = gaps.reindex(data.obs_names)
    data.obs["cell_type"] = data["rna"].obs["cell_type"].reindex(data.obs_names)
    assert data.obs["batch"].isna().sum() in (150, 20)
    model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(data, progress_bar=False)
    assert sorted(model.batches) == sorted(truth.unique())
    obs = cell_obs(data)
    pd.testing.assert_series_equal(obs["batch"].astype(str), truth.reindex(obs.index), check_names=False)
    data.write(tmp_path / "x.h5mu")
    streamed = (open_mosaic_h5mu if make is _mosaic else open_h5mu)(tmp_path / "x.h5mu")
    pd.testing.assert_series_equal(streamed.obs["batch"].astype(str), truth.reindex(streamed.obs.index),
                                   check_names=False)


def test_global_values_win_where_given():
    data, truth = _paired()
    data.obs["batch"] = np.where(np.arange(data.n_obs) < 10, "global", data["rna"].obs["batch"].astype(str))
    data.obs.loc[data.obs_names[10:20], "batch"] = np.nan
    obs = cell_obs(data)
    assert (obs["batch"].iloc[:10] == "global").all()
    assert obs["batch"].iloc[10:].astype(str).equals(truth.iloc[10:])
