"""Query or training cells not measured in the source modality (rows all NaN: the mosaic layout jae reads
mosaic data into) were refused as "has 40 NaN or infinite values; jae's predictor needs raw counts ... e.g.
adata = adata.raw.to_adata()", a fix that does not apply; the message now names those cells and how to leave them
out. Valid counts predict as before."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

SAID = r"cells whose row is all NaN \(e\.g\. '{cell}'\): cells not measured in the source modality"


def _unmeasured(adata, row):
    counts = adata.layers["counts"].toarray()
    counts[row] = np.nan
    out = adata.copy()
    out.layers["counts"] = sp.csr_matrix(counts)
    return out


@pytest.fixture(scope="module")
def model():
    return ModalityPredictor("mean", seed=0, device="cpu").fit(*paired(60, seed=0), progress_bar=False)


def test_query_cells_without_the_source_are_named(model, tmp_path):
    query = _unmeasured(paired(20, seed=1, prefix="q")[0], 3)
    said = r"^query_source\.layers\['counts'\] has 1 of 20 " + SAID.format(cell="q3") + r".*leave them out of query_source"
    with pytest.raises(ValueError, match=said):
        model.predict(query)
    query.write_h5ad(tmp_path / "q.h5ad")  # streamed in row blocks: the same
    with pytest.raises(ValueError, match=said):
        model.predict(tmp_path / "q.h5ad")
    kept = query[~jae.io.mosaic.missing_rows(query.layers["counts"])].copy()  # the fix the message gives
    assert model.predict(kept).n_obs == 19


def test_training_cells_without_the_source_are_named():
    source, target = paired(60, seed=0)
    with pytest.raises(ValueError, match=r"^train_source\.layers\['counts'\] has 1 of 60 " + SAID.format(cell="c7")
                       + r".*leave them out of train_source and train_target"):
        ModalityPredictor("mean", seed=0, device="cpu").fit(_unmeasured(source, 7), target, progress_bar=False)


def test_a_nan_that_is_no_unmeasured_cell_reads_as_before(model):
    query, _ = paired(20, seed=1, prefix="q")
    counts = query.layers["counts"].toarray()
    counts[3, 0] = np.nan
    query.layers["counts"] = sp.csr_matrix(counts)
    with pytest.raises(ValueError, match=r"^query_source\.layers\['counts'\] has 1 NaN or infinite values; jae needs "
                                         r"raw counts"):  # the joint model's hint since session 48 (layer=)
        model.predict(query)
