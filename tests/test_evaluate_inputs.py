"""jae.evaluate / jae evaluate given the inputs users bring: RNA-only and mosaic files, labels written as text, other
file formats as predictions, bad seeds and devices, paths with '~', an existing report. Each refusal is one line,
in Python arguments for Python callers and in flags for the CLI, made before the metrics are computed."""

from __future__ import annotations

import logging
import warnings

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae
import jae.metrics
from jae.cli import main
from jae.cli._messages import cli_message
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(300, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=1)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 8)).astype(np.float32)
    return m


@pytest.fixture
def no_scoring(monkeypatch):
    """Stand-in for the metrics: records what they were given and returns at once (for checks made before them)."""
    seen = []

    def fake(E, *, cell_type, **kwargs):
        seen.append({"E": E, "cell_type": np.asarray(cell_type), **kwargs})
        out = pd.Series({m: 0.5 for m in (*jae.metrics.METRICS, "overall")})
        out.attrs.update(averaged=list(jae.metrics.METRICS), skipped={}, notes=[])
        return out

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", fake)
    return seen


def _never(*args, **kwargs):
    raise AssertionError("the metrics ran before the arguments were checked")


def _rna_alone(data, name: str, feature_types: bool = True) -> md.MuData:
    rna = data.mod["rna"].copy()
    if not feature_types:
        del rna.var["feature_types"]
    for column in data.obs.columns:
        rna.obs[column] = data.obs[column].to_numpy()
    one = md.MuData({name: rna})
    one.obsm["X_e"] = np.asarray(data.obsm["X_e"])
    return one


def test_rna_only_h5mu_scores_its_embedding_with_cc_cons_whatever_the_modality_name(data, tmp_path):
    """An .h5mu of RNA alone was refused ("holds one modality ...; fitting needs that second modality"): scoring a
    stored embedding needs no second modality. A modality named 'GEX' or 'expr' still gives the cell-cycle genes."""
    paired = jae.evaluate(data, ["X_e"], progress_bar=False)
    _rna_alone(data, "GEX").write(tmp_path / "gex.h5mu")
    assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "gex.h5mu"), "--obsm", "X_e", "--out",
                 str(tmp_path / "r"), "--no-report"]) == 0
    from_cli = pd.read_csv(tmp_path / "r" / "metrics.csv", index_col=0)
    np.testing.assert_allclose(from_cli.loc["X_e", "cc_cons"], paired.loc["X_e", "cc_cons"], rtol=1e-6)
    np.testing.assert_allclose(from_cli.loc["X_e", "overall"], paired.loc["X_e", "overall"], rtol=1e-6)
    expr = jae.evaluate(_rna_alone(data, "expr", feature_types=False), ["X_e"], progress_bar=False)
    np.testing.assert_allclose(expr.loc["X_e", "cc_cons"], paired.loc["X_e", "cc_cons"], rtol=1e-6)


def test_an_rna_only_h5mu_is_opened_not_read_whole(data, tmp_path, monkeypatch):
    """jae evaluate read an .h5mu of RNA alone into memory (the whole count matrix), while the same RNA as mod1 alone
    is opened and streamed: at atlas size that is the difference between fitting in memory or not."""
    import mudata

    paired = jae.evaluate(data, ["X_e"], progress_bar=False)
    _rna_alone(data, "rna").write(tmp_path / "rna.h5mu")
    monkeypatch.setattr(mudata, "read_h5mu", lambda *a, **k: pytest.fail("the .h5mu was read whole"))
    table = jae.evaluate_files(jae.io.InputFiles(h5mu=tmp_path / "rna.h5mu"), ["X_e"], None, progress_bar=False)
    for metric in ("cc_cons", "overall"):
        np.testing.assert_allclose(table.loc["X_e", metric], paired.loc["X_e", metric], rtol=1e-6)


