"""The input options shared by the CLI verbs (src/jae/cli/_inputs.py) state the library's rules, not a copy."""

from __future__ import annotations

import argparse


def test_mod2_kind_help_states_the_libraries_adt_panel_limit(monkeypatch):
    """--mod2-kind's help said 'up to 500 other names ADT' in its own words: it takes the rule's constant, as jae
    predict's --source-kind / --target-kind do."""
    import jae.io.modality
    from jae.cli import build_parser

    monkeypatch.setattr(jae.io.modality, "MAX_ADT_FEATURES", 321)  # the help follows the library's rule
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    verbs = [verb for verb, parser in sub.choices.items() if any(a.dest == "mod2_kind" for a in parser._actions)]
    assert {"fit", "embed", "map", "evaluate"} <= set(verbs), verbs
    for verb in verbs:
        action = next(a for a in sub.choices[verb]._actions if a.dest == "mod2_kind")
        assert "up to 321 other names ADT" in action.help, (verb, action.help)
