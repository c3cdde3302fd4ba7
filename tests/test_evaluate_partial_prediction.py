"""jae evaluate --prediction FILE scores the cells with a cell type only, so a prediction file may lack the data's
unlabelled cells (it was refused: "lacks 40 of the 300 cells; embed every cell of the data"); a file lacking scored
cells is still refused in one line, with their count and the fix."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
import jae.metrics
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(300, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=1)
    cell_type = m.obs["cell_type"].astype(object).to_numpy()
    cell_type[:40] = np.nan  # 40 unlabelled cells: not scored
    m.obs["cell_type"] = cell_type
    return m


@pytest.fixture
def scored_embeddings(monkeypatch):
    """Stand-in for the metrics: records the embedding rows they were given and returns at once."""
    seen = []

    def fake(E, *, cell_type, **kwargs):
        seen.append(np.asarray(E))
        out = pd.Series({m: 0.5 for m in (*jae.metrics.METRICS, "overall")})
        out.attrs.update(averaged=list(jae.metrics.METRICS), skipped={}, notes=[])
        return out

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", fake)
    return seen


def _write(path, E, cells):
    ad.AnnData(X=np.asarray(E), obs=pd.DataFrame(index=list(cells))).write_h5ad(path)


def test_a_prediction_without_the_unlabelled_cells_is_scored(data, tmp_path, scored_embeddings):
    E = np.random.default_rng(0).normal(size=(data.n_obs, 6)).astype(np.float32)
    order = np.random.default_rng(1).permutation(np.arange(40, data.n_obs))  # labelled cells only, in another order
    _write(tmp_path / "labelled.h5ad", E[order], data.obs_names[order])
    table = jae.evaluate(data, {"p": str(tmp_path / "labelled.h5ad")}, progress_bar=False)
    assert list(table.index) == ["p"]
    np.testing.assert_array_equal(scored_embeddings[-1], E[40:])  # the scored cells' rows, in the data's order
    data.write(tmp_path / "data.h5mu")
    out = ["--out", str(tmp_path / "report"), "--no-report"]
    assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "data.h5mu"), "--prediction",
                 str(tmp_path / "labelled.h5ad"), *out]) == 0
    np.testing.assert_array_equal(scored_embeddings[-1], E[40:])


def test_a_prediction_lacking_scored_cells_is_refused_with_their_count(data, tmp_path, scored_embeddings, caplog):
    E = np.random.default_rng(0).normal(size=(data.n_obs, 6)).astype(np.float32)
    _write(tmp_path / "short.h5ad", E[45:], data.obs_names[45:])  # 5 labelled cells missing too
    with pytest.raises(ValueError, match=r"short\.h5ad lacks 5 of the 260 cells with a cell type, which are scored "
                                         r"\(e\.g\. \[.*\]\); embed every cell of the data, or at least every one "
                                         r"with a cell type$"):
        jae.evaluate(data, {"p": str(tmp_path / "short.h5ad")}, progress_bar=False)
    data.write(tmp_path / "data.h5mu")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "data.h5mu"), "--prediction",
                     str(tmp_path / "short.h5ad"), "--out", str(tmp_path / "report"), "--no-report"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith(f"--prediction file {tmp_path / 'short.h5ad'} lacks 5 of the "
                                                     "260 cells with a cell type"), errors
    assert not scored_embeddings and not (tmp_path / "report").exists()


def test_a_dataframe_without_the_unlabelled_cells_is_scored_as_a_file_is(data, scored_embeddings):
    """An in-memory embedding indexed by cell names follows a prediction file's rule: it may lack the unlabelled
    cells (it was refused: "lacks 40 of the 300 cells"), not a scored one; the frame is left as it was."""
    E = np.random.default_rng(0).normal(size=(data.n_obs, 6)).astype(np.float32)
    order = np.random.default_rng(1).permutation(np.arange(40, data.n_obs))  # labelled cells only, in another order
    frame = pd.DataFrame(E[order], index=data.obs_names[order])
    before = frame.copy()
    table = jae.evaluate(data, {"p": frame}, progress_bar=False)
    assert list(table.index) == ["p"]
    np.testing.assert_array_equal(scored_embeddings[-1], E[40:])  # the scored cells' rows, in the data's order
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(ValueError, match=r"^embedding 'p''s index lacks 5 of the 260 cells with a cell type, which are "
                                         r"scored \(e\.g\. \[.*\]\); give it a row for each of the data's obs_names, or "
                                         r"at least every one with a cell type$"):
        jae.evaluate(data, {"p": frame.loc[data.obs_names[45:]]}, progress_bar=False)
    with pytest.raises(ValueError, match=r"^embedding 'p''s index repeats 1 cell name \(e\.g\. \[.*\]\); give one "
                                         r"row per cell$"):
        jae.evaluate(data, {"p": pd.concat([frame, frame.iloc[:1]])}, progress_bar=False)
    assert len(scored_embeddings) == 1
