"""A continuous column named as the cell types (a pseudotime, a QC metric; e.g. --cell-type-key
pseudotime_order_GEX on the BMMC CITE starter): jae.evaluate refuses such a column ("holds continuous numbers"), but
fit learnt each value as a cell type of its own, 105 one-cell types, and said only that label transfer would be poor.
fit now refuses it by evaluate's rule, before any work, in Python and in the CLI; whole-number floats (cluster ids
with NaN) and a few distinct fractional values still fit."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main
from jae.labels import check_not_measurement

STEM = "neurips2021_starter/joint_embedding/cite/openproblems_bmmc_cite_starter"


def test_fit_refuses_a_pseudotime_as_cell_types(data_dir, monkeypatch):
    prefix = data_dir / STEM
    mdata = jae.read_competition(f"{prefix}.mod1.h5ad", f"{prefix}.mod2.h5ad", annotations=f"{prefix}.solution.h5ad")
    import jae.preprocess.pipeline as pipeline

    def no_preprocessing(*args, **kwargs):
        raise AssertionError("refused after the preprocessing started")

    monkeypatch.setattr(pipeline, "preprocess", no_preprocessing)
    model = jae.JAE(jae.JAEConfig(max_epochs=1))
    with pytest.raises(ValueError, match=r"^obs\['pseudotime_order_GEX'\] holds continuous numbers \(\d+ distinct "
                                         r"values, e\.g\. .*\), not cell types; pass cell_type_key=<column> naming "
                                         r"the column of cell-type labels$"):
        model.fit(mdata, cell_type_key="pseudotime_order_GEX", progress_bar=False)
    assert model.network is None


def test_cli_names_the_flag(data_dir, tmp_path, caplog):
    prefix = data_dir / STEM
    with caplog.at_level(logging.ERROR, logger="jae"):
        rc = main(["-q", "fit", "--mod1", f"{prefix}.mod1.h5ad", "--mod2", f"{prefix}.mod2.h5ad", "--annotations",
                   f"{prefix}.solution.h5ad", "--cell-type-key", "pseudotime_order_GEX", "--out", str(tmp_path / "m")])
    err = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc == 1 and len(err) == 1 and not (tmp_path / "m").exists()
    assert err[0].endswith("not cell types; pass --cell-type-key COLUMN naming the column of cell-type labels")


def test_labels_that_are_types_pass():
    rng = np.random.default_rng(0)
    clusters = pd.Series(rng.integers(0, 200, 500).astype(float))  # many whole numbers: cluster ids
    clusters[::7] = np.nan
    check_not_measurement(clusters, "cl")
    check_not_measurement(pd.Series(rng.choice([0.5, 1.5, 2.5], 500)), "cl")  # few distinct values
    check_not_measurement(pd.Series(rng.random(500).astype(str)), "cl")  # text is never refused here
    with pytest.raises(ValueError, match="holds continuous numbers"):
        check_not_measurement(pd.Series(rng.random(500)), "score")
