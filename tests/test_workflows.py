"""The file workflows (jae.workflows) from Python: what each CLI verb does, with the same checks, and each verb a
thin call of exactly one of them."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae
from jae import JAE, JAEConfig
from jae.cli._messages import cli_message
from jae.datasets import simulate
from jae.io import InputFiles, write_atomic

from test_cli_hostile import PYTHON_FIX

FAST = JAEConfig(max_epochs=2)


def _digests(paths) -> dict[Path, str]:
    return {Path(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A simulated Multiome set as an .h5mu and in the competition layout, and a model fitted on the .h5mu."""
    root = tmp_path_factory.mktemp("workflows")
    m = simulate(300, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2)
    write_atomic(m, root / "x.h5mu")
    m.mod["rna"].write_h5ad(root / "x.mod1.h5ad")
    m.mod["atac"].write_h5ad(root / "x.mod2.h5ad")
    ad.AnnData(obs=m.obs[["batch", "cell_type"]]).write_h5ad(root / "x.solution.h5ad")
    files = InputFiles(h5mu=root / "x.h5mu")
    result = jae.fit_files(files, root / "model", config=FAST, progress_bar=False)
    return {"root": root, "mdata": m, "h5mu": files, "model": root / "model", "fitted": result}


# ------------------------------------------------------------------------------------------- InputFiles


def test_input_files_name_exactly_one_source(tmp_path):
    files = InputFiles(mod1="a.h5ad", mod2="b.h5ad", annotations="s.h5ad", layer=None)
    assert files.source == "competition" and files.annotations == (Path("s.h5ad"),)
    assert files.paths == [Path("a.h5ad"), Path("b.h5ad"), Path("s.h5ad")]
    assert InputFiles(tenx="f.h5").source == "10x" and InputFiles(h5mu="x.h5mu").source == "h5mu"
    with pytest.raises(ValueError, match="exactly one input"):
        InputFiles(mod1="a.h5ad", mod2="b.h5ad", h5mu="x.h5mu")
    with pytest.raises(ValueError, match="exactly one input"):
        InputFiles()
    assert InputFiles(mod1="a.h5ad").rna_only and not files.rna_only  # RNA-only query files (jae embed / jae map)
    with pytest.raises(ValueError, match="needs mod1= \\(GEX\\)"):
        InputFiles(mod2="b.h5ad")


def test_input_files_open_and_read_the_same_data(data):
    root = data["root"]
    pair = InputFiles(mod1=root / "x.mod1.h5ad", mod2=root / "x.mod2.h5ad", annotations=[root / "x.solution.h5ad"])
    read, opened = pair.read(), pair.open(memory_budget=1)  # a budget of one byte: left on disk
    assert isinstance(opened, jae.io.PairedFiles) and opened.obs_names.equals(read.obs_names)
    assert "cell_type" in opened.obs.columns and "cell_type" in read.obs.columns
    assert isinstance(pair.open(memory_budget="100G"), md.MuData)  # within the budget: read whole


# ---------------------------------------------------------------------------------------------- fit / embed


def test_fit_files_saves_the_fitted_model(data):
    result, model_dir = data["fitted"], data["model"]
    assert isinstance(result.model, JAE) and result.model.is_fitted
    assert result.written == (model_dir,) and result.n_cells == 300
    assert (model_dir / "model.json").is_file()
    np.testing.assert_array_equal(JAE.load(model_dir).embed(data["mdata"], key_added=None),
                                  result.model.embed(data["mdata"], key_added=None))


def test_fit_files_streams_when_over_the_budget(data, tmp_path, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="jae.io"):
        result = jae.fit_files(data["h5mu"], tmp_path / "m", config=FAST, memory_budget=1, progress_bar=False)
    assert "streaming path" in caplog.text
    assert result.model.is_fitted


