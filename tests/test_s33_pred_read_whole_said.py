"""jae predict reads --test-mod1's counts in row blocks (README), but only counts stored CSR: a dense or CSC file was
read whole, X and layers together, without a word (a file larger than memory failed with no hint why). It is now
said (INFO; a warning from jae.io.paired_files.CSC_WARN_BYTES on, the CSC rule of the other readers), with the fix;
the predictions are unchanged."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest
import scipy.sparse as sp

from jae.io import paired_files
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture(scope="module")
def model():
    return ModalityPredictor("mean", seed=0, device="cpu").fit(*paired(60, seed=0), progress_bar=False)


@pytest.mark.parametrize("layout, said", [("dense", "dense"), ("csc", r"CSC \(column by column\)")])
def test_a_file_read_whole_says_so(model, tmp_path, caplog, monkeypatch, layout, said):
    query, _ = paired(20, seed=1, prefix="q")
    expected = model.predict(query).X
    counts = query.layers["counts"]
    query.layers["counts"] = counts.toarray() if layout == "dense" else sp.csc_matrix(counts)
    query.write_h5ad(tmp_path / "q.h5ad")
    with caplog.at_level(logging.DEBUG, logger="jae"):
        assert np.allclose(model.predict(tmp_path / "q.h5ad").X, expected, atol=1e-6)
    records = [r for r in caplog.records if "row blocks" in r.getMessage()]
    assert len(records) == 1 and records[0].levelno == logging.DEBUG  # a few kB: DEBUG (session 37)
    assert re.search(rf"^query_source: layers\['counts'\] is stored {said} \(.+\), so the whole file is read into "
                     r"memory, not in row blocks", records[0].getMessage()), records[0].getMessage()
    caplog.clear()
    monkeypatch.setattr(paired_files, "CSC_WARN_BYTES", 1)  # a large file: a warning
    with caplog.at_level(logging.INFO, logger="jae"):
        model.predict(tmp_path / "q.h5ad")
    assert [r.levelno for r in caplog.records if "row blocks" in r.getMessage()] == [logging.WARNING]


def test_a_csr_file_streams_without_the_line(model, tmp_path, caplog):
    query, _ = paired(20, seed=1, prefix="q")
    query.write_h5ad(tmp_path / "q.h5ad")
    with caplog.at_level(logging.INFO, logger="jae"):
        model.predict(tmp_path / "q.h5ad")
    assert not [r for r in caplog.records if "row blocks" in r.getMessage()]
