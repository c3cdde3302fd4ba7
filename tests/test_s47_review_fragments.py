"""Review of session 47's fragments reader (jae.io._fragtext): positions past the one axis' span of a chromosome
(2**40 bases) stay on their own chromosome, and the lines the kernel refuses or skips are those the line finder
(``_malformed``) names or skips, so a refusal always names its line."""

from __future__ import annotations

import numpy as np
import pytest

from jae.io import _fragtext
from jae.io.fragments import count_fragments

SPAN = int(_fragtext.SPAN)


def test_positions_past_the_span_stay_on_their_chromosome(tmp_path):
    """A cut site at 2**40 + 150 on chr1 is in no peak (chr1's end before it), not in chr2's peak at 100-200, which
    sits at the same place of the one axis; a fragment whose start is in a peak and end past 2**40 counts its start."""
    path = tmp_path / "f.tsv"
    path.write_text(f"chr1\t10\t20\tA\nchr1\t{SPAN + 150}\t{SPAN + 160}\tA\nchr1\t50\t{SPAN + 120}\tB\n"
                    f"chr1\t{SPAN - 5}\t{2 * SPAN + 150}\tB\n")
    a = count_fragments(path, ["chr1-0-100", "chr2-100-200"], progress_bar=False)
    assert a.obs_names.tolist() == ["A", "B"]
    np.testing.assert_array_equal(a.X.toarray(), [[2, 0], [1, 0]])


def test_peaks_past_the_span_are_refused_in_one_line(tmp_path):
    path = tmp_path / "f.tsv"
    path.write_text("chr2\t110\t120\tA\n")
    with pytest.raises(ValueError, match=r"1 peak ends past 2\*\*40 bases \(e\.g\. 'chr1-1099511627876-"):
        count_fragments(path, [f"chr1-{SPAN + 100}-{SPAN + 200}", "chr2-100-200"], progress_bar=False)


@pytest.mark.parametrize("blank", ["   ", " \t ", "\t\t\t", " \r"])
def test_a_line_of_whitespace_is_skipped_as_a_blank_line(tmp_path, blank):
    """A line of spaces alone, which session 46's reader skipped, and one of tabs: blank lines, as the line finder of
    the refusal reads them (it skipped them, so the refusal named no line)."""
    path = tmp_path / "f.tsv"
    path.write_text(f"chr1\t10\t20\tA\n{blank}\nchr1\t30\t40\tB\n")
    a = count_fragments(path, ["chr1-0-100"], progress_bar=False)
    assert a.obs_names.tolist() == ["A", "B"]
    np.testing.assert_array_equal(a.X.toarray(), [[2], [2]])


@pytest.mark.parametrize("line", [
    "chr1\t1_0\t20\tA",  # int() reads '1_0' as 10
    "chr1\t10\t1000000000000000000\tA",  # 19 digits: int() reads it
    "chr1\t\u0661\u0660\t20\tA",  # Arabic-Indic digits: int() reads them
])
def test_every_line_the_kernel_refuses_is_named(tmp_path, line):
    path = tmp_path / "f.tsv"
    path.write_bytes(f"chr1\t1\t5\tA\n{line}\nchr1\t30\t40\tB\n".encode())
    with pytest.raises(ValueError, match="line 2: expected"):
        count_fragments(path, ["chr1-0-100"], progress_bar=False)