def test_embed_files_writes_the_embedding_and_labels(data, tmp_path):
    files, model_dir = data["h5mu"], data["model"]
    before = _digests([files.h5mu, model_dir / "model.json", model_dir / "weights.pt"])
    out, labels_out = tmp_path / "emb.h5ad", tmp_path / "labels.csv"
    result = jae.embed_files(files, model_dir, out, labels_out=labels_out, finetune_epochs=0, method_id="mine")
    expected = JAE.load(model_dir).embed(data["mdata"], key_added=None)
    np.testing.assert_array_equal(result.embedding, expected)
    assert result.written == (out, labels_out) and result.n_cells == 300
    emb = ad.read_h5ad(out)
    np.testing.assert_array_equal(emb.X, expected)
    assert emb.uns["method_id"] == "mine" and emb.uns["dataset_id"] == "jae_simulated_multiome_seed2"
    assert list(emb.obs.columns)[-4:] == ["jae_cell_type", "jae_confidence", "jae_unknown", "jae_unknown_score"]
    # the columns are named as the model names them (were '0', '1', ...: which part is the cell types?)
    assert list(emb.var_names) == JAE.load(model_dir).column_names and emb.var_names[0].startswith("cell_type:")
    labels = pd.read_csv(labels_out, index_col=0)
    assert list(labels.columns) == ["cell_type", "confidence", "unknown", "unknown_score"]
    assert (labels["cell_type"].to_numpy() == result.labels["cell_type"].to_numpy()).all()
    assert _digests(before) == before  # inputs and the model folder untouched
    # an .h5mu output: a copy of the input with obsm['X_jae'] and its provenance
    copy = jae.embed_files(files, model_dir, tmp_path / "out.h5mu", finetune_epochs=0)
    written = md.read_h5mu(copy.written[0])
    np.testing.assert_array_equal(written.obsm["X_jae"], expected)
    assert written.uns["jae"]["obsm_key"] == "X_jae" and "X_jae" not in md.read_h5mu(files.h5mu).obsm


def test_embed_files_keeps_the_inputs_obs_columns(data, tmp_path, caplog):
    """A scanpy user colours the embedding by batch and by the annotations: the .h5ad output keeps the input's obs
    columns (the annotation files' joined in), and jae's label columns win a name clash, with a log line."""
    import logging

    root, m = data["root"], data["mdata"]
    clash = ad.AnnData(obs=m.obs[["cell_type"]].assign(jae_cell_type="mine", note=np.arange(m.n_obs)))
    clash.write_h5ad(root / "clash.h5ad")
    files = InputFiles(mod1=root / "x.mod1.h5ad", mod2=root / "x.mod2.h5ad",
                       annotations=[root / "x.solution.h5ad", root / "clash.h5ad"])
    out = tmp_path / "emb.h5ad"
    with caplog.at_level(logging.INFO, logger="jae.workflows"):
        result = jae.embed_files(files, data["model"], out, finetune_epochs=0, progress_bar=False)
    emb = ad.read_h5ad(out)
    assert {"batch", "cell_type", "note"} <= set(emb.obs.columns)
    truth = m.obs.loc[emb.obs_names]
    assert (emb.obs["batch"].astype(str).to_numpy() == truth["batch"].astype(str).to_numpy()).all()
    assert (emb.obs["cell_type"].astype(str).to_numpy() == truth["cell_type"].astype(str).to_numpy()).all()
    np.testing.assert_array_equal(emb.obs["note"].to_numpy(), np.arange(m.n_obs)[m.obs_names.get_indexer(emb.obs_names)])
    assert (emb.obs["jae_cell_type"].astype(str).to_numpy() == result.labels["cell_type"].astype(str).to_numpy()).all()
    assert "jae_cell_type" in caplog.text and "replace" in caplog.text
    # jae evaluate still reads the file
    table = jae.evaluate_files(files, {"jae": out}, None, report=False, progress_bar=False)
    assert len(table) == 1 and np.isfinite(table.select_dtypes("number").to_numpy()).any()


