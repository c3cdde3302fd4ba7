"""jae embed --help said jae_unknown is True when the cell-type head is less sure of the cell than the held-out
reference cells, and jae_unknown_score "that average"; since session 35 a cell is also called unknown when it lies
farther from every type centroid (jae.labels.UNKNOWN_SCORE = 'head_or_far'), and the score is the larger of the two
averages, so a user reading the help could not explain cells flagged with a confident head. The help now says both."""

from __future__ import annotations

import pytest

from jae.cli import main
from jae.labels import UNKNOWN_SCORE


def test_embed_help_describes_both_tests_of_the_unknown_call(capsys):
    with pytest.raises(SystemExit):
        main(["embed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert UNKNOWN_SCORE == "head_or_far"
    assert "or the cell lies farther from every reference type's centroid" in text
    assert "jae_unknown_score is the larger of the two averages, each in units of its threshold" in text
    assert "jae_unknown_score is that average" not in text
