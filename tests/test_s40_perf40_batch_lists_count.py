"""Three messages listing batches cut the list to five without saying how many there were: a mapped model embedding
cells of batches it neither mapped nor was fitted on named five of them and five mapped batches with no sign of the
rest (a reader took the five for all), and map_query's refusal of a query without a new batch and impute's note on
cells of batches the decoder was not fitted with ended in ', ...' with no count. They now end as every other batch
list does: ', ... (N in all)' (jae.mapping.batches.batch_names, jae._words.first_names); five or fewer read as
before."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae.mapping import QueryAdapter
from jae.mapping.batches import check_new_batches


def _cells(batches):
    return ad.AnnData(np.zeros((len(batches), 2), np.float32),
                      obs=pd.DataFrame({"batch": batches}, index=[f"c{i}" for i in range(len(batches))]))


def test_a_mapped_models_warning_says_how_many_unmapped_and_mapped_batches_there_are(caplog):
    adapter = QueryAdapter("batch", tuple(f"q{i}" for i in range(7)), np.zeros((7, 2), np.float32))
    data = _cells([f"new{i}" for i in range(8)])
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        adapter.batch_column(data, reference_batches=["r0", "r1"])
        adapter.batch_column(data, reference_batches=["all"])
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    for line in lines:
        assert ("(new0, new1, new2, new3, new4, ... (8 in all); mapped: q0, q1, q2, q3, q4, ... (7 in all))"
                in line), line
    caplog.clear()
    few = QueryAdapter("batch", ("q0", "q1"), np.zeros((2, 2), np.float32))
    with caplog.at_level(logging.WARNING, logger="jae.mapping.train"):
        few.batch_column(_cells(["new0", "new1"]), reference_batches=["r0"])
    assert "(new0, new1; mapped: q0, q1)" in caplog.text  # five or fewer: as before


def test_map_querys_refusal_says_how_many_known_batches_the_query_holds():
    names = [f"b{i}" for i in range(9)]
    with pytest.raises(ValueError, match=r"obs\['batch'\] \('b0', 'b1', 'b2', 'b3', 'b4', \.\.\. \(9 in all\)\) is "
                                         r"already known"):
        check_new_batches(names, names, "batch")
    with pytest.raises(ValueError, match=r"obs\['batch'\] \('b0', 'b1'\) is already known"):
        check_new_batches(names[:2], names, "batch")


def test_imputes_note_says_how_many_batches_the_decoder_was_not_fitted_with(caplog):
    from jae.imputation.run import _decoder_batches

    model = SimpleNamespace(network=SimpleNamespace(n_condition=2), batch_key="batch", batches=["r0", "r1"],
                            _batch_codes=lambda labels: np.where(labels.isin(["r0", "r1"]), 0, -1))
    data = _cells([f"new{i}" for i in range(7)] + ["r0"])
    with caplog.at_level(logging.INFO, logger="jae.imputation.run"):
        codes = _decoder_batches(model, data, data.obs_names)
    assert list(codes) == [-1] * 7 + [0]
    assert "(new0, new1, new2, new3, new4, ... (7 in all)) or have no obs['batch']" in caplog.text, caplog.text
