"""An annotation file keyed by bare barcodes, given with several Cell Ranger samples over the memory budget (combined
on disk): refused as when the samples are read whole, naming the input's files and the sample suffix to add, not the
temporary file the samples were combined into."""

from __future__ import annotations

import anndata as ad
import pandas as pd
import pytest

import jae
from jae import JAEConfig
from jae.io import InputFiles
from test_s49_samples_cli import _write_pair


def _bare_annotations(tmp_path, a):
    barcodes = jae.read_10x_h5(a).obs_names
    path = tmp_path / "labels.h5ad"
    ad.AnnData(obs=pd.DataFrame({"cell_type": "T"}, index=barcodes)).write_h5ad(path)
    return path


@pytest.mark.parametrize("budget", [None, "1K"])
def test_bare_barcodes_refused_in_the_inputs_words_on_either_route(tmp_path, scratch, budget):
    a, b = _write_pair(tmp_path)
    labels = _bare_annotations(tmp_path, a)
    inputs = InputFiles(tenx=[a, b], annotations=[labels])
    with pytest.raises(ValueError) as err:
        jae.fit_files(inputs, tmp_path / "out", config=JAEConfig(mode="unsupervised", max_epochs=2), seed=0,
                      device="cpu", progress_bar=False, memory_budget=budget)
    text = str(err.value)
    assert "shares no cell names with the data (2 Cell Ranger files (a, b))" in text
    assert "named without their sample" in text and "'-a'" in text
    assert "combined.h5mu" not in text
    assert not list(scratch.glob("jae-samples-*"))
