"""``jae fit --set FIELD=VALUE``: a setting that is a flag of jae fit, not a JAEConfig field, is named as the flag."""

from __future__ import annotations

import logging

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