def test_without_an_rna_modality_cc_cons_is_na_with_the_reason_once(data, caplog):
    prot = md.MuData({"prot": data.mod["atac"][:, :40].copy()})
    for column in ("cell_type", "batch"):
        prot.obs[column] = data.obs[column].to_numpy()
    prot.obsm["X_e"] = np.asarray(data.obsm["X_e"])
    with caplog.at_level(logging.INFO, logger="jae"):
        table = jae.evaluate(prot, ["X_e"], progress_bar=False)
    assert np.isnan(table.loc["X_e", "cc_cons"])
    reason = table.attrs["skipped"]["X_e"]["cc_cons"]
    assert reason.startswith("no RNA in the data: its modalities ['prot'] hold ATAC peaks")  # its feature types'
    assert "rna=" not in reason  # no modality holds genes: naming one as the RNA cannot help (s37)
    assert "gex=" not in reason  # evaluate_embedding's own reason is for its Python callers
    assert len([r for r in caplog.records if r.getMessage().startswith("cc_cons is n/a")]) == 1
    assert "--rna-mod" not in cli_message(reason)


@pytest.mark.parametrize("text", ["nan", "", "NaN", "None", "NA", " n/a "])
def test_labels_written_as_missing_values_are_unlabelled_cells(data, no_scoring, text):
    held = data.copy()
    labels = held.obs["cell_type"].astype(str).to_numpy().astype(object)
    labels[:100] = text
    held.obs["cell_type"] = labels
    table = jae.evaluate(held, ["X_e"], progress_bar=False)
    assert len(no_scoring[0]["cell_type"]) == 200 and text not in set(no_scoring[0]["cell_type"])
    assert table.attrs["description"].startswith("200 cells, ")


