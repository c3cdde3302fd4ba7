"""Session 53, a scanpy user's next lines on ``jae demo``'s ``demo.h5mu``: it holds every label column ``jae embed``
writes (``jae_unknown`` and ``jae_unknown_score`` were missing), and a cell type has one colour in scanpy's plots of
``cell_type``, ``cell_type_reference`` and ``jae_cell_type`` (the reference column was rebuilt with sorted
categories, so the model and its predictions lost the simulator's order and scanpy coloured each type otherwise)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import mudata as md  # noqa: E402
import pytest  # noqa: E402

import jae  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("s53demo") / "demo"
    result = jae.run_demo(out, n_cells=300, max_epochs=2, progress_bar=False)
    with md.set_options(pull_on_update=False):
        return result, md.read_h5mu(result.files["data"])


def test_demo_h5mu_holds_the_four_label_columns_jae_embed_writes(demo):
    result, mdata = demo
    columns = ["jae_cell_type", "jae_confidence", "jae_unknown", "jae_unknown_score"]
    assert set(columns) <= set(mdata.obs.columns)
    assert mdata.obs["jae_unknown"].dtype == bool and mdata.obs["jae_unknown_score"].notna().all()
    assert (mdata.obs["jae_unknown"].to_numpy() == (mdata.obs["jae_unknown_score"].to_numpy() > 1)).all()
    assert set(columns) <= set(result.mdata.obs.columns)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # matplotlib's, of scanpy's set_bad
def test_demo_label_columns_keep_cell_types_order_and_scanpy_colours(demo):
    sc = pytest.importorskip("scanpy")
    _, mdata = demo
    order = list(mdata.obs["cell_type"].cat.categories)
    assert order != sorted(order)  # the simulator's own order: a sorted rebuild would show here
    for column in ("cell_type_reference", "jae_cell_type"):
        assert list(mdata.obs[column].cat.categories) == order, column
    sc.pl.embedding(mdata, basis="X_jae", color=["cell_type", "jae_cell_type", "cell_type_reference"], show=False)
    colours = {c: dict(zip(mdata.obs[c].cat.categories, mdata.uns[f"{c}_colors"]))
               for c in ("cell_type", "jae_cell_type", "cell_type_reference")}
    assert colours["jae_cell_type"] == colours["cell_type"] == colours["cell_type_reference"]
