"""TQDM_DISABLE, the environment switch scanpy and scvi-tools pipelines set to keep bars out of their logs, turns
jae's bars off too: jae passes ``disable`` to each bar itself, which overrode tqdm's own reading of the variable, so
``TQDM_DISABLE=1 jae fit ...`` still drew them (session 47's walk). Unset, or set to 0 / false / no, the bars draw as
asked."""

from __future__ import annotations

import pytest
import tqdm.auto
from tqdm.std import tqdm as std_tqdm

import jae
from jae._flags import bars_off
from jae.train.distributed import draws_bar


def _drawn(monkeypatch) -> list:
    """The description of every bar opened with drawing on, from now on."""
    drawn = []

    class Recorded(std_tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if not self.disable:
                drawn.append(self.desc)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorded)
    return drawn


@pytest.mark.parametrize("value, off", [("1", True), ("True", True), ("yes", True), ("", False), ("0", False),
                                        ("false", False), (" No ", False)])
def test_the_variable_is_read_as_tqdm_users_set_it(monkeypatch, value, off):
    monkeypatch.setenv("TQDM_DISABLE", value)
    assert bars_off() is off
    assert draws_bar(True) is not off and draws_bar(False) is False


def test_a_fit_draws_no_bar_under_tqdm_disable_and_its_bars_without_it(monkeypatch):
    mdata = jae.simulate(300, n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=0)
    config = jae.JAEConfig(max_epochs=2, n_svd=10)
    drawn = _drawn(monkeypatch)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    jae.JAE(config, seed=0, device="cpu").fit(mdata, progress_bar=True)
    assert drawn, "without TQDM_DISABLE a fit asked for a bar draws one"
    drawn.clear()
    monkeypatch.setenv("TQDM_DISABLE", "1")
    jae.JAE(config, seed=0, device="cpu").fit(mdata, progress_bar=True)
    assert drawn == []
