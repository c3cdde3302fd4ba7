"""JAEConfig(n_principal=...) below the free units: the "principal" readout keeps every free unit, so the embedding's
principal part came out n_free columns wide, not the n_principal the field documents, without a word. A config that
asks for it now warns, naming the width it gets and the settings that give the one asked for (jae fit --set too)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest

import jae
from jae import JAEConfig


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "n_principal" in r.getMessage()]


def test_the_warning_names_the_width_the_embedding_gets_and_its_fix_works(caplog):
    mdata = jae.simulate(300, n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=0)
    with caplog.at_level(logging.WARNING, logger="jae"):
        narrow = JAEConfig(n_principal=5, n_free=8, max_epochs=1)
    assert _warnings(caplog) == [
        "JAEConfig: n_principal=5 is below n_free=8, and the 'principal' readout keeps every free unit: the embedding's "
        "principal part has 8 columns, not 5; for 5 set n_free=5 too, or readout='components'"]
    Z = jae.JAE(narrow, seed=0).fit(mdata.copy(), progress_bar=False).embed(mdata, key_added=None)
    assert Z.shape[1] == 3 + 8  # cell types + the free units: the width the warning names
    caplog.clear()
    for fix in (JAEConfig(n_principal=5, n_free=5, max_epochs=1),
                JAEConfig(n_principal=5, n_free=8, readout="components", max_epochs=1)):
        Z = jae.JAE(fix, seed=0).fit(mdata.copy(), progress_bar=False).embed(mdata, key_added=None)
        assert Z.shape[1] == 3 + 5
    assert _warnings(caplog) == []


@pytest.mark.parametrize("settings", [
    {}, {"n_principal": 30}, {"n_principal": 5, "readout": "components"},
    {"mode": "unsupervised", "n_principal": 5},  # its readout reads the components
    {"mode": "unsupervised", "n_principal": 20, "readout_unsupervised": "principal"},
])
def test_settings_the_readout_honours_are_not_warned_of(settings, caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        JAEConfig(**settings)
    assert _warnings(caplog) == []


def test_a_saved_model_config_loads_without_the_warning(caplog):
    d = JAEConfig(n_principal=5, n_free=8).to_dict()  # warned of here, where it is set
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert JAEConfig.from_dict(d).n_principal == 5
    assert _warnings(caplog) == []


def test_jae_fit_set_warns_in_its_own_words(tmp_path, caplog, monkeypatch):
    from jae.cli import main

    seen = {}
    monkeypatch.setattr(jae, "fit_files",
                        lambda *a, config, **k: seen.update(config=config) or SimpleNamespace(written=False))
    args = ["fit", "--h5mu", str(tmp_path / "x.h5mu"), "--out", str(tmp_path / "m"), "--mode", "unsupervised",
            "--set", "readout_unsupervised=principal", "--set", "n_principal=10"]
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(args) == 0
    assert _warnings(caplog) == [
        "n_principal=10 is below n_free_unsupervised=20, and the 'principal' readout keeps every free unit: the "
        "embedding's principal part has 20 columns, not 10; for 10 set n_free_unsupervised=10 too, or "
        "readout_unsupervised=components"]
    assert seen["config"].n_principal == 10 and np.isclose(seen["config"].lr, JAEConfig().lr)
