"""Smoke tests of the quality benchmark's reference/query splits (benchmarks/_quality_data.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _quality_data import reference_mask, validation_split  # noqa: E402


def _obs(batches, labels) -> pd.DataFrame:
    return pd.DataFrame({"batch": batches, "label": labels}, index=[f"c{i}" for i in range(len(batches))])


def test_snare_reference_is_first_eight_libraries_by_sorted_name():
    rng = np.random.default_rng(0)
    libs = [f"{i:02d}X" for i in (12, 3, 7, 1, 9, 10, 2, 5, 11, 4, 8, 6)]  # unsorted on purpose
    batch = rng.choice(libs, size=600)
    obs = _obs(batch, ["t"] * 600)
    ref = reference_mask("snare_mouse_cortex", obs, seed=0)
    first8 = sorted(libs)[:8]
    assert np.array_equal(ref, np.isin(batch, first8))
    assert np.array_equal(ref, reference_mask("snare_mouse_cortex", obs, seed=5))  # fixed, not seeded
    val = validation_split("snare_mouse_cortex", obs, ref, seed=0)
    assert np.array_equal(val, np.isin(batch, first8[:6]))


def test_bmmc_reference_is_a_seeded_half_of_each_batch():
    batch = np.repeat(["s1d1", "s1d2", "s2d1"], [101, 50, 80])
    obs = _obs(batch, ["t"] * len(batch))
    ref = reference_mask("bmmc_cite", obs, seed=0)
    for b, n in (("s1d1", 101), ("s1d2", 50), ("s2d1", 80)):
        assert ref[batch == b].sum() == n // 2
    assert np.array_equal(ref, reference_mask("bmmc_cite", obs, seed=0))
    assert not np.array_equal(ref, reference_mask("bmmc_cite", obs, seed=1))
    val = validation_split("bmmc_cite", obs, ref, seed=0)
    assert not (val & ~ref).any()  # pseudo-reference lies inside the reference
    for b in ("s1d1", "s1d2", "s2d1"):
        assert val[batch == b].sum() == ref[batch == b].sum() // 2


def test_pbmc_unlabelled_cells_are_never_reference():
    rng = np.random.default_rng(1)
    labels = np.where(rng.random(1000) < 0.15, None, rng.choice(list("1234567"), size=1000))
    obs = _obs(["one"] * 1000, labels)
    ref = reference_mask("pbmc10k_cite", obs, seed=2)
    labelled = obs["label"].notna().to_numpy()
    assert not (ref & ~labelled).any()
    assert abs(ref.sum() - labelled.sum() / 2) < 60  # a seeded half of all cells, minus the unlabelled ones
    assert not np.array_equal(ref, reference_mask("pbmc10k_cite", obs, seed=3))


def test_unknown_set_is_rejected():
    with pytest.raises(KeyError, match="no reference split"):
        reference_mask("other", _obs(["a"], ["t"]), seed=0)


def test_reapseq_reference_is_the_first_run_and_validation_a_seeded_half_of_it():
    batch = np.repeat(["REAP_run3_s5", "REAP_run2_s4"], [70, 50])
    obs = _obs(batch, ["t"] * 120)
    ref = reference_mask("reapseq_pbmc", obs, seed=0)
    assert np.array_equal(ref, batch == "REAP_run2_s4")
    val = validation_split("reapseq_pbmc", obs, ref, seed=0)
    assert not (val & ~ref).any() and val.sum() == 25
    assert not np.array_equal(val, validation_split("reapseq_pbmc", obs, ref, seed=1))


def test_margins_take_the_better_comparator_seed_by_seed():
    from quality import margins

    rows = []
    for seed, (j, b, c) in enumerate([(0.80, 0.75, 0.77), (0.70, 0.72, 0.69)]):
        for method, overall, cc in (("jae", j, 0.4), ("svd_baseline", b, 0.9), ("svd100_concat", c, 0.9)):
            rows.append({"set": "s", "setting": "pretrained", "method": method, "seed": seed, "overall": overall,
                         "cc_cons": cc, **({"label_acc": 0.9, "knn15_svd_acc": 0.85} if method == "jae" else {})})
    m = margins(rows).iloc[0]
    assert m["per_seed"] == "+0.030 -0.020"
    np.testing.assert_allclose(m["jae_minus_best"], 0.75 - 0.735)
    np.testing.assert_allclose(m["cc_ratio_min"], 0.4 / 0.9)
    np.testing.assert_allclose(m["label_gain"], 0.05)
    assert not m["met"]  # margin below +0.02 and a cc ratio below 0.5


def test_every_benchmark_script_reads_its_arguments_with_argparse():
    """``python benchmarks/X.py --help`` must print usage, not an IndexError from a bare ``sys.argv[1]``: a script
    run as a program parses its command line with argparse (``sys.argv[1:]`` handed to argparse is fine)."""
    import ast
    bare = []
    for path in sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "argv" and isinstance(node.value.value, ast.Name)
                    and node.value.value.id == "sys" and not isinstance(node.slice, ast.Slice)):
                bare.append(f"{path.name}:{node.lineno}")
    assert not bare, f"sys.argv read by hand (no --help, traceback on a missing argument): {bare}"
