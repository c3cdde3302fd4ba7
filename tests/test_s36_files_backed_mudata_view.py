"""A view of a MuData opened backed (``mdata = mudata.read_h5mu(path, backed=True)``; ``model.fit(mdata[cells])``,
``model.embed(mdata[cells])``; session 36): jae read the view's file, so it fitted on every cell of the file and
embedded all of them (400 rows for a view of 100 cells, which then failed to be stored, or came back with
key_added=None), without a word. A view is now read as the cells it holds, in memory; a whole backed MuData is
still read from its file."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pytest

from jae.datasets import simulate
from jae.io.plan import plan_input
from jae.storage import cell_names


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    m = simulate(80, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=2, seed=0)
    out = tmp_path_factory.mktemp("view") / "x.h5mu"
    mods = {n: ad.AnnData(X=m[n].layers["counts"].copy(), obs=m.obs[[]].copy(), var=m[n].var[[]]) for n in m.mod}
    data = md.MuData(mods)
    data.obs["batch"] = m.obs["batch"].to_numpy()
    data.write(out)
    return out


def test_view_is_read_as_its_cells(path):
    backed = md.read_h5mu(path, backed=True)
    view = backed[30:50]
    data = plan_input(view, what="fit")
    assert cell_names(data).equals(view.obs_names)  # the 20 cells of the view, not the file's 80
    from jae.io import get_paired

    paired = get_paired(data)
    whole = md.read_h5mu(path)
    assert paired.n_obs == 20
    assert np.array_equal(paired.counts[0].toarray(), whole["rna"].X[30:50].toarray())
    backed.file.close()


def test_whole_backed_mudata_still_streams(path):
    backed = md.read_h5mu(path, backed=True)
    files = plan_input(backed, what="embed", once=True)
    assert type(files).__name__ == "PairedFiles" and files.n_obs == 80
    backed.file.close()


def test_results_stored_in_the_view(path):
    from jae.storage import store_obsm

    backed = md.read_h5mu(path, backed=True)
    view = backed[30:50]
    store_obsm(view, np.ones((20, 2), dtype=np.float32), view.obs_names, "X_jae")  # made an object of its own
    assert view.obsm["X_jae"].shape == (20, 2) and view.n_obs == 20 and not view.is_view
    assert list(view.mod) == ["rna", "prot"] and view["rna"].n_obs == 20
    backed.file.close()