def test_unknown_labels_of_unlabelled_cells_are_warned_about_with_the_fix(data, no_scoring, caplog):
    """scANVI marks unlabelled cells 'Unknown': evaluate scored them as one cell type (nmi, asw_label reward keeping
    them together) without a word, while fit warns about the same labels; now it warns once, naming the fix."""
    held = data.copy()
    labels = held.obs["cell_type"].astype(str).to_numpy().astype(object)
    labels[:100] = "Unknown"
    held.obs["cell_type"] = labels
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(held, {"a": "X_e", "b": "X_e"}, progress_bar=False)
    assert "Unknown" in set(no_scoring[0]["cell_type"])  # still scored, as fit still learns it: the user decides
    lines = [r.getMessage() for r in caplog.records if "'Unknown'" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("100 cells have the cell-type label 'Unknown' in obs['cell_type']")
    assert "obs['cell_type'] = obs['cell_type'].where(~obs['cell_type'].isin(['Unknown']))" in lines[0]
    caplog.clear()
    obs = held.obs.astype({"cell_type": "category"})  # as anndata keeps text columns: the fix, verbatim, on it
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # .replace(..., np.nan) raised pandas' FutureWarning on a categorical
        obs['cell_type'] = obs['cell_type'].where(~obs['cell_type'].isin(['Unknown']))
    held.obs["cell_type"] = obs["cell_type"]  # the fix: left out, no warning
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(held, ["X_e"], progress_bar=False)
    assert len(no_scoring[-1]["cell_type"]) == 200
    assert not [r for r in caplog.records if "Unknown" in r.getMessage()]


def test_nan_none_and_pandas_na_are_unlabelled_and_integer_labels_are_types(data, no_scoring):
    held = data.copy()
    codes = pd.array(held.obs["cell_type"].cat.codes.to_numpy(), dtype="Int64")
    codes[:7] = pd.NA
    held.obs["code"] = codes
    jae.evaluate(held, ["X_e"], cell_type_key="code", progress_bar=False)
    assert len(no_scoring[-1]["cell_type"]) == 293
    assert set(map(str, no_scoring[-1]["cell_type"])) == {"0", "1", "2"}
    held.obs["code"] = held.obs["cell_type"].cat.codes.astype(float).where(np.arange(300) >= 9)  # whole floats, NaN
    jae.evaluate(held, ["X_e"], cell_type_key="code", progress_bar=False)
    assert len(no_scoring[-1]["cell_type"]) == 291 and set(map(str, no_scoring[-1]["cell_type"])) == {"0", "1", "2"}


def test_a_continuous_cell_type_column_is_refused(data, monkeypatch):
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    held = data.copy()
    held.obs["depth"] = np.random.default_rng(0).normal(size=300)
    with pytest.raises(ValueError, match=r"obs\['depth'\] holds continuous numbers \(300 distinct values, .*\), not "
                                         r"cell types; pass cell_type_key=<column>") as err:
        jae.evaluate(held, ["X_e"], cell_type_key="depth", progress_bar=False)
    assert "--cell-type-key COLUMN" in cli_message(str(err.value))


def test_too_few_labelled_cells_are_refused_with_the_count_before_any_work(data, monkeypatch):
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    monkeypatch.setattr(jae.metrics, "cell_cycle_reference", _never)
    held = data.copy()
    held.obs["cell_type"] = held.obs["cell_type"].astype(object).where(np.arange(300) < 15)
    with pytest.raises(ValueError, match=r"gives a cell type to 15 of the 300 cells; at least 16 are needed .*label "
                                         r"more cells"):
        jae.evaluate(held, ["X_e"], progress_bar=False)


def test_a_missing_cell_type_column_names_the_columns_and_the_argument_or_flag(data):
    with pytest.raises(KeyError) as err:
        jae.evaluate(data, ["X_e"], cell_type_key="celltype", progress_bar=False)
    text = err.value.args[0]
    assert "'cell_type', 'phase'" in text and "pass cell_type_key=<column>" in text and "--" not in text
    cli = cli_message(text)
    assert "--cell-type-key COLUMN" in cli and "--annotations FILE" in cli and "cell_type_key" not in cli


def _write_prediction(path, E, cells):
    ad.AnnData(X=np.asarray(E), obs=pd.DataFrame(index=list(cells))).write_h5ad(path)


def test_other_formats_given_as_a_prediction_are_named_with_what_to_pass(data, tmp_path):
    from jae.evaluation import read_embedding

    pd.DataFrame(np.asarray(data.obsm["X_e"]), index=data.obs_names).to_csv(tmp_path / "emb.csv")
    with pytest.raises(ValueError, match=r"emb\.csv is a CSV file; accepted: an \.h5ad \(X = embedding, obs_names = "
                                         r"cells\) or the \.h5mu jae embed writes") as err:
        read_embedding(tmp_path / "emb.csv", data.obs_names)
    assert "pandas.read_csv" in str(err.value) and ".write_h5ad('emb.h5ad')" in cli_message(str(err.value))
    solution = data.mod["rna"].copy()  # the competition's *.solution.h5ad: X = GEX, var['feature_types']
    solution.obs = data.obs.copy()
    solution.write_h5ad(tmp_path / "x.solution.h5ad")
    with pytest.raises(ValueError, match=r"is a data file, not an embedding: its X holds 250 GEX features") as err:
        read_embedding(tmp_path / "x.solution.h5ad", data.obs_names)
    assert "--annotations FILE" in cli_message(str(err.value))
    ad.AnnData(obs=data.obs.copy()).write_h5ad(tmp_path / "annotations.h5ad")  # obs only
    with pytest.raises(ValueError, match=r"holds annotations, not an embedding: its X has no columns and its obs "
                                         r"\['batch', 'cell_type'") as err:
        read_embedding(tmp_path / "annotations.h5ad", data.obs_names)
    assert "--annotations FILE" in cli_message(str(err.value))
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text("{}")
    with pytest.raises(ValueError, match=r"is a jae model folder, not an embedding; embed the data with it") as err:
        jae.evaluate(data, {"m": str(tmp_path / "model")}, progress_bar=False)
    assert "jae embed --model" in cli_message(str(err.value))


def test_prediction_cells_the_data_lacks_are_left_out_with_a_warning_and_no_overlap_is_refused(data, tmp_path, caplog):
    from jae.evaluation import read_embedding

    E = np.asarray(data.obsm["X_e"])
    _write_prediction(tmp_path / "more.h5ad", np.vstack([E, E[:5]]), [*data.obs_names, *[f"x{i}" for i in range(5)]])
    with caplog.at_level(logging.WARNING, logger="jae"):
        _, got = read_embedding(tmp_path / "more.h5ad", data.obs_names)
    np.testing.assert_array_equal(got, E)
    assert [r.getMessage() for r in caplog.records if "the data lacks" in r.getMessage()] == [
        "embedding file more.h5ad holds 5 cells that the data lacks (e.g. ['x0', 'x1', 'x2']); they are left out"]
    caplog.clear()
    frame = pd.DataFrame(np.vstack([E, E[:2]]), index=[*data.obs_names, "x0", "x1"])
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(data, {"frame": frame}, progress_bar=False)  # a DataFrame indexed by cell names: the same
    assert any(r.getMessage().startswith("embedding 'frame' holds 2 cells that the data lacks") for r in caplog.records)
    _write_prediction(tmp_path / "other.h5ad", E, [f"y{i}" for i in range(300)])
    with pytest.raises(ValueError, match=r"shares no cell with the data: its 300 cells .* and the data's 300 .*have "
                                         r"different names"):
        read_embedding(tmp_path / "other.h5ad", data.obs_names)


def test_mosaic_files_are_scored_without_cc_cons_and_refuse_the_baseline_in_one_line(data, tmp_path, caplog):
    mosaic = md.MuData({"rna": data.mod["rna"][:250].copy(), "atac": data.mod["atac"][50:].copy()})
    for column in ("cell_type", "batch"):
        mosaic.obs[column] = data.obs[column].reindex(mosaic.obs_names).to_numpy()
    mosaic.obsm["X_e"] = np.asarray(data.obsm["X_e"])[data.obs_names.get_indexer(mosaic.obs_names)]
    mosaic.write(tmp_path / "mosaic.h5mu")
    out = ["--out", str(tmp_path / "r"), "--no-report"]
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "mosaic.h5mu"), "--obsm", "X_e", *out]) == 0
    assert np.isnan(pd.read_csv(tmp_path / "r" / "metrics.csv", index_col=0).loc["X_e", "cc_cons"])
    assert any("mosaic data: 50 of the 300 cells have no RNA" in r.getMessage() for r in caplog.records)
    caplog.clear()
    assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "mosaic.h5mu"), "--obsm", "X_e", "--baseline",
                 "--overwrite", *out]) == 1
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "the SVD baseline needs both modalities of every cell, but 100 of the 300 cells lack a modality; drop "
        "--baseline to score the given embeddings alone"]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(seed=-1), ValueError, r"^seed must be an integer >= 0, not -1; e\.g\. seed=0$"),
    (dict(seed=1.5), TypeError, r"^seed must be an integer, not 1\.5; e\.g\. seed=0$"),
    (dict(device="gpu"), ValueError, r"^device='gpu' is not a device torch knows; pass 'auto', 'cpu', 'cuda'"),
])
def test_seed_and_device_are_checked_before_any_work(data, monkeypatch, kwargs, error, message):
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    monkeypatch.setattr(jae.metrics, "cell_cycle_reference", _never)
    with pytest.raises(error, match=message) as err:
        jae.evaluate(data, ["X_e"], progress_bar=False, **kwargs)
    flag = "--seed" if "seed" in kwargs else "--device gpu"
    assert cli_message(str(err.value)).startswith(flag)


