"""Fields one mode alone reads, with no counterpart in the other: jae fit --mode unsupervised --set w_cell_type=0.5
(or type_linear, type_cycle_shrink: there is no cell-type block without labels) and a supervised
epoch_tolerance_unsupervised were ignored without a word, while n_free, readout and protein_norm were warned of. Each is
now warned of, naming the mode and why, as the Python call or the --set it came as."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest

import jae
from jae import JAEConfig


def _unread(caplog):
    return [r.getMessage() for r in caplog.records if "is not read in" in r.getMessage()]


@pytest.mark.parametrize("settings, message", [
    ({"mode": "unsupervised", "w_cell_type": 0.5},
     "JAEConfig: w_cell_type=0.5 is not read in unsupervised mode (no cell-type block): leave it out"),
    ({"mode": "unsupervised", "type_linear": False},
     "JAEConfig: type_linear=False is not read in unsupervised mode (no cell-type block): leave it out"),
    ({"mode": "unsupervised", "type_cycle_shrink": True},
     "JAEConfig: type_cycle_shrink=True is not read in unsupervised mode (no cell-type block): leave it out"),
    ({"epoch_tolerance_unsupervised": 0.01},
     "JAEConfig: epoch_tolerance_unsupervised=0.01 is not read in supervised mode (its whole epochs stop at any "
     "decrease): leave it out"),
])
def test_a_field_no_part_of_the_mode_reads_is_warned_of(settings, message, caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        JAEConfig(**settings)
    assert _unread(caplog) == [message]


@pytest.mark.parametrize("settings", [
    {"w_cell_type": 0.5, "type_linear": False, "type_cycle_shrink": True},  # read with labels
    {"mode": "unsupervised", "epoch_tolerance_unsupervised": 0.01},
    {"mode": "unsupervised"},
])
def test_fields_the_mode_reads_are_not_warned_of(settings, caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        JAEConfig(**settings)
        JAEConfig.from_dict({**JAEConfig().to_dict(), "mode": "unsupervised", "w_cell_type": 0.5})  # a saved model's
    assert _unread(caplog) == []


def test_the_fields_warned_of_change_nothing_in_the_fit():
    # what the warning says: the embedding is the same to the bit with or without them
    mdata = jae.simulate(300, n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=0)
    base = JAEConfig(mode="unsupervised", max_epochs=2, readout_unsupervised="principal")
    odd = JAEConfig(mode="unsupervised", max_epochs=2, readout_unsupervised="principal", w_cell_type=5.0,
                    type_linear=False, type_cycle_shrink=True)
    Z = [jae.JAE(c, seed=0).fit(mdata.copy(), cell_type_key=None, progress_bar=False).embed(mdata, key_added=None)
         for c in (base, odd)]
    np.testing.assert_array_equal(Z[0], Z[1])


def test_jae_fit_set_warns_as_the_set_it_came_as(tmp_path, caplog, monkeypatch):
    from jae.cli import main

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: SimpleNamespace(written=False))
    args = ["fit", "--h5mu", str(tmp_path / "x.h5mu"), "--out", str(tmp_path / "m"), "--mode", "unsupervised",
            "--set", "type_linear=false", "--set", "lr=1e-3"]
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(args) == 0
    assert _unread(caplog) == ["type_linear=false is not read in unsupervised mode (no cell-type block): leave it out"]
