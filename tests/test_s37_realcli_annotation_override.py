"""Session 37 (real-data CLI audit): --annotations replacing a column the files hold, read whole.

jae fit --mod1 rna.h5ad --mod2 atac.h5ad --annotations finer.h5ad (the files' own obs hold cell_type, the file
other labels: the documented way to replace them) logged two warnings, one per modality, that "obs column
'cell_type' holds other values in modality 'rna' than in the global obs ... rename the column in one of them": words
of a MuData the user never built, about a replacement the user asked for. The annotation files' columns now replace
the modalities' own when the files are read whole, so nothing is dropped that needs a warning; the values read are
those the annotations give (the cells they lack keep the data's own), as before.
"""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd

import jae
from jae.io.cell_obs import cell_obs


def test_annotations_replacing_the_files_column_read_whole_warn_nothing(tmp_path, caplog):
    jae.datasets.write_simulated(tmp_path / "sim", n_cells=120, kind="cite", preset=None, seed=2)
    mod1, mod2 = tmp_path / "sim.mod1.h5ad", tmp_path / "sim.mod2.h5ad"
    own = ad.read_h5ad(mod1, backed="r").obs
    assert "cell_type" in own.columns  # the files hold cell types of their own
    cells = own.index[:90]  # the annotations cover 90 of the 120 cells, with other labels
    finer = pd.DataFrame({"cell_type": [f"fine{i % 4}" for i in range(90)]}, index=cells)
    ad.AnnData(obs=finer).write_h5ad(tmp_path / "finer.h5ad")
    caplog.set_level(logging.INFO, logger="jae")
    files = jae.io.open_competition(mod1, mod2, annotations=[tmp_path / "finer.h5ad"])
    obs = cell_obs(files.load())
    assert [r.getMessage() for r in caplog.records if "holds other values" in r.getMessage()] == []
    got = obs["cell_type"].astype(str)
    assert (got.loc[cells] == finer["cell_type"]).all()  # the annotations' labels
    rest = own.index[90:]
    assert (got.loc[rest].to_numpy() == own.loc[rest, "cell_type"].astype(str).to_numpy()).all()  # the data's own
    assert np.isin(got.loc[cells], ["fine0", "fine1", "fine2", "fine3"]).all()