def test_predicted_labels_are_categoricals_over_the_models_types(data, tmp_path):
    """scanpy users colour by obs columns: labels come back (and are stored and written) as a categorical whose
    categories are every type the model knows, in the reference's category order (session 38; sorted before), not as
    object strings."""
    model, m = data["fitted"].model, data["mdata"].copy()
    order = [str(c) for c in m.obs["cell_type"].cat.categories if str(c) in model.cell_types]  # the reference's
    pred = model.predict_cell_type(m, key_added="jae")
    for column in (pred["cell_type"], m.obs["jae_cell_type"]):
        assert isinstance(column.dtype, pd.CategoricalDtype)
        assert list(column.cat.categories) == order and sorted(order) == model.cell_types
    assert m.obs["jae_confidence"].dtype == np.float32 and m.obs["jae_unknown"].dtype == bool
    out = tmp_path / "emb.h5ad"
    jae.embed_files(data["h5mu"], model, out, finetune_epochs=0, progress_bar=False)
    written = ad.read_h5ad(out).obs["jae_cell_type"]
    assert list(written.cat.categories) == order
    np.testing.assert_array_equal(written.astype(str).to_numpy(), pred["cell_type"].astype(str).to_numpy())


def test_integer_cell_types_are_written_as_text_categories_in_numeric_order(data, tmp_path):
    """Cluster ids as cell types: jae embed's obs column holds them as text categories in numeric order ('2', '10',
    '30'; as predict_cell_type returns them, so embed_files stores its labels as they come), in an .h5ad and an .h5mu
    output and in the labels CSV alike."""
    from jae.labels import obs_labels

    m = data["mdata"].copy()
    m.obs["cluster"] = m.obs["cell_type"].cat.codes.map({0: 30, 1: 2, 2: 10}).astype(np.int64)
    model = JAE(FAST, seed=0, device="cpu").fit(m, cell_type_key="cluster", progress_bar=False)
    numeric = ["2", "10", "30"]
    for out in (tmp_path / "emb.h5ad", tmp_path / "emb.h5mu"):
        csv_path = tmp_path / f"labels_{out.suffix[1:]}.csv"
        result = jae.embed_files(data["h5mu"], model, out, labels_out=csv_path, finetune_epochs=0, progress_bar=False)
        pd.testing.assert_frame_equal(obs_labels(result.labels), result.labels)  # already in obs form
        written = (ad.read_h5ad(out) if out.suffix == ".h5ad" else md.read_h5mu(out)).obs["jae_cell_type"]
        assert isinstance(written.dtype, pd.CategoricalDtype) and list(written.cat.categories) == numeric
        assert written.cat.categories.map(type).unique().tolist() == [str]
        truth = result.labels["cell_type"].reindex(written.index)
        np.testing.assert_array_equal(written.to_numpy(dtype=object), truth.to_numpy(dtype=object))
        csv = pd.read_csv(csv_path, index_col=0, dtype={"cell_type": str})
        np.testing.assert_array_equal(csv["cell_type"].to_numpy(dtype=object),
                                      result.labels["cell_type"].to_numpy(dtype=object))


def test_embed_files_fine_tunes_a_copy_of_a_model_object(data, tmp_path):
    model = data["fitted"].model
    weights = {k: v.clone() for k, v in model.network.state_dict().items()}
    result = jae.embed_files(data["h5mu"], model, tmp_path / "emb.h5ad", finetune_epochs=1, progress_bar=False)
    assert result.model is not model
    assert all((model.network.state_dict()[k] == v).all() for k, v in weights.items())  # not fine-tuned in place


def test_map_files_writes_a_new_model(data, tmp_path):
    m = data["mdata"].copy()
    m.obs["batch"] = "new_" + m.obs["batch"].astype(str)
    write_atomic(m, tmp_path / "q.h5mu")
    query = InputFiles(h5mu=tmp_path / "q.h5mu")
    before = _digests([data["model"] / "model.json", data["model"] / "weights.pt"])
    result = jae.map_files(query, data["model"], tmp_path / "mapped", epochs=1, progress_bar=False)
    assert result.n_cells == 300 and sorted(result.model.adapter.batches) == sorted(set(m.obs["batch"]))
    assert JAE.load(tmp_path / "mapped").adapter is not None
    assert _digests(before) == before
    with pytest.raises(ValueError, match="reference model folder"):
        jae.map_files(query, data["model"], data["model"], overwrite=True)
    with pytest.raises(ValueError, match="no obs column 'donor'"):
        jae.map_files(query, data["model"], tmp_path / "m2", batch_key="donor")


# --------------------------------------------------------------------------------------- predict / evaluate


