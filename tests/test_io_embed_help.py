"""``jae embed --help`` says what the label columns it writes mean."""

from __future__ import annotations

import pytest

from jae.cli import main


def test_embed_help_explains_the_confidence_column(capsys):
    with pytest.raises(SystemExit):
        main(["embed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "jae_confidence (0 to 1) is the probability the model gives the cell's predicted type" in text
    assert "of the cells given 0.8, about 80% were right on those reference cells" in text
    assert "15 nearest reference cells" in text and "held out of training" in text
    assert "jae_unknown flags: True when" in text and "%%" not in text


def test_embed_help_does_not_call_the_confidence_a_softmax(capsys):
    """The description called jae_confidence 'the softmax probability calibrated on held-out reference cells'
    while the epilog (and predict_cell_type) give it as the mixture of a linear classifier and the 15-NN vote, whose
    share of neighbours is no softmax; the description now points to the epilog."""
    with pytest.raises(SystemExit):
        main(["embed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "softmax" not in text and "('jae_confidence', its probability, calibrated on held-out" in text
