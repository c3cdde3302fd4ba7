"""benchmarks/_cc_blocks.py (session 49's diagnostic of where the pretrained embedding's cell-cycle share sits): the
embedding is split by its column names, each part scored as the metric scores it, and the table reads the rows it
wrote; a mistyped set is one line before any fit."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPT = BENCH / "_cc_blocks.py"


@pytest.fixture
def cc_blocks(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    return runpy.run_path(str(SCRIPT), run_name="cc_blocks")


def test_parts_follow_the_column_names(cc_blocks):
    names = ["cell_type:B", "cell_type:T", "free:0", "free:1", "free:2", "pc:3", "pc:4"]
    E = np.arange(3 * len(names), dtype=float).reshape(3, len(names))
    parts = cc_blocks["block_parts"](E, names)
    assert list(parts) == ["full", "type", "free", "pc", "free+pc"]
    np.testing.assert_array_equal(parts["type"], E[:, :2])
    np.testing.assert_array_equal(parts["free"], E[:, 2:5])
    np.testing.assert_array_equal(parts["pc"], E[:, 5:])
    np.testing.assert_array_equal(parts["free+pc"], E[:, 2:])
    # an embedding without labels has no type part, so no "free+pc" distinct from the whole
    online = cc_blocks["block_parts"](E[:, 5:], names[5:])
    assert list(online) == ["full", "pc"]


def test_shares_are_the_metrics_per_batch_shares(cc_blocks):
    from jae.metrics.cell_cycle_cons import CellCycleReference, cc_cons_details

    rng = np.random.default_rng(0)
    cells = (np.arange(60), np.arange(60, 120))
    scores = tuple(rng.normal(size=(60, 2)) for _ in cells)
    reference = CellCycleReference(("a", "b"), cells, scores, np.array([0.2, 0.1]), 50)
    E = rng.normal(size=(120, 6))
    E[:60, 0] += 3 * scores[0][:, 0]  # batch a: the first column follows its S score
    got = cc_blocks["shares"](E, reference)
    d = cc_cons_details(E, reference)
    assert got["after"] == pytest.approx(d["after"].tolist(), abs=1e-5)
    assert got["after"][0] > 0.3 > got["after"][1]
    assert got["cc"] == pytest.approx(d["score"].mean())
    assert got["var"] == pytest.approx(E.var(0).sum())


def test_summary_reads_means_and_ratios_over_seeds(cc_blocks):
    rows = []
    for seed, (before, full, free) in enumerate([(0.02, 0.03, 0.04), (0.04, 0.04, 0.05)]):
        for part, after, var in (("full", full, 10.0), ("type", 0.01, 2.0), ("free", free, 6.0), ("pc", 0.0, 2.0)):
            rows.append({"set": "s", "seed": seed, "part": part, "before_mean": before, "after_mean": after,
                         "var": var})
    table = cc_blocks["summary"](rows).splitlines()
    assert table[0].startswith("| set | seeds | before | full | type | free | pc |")
    row = table[2]
    assert row.startswith("| s | 0,1 | 0.0300 | 0.0350 (1.25) | 0.0100 (0.38) | 0.0450 (1.62) |")
    assert row.endswith("| 0.20 / 0.60 / 0.20 |")


def test_a_mistyped_set_is_one_line_before_any_fit(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--sets", "sim_cite_small", "reapseq800"])
    monkeypatch.syspath_prepend(str(BENCH))
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "reapseq800 is no set" in err[-1]


def test_in_span_is_one_for_a_linear_map_and_less_for_new_directions(cc_blocks):
    rng = np.random.default_rng(1)
    B = rng.normal(size=(200, 3))
    in_span = cc_blocks["_in_span"]
    assert in_span(B @ rng.normal(size=(3, 2)) + 5.0, B) == pytest.approx(1.0)
    assert in_span(rng.normal(size=(200, 2)), B) < 0.1
