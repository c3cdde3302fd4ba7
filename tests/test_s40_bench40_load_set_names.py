"""benchmarks/_quality_data.load_set refused an unknown name listing only the five shared sets, though it also takes
the simulated shapes and the seeded subsamples (sim_cite_small, reapseq_800, ...): a user who mistyped reapseq_800
was told it is not among names that do not include it. The message now lists every name it takes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _quality_data import SETS, SIMULATED, SUBSAMPLED, load_set  # noqa: E402


def test_an_unknown_name_lists_every_name_load_set_takes(tmp_path):
    with pytest.raises(KeyError) as err:
        load_set("reapseq800", root=tmp_path)
    for name in (*SETS, *SIMULATED, *SUBSAMPLED):
        assert name in str(err.value)
