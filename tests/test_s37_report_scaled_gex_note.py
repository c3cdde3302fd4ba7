"""Session 37: scoring a scanpy file whose .X is scaled (sc.pp.scale: negative values) measured cc_cons on those
values, unlike the competition's log-normalised GEX, and said so only in a log warning: the report (index.html,
metrics.md, the table's notes) showed the cc_cons score without the caveat. Each embedding's notes now carry it, in
memory and for files streamed alike; the scores are unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.cli import main
from jae.datasets import simulate
from jae.report import table_markdown


@pytest.fixture
def no_scoring(monkeypatch):
    def fake(E, *, cell_type, **kwargs):
        out = pd.Series({m: 0.5 for m in (*jae.metrics.METRICS, "overall")})
        out.attrs.update(averaged=list(jae.metrics.METRICS), skipped={}, notes=["a note of the metrics"])
        return out

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", fake)


def _data(scaled: bool):
    m = simulate(150, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=6)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4))
    if scaled:  # log-normalised, then centred as sc.pp.scale leaves it: negative values
        X = jae.preprocess.log_normalize(m.mod["rna"].layers["counts"]).toarray()
        m.mod["rna"].X = sp.csr_matrix((X - X.mean(axis=0)).astype(np.float32))
        del m.mod["rna"].layers["counts"]
    return m


CAVEAT = ".X as it is, which holds negative values (scaled data, as sc.pp.scale leaves), not on log-normalised "


def test_the_notes_carry_the_caveat_on_scaled_gex(no_scoring):
    table = jae.evaluate(_data(True), ["X_e"], pseudotime_keys=[], progress_bar=False)
    assert table.attrs["notes"]["X_e"][0] == "a note of the metrics"
    assert CAVEAT in table.attrs["notes"]["X_e"][1] and CAVEAT in table_markdown(table)


def test_log_normalised_or_counts_carry_none(no_scoring):
    table = jae.evaluate(_data(False), ["X_e"], pseudotime_keys=[], progress_bar=False)
    assert table.attrs["notes"]["X_e"] == ["a note of the metrics"]


def test_streamed_files_carry_it_too(no_scoring, tmp_path):
    from jae.io import write_atomic

    write_atomic(_data(True), tmp_path / "d.h5mu")
    assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "d.h5mu"), "--obsm", "X_e", "--out", str(tmp_path / "r"),
                 "--no-report", "--pseudotime-key", "none"]) == 0
    assert CAVEAT in (tmp_path / "r" / "metrics.md").read_text(encoding="utf-8")
