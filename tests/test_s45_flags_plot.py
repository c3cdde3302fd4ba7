"""``jae_unknown`` of data holding cells the labels do not cover (cells only a hashtag modality holds) was stored as
pandas' nullable ``boolean``, in memory and in ``jae embed``'s .h5mu copy; scanpy's ``sc.pl.umap(color='jae_unknown')``
then failed ('numpy boolean negative'), even once those cells were left out. It is now a categorical of False / True
(NaN for the cells not covered), which scanpy plots and anndata writes and reads back as it is."""

from __future__ import annotations

import matplotlib
import mudata as md
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fitted(hashtag_fit):
    return hashtag_fit()


def _plots(data, labels: pd.DataFrame) -> None:
    """The covered cells, drawn by scanpy coloured by the flag; the flag's values are the labels' own."""
    sc = pytest.importorskip("scanpy")
    kept = data[~np.isnan(data.obsm["X_jae"]).any(axis=1)].copy()
    assert kept.n_obs == 200
    np.testing.assert_array_equal(kept.obs["jae_unknown"].astype(bool).to_numpy(),
                                  labels["unknown"].reindex(kept.obs_names).to_numpy())
    sc.pp.neighbors(kept, use_rep="X_jae", n_neighbors=10)
    sc.tl.umap(kept)
    sc.pl.umap(kept, color=["jae_unknown", "jae_cell_type"], show=False)
    matplotlib.pyplot.close("all")


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::PendingDeprecationWarning")
def test_the_unknown_flag_with_uncovered_cells_plots_in_scanpy(fitted, caplog):
    model, data, _ = fitted
    data = data.copy()
    model.embed(data)
    labels = model.predict_cell_type(data, embedding="X_jae", key_added="jae")
    flag = data.obs["jae_unknown"]
    assert isinstance(flag.dtype, pd.CategoricalDtype) and list(flag.cat.categories) == [False, True]
    assert flag[data.obs_names.str.startswith("EMPTY")].isna().all() and flag.notna().sum() == 200
    _plots(data, labels)


def test_a_fully_covered_flag_stays_plain_bool(fitted):
    model, _, cite = fitted
    data = cite.copy()
    model.predict_cell_type(data, key_added="jae")
    assert data.obs["jae_unknown"].dtype == bool


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::PendingDeprecationWarning")
def test_jae_embeds_h5mu_copy_stores_the_flag_scanpy_plots(fitted, tmp_path):
    from jae.cli import main

    model, data, _ = fitted
    data.copy().write(tmp_path / "in.h5mu")
    model.save(tmp_path / "model")
    assert main(["embed", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / "in.h5mu"), "--out",
                 str(tmp_path / "out.h5mu"), "--finetune-epochs", "0", "--device", "cpu", "-q"]) == 0
    out = md.read_h5mu(tmp_path / "out.h5mu")
    flag = out.obs["jae_unknown"]
    assert isinstance(flag.dtype, pd.CategoricalDtype) and flag[out.obs_names.str.startswith("EMPTY")].isna().all()
    labels = model.predict_cell_type(data[~data.obs_names.str.startswith("EMPTY")].copy(), key_added=None)
    _plots(out, labels)
