"""Session 49: ``evaluate_embedding`` and ``write_report`` open a bar of their own when no bar is passed, through one
helper (:func:`jae.train.distributed.given_or_own_bar`). ``evaluate_embedding`` left its own bar open when a metric
raised (closed only after the last step); now either bar is closed however the block ends, and a bar passed in by
the caller is advanced but never closed."""

from __future__ import annotations

import numpy as np
import pytest
from tqdm.std import tqdm as std_tqdm

import jae.metrics.suite as suite
from jae.metrics import evaluate_embedding
from jae.train.distributed import given_or_own_bar


@pytest.fixture
def bars(monkeypatch):
    """Every bar opened from now on, drawing or not, with whether it was closed."""
    made = []
    init, close = std_tqdm.__init__, std_tqdm.close

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.was_closed = False
        made.append(self)

    def recording_close(self):
        self.was_closed = True
        return close(self)

    monkeypatch.setattr(std_tqdm, "__init__", recording_init)
    monkeypatch.setattr(std_tqdm, "close", recording_close)
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "JAE_DISTRIBUTED", "TQDM_DISABLE"):
        monkeypatch.delenv(name, raising=False)
    return made


def _inputs():
    rng = np.random.default_rng(0)
    types = np.repeat(["a", "b", "c"], 20)
    E = rng.normal(size=(60, 5)) + (types == "a")[:, None] * 3.0
    return E, types, np.tile(["x", "y"], 30)


def test_evaluate_embedding_closes_its_own_bar_when_a_metric_raises(bars, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("metric failed")

    monkeypatch.setattr(suite, "nmi", broken)
    E, types, batches = _inputs()
    with pytest.raises(RuntimeError, match="metric failed"):
        evaluate_embedding(E, cell_type=types, batch=batches, device="cpu", seed=0)
    assert len(bars) == 1 and bars[0].desc.startswith("metrics")
    assert bars[0].was_closed


def test_evaluate_embedding_advances_a_given_bar_and_leaves_it_open(bars):
    E, types, batches = _inputs()
    given = std_tqdm(total=100, desc="caller")
    scores = evaluate_embedding(E, cell_type=types, batch=batches, device="cpu", seed=0, bar=given)
    assert len(bars) == 1  # no bar of its own
    assert given.n == suite.metric_steps(True) and not given.was_closed
    given.close()
    assert np.isfinite(scores["overall"])


def test_own_bar_is_closed_and_given_bar_is_not(bars):
    with pytest.raises(ValueError):
        with given_or_own_bar(None, total=3, desc="own", progress_bar=True) as bar:
            bar.update(1)
            raise ValueError("stop")
    own = bars[-1]
    assert own.desc.startswith("own") and own.was_closed and own.n == 1
    given = std_tqdm(total=2, desc="given")
    with given_or_own_bar(given, total=9, desc="ignored", progress_bar=True) as bar:
        assert bar is given
        bar.update(2)
    assert not given.was_closed and len(bars) == 2
    given.close()