def test_predict_files_writes_the_prediction(tmp_path):
    m = simulate(240, kind="cite", n_genes=200, n_cell_types=3, n_batches=2, seed=4)
    rna, prot = m.mod["rna"], m.mod["prot"]
    paths = [tmp_path / f for f in ("train.mod1.h5ad", "train.mod2.h5ad", "test.mod1.h5ad")]
    rna[:200].copy().write_h5ad(paths[0])
    prot[:200].copy().write_h5ad(paths[1])
    rna[200:].copy().write_h5ad(paths[2])
    result = jae.predict_files(*paths, tmp_path / "pred.h5ad", method="mean", save_model=tmp_path / "predictor")
    pred = ad.read_h5ad(tmp_path / "pred.h5ad")
    assert pred.shape == result.prediction.shape == (40, prot.n_vars)
    assert result.written == (tmp_path / "pred.h5ad", tmp_path / "predictor")
    assert result.model.target_kind == "ADT" and (tmp_path / "predictor" / "model.json").is_file()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        jae.predict_files(*paths, tmp_path / "pred.h5ad", method="mean")


def test_predict_files_checks_the_test_cells_features_before_training(tmp_path, monkeypatch):
    """jae predict trained the model for minutes, then found --test-mod1 holding other features."""
    from jae.prediction import ModalityPredictor

    m = simulate(240, kind="cite", n_genes=200, n_cell_types=3, n_batches=2, seed=4)
    rna, prot = m.mod["rna"], m.mod["prot"]
    paths = [tmp_path / f for f in ("train.mod1.h5ad", "train.mod2.h5ad", "test.mod1.h5ad")]
    rna[:200].copy().write_h5ad(paths[0])
    prot[:200].copy().write_h5ad(paths[1])
    rna[200:, :150].copy().write_h5ad(paths[2])  # 50 of the training genes missing
    monkeypatch.setattr(ModalityPredictor, "fit", lambda *a, **k: pytest.fail("trained before checking the test cells"))
    with pytest.raises(ValueError, match=r"query_source features differ from train_source's: 50 of train_source's "
                                         r"200 features are missing"):
        jae.predict_files(*paths, tmp_path / "pred.h5ad", method="mean")
    assert not (tmp_path / "pred.h5ad").exists()


def test_evaluate_files_scores_an_embedding_file(data, tmp_path):
    emb = jae.embed_files(data["h5mu"], data["model"], tmp_path / "emb.h5ad", finetune_epochs=0).written[0]
    table = jae.evaluate_files(data["h5mu"], {"jae": emb}, tmp_path / "eval", report=False, progress_bar=False)
    assert list(table.index) == ["jae"] and np.isfinite(table.loc["jae", "overall"])
    assert (tmp_path / "eval" / "metrics.csv").is_file()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        jae.evaluate_files(data["h5mu"], {"jae": emb}, tmp_path / "eval", report=False)
    with pytest.raises(ValueError, match="nothing to evaluate"):
        jae.evaluate_files(data["h5mu"], [], tmp_path / "eval2")