def test_every_evaluation_function_refuses_a_negative_seed_by_name(data, tmp_path):
    from jae.baseline import svd_baseline
    from jae.report import plot_umaps, umap_coordinates, write_report

    E = np.asarray(data.obsm["X_e"])
    calls = [
        lambda: jae.metrics.evaluate_embedding(E, cell_type=data.obs["cell_type"], seed=-2, progress_bar=False),
        lambda: svd_baseline([data.mod["rna"].layers["counts"]], ["GEX"], seed=-2),
        lambda: umap_coordinates(E, seed=-2),
        lambda: plot_umaps(E[:, :2], data.obs["cell_type"], None, tmp_path / "u.png", title="t", seed=-2),
        lambda: write_report(pd.DataFrame(), {}, tmp_path / "r", cell_type=[], seed=-2),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"^seed must be an integer >= 0, not -2"):
            call()
    assert not (tmp_path / "r").exists()


def test_cli_seed_and_device_are_refused_in_one_line(data, tmp_path, caplog):
    from jae.io import write_atomic

    write_atomic(data, tmp_path / "d.h5mu")
    for flags, line in ((["--seed", "-1"], "--seed must be an integer >= 0, not -1; e.g. --seed 0"),
                        (["--device", "tpu9"], "--device tpu9 is not a device torch knows")):
        caplog.clear()
        assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "d.h5mu"), "--obsm", "X_e", "--out",
                     str(tmp_path / "r"), *flags]) == 1
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1 and errors[0].startswith(line), errors
    assert not (tmp_path / "r").exists()


