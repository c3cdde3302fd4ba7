"""Session 34 (loose1): a table's duplicated cell names counted and shown."""

import numpy as np
import pandas as pd
import pytest


def test_duplicated_cell_names_in_a_table_are_counted_with_examples():
    import anndata as ad
    import mudata as md

    from jae.io.readers import _add_obs_columns

    mdata = md.MuData({"rna": ad.AnnData(np.ones((3, 2), np.float32))})
    mdata.obs_names = ["c0", "c1", "c2"]
    table = pd.DataFrame({"cell_type": list("abbcc")}, index=["c0", "c1", "c1", "c2", "c2"])
    with pytest.raises(ValueError, match=r"^labels.csv has 2 duplicated cell names \(e.g. 'c1', 'c2'\); make its cell"):
        _add_obs_columns(mdata, table, what="labels.csv")
