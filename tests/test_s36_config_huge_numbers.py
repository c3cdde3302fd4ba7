"""jae fit --set max_epochs=1e400 (or JAEConfig(lr=10**400), hidden=(10**400,)) failed with Python's bare
"OverflowError: int too large to convert to float", a traceback in the CLI, from the check meant to refuse numbers
that are not finite; such a number is now refused in one line naming its field, as nan and inf are."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae import JAEConfig, PredictConfig


@pytest.mark.parametrize("settings, field", [
    ({"max_epochs": 10**400}, "max_epochs"),
    ({"lr": 10**400}, "lr"),
    ({"hidden": (128, 10**400)}, "hidden"),
])
def test_an_int_beyond_a_float_is_refused_naming_its_field(settings, field):
    with pytest.raises(ValueError, match=rf"^{field} must be (a )?finite numbers?, not "):
        JAEConfig(**settings)


def test_the_other_settings_class_refuses_it_too():
    with pytest.raises(ValueError, match=r"^max_epochs must be a finite number, not "):
        PredictConfig(max_epochs=10**400)


@pytest.mark.parametrize("override", ["max_epochs=1e400", "hidden=1e400"])
def test_an_override_beyond_a_float_is_refused_in_one_line(override, tmp_path, caplog, monkeypatch):
    import jae
    from jae.cli import main

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: pytest.fail("the fit started"))
    with pytest.raises(ValueError, match=r"must be (a )?finite numbers?, not \(?1000"):
        JAEConfig().with_overrides([override])
    args = ["fit", "--h5mu", str(tmp_path / "x.h5mu"), "--out", str(tmp_path / "m"), "--set", override]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    field = override.split("=")[0]
    assert len(caplog.messages) == 1 and "must be" in caplog.messages[0]
    assert field in caplog.messages[0] or f"--{field.replace('_', '-')}" in caplog.messages[0]  # jae fit's own flag


@pytest.mark.parametrize("settings", [
    {"max_epochs": 10**20}, {"epoch_cells": 10**30}, {"lr": 1e308}, {"lr": np.float32(1e38)},
    {"max_epochs": np.int64(7)}, {"hidden": (np.int64(64), 32)},
])
def test_large_but_representable_numbers_are_kept(settings):
    config = JAEConfig(**settings)
    for key, value in settings.items():
        assert getattr(config, key) == (tuple(int(v) for v in value) if isinstance(value, tuple) else value)
