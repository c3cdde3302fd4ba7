"""predict_cell_type(files, embedding=KEY) for competition .h5ad files names their own reader, not mudata's."""

import re

import anndata
import pandas as pd
import pytest

from jae import JAE, simulate
from jae.io import open_competition


def test_an_obsm_key_with_h5ad_files_names_the_line_reading_their_obsm(small_cite_model, tmp_path):
    """It said 'pass the array (e.g. mudata.read_h5mu(path).obsm[...])', which does not read an .h5ad; it now names
    anndata.read_h5ad of the first file, and the array that line reads is taken."""
    model = JAE.load(small_cite_model)
    data = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    model.embed(data)
    rna = data["rna"].copy()
    rna.obsm["X_jae"] = data.obsm["X_jae"]
    rna.write_h5ad(tmp_path / "m1.h5ad")
    data["prot"].write_h5ad(tmp_path / "m2.h5ad")
    files = open_competition(tmp_path / "m1.h5ad", tmp_path / "m2.h5ad")
    with pytest.raises(KeyError) as err:
        model.predict_cell_type(files, embedding="X_jae")
    text = str(err.value)
    assert "mudata.read_h5mu" not in text
    line = re.search(r"pass the array \(e\.g\. (anndata\.read_h5ad\('[^']*'\)\.obsm\['X_jae'\])\)", text).group(1)
    assert str(tmp_path / "m1.h5ad") in line
    given = eval(line, {"anndata": anndata})
    pd.testing.assert_frame_equal(model.predict_cell_type(files, embedding=given),
                                  model.predict_cell_type(data, embedding="X_jae"))
