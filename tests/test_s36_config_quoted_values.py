"""jae fit --set "mode='unsupervised'" (a value quoted as Python writes it, or as a shell passes on inner quotes) was
refused "mode must be 'supervised' or 'unsupervised', not \\"'unsupervised'\\"", naming the very value as wrong; a value
is now read without the quotes around it, as it already was without the spaces."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

import jae
from jae import JAEConfig


@pytest.mark.parametrize("override, field, value", [
    ("mode='unsupervised'", "mode", "unsupervised"),
    ('readout="latent"', "readout", "latent"),
    ("protein_norm = 'log' ", "protein_norm", "log"),
    ("lr='1e-3'", "lr", 1e-3),
    ('max_epochs="5"', "max_epochs", 5),
    ("decoder_batch='true'", "decoder_batch", True),
    ("hidden='64,32'", "hidden", (64, 32)),
])
def test_a_quoted_value_is_read_as_the_value(override, field, value):
    config = JAEConfig().with_overrides([override])
    assert getattr(config, field) == value
    assert config == JAEConfig().with_overrides([override.replace("'", "").replace('"', "")])


def test_quotes_around_nothing_or_a_wrong_value_are_still_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"^mode must be 'supervised' or 'unsupervised', not ''$"):
        JAEConfig().with_overrides(["mode=''"])
    with pytest.raises(ValueError, match=r"^readout must be 'components', 'principal' or 'latent', not 'raw'$"):
        JAEConfig().with_overrides(["readout='raw'"])
    with pytest.raises(ValueError, match=r"is not a valid float for lr; write it as a number"):
        JAEConfig().with_overrides(["lr='fast'"])


def test_jae_fit_reads_a_quoted_set(tmp_path, caplog, monkeypatch):
    from jae.cli import main

    seen = {}
    monkeypatch.setattr(jae, "fit_files",
                        lambda *a, config, **k: seen.update(config=config) or SimpleNamespace(written=False))
    args = ["fit", "--h5mu", str(tmp_path / "x.h5mu"), "--out", str(tmp_path / "m"), "--set", "mode='unsupervised'",
            "--set", "n_free_unsupervised='10'"]
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(args) == 0
    assert (seen["config"].mode, seen["config"].n_free_unsupervised) == ("unsupervised", 10)
    assert caplog.messages == []
