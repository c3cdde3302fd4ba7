"""Session 48 (evalbar): one ``jae evaluate`` call drew a "metrics" bar per embedding scored and a "UMAPs" bar for the
report (four bars for two embeddings with --baseline). Now it draws one bar over the whole call: a step for the
baseline's SVD, one for the cell-cycle reference, one per metric (and the diagnostics) of each embedding and one per
UMAP, the current step in its postfix. ``evaluate_embedding`` and ``write_report`` called alone keep their own bar;
``progress_bar=False``, ``-q`` and ``TQDM_DISABLE`` draw none; the scores are the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tqdm.std import tqdm as std_tqdm

import jae
from jae.evaluation.progress import evaluate_steps
from jae.metrics import evaluate_embedding
from jae.metrics.suite import METRICS, metric_steps
from jae.report import diagnostics_table


#: Variables that turn a bar off or make a process not the one that draws: removed while bars are recorded
_BAR_VARIABLES = ("WORLD_SIZE", "RANK", "LOCAL_RANK", "JAE_DISTRIBUTED", "TQDM_DISABLE")


@pytest.fixture
def bars(monkeypatch):
    """Every bar opened with drawing on, from now on (tqdm patched at its root: modules that bound it at import too),
    with the postfixes each was given."""
    return _record_bars(monkeypatch)


def _record_bars(monkeypatch) -> list:
    """:func:`bars`, its patches made with ``monkeypatch`` (a test's, or a module fixture's own)."""
    made = []
    init, postfix = std_tqdm.__init__, std_tqdm.set_postfix_str

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.postfixes = []
        if not self.disable:
            made.append(self)

    def recording_postfix(self, s="", refresh=True):
        getattr(self, "postfixes", []).append(s)
        return postfix(self, s, refresh=refresh)

    monkeypatch.setattr(std_tqdm, "__init__", recording_init)
    monkeypatch.setattr(std_tqdm, "set_postfix_str", recording_postfix)
    for name in _BAR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return made


@pytest.fixture(scope="module")
def data():
    mdata = jae.simulate(200, n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=0)
    rng = np.random.default_rng(1)
    embeddings = {"a": rng.normal(size=(mdata.n_obs, 6)), "b": rng.normal(size=(mdata.n_obs, 4))}
    return mdata, embeddings


@pytest.fixture(scope="module")
def shown(data, tmp_path_factory):
    """One :func:`_evaluate` call with its bar drawn, run once for the tests that read it: its scores and the bars it
    opened (recorded as :func:`bars` records them); read only."""
    with pytest.MonkeyPatch.context() as m:
        made = _record_bars(m)
        table = _evaluate(data, tmp_path_factory.mktemp("shown"))
    return table, list(made)


def _evaluate(data, tmp_path, **kwargs):
    mdata, embeddings = data
    tmp_path.mkdir(exist_ok=True)
    return jae.evaluate(mdata, embeddings, baseline=True, report_dir=tmp_path / "report", seed=0, device="cpu",
                        umap_max_cells=100, **kwargs)


def test_one_evaluate_call_draws_one_bar_over_all_its_steps(shown):
    table, bars = shown
    assert len(bars) == 1, [b.desc for b in bars]  # was 3 "metrics" bars and a "UMAPs" bar
    bar = bars[0]
    steps = 1 + 1 + 3 * (len(METRICS) + 1) + 3  # baseline SVD, cc reference, 3 x (6 metrics + diagnostics), 3 UMAPs
    assert bar.desc == "evaluate" and bar.total == steps == bar.n
    assert steps == evaluate_steps(3, baseline=True, cell_cycle=True, umaps=True)
    shown = bar.postfixes
    assert shown[0] == "svd_baseline: SVD" and shown[1] == "cell-cycle reference"
    for name in ("a", "b", "svd_baseline"):  # each embedding named with each of its metrics, then its UMAP
        steps = [s for s in shown[2:] if s.startswith(f"{name}: ")]
        assert steps == [f"{name}: {m}" for m in (*METRICS, "diagnostics")]
        assert f"UMAP {name}" in shown
    assert list(table.index) == ["a", "b", "svd_baseline"]


def test_without_a_report_the_bar_counts_no_umaps(bars, data):
    mdata, embeddings = data
    jae.evaluate(mdata, embeddings, seed=0, device="cpu")
    assert len(bars) == 1 and bars[0].total == bars[0].n == 1 + 2 * (len(METRICS) + 1)


@pytest.mark.parametrize("off", ["progress_bar", "TQDM_DISABLE"])
def test_turned_off_no_bar_is_drawn_and_the_scores_are_the_same(bars, data, shown, tmp_path, monkeypatch, off):
    shown, _ = shown
    if off == "TQDM_DISABLE":
        monkeypatch.setenv("TQDM_DISABLE", "1")
    hidden = _evaluate(data, tmp_path / "hidden", progress_bar=off != "progress_bar")
    assert bars == []
    pd.testing.assert_frame_equal(shown, hidden, check_exact=True)
    pd.testing.assert_frame_equal(diagnostics_table(shown), diagnostics_table(hidden), check_exact=True)


def test_the_cli_draws_one_bar_and_none_with_q(bars, tmp_path):
    from jae.cli import main

    mdata = jae.simulate(120, n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=0)
    mdata.obsm["X_r"] = np.random.default_rng(0).normal(size=(mdata.n_obs, 5))
    mdata.write(tmp_path / "d.h5mu")
    assert main(["evaluate", "--h5mu", str(tmp_path / "d.h5mu"), "--obsm", "X_r", "--no-report",
                 "--out", str(tmp_path / "o1"), "--device", "cpu"]) == 0
    assert [(b.desc, b.total, b.n) for b in bars] == [("evaluate", 1 + len(METRICS) + 1, 1 + len(METRICS) + 1)]
    bars.clear()
    assert main(["evaluate", "-q", "--h5mu", str(tmp_path / "d.h5mu"), "--obsm", "X_r", "--no-report",
                 "--out", str(tmp_path / "o2"), "--device", "cpu"]) == 0
    assert bars == []
    assert (tmp_path / "o1" / "metrics.csv").read_text() == (tmp_path / "o2" / "metrics.csv").read_text()


def _one(data):
    mdata, embeddings = data
    return dict(cell_type=mdata.obs["cell_type"].to_numpy(), batch=mdata.obs["batch"].to_numpy(), seed=0,
                device="cpu"), embeddings["a"]


def test_evaluate_embedding_alone_keeps_its_own_bar(bars, data):
    kwargs, E = _one(data)
    evaluate_embedding(E, **kwargs)
    assert [(b.desc, b.total, b.n) for b in bars] == [("metrics", metric_steps(), metric_steps())]
    assert bars[0].postfixes == [*METRICS, "diagnostics"]
    bars.clear()
    evaluate_embedding(E, progress_bar=False, **kwargs)
    assert bars == []


def test_evaluate_embedding_advances_a_bar_given_and_leaves_it_open(bars, data):
    kwargs, E = _one(data)
    outer = std_tqdm(total=10, desc="outer")
    shared = evaluate_embedding(E, bar=outer, **kwargs)
    assert bars == [outer]  # no bar of its own
    assert outer.n == metric_steps() and not outer.disable and outer.postfixes[-1] == "diagnostics"
    outer.close()
    alone = evaluate_embedding(E, progress_bar=False, **kwargs)
    pd.testing.assert_series_equal(shared, alone, check_exact=True)


def test_write_report_alone_keeps_its_umaps_bar(bars, data, tmp_path):
    mdata, embeddings = data
    table = jae.evaluate(mdata, embeddings, seed=0, device="cpu", progress_bar=False)
    jae.report.write_report(table, embeddings, tmp_path / "r", cell_type=mdata.obs["cell_type"].to_numpy(),
                            max_cells=100, seed=0, device="cpu")
    assert [(b.desc, b.total, b.n) for b in bars] == [("UMAPs", 2, 2)]