def test_a_path_given_as_the_data_names_what_to_pass():
    with pytest.raises(TypeError, match=r"data must be the data itself .*not the path 'x\.h5mu'; read it first, e\.g\. "
                                        r"jae\.read_h5mu\(path\)"):
        jae.evaluate("x.h5mu", ["X_e"])


def test_paths_with_a_tilde_are_expanded(data, tmp_path, monkeypatch, no_scoring):
    monkeypatch.setenv("HOME", str(tmp_path))
    _write_prediction(tmp_path / "emb.h5ad", np.asarray(data.obsm["X_e"]), data.obs_names)
    table = jae.evaluate(data, {"e": "~/emb.h5ad"}, report_dir="~/rep", report=False, progress_bar=False)
    assert table.attrs["report"] == tmp_path / "rep" / "metrics.md" and (tmp_path / "rep" / "metrics.csv").is_file()
    np.testing.assert_array_equal(no_scoring[0]["E"], np.asarray(data.obsm["X_e"]))
    from jae.io import write_atomic

    write_atomic(data, tmp_path / "d.h5mu")
    assert main(["-q", "evaluate", "--h5mu", "~/d.h5mu", "--prediction", "named=~/emb.h5ad", "--out", "~/cli",
                 "--no-report"]) == 0
    assert list(pd.read_csv(tmp_path / "cli" / "metrics.csv", index_col=0).index) == ["named"]


def test_an_existing_report_dir_is_kept_unless_overwrite(data, tmp_path, monkeypatch, no_scoring):
    jae.evaluate(data, ["X_e"], report_dir=tmp_path / "r", report=False, progress_bar=False)
    before = (tmp_path / "r" / "metrics.csv").read_bytes()
    n = len(no_scoring)
    with pytest.raises(FileExistsError, match=r"^report_dir .*r exists; pass overwrite=True to replace it") as err:
        jae.evaluate(data, ["X_e"], report_dir=tmp_path / "r", report=False, progress_bar=False)
    assert len(no_scoring) == n and (tmp_path / "r" / "metrics.csv").read_bytes() == before
    assert cli_message(str(err.value)).startswith("--out ") and "--overwrite" in cli_message(str(err.value))
    jae.evaluate(data, {"other": "X_e"}, report_dir=tmp_path / "r", report=False, overwrite=True, progress_bar=False)
    assert "other" in (tmp_path / "r" / "metrics.csv").read_text()


def test_umap_max_cells_none_draws_every_cell(data, tmp_path, monkeypatch, no_scoring):
    import jae.report

    sizes = []

    def umap(E, *, seed, device):
        sizes.append(len(E))
        return np.random.default_rng(0).normal(size=(len(E), 2)).astype(np.float32)

    monkeypatch.setattr(jae.report, "umap_coordinates", umap)
    table = pd.DataFrame({m: [0.5] for m in (*jae.metrics.METRICS, "overall")}, index=["e"])
    E = np.asarray(data.obsm["X_e"])
    jae.report.write_report(table, {"e": E}, tmp_path / "all", cell_type=data.obs["cell_type"], max_cells=None,
                            progress_bar=False)
    jae.report.write_report(table, {"e": E}, tmp_path / "some", cell_type=data.obs["cell_type"], max_cells=100,
                            progress_bar=False)
    assert sizes == [300, 100]
    jae.evaluate(data, ["X_e"], report_dir=tmp_path / "ev", umap_max_cells=None, progress_bar=False)  # was a TypeError
    assert sizes[-1] == 300


