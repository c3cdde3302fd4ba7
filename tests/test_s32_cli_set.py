"""jae fit's --set and the flags that set a JAEConfig field too (--max-epochs, --mode): each field set once (s32)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from jae.cli import main


@pytest.mark.parametrize("sets, flags, words", [
    (["max_epochs=3"], ["--max-epochs", "5"], "--max-epochs 5 and --set max_epochs=3 both set max_epochs"),
    (["mode=supervised"], ["--mode", "unsupervised"], "--mode unsupervised and --set mode=supervised both set mode"),
    (["lr=1e-3", "lr=3e-4"], [], "--set lr= is given more than once"),
])
def test_fit_refuses_a_config_field_set_twice(monkeypatch, tmp_path, caplog, sets, flags, words):
    """jae fit --set max_epochs=3 --max-epochs 5 fitted 5 epochs (--max-epochs was appended last), --mode
    unsupervised --set mode=supervised fitted a supervised model, and two --set of one field kept the last: one of
    the settings asked for was dropped silently. Each is refused in one line, before any reading."""
    import jae

    called = []
    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: called.append(k))
    argv = ["fit", "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"), "--out",
            str(tmp_path / "m"), *[x for s in sets for x in ("--set", s)], *flags]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and words in errors[0] and not called, errors


def test_fit_set_and_its_flags_alone_still_configure_the_fit(monkeypatch, tmp_path):
    import jae

    called = []
    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: called.append(k["config"]) or SimpleNamespace(written=()))
    base = ["-q", "fit", "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"), "--out",
            str(tmp_path / "m")]
    for extra in (["--set", "mode=unsupervised", "--max-epochs", "4"], ["--mode", "unsupervised", "--set",
                                                                         "max_epochs=4"]):
        assert main([*base, *extra]) == 0
    assert [(c.mode, c.max_epochs) for c in called] == [("unsupervised", 4)] * 2
    assert main(base) == 0 and called[-1].mode == "supervised"


@pytest.mark.parametrize("flags", [["-q", "-v"], ["-v", "-q"], ["-q", "--verbose"]])
def test_quiet_and_verbose_together_are_refused(tmp_path, capsys, flags):
    """jae -q simulate ... -v ran and logged jae's debug messages although -q promises warnings only (and hid the
    progress bars -v users watch): the two flags contradict each other. They are now refused before any work, as
    argparse refuses flags that exclude each other (exit status 2, one error line on stderr: jae.cli._parser)."""
    out = tmp_path / "sim"
    with pytest.raises(SystemExit) as info:
        main([flags[0], "simulate", str(out), "--n-cells", "50", "--preset", "none", flags[1]])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "jae: error: -q/--quiet (warnings only) and -v/--verbose (debug messages) contradict each other; give one "
        "(jae --help lists the verbs and flags)"]
    assert not list(tmp_path.iterdir())


def test_metavars_name_the_same_thing_alike_in_every_verb():
    """jae VERB --help wrote one concept several ways: --batch-key BATCH_KEY beside --pseudotime-key KEY, --mod1 MOD1,
    --annotations ANNOTATIONS, --save-model SAVE_MODEL beside --model FOLDER, while the error messages say
    --batch-key COLUMN and --annotations FILE. Each obs-column flag now reads COLUMN, each file FILE, each folder
    written FOLDER, in every verb the parser has."""
    import argparse

    from jae.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    want = {"batch_key": "COLUMN", "cell_type_key": "COLUMN", "pseudotime_key": "COLUMN", "mod1": "FILE",
            "mod2": "FILE", "h5mu": "FILE", "tenx": "FILE", "h5ad": "FILE", "annotations": "FILE", "labels_out": "FILE",
            "impute_out": "FILE", "train_mod1": "FILE", "train_mod2": "FILE", "test_mod1": "FILE", "output": "FILE",
            "save_model": "FOLDER", "rna_mod": "NAME", "other_mod": "NAME", "impute_modality": "NAME"}
    out = {"fit": "FOLDER", "map": "FOLDER", "evaluate": "FOLDER", "embed": "FILE"}
    wrong = []
    for verb, parser in sub.choices.items():
        for action in parser._actions:
            expected = out.get(verb) if action.dest == "out" else want.get(action.dest)
            if expected and action.option_strings and action.metavar != expected:
                wrong.append(f"jae {verb} {action.option_strings[0]} {action.metavar} (want {expected})")
    assert not wrong, "\n".join(wrong)


def test_evaluate_refuses_pseudotime_key_none_beside_columns(monkeypatch, tmp_path, caplog):
    """jae evaluate --pseudotime-key none --pseudotime-key pseudotime_order_GEX said "pseudotime key 'none' is not
    an obs column", though the help promises 'none' means no trajectory conservation: the two asks contradict each
    other, and that is now what the one line says, before any reading."""
    import jae

    called = []
    monkeypatch.setattr(jae, "evaluate_files", lambda *a, **k: called.append(k))
    argv = ["evaluate", "--mod1", str(tmp_path / "a.h5ad"), "--prediction", str(tmp_path / "e.h5ad"), "--out",
            str(tmp_path / "r"), "--pseudotime-key", "None", "--pseudotime-key", "pseudotime_order_GEX"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--pseudotime-key none (no trajectory conservation) contradicts --pseudotime-key "
                      "pseudotime_order_GEX: give none alone, or the pseudotime columns alone"], errors
    assert not called
    from jae.cli._inputs import pseudotime_keys

    assert pseudotime_keys(["none"]) == [] and pseudotime_keys(None) is None
    assert pseudotime_keys(["a", "b"]) == ["a", "b"]
