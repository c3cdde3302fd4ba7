"""Session 40: an .h5mu whose global obs holds the cells in another order than its modalities (rows of mdata.obs
rewritten in place, or a file written by another tool) was opened by jae.io.open_h5mu (the streamed reader of jae
fit/embed/evaluate --h5mu) without any of the global obs columns: 'no cell-type column', while jae.read_h5mu pairs them
by cell name. The opened files now hold those columns by cell name, equal to the in-memory reader's."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd

import jae
from jae.io.cell_obs import cell_obs


def _permute_rows(group: h5py.Group, perm: np.ndarray, n: int) -> None:
    for key in list(group):
        item = group[key]
        if isinstance(item, h5py.Group):  # a categorical column: its codes, by row
            if "codes" in item:
                item["codes"][...] = item["codes"][...][perm]
        elif item.shape and item.shape[0] == n:
            item[...] = item[...][perm]


def test_global_obs_in_another_order_is_read_by_cell_name(tmp_path):
    m = jae.simulate(80, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=3)
    for mod in m.mod.values():
        mod.obs = mod.obs[[]].copy()
    m.obs["score"] = np.arange(m.n_obs, dtype=float)
    m.write(tmp_path / "x.h5mu")
    with h5py.File(tmp_path / "x.h5mu", "r+") as f:
        _permute_rows(f["obs"], np.random.default_rng(0).permutation(m.n_obs), m.n_obs)
    files = jae.io.open_h5mu(tmp_path / "x.h5mu")
    whole = cell_obs(jae.read_h5mu(tmp_path / "x.h5mu"))
    assert "cell_type" in files.obs.columns, files.obs.columns
    pd.testing.assert_frame_equal(files.obs, whole.reindex(files.obs.index))
    assert (files.obs["score"].to_numpy() == np.arange(m.n_obs)).all()  # each cell's own value, in the RNA's order
