"""Session 39 (leftover, item 1 of the streamed .h5mu reader): the global obs columns of an .h5mu whose names hold a
':' but are no modality's column pulled by MuData ('donor:sample', or 'rna:leiden' computed on the MuData) were
dropped without a word when the file was streamed (jae.io.open_h5mu: jae fit --memory-budget, embed, map), where
jae.read_h5mu keeps them: a key naming one worked read whole and was refused streamed. Streamed, they are now kept as
read whole; MuData's copies of a modality's columns ('rna:batch', those of a third modality too) are still left
out, as read whole. (Session 43: but those of a modality of hashtags, 'hto', are kept, both ways: its
demultiplexing results, jae.io.cell_obs.with_hashtag_columns; the third modality here is named 'extra'.)"""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd

from jae.datasets import simulate
from jae.io import open_h5mu, read_h5mu
from jae.io.cell_obs import cell_obs
from jae.io.mosaic_files import open_mosaic_h5mu


def test_streamed_h5mu_keeps_global_columns_named_with_a_colon(tmp_path):
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    third = ad.AnnData(np.ones((60, 2), dtype=np.float32), obs=pd.DataFrame({"foo": "x"}, index=m.obs_names))
    m = md.MuData({"rna": m["rna"], "prot": m["prot"], "extra": third})
    m.obs = m.obs.assign(**{"donor:sample": "d1", "rna:leiden": "0"})
    m.obs["extra:foo"] = "x"  # MuData's copy of the third modality's column
    m.write(tmp_path / "x.h5mu")
    whole = cell_obs(read_h5mu(tmp_path / "x.h5mu", other="prot"))
    path = tmp_path / "x.h5mu"
    for opened in (open_h5mu(path, other="prot"), open_mosaic_h5mu(path, other="prot")):
        assert {"donor:sample", "rna:leiden"} <= set(opened.obs.columns)
        assert "extra:foo" not in opened.obs.columns and "extra:foo" not in whole.columns
        assert set(opened.obs.columns) == set(whole.columns)
        assert (opened.obs["donor:sample"].astype(str) == "d1").all()
