"""Session 48 (found by the walk): a batch column read from a file is a Categorical in pandas' default text order
(donor_0, donor_1, donor_10, donor_11, donor_2), which the report took for an order the user set, so its legend listed
donor_10 before donor_2; text and numbered labels were already listed in natural order. A Categorical whose categories
the user set in another order (lineage stages) keeps it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from jae.report.figures import _scatter


def _legend(labels) -> list[str]:
    ax = Figure().subplots()
    _scatter(ax, np.zeros((len(labels), 2)), labels, "batch", np.random.default_rng(0))
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_categorical_in_pandas_default_order_is_listed_naturally():
    names = [f"donor_{i}" for i in range(12)]
    labels = pd.Series(pd.Categorical(names * 2))  # categories sorted as text, as pandas and anndata make them
    assert list(labels.cat.categories)[:3] == ["donor_0", "donor_1", "donor_10"]
    assert _legend(labels) == names


def test_a_categorical_in_an_order_the_user_set_keeps_it():
    stages = ["stem", "progenitor", "mature"]
    labels = pd.Series(pd.Categorical(["mature", "stem", "progenitor"] * 3, categories=stages))
    assert _legend(labels) == stages
    numbered = [f"donor_{i}" for i in (11, 2, 0)]  # not text order either: the user's
    assert _legend(pd.Series(pd.Categorical(numbered * 2, categories=numbered))) == numbered
