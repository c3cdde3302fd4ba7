"""True/False arguments of the public calls given as text ('no', 'False': truthy) are refused in one line naming the
argument, before any work (as overwrite='no' already was); numpy's bools (and 0/1) are still taken."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
from jae.io import InputFiles

NOT_BOOL = "must be True or False, not 'no'"


@pytest.fixture(scope="module")
def cite():
    return jae.simulate(120, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=0)


@pytest.fixture(scope="module")
def model(small_cite_model):
    return jae.JAE.load(small_cite_model, device="cpu")


def test_check_flags_takes_bools_and_numpy_bools_only():
    from jae._flags import check_flags

    check_flags(a=True, b=False, c=np.bool_(True), d=np.False_, e=0, f=1)
    for bad in ("no", "False", "", None, 2, [True], np.array([True, False])):
        with pytest.raises(TypeError, match=r"^x must be True or False, not "):
            check_flags(x=bad)


@pytest.mark.parametrize("flag", ["progress_bar", "report", "baseline", "overwrite"])
def test_evaluate_refuses_text_flags(cite, flag, tmp_path):
    cite.obsm["Z"] = np.zeros((cite.n_obs, 2), dtype=np.float32)
    with pytest.raises(TypeError, match=f"^{flag} {NOT_BOOL}"):
        jae.evaluate(cite, ["Z"], report_dir=tmp_path / "r", **{flag: "no"})
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("flag", ["finetune", "progress_bar"])
def test_fit_refuses_text_flags(cite, flag):
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=5), seed=0, device="cpu")
    with pytest.raises(TypeError, match=f"^{flag} {NOT_BOOL}"):
        model.fit(cite, **{flag: "no"})
    assert not model.is_fitted


def test_finetune_and_map_query_refuse_text_progress_bar(model, cite):
    weights = [p.detach().clone() for p in model.network.parameters()]
    with pytest.raises(TypeError, match=f"^progress_bar {NOT_BOOL}"):
        model.finetune(cite, progress_bar="no")
    assert all(np.array_equal(a, b.detach()) for a, b in zip(weights, model.network.parameters()))
    query = cite.copy()
    query.obs["batch"] = "new"
    with pytest.raises(TypeError, match=f"^progress_bar {NOT_BOOL}"):
        model.map_query(query, batch_key="batch", progress_bar="no")


def test_predict_refuses_text_progress_bar(cite):
    rna, adt = cite.mod["rna"], cite.mod["prot"]
    with pytest.raises(TypeError, match=f"^progress_bar {NOT_BOOL}"):
        jae.ModalityPredictor(seed=0).fit(rna, adt, progress_bar="no")
    with pytest.raises(TypeError, match=f"^progress_bar {NOT_BOOL}"):
        jae.predict(rna, adt, rna, progress_bar="no")


def test_file_workflows_refuse_text_flags(cite, small_cite_model, tmp_path):
    cite.write_h5mu(tmp_path / "in.h5mu")
    files = InputFiles(h5mu=tmp_path / "in.h5mu")
    calls = {
        "fit_files": lambda: jae.fit_files(files, tmp_path / "model", progress_bar="no"),
        "map_files": lambda: jae.map_files(files, small_cite_model, tmp_path / "mapped", progress_bar="no"),
        "embed_files": lambda: jae.embed_files(files, small_cite_model, tmp_path / "e.h5ad", progress_bar="no"),
        "evaluate_files": lambda: jae.evaluate_files(files, ["X"], tmp_path / "rep", report="no"),
    }
    for name, call in calls.items():
        with pytest.raises(TypeError, match=r"^(progress_bar|report) " + NOT_BOOL):
            call()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.h5mu"]


def test_predict_files_refuses_text_progress_bar(cite, tmp_path):
    rna, adt = tmp_path / "rna.h5ad", tmp_path / "adt.h5ad"
    cite.mod["rna"].write_h5ad(rna)
    cite.mod["prot"].write_h5ad(adt)
    with pytest.raises(TypeError, match=f"^progress_bar {NOT_BOOL}"):
        jae.predict_files(rna, adt, rna, tmp_path / "out.h5ad", progress_bar="no")
    assert not (tmp_path / "out.h5ad").exists()


def test_run_demo_keeps_its_output_with_overwrite_as_text(tmp_path):
    (tmp_path / "demo.h5mu").write_bytes(b"earlier demo")
    with pytest.raises(TypeError, match=f"^overwrite {NOT_BOOL}"):
        jae.run_demo(tmp_path, overwrite="no", n_cells=5)
    assert (tmp_path / "demo.h5mu").read_bytes() == b"earlier demo"


def test_subpackage_calls_refuse_text_flags(cite, tmp_path):
    """jae.datasets.write_simulated, jae.metrics.evaluate_embedding and jae.report.write_report: the same rule."""
    with pytest.raises(TypeError, match=f"^progress_bar {NOT_BOOL}"):
        jae.datasets.write_simulated(tmp_path / "sim", n_cells=100, progress_bar="no")
    Z = np.random.default_rng(0).normal(size=(cite.n_obs, 3))
    labels = cite.obs["cell_type"].to_numpy()
    for flag in ("progress_bar", "diagnostics"):
        with pytest.raises(TypeError, match=f"^{flag} {NOT_BOOL}"):
            jae.metrics.evaluate_embedding(Z, cell_type=labels, **{flag: "no"})
    with pytest.raises(TypeError, match=f"^progress_bar {NOT_BOOL}"):
        jae.report.write_report(pd.DataFrame(), {"Z": Z}, tmp_path / "rep", cell_type=labels, progress_bar="no")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