def test_cell_cycle_gene_lines_are_logged_once_not_once_per_batch(data, caplog):
    from jae.metrics import cell_cycle_reference

    gex = np.log1p(data.mod["rna"].layers["counts"].toarray())
    batch = np.repeat(["a", "b", "c"], 100)
    genes = [g if i % 2 else f"other{i}" for i, g in enumerate(data.mod["rna"].var_names)]  # some cycle genes absent
    with caplog.at_level(logging.DEBUG, logger="jae"):  # DEBUG since session 37 (a fit says it at INFO)
        cell_cycle_reference(gex, genes, batch)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("cell-cycle ")]
    assert lines and len(lines) == len(set(lines)) <= 2, lines
    logger = logging.getLogger("jae.preprocess.cell_cycle")
    assert not logger.filters  # the filter is gone after the call


def test_repeated_pseudotime_keys_are_scored_once_with_one_warning(data, no_scoring, caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate(data, ["X_e"], pseudotime_keys=["pseudotime_order_GEX"] * 2, progress_bar=False)
    assert list(no_scoring[0]["pseudotime"].columns) == ["pseudotime_order_GEX"]
    assert [r.getMessage() for r in caplog.records] == [
        "pseudotime column 'pseudotime_order_GEX' named more than once: scored once"]


def test_the_counts_of_scored_and_unlabelled_cells_are_logged_once(data, no_scoring, caplog):
    held = data.copy()
    held.obs["cell_type"] = held.obs["cell_type"].astype(object).where(np.arange(300) >= 40)
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.evaluate(held, {"a": "X_e", "b": "X_e"}, progress_bar=False)
    lines = [r.getMessage() for r in caplog.records if "cells" in r.getMessage() and "cell type" in r.getMessage()]
    assert lines == ["scoring 260 of 300 cells; 40 without a cell type in obs['cell_type'] are left out"]


def test_python_errors_name_arguments_and_cli_errors_name_flags(data):
    renamed = pytest.raises(ValueError, match="rename it in embeddings=")
    with renamed as err:
        jae.evaluate(data, {"svd_baseline": "X_e"}, baseline=True, progress_bar=False)
    assert "--" not in str(err.value) and "CLI" not in str(err.value)
    assert "give it another name: --prediction NAME=FILE" in cli_message(str(err.value))


def test_on_the_bmmc_starter_each_cell_cycle_line_appears_once(data_dir, caplog):
    """The BMMC starter's 600 genes hold 2 S and 3 G2/M markers: the gene lines were logged once per batch and again
    for the counts (3x), and the few-genes caveat once per embedding."""
    base = data_dir / "neurips2021_starter" / "joint_embedding" / "multiome" / "openproblems_bmmc_multiome_starter"
    mdata = jae.read_competition(f"{base}.mod1.h5ad", f"{base}.mod2.h5ad", annotations=f"{base}.solution.h5ad")
    Z = np.random.default_rng(0).normal(size=(mdata.n_obs, 6))
    with caplog.at_level(logging.DEBUG, logger="jae"):  # the gene line: one, at DEBUG since session 37
        table = jae.evaluate(mdata, {"a": Z, "b": Z[:, :4]}, progress_bar=False)
    assert np.isfinite(table["cc_cons"]).all()
    messages = [r.getMessage() for r in caplog.records]
    genes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("cell-cycle ")]
    assert len(genes) == 1 and all(r.levelno == logging.DEBUG for r in caplog.records
                                   if r.getMessage().startswith("cell-cycle ")), genes
    assert len([m for m in messages if m.startswith("cc_cons rests on only 2 S-phase and 3 G2/M")]) == 1
    assert len([m for m in messages if m.startswith("scoring 500 of 500 cells")]) == 1


