"""The input options shared by the CLI verbs (src/jae/cli/_inputs.py) state the library's rules, not a copy."""

from __future__ import annotations

import argparse


def test_mod2_kind_help_states_the_libraries_adt_panel_limit(monkeypatch):
    """--mod2-kind's help said 'up to 500 other names ADT' in its own words: it takes the rule's constant, as jae
    predict's --source-kind / --target-kind do."""
    import jae.io.kinds
    from jae.cli import build_parser

    monkeypatch.setattr(jae.io.kinds, "MAX_ADT_FEATURES", 321)  # the library's rule (jae.io.modality)
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    verbs = [verb for verb, parser in sub.choices.items() if any(a.dest == "mod2_kind" for a in parser._actions)]
    assert {"fit", "embed", "map", "evaluate"} <= set(verbs), verbs
    for verb in verbs:
        action = next(a for a in sub.choices[verb]._actions if a.dest == "mod2_kind")
        assert "up to 321 other names ADT" in action.help, (verb, action.help)


def _args(**given):
    base = dict(mod1=None, mod2=None, h5mu=None, tenx=None, h5ad=None, annotations=[], rna_mod="rna", other_mod=None,
                layer="counts", mod2_kind=None)
    return argparse.Namespace(**(base | given))


def test_input_flags_that_would_be_ignored_are_refused_naming_why():
    """--rna-mod / --other-mod with anything but --h5mu, and --layer raw with --10x, were read by nothing: a user who
    meant them got a fit of other counts or modalities, silently. Each is refused in one line."""
    from pathlib import Path

    import pytest

    from jae.cli._inputs import input_files

    for given, flag in ((dict(mod1=Path("a.h5ad"), mod2=Path("b.h5ad"), other_mod="adt"), "--mod1/--mod2"),
                        (dict(tenx=Path("x.h5"), rna_mod="GEX"), "--10x"), (dict(h5ad=Path("x.h5ad"), other_mod="prot"), "--h5ad")):
        with pytest.raises(ValueError, match=f"--rna-mod and --other-mod name the modalities of an --h5mu file; {flag}"):
            input_files(_args(**given))
    with pytest.raises(ValueError, match="--layer raw: a Cell Ranger .h5 or matrix folder .--10x. holds one matrix"):
        input_files(_args(tenx=Path("x.h5"), layer="raw"))
    for fine in (dict(h5mu=Path("x.h5mu"), rna_mod="GEX", other_mod="adt"), dict(tenx=Path("x.h5"), layer="X")):
        try:
            input_files(_args(**fine))
        except ValueError as err:  # the paths do not exist: what is refused then is the file, not the flags
            assert "--rna-mod" not in str(err) and "--layer" not in str(err), err


def test_evaluate_takes_pseudotime_key_none_for_no_trajectory(monkeypatch, tmp_path):
    """Python's evaluate takes pseudotime_keys=[] (no trajectory conservation); jae evaluate had no way to say it:
    --pseudotime-key none was read as a column named 'none'. It now passes no pseudotime."""
    from types import SimpleNamespace

    import jae
    from jae.cli import main

    seen = {}
    monkeypatch.setattr(jae, "evaluate_files", lambda *a, **k: seen.update(k) or SimpleNamespace())
    args = ["evaluate", "--h5mu", str(tmp_path / "x.h5mu"), "--obsm", "X_jae", "--out", str(tmp_path / "r"), "--no-report"]
    try:
        main(args + ["--pseudotime-key", "none"])
    except Exception:  # the stub's result is no table; what the verb passed is what is checked
        pass
    assert seen.get("pseudotime_keys") == []
    seen.clear()
    try:
        main(args + ["--pseudotime-key", "pt"])
    except Exception:
        pass
    assert seen.get("pseudotime_keys") == ["pt"]
