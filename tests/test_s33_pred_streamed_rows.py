"""A query file streamed in row blocks (jae predict --test-mod1, ModalityPredictor.predict(path)) whose counts are
refused in a later block said '1 of 16384 cells have zero total counts in query_source.layers['counts']', the
block's size read as the file's; the message now says which rows of how many cells it counted."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from jae.prediction import ModalityPredictor, streamed

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture(scope="module")
def model():
    return ModalityPredictor("mean", seed=0, device="cpu").fit(*paired(60, seed=0), progress_bar=False)


def test_a_later_block_names_its_rows(model, tmp_path, monkeypatch):
    query, _ = paired(40, seed=1, prefix="q")
    counts = query.layers["counts"].toarray()
    counts[25] = 0  # in the second block of 16 rows
    query.layers["counts"] = sp.csr_matrix(counts)
    query.write_h5ad(tmp_path / "q.h5ad")
    monkeypatch.setattr(streamed, "BLOCK_ROWS", 16)
    with pytest.raises(ValueError, match=r"^1 of 16 cells have zero total counts in query_source\.layers\['counts'\] "
                                         r"\(rows 16 to 31 of its 40 cells, read in blocks\); remove them first"):
        model.predict(tmp_path / "q.h5ad")


def test_one_block_reads_as_before(model, tmp_path):
    query, _ = paired(40, seed=1, prefix="q")
    counts = query.layers["counts"].toarray()
    counts[25] = 0
    query.layers["counts"] = sp.csr_matrix(counts)
    query.write_h5ad(tmp_path / "q.h5ad")
    with pytest.raises(ValueError, match=r"^1 of 40 cells have zero total counts in query_source\.layers\['counts'\]; "):
        model.predict(tmp_path / "q.h5ad")
    counts[25] = 1
    query.layers["counts"] = sp.csr_matrix(counts)
    query.write_h5ad(tmp_path / "ok.h5ad")
    assert np.isfinite(model.predict(tmp_path / "ok.h5ad").X).all()
