"""jae map --help said --model is a 'reference model folder written by jae fit', though a model written by jae map is
taken too (its mapped batches are kept, the new query's added: JAE.map_query on a mapped model), so a user mapping a
second set of samples onto the first mapping's model read that it had to be a fitted one (session 35). The help now
names both."""

from __future__ import annotations

import argparse

from jae.cli import build_parser


def test_map_model_help_names_a_mapped_model_too():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    model = next(a for a in sub.choices["map"]._actions if "--model" in a.option_strings)
    assert "'jae fit'" in model.help and "'jae map'" in model.help
