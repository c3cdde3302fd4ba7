"""``jae.datasets.write_simulated`` and the standalone streaming SVD left their bars on screen when done (a full
green widget in a notebook), while every bar of a fit, a mapping and an evaluation is gone once done (Session 53):
these two are now gone once done as well."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from jae.datasets import write_simulated
from jae.preprocess.streaming import fit_svd_streaming


def _left_bars(err: str) -> list[str]:
    """The bar lines a terminal (or a notebook's text output) still shows of ``err``: each after its last ``\\r``."""
    return [line.split("\r")[-1] for line in err.split("\n") if "%|" in line.split("\r")[-1]]


def test_a_finished_simulation_write_or_streaming_svd_leaves_no_bar(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    write_simulated(tmp_path / "sim", n_cells=300, chunk_size=100, preset=None, progress_bar=True)
    X = sp.random(200, 40, density=0.2, format="csr", random_state=np.random.default_rng(0))
    basis = fit_svd_streaming(lambda: iter([X[:100], X[100:]]), n_features=40, n_components=5, progress_bar=True)
    assert basis is not None
    err = capsys.readouterr().err
    assert "simulate: " in err and "streaming SVD: " in err  # drawn while they ran
    assert not _left_bars(err), _left_bars(err)
