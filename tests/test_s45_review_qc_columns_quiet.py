"""scanpy's calculate_qc_metrics (or muon's QC) run on each modality of a MuData gives each modality's obs its own
'total_counts', 'n_genes_by_counts', ... (other values in each, as they count other features). jae joins the
modalities' obs into one table, and warned that the second modality's values of each such column were dropped on
every fit, embed, predict_cell_type, finetune and map_query (map_query three times per column, a mapped model's
embed twice), though the call reads none of them. Now a clash is warned about once per call, and only for a column the
call reads (fit's cell_type_key, batch_key, ...); the others are said at INFO. jae.impute and jae embed, whose outputs
hold the data's obs columns, still warn of every clash, once (impute said each twice)."""

from __future__ import annotations

import logging

import pytest

import jae


def _clash_lines(caplog, level=logging.WARNING):
    return [r.getMessage() for r in caplog.records if r.levelno == level and "holds other values" in r.getMessage()]


@pytest.fixture(scope="module")
def qc_data():
    sc = pytest.importorskip("scanpy")
    data = jae.simulate(300, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=6)
    for name in ("rna", "prot"):
        sc.pp.calculate_qc_metrics(data[name], inplace=True, percent_top=None, log1p=False)
    return data


@pytest.fixture(scope="module")
def model(qc_data):
    return jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(qc_data, progress_bar=False)


def test_qc_columns_of_each_modality_are_not_warned_about_by_calls_that_do_not_read_them(qc_data, model, caplog):
    data = qc_data.copy()
    caplog.set_level(logging.INFO, logger="jae")
    jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(data, progress_bar=False, finetune=False)
    model.embed(data)
    model.predict_cell_type(data, key_added="jae")
    model.finetune(data, progress_bar=False)
    query = data.copy()
    query.obs["batch"] = "new_sample"
    mapped = model.map_query(query, epochs=1, progress_bar=False)
    mapped.embed(query)
    assert _clash_lines(caplog) == []
    said = _clash_lines(caplog, logging.INFO)  # still said, at INFO, once per call and column
    assert any("'total_counts'" in line for line in said)
    caplog.clear()
    model.map_query(query, epochs=1, progress_bar=False)
    said = _clash_lines(caplog, logging.INFO)
    assert len(said) == len(set(said)) == 2, said  # n_genes_by_counts and total_counts, once each


def test_a_clash_in_a_column_the_call_reads_is_still_warned_once(qc_data, caplog):
    data = qc_data.copy()
    types = data.obs["cell_type"].astype(str).to_numpy()
    data.mod["rna"].obs["cell_type"], data.mod["prot"].obs["cell_type"] = types, types[::-1]
    del data.obs["cell_type"]
    caplog.set_level(logging.INFO, logger="jae")
    jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(data, progress_bar=False, finetune=False)
    warned = _clash_lines(caplog)
    assert len(warned) == 1 and "'cell_type'" in warned[0] and "rename the column" in warned[0]



def test_impute_whose_obs_holds_the_columns_warns_once_per_column(caplog):
    sc = pytest.importorskip("scanpy")
    import mudata

    full = jae.simulate(300, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=6)
    rna, prot = full["rna"].copy(), full["prot"][100:].copy()  # the first 100 cells: RNA alone
    for adata in (rna, prot):
        sc.pp.calculate_qc_metrics(adata, inplace=True, percent_top=None, log1p=False)
    data = mudata.MuData({"rna": rna, "prot": prot})
    data.obs = full.obs.copy()
    model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(data, progress_bar=False)
    caplog.clear()
    caplog.set_level(logging.WARNING, logger="jae")
    imputed = jae.impute(model, data)
    assert imputed.n_obs == 100 and "total_counts" in imputed.obs.columns
    warned = _clash_lines(caplog)
    assert len(warned) == len(set(warned)) == 2, warned