def test_competition_rna_alone_is_scored_from_the_cli(data, tmp_path):
    """``jae evaluate --mod1 RNA.h5ad`` without --mod2 was refused ("the competition layout needs both")."""
    rna = data.mod["rna"].copy()
    rna.obs = data.obs.copy()
    rna.write_h5ad(tmp_path / "rna.h5ad")
    _write_prediction(tmp_path / "emb.h5ad", np.asarray(data.obsm["X_e"]), data.obs_names)
    assert main(["-q", "evaluate", "--mod1", str(tmp_path / "rna.h5ad"), "--prediction", str(tmp_path / "emb.h5ad"),
                 "--out", str(tmp_path / "r"), "--no-report"]) == 0
    got = pd.read_csv(tmp_path / "r" / "metrics.csv", index_col=0)
    assert np.isfinite(got.loc["emb", "cc_cons"])


def test_cli_umap_max_cells_all_is_no_cap():
    from jae.cli import build_parser

    def parsed(value):
        return build_parser().parse_args(["evaluate", "--h5mu", "x.h5mu", "--obsm", "X", "--out", "r",
                                          "--umap-max-cells", value]).umap_max_cells

    assert parsed("all") is None and parsed("500") == 500


def test_pbmc10k_int64_clusters_with_missing_values_are_the_cell_types(data_dir, no_scoring, caplog):
    """PBMC10k's obs['scmdc_cluster'] is Int64 with <NA> for 861 of 6,855 cells: those are unlabelled, the others
    score as 7 types."""
    rna = ad.read_h5ad(data_dir / "pbmc10k_cite" / "rna.h5ad")
    Z = np.random.default_rng(0).normal(size=(rna.n_obs, 5))
    with caplog.at_level(logging.INFO, logger="jae.evaluation.run"):
        table = jae.evaluate(rna, {"z": Z}, cell_type_key="scmdc_cluster", progress_bar=False)
    assert len(no_scoring[0]["cell_type"]) == 5994 and len(set(no_scoring[0]["cell_type"])) == 7
    assert table.attrs["description"].startswith("5994 cells, 7 cell types, 1 batch,")
    assert "scoring 5994 of 6855 cells; 861 without a cell type in obs['scmdc_cluster'] are left out" in caplog.text


def test_cc_cons_without_a_cycling_signal_is_na_with_its_reason(data, caplog):
    """A reference whose scores explain none of the GEX variance gave cc_cons NaN with only 'undefined on this data'."""
    import dataclasses

    from jae.metrics import cell_cycle_reference

    gex = np.log1p(data.mod["rna"].layers["counts"].toarray())
    ref = cell_cycle_reference(gex, data.mod["rna"].var_names, data.obs["batch"].to_numpy())
    flat = dataclasses.replace(ref, before=np.zeros_like(ref.before))
    with caplog.at_level(logging.WARNING, logger="jae"):
        result = jae.metrics.evaluate_embedding(np.asarray(data.obsm["X_e"]), cell_type=data.obs["cell_type"],
                                                batch=data.obs["batch"], cell_cycle=flat, progress_bar=False)
    assert np.isnan(result["cc_cons"]) and "cc_cons" not in result.attrs["averaged"]
    assert result.attrs["skipped"]["cc_cons"].startswith("the cell-cycle scores explain none of the GEX variance")
    assert len([r for r in caplog.records if r.getMessage().startswith("cc_cons is n/a")]) == 1


def test_batches_written_as_missing_values_are_no_batch(data, monkeypatch):
    """'nan' / 'NA' text in the batch column was scored as a batch named 'nan'; it is refused as a missing batch."""
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    held = data.copy()
    batch = held.obs["batch"].astype(str).to_numpy().astype(object)
    batch[:3], batch[3:5] = "nan", "NA"
    held.obs["batch"] = batch
    with pytest.raises(ValueError, match=r"^5 of the 300 cells have no batch in obs\['batch'\]"):
        jae.evaluate(held, ["X_e"], progress_bar=False)


def test_a_seed_beyond_numpys_range_is_refused_by_name():
    E = np.random.default_rng(0).normal(size=(40, 3))
    with pytest.raises(ValueError, match=r"^seed must be at most 2\*\*32 - 1, not 4294967296"):
        jae.metrics.evaluate_embedding(E, cell_type=np.repeat(["a", "b"], 20), seed=2**32, progress_bar=False)
