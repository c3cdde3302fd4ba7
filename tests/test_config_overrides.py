"""``jae fit --set FIELD=VALUE``: a setting that is a flag of jae fit, not a JAEConfig field, is named as the flag."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from jae.cli import main


@pytest.mark.parametrize("setting, fix", [
    ("batch_key=sample", "pass --batch-key sample"),  # was: did you mean 'batch_size' or 'batch_norm' or 'w_batch'?
    ("seed=1", "pass --seed 1"),  # was: the list of every JAEConfig field
    ("organism=mouse", "pass --organism mouse"),
    ("cell-type-key=ct", "pass --cell-type-key ct"),
    ("overwrite=true", "pass --overwrite"),
])
def test_a_flag_given_to_set_is_named_as_the_flag_before_reading_any_file(setting, fix, tmp_path, caplog, monkeypatch):
    import jae

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: pytest.fail("the fit started"))
    args = ["fit", "--h5mu", str(tmp_path / "missing.h5mu"), "--out", str(tmp_path / "m"), "--set", setting]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    flag = fix.split()[1]
    assert caplog.messages == [f"{flag} is a flag of jae fit, not a JAEConfig field for --set: {fix}"]
    assert not (tmp_path / "m").exists()


def test_a_field_and_a_misspelt_field_keep_their_own_handling(tmp_path, caplog, monkeypatch):
    import jae

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: pytest.fail("the fit started"))
    args = ["fit", "--h5mu", str(tmp_path / "missing.h5mu"), "--out", str(tmp_path / "m"), "--set", "max-epochs=5"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    assert caplog.messages[-1].endswith("JAEConfig has no field 'max-epochs'; did you mean 'max_epochs'?")


@pytest.mark.parametrize("mode, setting, read", [
    ("unsupervised", "n_free=10", "n_free_unsupervised"),
    ("unsupervised", "readout=latent", "readout_unsupervised"),
    ("supervised", "protein_norm_unsupervised=log", "protein_norm"),
])
def test_a_field_the_mode_does_not_read_is_warned_of_naming_the_one_it_reads(mode, setting, read, tmp_path, caplog,
                                                                              monkeypatch):
    # the fit ignored it with no message: n_free=10 under --mode unsupervised left 20 free units
    import jae

    seen = {}
    monkeypatch.setattr(jae, "fit_files",
                        lambda *a, config, **k: seen.update(config=config) or SimpleNamespace(written=False))
    args = ["fit", "--h5mu", str(tmp_path / "x.h5mu"), "--out", str(tmp_path / "m"), "--mode", mode, "--set", setting]
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(args) == 0
    value = setting.split("=")[1]
    assert caplog.messages == [f"{setting} is not read in {mode} mode, which reads {read}: set {read}={value}"]
    assert seen["config"].mode == mode


def test_a_python_config_setting_a_field_its_mode_does_not_read_is_warned_of(caplog):
    """JAEConfig(mode='unsupervised', n_free=10) was silently fitted with n_free_unsupervised's 20 free units (only
    the CLI's --set warned): the config now warns naming the field the mode reads; defaults, fields the mode reads,
    a saved model's settings (from_dict) and --set (which says it once itself) stay quiet."""
    from dataclasses import replace

    from jae import JAEConfig

    with caplog.at_level(logging.WARNING, logger="jae"):
        config = JAEConfig(mode="unsupervised", n_free=10)
        assert caplog.messages == ["JAEConfig: n_free=10 is not read in unsupervised mode, which reads "
                                   "n_free_unsupervised: set n_free_unsupervised=10"]
        assert config.n_free == 10 and config.n_free_unsupervised == 20  # nothing changed but the warning
        caplog.clear()
        replace(JAEConfig(readout_unsupervised="latent"), readout_unsupervised="components")
        assert caplog.messages == ["JAEConfig: readout_unsupervised='latent' is not read in supervised mode, which "
                                   "reads readout: set readout='latent'"]
        caplog.clear()
        JAEConfig(), JAEConfig(mode="unsupervised"), JAEConfig(n_free=10), JAEConfig(mode="unsupervised", n_free=30)
        JAEConfig(mode="unsupervised", n_free_unsupervised=5, readout_unsupervised="latent")
        JAEConfig.from_dict(config.to_dict())
        JAEConfig(mode="unsupervised").with_overrides(["n_free=10"])
    assert caplog.messages == ["n_free=10 is not read in unsupervised mode, which reads n_free_unsupervised: set "
                               "n_free_unsupervised=10"]


def test_settings_given_by_position_are_refused_naming_the_keyword():
    """JAEConfig('unsupervised', 50) silently set n_svd=50; settings after the mode are now taken by name only."""
    import jae

    with pytest.raises(TypeError, match=r"^JAEConfig takes its settings after the first \(mode\) by name, e\.g\. "
                                        r"JAEConfig\(n_svd=50\); 2 given by position$"):
        jae.JAEConfig("unsupervised", 50)
    with pytest.raises(TypeError, match=r"^PredictConfig takes its settings by name, e\.g\. "
                                        r"PredictConfig\(n_source_components=3\); 1 given by position$"):
        jae.PredictConfig(3)
    assert jae.JAEConfig("unsupervised") == jae.JAEConfig(mode="unsupervised")


def test_with_overrides_refuses_a_field_given_twice():
    """``with_overrides(['lr=1e-3', 'lr=2e-3'])`` kept the last and dropped the first without a word (jae fit refuses
    two ``--set`` of one field); it is now refused, naming the field."""
    from jae import JAEConfig

    with pytest.raises(ValueError, match=r"lr is given more than once .*give each field once"):
        JAEConfig().with_overrides(["lr=1e-3", "max_epochs=3", "lr=2e-3"])
    assert JAEConfig().with_overrides(["lr=1e-3", "max_epochs=3"]).max_epochs == 3