def test_evaluate_files_overwrite_replaces_the_whole_report(data, tmp_path, monkeypatch):
    """--overwrite of a report folder leaves no file of the report before it (a UMAP of an embedding no longer
    scored, an index.html with the old numbers), keeps the user's other files, and a failing run changes nothing."""
    import jae.report

    emb = jae.embed_files(data["h5mu"], data["model"], tmp_path / "emb.h5ad", finetune_epochs=0).written[0]
    out = tmp_path / "eval"
    jae.evaluate_files(data["h5mu"], {"a": emb, "b": emb}, out, umap_max_cells=200, progress_bar=False)
    assert {"umap_a.png", "umap_b.png", "index.html"} <= {p.name for p in out.iterdir()}
    (out / "notes.txt").write_text("mine")
    before = _digests(out.iterdir())
    monkeypatch.setattr(jae.report, "plot_metric_bars", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        jae.evaluate_files(data["h5mu"], {"c": emb}, out, overwrite=True, umap_max_cells=200, progress_bar=False)
    assert _digests(out.iterdir()) == before and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    monkeypatch.undo()
    table = jae.evaluate_files(data["h5mu"], {"c": emb}, out, overwrite=True, report=False, progress_bar=False)
    assert sorted(p.name for p in out.iterdir()) == ["metrics.csv", "metrics.md", "notes.txt"]
    assert table.attrs["report"] == out / "metrics.md" and list(pd.read_csv(out / "metrics.csv", index_col=0).index) == ["c"]


def test_run_demo_writes_every_file_and_summarises(tmp_path):
    result = jae.run_demo(tmp_path / "demo", n_cells=300, max_epochs=2, progress_bar=False)
    assert set(result.files) == {"data", "model", "embedding", "report"}
    assert all(p.exists() for p in result.files.values()) and result.report_index.is_file()
    assert list(result.table.index) == ["jae", "svd_baseline"] and 0 <= result.accuracy <= 1
    text = result.summary()
    assert "label transfer accuracy on the query batch" in text and str(result.report_index) in text
    # the report's diagnostics give each of jae's blocks its share of the embedding's variance (issue 12's item 3)
    diag = pd.read_csv(result.files["report"] / "diagnostics.csv", index_col=0)
    shares = diag.loc["jae", [c for c in diag.columns if c.startswith("share:")]]
    assert len(shares) >= 2 and abs(shares.sum() - 1) < 1e-6
    with pytest.raises(FileExistsError, match="overwrite=True"):
        jae.run_demo(tmp_path / "demo", n_cells=300, max_epochs=2)


# --------------------------------------------------------------------------- checks before any data is read


@pytest.fixture
def no_reading(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("data was read before the outputs were checked")

    monkeypatch.setattr(InputFiles, "open", refuse)
    monkeypatch.setattr(InputFiles, "read", refuse)
    monkeypatch.setattr(JAE, "load", classmethod(refuse))


def _refusals(data, tmp_path):
    """(call, flag the CLI names) pairs, each refused by an output check."""
    files, model = data["h5mu"], data["model"]
    (tmp_path / "taken.h5ad").write_text("earlier")
    (tmp_path / "taken.csv").write_text("earlier")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("mine")  # (an empty folder holds nothing to lose: accepted)
    return [
        (lambda: jae.fit_files(files, files.h5mu), "--out"),
        (lambda: jae.fit_files(files, tmp_path / "folder"), "--out"),  # exists, no model.json: never replaced
        (lambda: jae.fit_files(files, model), "--out"),
        (lambda: jae.map_files(files, model, model), "--out"),
        (lambda: jae.map_files(files, model, tmp_path / "m", epochs=-1), "--epochs"),
        (lambda: jae.embed_files(files, model, tmp_path / "taken.h5ad"), "--out"),
        (lambda: jae.embed_files(files, model, tmp_path / "e.h5ad", labels_out=tmp_path / "taken.csv"), "--labels-out"),
        (lambda: jae.embed_files(files, model, tmp_path / "e.h5ad", labels_out=files.h5mu), "--labels-out"),
        (lambda: jae.embed_files(files, model, tmp_path / "no" / "e.h5ad"), "--out"),
        (lambda: jae.embed_files(files, model, tmp_path / "e.txt"), "--out"),
        (lambda: jae.embed_files(InputFiles(mod1="a.h5ad", mod2="b.h5ad"), model, tmp_path / "e.h5mu"), "--out"),
        (lambda: jae.evaluate_files(files, ["X"], tmp_path / "taken.h5ad"), "--out"),
        (lambda: jae.predict_files("a.h5ad", "b.h5ad", "c.h5ad", "a.h5ad"), "--output"),
        (lambda: jae.predict_files("a.h5ad", "b.h5ad", "c.h5ad", tmp_path / "taken.h5ad"), "--output"),
        (lambda: jae.predict_files("a.h5ad", "b.h5ad", "c.h5ad", tmp_path / "p.h5ad",
                                   save_model=tmp_path / "taken.csv"), "--save-model"),
        (lambda: jae.run_demo(tmp_path / "taken.h5ad"), "--out"),
    ]


def test_outputs_are_checked_before_any_data_is_read(data, tmp_path, no_reading):
    """Each refusal comes before any file is read, and its message reads in CLI flags once the CLI translates it."""
    for call, flag in _refusals(data, tmp_path):
        with pytest.raises((ValueError, FileExistsError, FileNotFoundError)) as info:
            call()
        text = cli_message(str(info.value))
        assert flag in text and not PYTHON_FIX.search(text), (str(info.value), text)


def test_a_cell_ranger_file_needs_labels_for_supervised_mode(tmp_path):
    from test_cli_hostile import _write_10x

    m = simulate(120, n_genes=200, n_peaks=150, n_cell_types=3, n_batches=2, seed=3)
    m.mod["rna"].write_h5ad(tmp_path / "a.h5ad")
    m.mod["atac"].write_h5ad(tmp_path / "b.h5ad")
    _write_10x(tmp_path / "f.h5", tmp_path / "a.h5ad", tmp_path / "b.h5ad")
    with pytest.raises(ValueError, match="Cell Ranger") as info:
        jae.fit_files(InputFiles(tenx=tmp_path / "f.h5"), tmp_path / "model")
    text = cli_message(str(info.value))
    assert "--mode unsupervised" in text and "--annotations FILE" in text and not PYTHON_FIX.search(text)
    assert not (tmp_path / "model").exists()


# ---------------------------------------------------------------------------------- the CLI only calls them

#: The one public call of each verb. Besides it a verb may build argument values (JAEConfig from --mode/--set) and
#: format what it prints (table_markdown); nothing else from the library.
ONE_CALL = {
    "fit": "fit_files", "map": "map_files", "embed": "embed_files", "predict": "predict_files",
    "evaluate": "evaluate_files", "simulate": "write_simulated", "demo": "run_demo",
}
ARGUMENT_VALUES = {"JAEConfig", "with_overrides", "table_markdown"}


@pytest.mark.parametrize("verb", sorted(ONE_CALL))
def test_each_verb_makes_one_public_call(verb):
    from jae.cli import VERBS

    assert set(VERBS) == set(ONE_CALL)
    tree = ast.parse(Path(jae.cli.__file__).with_name(f"{verb}.py").read_text())
    run = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run")
    library = {a.asname or a.name for n in ast.walk(run) if isinstance(n, ast.ImportFrom) and n.level >= 2
               for a in n.names}
    assert library <= {ONE_CALL[verb]} | ARGUMENT_VALUES, library
    called = [n.func.id for n in ast.walk(run) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert called.count(ONE_CALL[verb]) == 1, called
    helpers = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)} - {"add_parser", "run"}
    assert helpers <= {"_prediction_arg", "_set_arg"}, helpers  # argument parsing only


def test_fit_files_refuses_a_config_or_device_it_cannot_use_before_reading(data, tmp_path, no_reading):
    """config={'max_epochs': 2} failed after opening the files with "'dict' object has no attribute 'mode'"."""
    with pytest.raises(TypeError, match=r"config must be a jae.JAEConfig, not dict"):
        jae.fit_files(data["h5mu"], tmp_path / "m", config={"max_epochs": 2})
    with pytest.raises(ValueError, match=r"device='gpu' is not a device torch knows"):
        jae.fit_files(data["h5mu"], tmp_path / "m", device="gpu")


def test_evaluate_files_given_data_in_memory_names_jae_evaluate(data):
    with pytest.raises(TypeError, match=r"jae\.io\.InputFiles.*MuData.*jae\.evaluate\(mdata"):
        jae.evaluate_files(data["mdata"], ["X_jae"])


def test_demo_refuses_too_few_cells_before_any_work(tmp_path):
    with pytest.raises(ValueError, match=r"n_cells=10: the demo needs at least 200 cells.*pass n_cells >= 200"):
        jae.run_demo(tmp_path / "demo", n_cells=10, progress_bar=False)
    assert not (tmp_path / "demo").exists() or not list((tmp_path / "demo").iterdir())


def test_fit_files_lists_the_model_only_in_the_writing_process(data, tmp_path, monkeypatch):
    import jae._launch as launch

    monkeypatch.setattr(launch, "is_writer", lambda strict=True: False)  # a torchrun process other than 0
    config = jae.JAEConfig(max_epochs=1)
    result = jae.fit_files(data["h5mu"], tmp_path / "m", config=config, progress_bar=False)
    assert result.written == ()
    assert not (tmp_path / "m").exists()  # its folder was written by process 0 alone (atomic_path asks is_writer too)
