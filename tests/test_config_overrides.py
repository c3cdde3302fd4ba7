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
