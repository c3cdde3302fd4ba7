"""A renaming fix named where every feature is needed must give every feature (s38 real-data walk): jae predict with a
PBMC10k RNA test file against a REAP-seq-trained predictor said '3482 of them match --train-mod1's when case is
ignored: give them its spelling', though 3,477 already matched by name and the renamed genes would still miss 2,280
of 5,762, so the prediction was refused again after the rename. jae.io.features.feature_indexer (which refuses any
missing feature) now names a renaming only when it would give every feature; feature_overlap's 50% rule is
unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from jae.io.features import feature_indexer, feature_overlap

EXPECTED = pd.Index([f"GENE{i}" for i in range(10)])


def _message(var_names) -> str:
    with pytest.raises(ValueError) as err:
        feature_indexer(pd.Index(var_names), EXPECTED, name="query", reference="train")
    return str(err.value)


def test_a_case_renaming_that_leaves_features_missing_is_not_offered():
    said = _message([*EXPECTED[:6], "gene6", "OTHER1", "OTHER2"])  # 6 by name, 7 once case is ignored, of 10
    assert "4 of train's 10 features are missing" in said
    assert "case is ignored" not in said
    assert "refit after subsetting both to their shared features" in said


def test_a_case_renaming_that_gives_every_feature_is_offered():
    said = _message([*EXPECTED[:6], *(n.lower() for n in EXPECTED[6:])])
    assert "10 of them match train's when case is ignored" in said


def test_a_tag_renaming_that_leaves_antibodies_missing_is_not_offered():
    expected = pd.Index([f"CD{i}_TotalSeqB" for i in range(10)])
    with pytest.raises(ValueError) as err:
        feature_indexer(pd.Index([f"CD{i}_ACGT{i}" for i in range(7)]), expected, name="query", reference="train")
    assert "another tag" not in str(err.value)


def test_the_overlap_rule_still_names_a_renaming_reaching_half():
    with pytest.raises(ValueError) as err:  # 4 by name, 7 of 10 once case is ignored: enough to place cells
        feature_overlap(pd.Index([*EXPECTED[:4], "gene4", "gene5", "gene6"]), EXPECTED, name="modality 'rna'")
    assert "7 of them match the model's when case is ignored" in str(err.value)
