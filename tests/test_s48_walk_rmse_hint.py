"""Scoring a ``jae predict`` output with ``jae evaluate`` is refused with the line that scores it instead; that line,
``jae.metrics.rmse(measured.X, prediction.X)``, compared rows by position, so a measured file holding the cells in
another order (or its features) gave a wrong RMSE without a word (session 48's walk: 0.95 instead of 0.51 on the BMMC
CITE starter's test cells reversed). It now takes the measured cells and features in the prediction's order."""

from __future__ import annotations

import re

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli._messages import cli_message


def _files(tmp_path):
    rng = np.random.default_rng(0)
    cells, prots = [f"c{i}" for i in range(40)], [f"p{j}" for j in range(6)]
    truth = rng.normal(size=(40, 6)).astype(np.float32)
    measured = ad.AnnData(truth, obs=pd.DataFrame(index=cells), var=pd.DataFrame(index=prots))
    pred = ad.AnnData(truth + rng.normal(scale=0.3, size=truth.shape).astype(np.float32),
                      obs=pd.DataFrame(index=cells), var=pd.DataFrame({"feature_types": "ADT"}, index=prots),
                      uns={"method_id": "jae", "dataset_id": "x"})
    pred.write_h5ad(tmp_path / "pred.h5ad")
    data = ad.AnnData(rng.poisson(1.0, (40, 10)).astype(np.float32), obs=pd.DataFrame(
        {"cell_type": np.repeat(["a", "b"], 20), "batch": "x"}, index=cells),
        var=pd.DataFrame(index=[f"g{j}" for j in range(10)]))
    return measured[::-1, ::-1].copy(), ad.read_h5ad(tmp_path / "pred.h5ad"), data


def test_the_line_it_names_scores_a_measured_file_in_another_order(tmp_path):
    measured, prediction, data = _files(tmp_path)
    with pytest.raises(ValueError) as err:
        jae.evaluate(data, {"p": tmp_path / "pred.h5ad"}, progress_bar=False)
    text = str(err.value)
    line = re.search(r"(jae\.metrics\.rmse\(.*\))$", text).group(1)
    assert line == "jae.metrics.rmse(measured[prediction.obs_names, prediction.var_names].X, prediction.X)", text
    aligned = jae.metrics.rmse(measured[prediction.obs_names, prediction.var_names].X, prediction.X)
    expected = float(np.sqrt(np.mean((measured.to_df().loc[prediction.obs_names, prediction.var_names].to_numpy()
                                      - prediction.X) ** 2)))
    assert eval(line, {"jae": jae, "measured": measured, "prediction": prediction}) == pytest.approx(expected)
    assert aligned == pytest.approx(expected)
    assert jae.metrics.rmse(measured.X, prediction.X) > 2 * expected  # the old line's figure, by position


def test_the_cli_words_read_the_files_in_that_order(tmp_path):
    _, _, data = _files(tmp_path)
    with pytest.raises(ValueError) as err:
        jae.evaluate(data, {"p": tmp_path / "pred.h5ad"}, progress_bar=False)
    assert cli_message(str(err.value)).endswith(
        "in Python p = anndata.read_h5ad(PREDICTION); jae.metrics.rmse(anndata.read_h5ad(MEASURED)[p.obs_names, "
        "p.var_names].X, p.X)")


def test_an_anndata_given_to_rmse_is_answered_with_the_aligned_values(tmp_path):
    """rmse(test_mod2, prediction) answered 'pass its normalised values, e.g. y_true=adata.X', which compares rows by
    position; the answer now says so and names the aligned values."""
    measured, prediction, _ = _files(tmp_path)
    with pytest.raises(TypeError) as err:
        jae.metrics.rmse(measured, prediction.X)
    text = str(err.value)
    assert "arrays are compared by position: y_true=adata[other.obs_names, other.var_names].X" in text, text
    assert "two DataFrames (adata.to_df()) are matched by their labels" in text, text
    by_labels = jae.metrics.rmse(measured.to_df(), prediction.to_df())
    assert by_labels == pytest.approx(jae.metrics.rmse(measured[prediction.obs_names, prediction.var_names].X,
                                                       prediction.X))
