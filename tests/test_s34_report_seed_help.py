"""jae map --help / jae embed --help and the docstrings say the default seed wraps at 2**32, as the code does
(session 34, report audit; the wrap came with tests/test_s34_left_seed_range)."""

from __future__ import annotations

import pytest

import jae
from jae.cli import main


@pytest.mark.parametrize("verb, default", [("map", "the reference model's seed + 2, modulo 2**32"),
                                           ("embed", "the model's seed + 1, modulo 2**32")])
def test_seed_help_says_the_default_wraps(capsys, verb, default):
    """The help said 'seed + 2' / 'seed + 1' alone, which for a model of seed 2**32 - 1 is a seed --seed refuses;
    the default used is (seed + k) mod 2**32."""
    with pytest.raises(SystemExit):
        main([verb, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"(default: {default})" in text


def test_seed_docstrings_say_the_default_wraps():
    for doc, k in ((jae.JAE.map_query.__doc__, 2), (jae.JAE.finetune.__doc__, 1),
                   (jae.embed_files.__doc__, 1)):
        assert f"seed + {k}`` modulo ``2**32``" in " ".join(doc.split()) or \
            f"seed + {k} modulo 2**32" in " ".join(doc.split())
