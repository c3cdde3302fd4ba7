"""jae fit --set quiet=true (or verbose, help) answered with the list of all 38 JAEConfig fields, as jae fit's -q / -v
were added to its parser after the flags --set names were collected; they are now named as the flags of jae fit that
they are, as --set seed=1 already was."""

from __future__ import annotations

import logging

import pytest

from jae.cli import main


@pytest.mark.parametrize("setting, fix", [
    ("quiet=true", "pass --quiet"),
    ("verbose=1", "pass --verbose"),
    ("seed=1", "pass --seed 1"),  # collected before: named as it was
])
def test_a_flag_added_after_the_verb_is_named_as_the_flag(setting, fix, tmp_path, caplog, monkeypatch):
    import jae

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: pytest.fail("the fit started"))
    args = ["fit", "--h5mu", str(tmp_path / "missing.h5mu"), "--out", str(tmp_path / "m"), "--set", setting]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    flag = fix.split()[1]
    assert caplog.messages == [f"{flag} is a flag of jae fit, not a JAEConfig field for --set: {fix}"]


@pytest.mark.parametrize("setting, fix", [("Seed=1", "pass --seed 1"), ("Batch-Key=sample", "pass --batch-key sample")])
def test_a_flag_written_with_capitals_is_named_as_the_flag(setting, fix, tmp_path, caplog, monkeypatch):
    # was: JAEConfig has no field 'Seed'; fields: (all 38 of them), none of which is the seed
    import jae

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: pytest.fail("the fit started"))
    args = ["fit", "--h5mu", str(tmp_path / "missing.h5mu"), "--out", str(tmp_path / "m"), "--set", setting]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    assert caplog.messages == [f"{fix.split()[1]} is a flag of jae fit, not a JAEConfig field for --set: {fix}"]


def test_a_field_written_with_capitals_keeps_its_suggestion(tmp_path, caplog, monkeypatch):
    import jae

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: pytest.fail("the fit started"))
    args = ["fit", "--h5mu", str(tmp_path / "missing.h5mu"), "--out", str(tmp_path / "m"), "--set", "LR=1e-3"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    assert caplog.messages[-1].endswith("JAEConfig has no field 'LR'; did you mean 'lr'?")
