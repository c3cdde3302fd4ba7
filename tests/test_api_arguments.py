"""Arguments of the Python model API (JAE, ModalityPredictor, jae.predict, the simulator) and of the fit / predict /
simulate / demo CLIs: bad values are refused in one line naming the argument (the flag in the CLI), before any work
(seeded synthetic data, small models)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from jae import JAE
from jae.cli import main
from jae.datasets import simulate, write_simulated
from jae.prediction import ModalityPredictor


# ------------------------------------------------------------------------------------------------ seeds
def test_a_negative_seed_is_refused_naming_the_argument(tmp_path, monkeypatch):
    """seed=-1 was kept by JAE and ModalityPredictor (to fail in training) and reached numpy in the simulator, which
    said only 'expected non-negative integer'."""
    import jae

    def tripwire(*args, **kwargs):
        raise AssertionError("the demo simulated cells before its seed was checked")

    for make in (lambda s: JAE(seed=s), lambda s: ModalityPredictor(seed=s), lambda s: simulate(50, seed=s),
                 lambda s: write_simulated(tmp_path / "sim", n_cells=50, preset=None, seed=s, progress_bar=False),
                 lambda s: ModalityPredictor().fit(None, None, seed=s)):
        with pytest.raises(ValueError, match=r"^seed must be an integer >= 0, not -1; e\.g\. seed=0$"):
            make(-1)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, not -3"):
        JAE(seed=np.int64(-3))
    monkeypatch.setattr("jae.datasets.simulate", tripwire)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        jae.run_demo(tmp_path / "demo", seed=-1, progress_bar=False)
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    """A tiny simulated pair in the competition layout (sim.mod1.h5ad, sim.mod2.h5ad)."""
    root = tmp_path_factory.mktemp("files")
    write_simulated(root / "sim", n_cells=60, preset=None, n_genes=200, n_peaks=90, seed=0, progress_bar=False)
    return root


@pytest.mark.parametrize("verb", ["fit", "predict", "simulate", "demo"])
def test_cli_refuses_a_negative_seed_naming_the_flag(verb, small_files, tmp_path, caplog):
    mod1, mod2 = small_files / "sim.mod1.h5ad", small_files / "sim.mod2.h5ad"
    argv = {
        "fit": ["fit", "--mod1", mod1, "--mod2", mod2, "--out", tmp_path / "model"],
        "predict": ["predict", "--train-mod1", mod1, "--train-mod2", mod2, "--test-mod1", mod1,
                    "--output", tmp_path / "pred.h5ad"],
        "simulate": ["simulate", tmp_path / "sim", "--n-cells", "50", "--preset", "none"],
        "demo": ["demo", "--out", tmp_path / "demo"],
    }[verb]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", *map(str, argv), "--seed", "-1"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--seed must be an integer >= 0, not -1; e.g. --seed 0"]
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ simulate / demo / device / epoch messages
@pytest.mark.parametrize("case", [
    (["simulate", "sim", "--n-cells", "1", "--preset", "none"], "--n-cells 1: simulate at least 2 cells"),
    (["simulate", "sim", "--n-cells", "50", "--preset", "none", "--n-genes", "0"], "pass --n-genes >= "),
    (["simulate", "sim", "--n-cells", "50", "--preset", "none", "--n-batches", "0"], "--n-batches 0:"),
    (["simulate", "sim", "--n-cells", "50", "--kind", "cite", "--preset", "none", "--n-proteins", "1"],
     "--n-proteins 1:"),
    (["demo", "--out", "demo", "--n-cells", "1"], "--n-cells 1: the demo needs at least 200 cells"),
    (["demo", "--out", "demo", "--max-epochs", "0"], "--max-epochs must be >= 1, not 0"),
    (["demo", "--out", "demo", "--device", "gpu"], "--device gpu is not a device torch knows; pass --device auto, cpu"),
    (["fit", "MOD", "--out", "model", "--device", "gpu"], "--device gpu is not a device torch knows"),
    (["fit", "MOD", "--out", "model", "--max-epochs", "-1"], "--max-epochs must be >= 1, not -1"),
    (["predict", "PRED", "--output", "pred.h5ad", "--device", "gpu"], "--device gpu is not a device torch knows"),
], ids=lambda c: " ".join(c[0][:1] + c[0][-2:]))
def test_simulate_demo_device_and_epoch_messages_name_cli_flags(case, small_files, tmp_path, caplog, monkeypatch):
    """These messages named the Python arguments (n_cells=1, max_epochs, device='gpu': pass 'auto', ...) in the CLI."""
    import re

    argv, expected = case
    mod1, mod2 = str(small_files / "sim.mod1.h5ad"), str(small_files / "sim.mod2.h5ad")
    expand = {"MOD": ["--mod1", mod1, "--mod2", mod2], "PRED": ["--train-mod1", mod1, "--train-mod2", mod2,
                                                               "--test-mod1", mod1]}
    argv = [part for a in argv for part in expand.get(a, [a])]
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", *argv]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and expected in errors[0], errors
    assert not re.search(r"(?<!-)\b(n_[a-z_]+|max_epochs|device)(=| must)", errors[0]), errors[0]
    assert not list(tmp_path.iterdir())


def test_demo_checks_max_epochs_and_device_before_simulating(tmp_path, monkeypatch):
    import jae

    def tripwire(*args, **kwargs):
        raise AssertionError("the demo simulated cells before its arguments were checked")

    monkeypatch.setattr("jae.datasets.simulate", tripwire)
    with pytest.raises(ValueError, match=r"^max_epochs must be >= 1, not 0$"):
        jae.run_demo(tmp_path / "demo", max_epochs=0, progress_bar=False)
    with pytest.raises(ValueError, match=r"^device='gpu' is not a device torch knows; pass 'auto'"):
        jae.run_demo(tmp_path / "demo", device="gpu", progress_bar=False)


# ------------------------------------------------------------------------------------------------ key_added
@pytest.fixture(scope="module")
def cells():
    """200 simulated Multiome cells, 3 types, 2 batches."""
    return simulate(200, kind="multiome", n_genes=250, n_peaks=120, n_cell_types=3, n_batches=2, seed=3)


@pytest.fixture(scope="module")
def model(cells):
    from jae import JAEConfig

    return JAE(JAEConfig(max_epochs=3, n_svd=10), seed=0, device="cpu").fit(cells, progress_bar=False)


@pytest.mark.parametrize("key", [5, ["X_a"], "", ("X_a",)])
def test_key_added_of_the_wrong_type_is_refused_before_any_work(model, cells, key, monkeypatch):
    """embed(key_added=5) stored obsm[5]; a list failed with pandas' 'unhashable type: list'; predict_cell_type stored
    obs["['a']_cell_type"]."""
    def tripwire(*args, **kwargs):
        raise AssertionError("the cells were encoded before key_added was checked")

    data = cells.copy()
    before = (set(data.obsm), list(data.obs.columns), set(data.uns))
    monkeypatch.setattr(model, "_features", tripwire)
    error = ValueError if key == "" else TypeError
    for method, example in ((model.embed, "X_jae"), (model.latent, "X_jae_latent"), (model.predict_cell_type, "jae")):
        with pytest.raises(error, match=rf"^key_added must be a non-empty string \(e\.g\. key_added='{example}'\) or "
                                        rf"None to store nothing, not "):
            method(data, key_added=key)
    assert (set(data.obsm), list(data.obs.columns), set(data.uns)) == before


def test_key_added_given_as_text_still_stores(model, cells):
    data = cells.copy()
    Z = model.embed(data, key_added="X_mine")
    assert np.array_equal(data.obsm["X_mine"], Z) and "jae_mine" in data.uns  # jae.provenance.uns_key
    model.predict_cell_type(data, key_added="mine", embedding=Z)
    assert {"mine_cell_type", "mine_confidence", "mine_unknown"} <= set(data.obs.columns)


# ------------------------------------------------------------------------------------ predict_cell_type(embedding=)
def test_predict_cell_type_takes_an_obsm_key_as_the_embedding(model, cells):
    """embedding='X_jae' was read as a 0-d array: 'embedding has shape (), not (200, ...)'."""
    data = cells.copy()
    Z = model.embed(data)
    by_key = model.predict_cell_type(data, embedding="X_jae")
    pd.testing.assert_frame_equal(by_key, model.predict_cell_type(data, embedding=Z))
    with pytest.raises(KeyError, match=r"embedding='X_umap' is not a key of data.obsm \(its keys: [^)]*'X_jae'[^)]*\); "
                                       r"pass the key model.embed\(data\) stored"):
        model.predict_cell_type(data, embedding="X_umap")


def test_predict_cell_type_refuses_an_embedding_with_nan_rows_with_their_count(model, cells):
    """NaN rows failed deep in the vote with 'voters or cells hold NaN or infinite values: no neighbours to find'."""
    data = cells.copy()
    Z = model.embed(data, key_added=None)
    Z[[3, 7], 1] = np.nan
    Z[9, 0] = np.inf
    first = data.obs_names[3]
    with pytest.raises(ValueError, match=rf"^embedding has 3 of 200 rows with NaN or infinite values \(e\.g\. cell "
                                         rf"'{first}'\); embed those cells again"):
        model.predict_cell_type(data, embedding=Z)


# ------------------------------------------------------------------------------------------------ config
def test_a_non_finite_number_in_any_config_field_is_refused_naming_it():
    """JAEConfig(lr=nan) and PredictConfig(learning_rate=nan) were accepted (every comparison with nan is False) and
    training produced NaN losses."""
    from dataclasses import fields

    from jae import JAEConfig, PredictConfig

    checked = 0
    for cls in (JAEConfig, PredictConfig):
        for f in fields(cls):
            default = getattr(cls(), f.name)
            if isinstance(default, bool) or not isinstance(default, (float, tuple)):
                continue
            if isinstance(default, tuple) and not all(isinstance(v, float) for v in default):
                continue
            for bad in (float("nan"), float("inf"), -np.inf):
                value = (*default[:-1], bad) if isinstance(default, tuple) else bad
                with pytest.raises(ValueError, match=rf"^{f.name} must be (a )?finite numbers?, not "):
                    cls(**{f.name: value})
            checked += 1
    assert checked >= 15
    with pytest.raises(ValueError, match=r"^lr must be a finite number, not nan$"):
        JAEConfig().with_overrides(["lr=nan"])


@pytest.mark.parametrize("budget", ["8X", "-1", 0, -5, "nan", True, ""])
def test_a_bad_memory_budget_is_refused_before_any_work(budget, cells, monkeypatch):
    """memory_budget was read only for data on disk (an in-memory fit ignored 'abc'), and -1, 0 or True passed."""
    import jae.preprocess.pipeline as pipeline

    monkeypatch.setattr(pipeline, "preprocess", lambda *a, **k: pytest.fail("preprocessed before the budget check"))
    with pytest.raises(ValueError, match=rf"^memory_budget={budget!r} is not a size: pass a positive number of bytes "
                                         r"or one with a unit \(K, M, G, T\), e\.g\. memory_budget='8G'$"):
        JAE().fit(cells, memory_budget=budget, progress_bar=False)


def test_cli_names_the_memory_budget_flag(small_files, tmp_path, caplog):
    argv = ["-q", "fit", "--mod1", small_files / "sim.mod1.h5ad", "--mod2", small_files / "sim.mod2.h5ad", "--out",
            tmp_path / "model", "--memory-budget", "-1"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(list(map(str, argv))) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--memory-budget -1 is not a size: pass a positive number of bytes or one with a unit (K, M, G, "
                      "T), e.g. --memory-budget 8G"]
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------------------------------------ paths
@pytest.mark.parametrize("bad", [5, None, 1.5])
def test_save_and_load_refuse_a_non_path_naming_the_argument(model, bad, tmp_path, monkeypatch):
    """JAE.load(5) and model.save(None) failed with pathlib's 'expected str, bytes or os.PathLike object, not int'."""
    from jae.prediction import ModalityPredictor

    monkeypatch.chdir(tmp_path)
    message = rf"^path must be a path \(str or pathlib\.Path\), not {type(bad).__name__} {bad!r}$"
    for call in (lambda: model.save(bad), lambda: JAE.load(bad), lambda: ModalityPredictor.load(bad)):
        with pytest.raises(TypeError, match=message):
            call()
    assert not list(tmp_path.iterdir())


def test_loading_a_file_of_a_model_folder_names_the_folder(model, tmp_path):
    """JAE.load('jae_model/model.json') (the file a user sees in the folder) said the file "is not a jae model folder:
    expected model.json and weights.pt in it", while both were beside it; now it names the folder to pass."""
    from jae import JAE

    folder = model.save(tmp_path / "jae_model")
    for name in ("model.json", "weights.pt"):
        with pytest.raises(FileNotFoundError) as err:
            JAE.load(folder / name)
        assert str(err.value) == f"{folder / name} is a file of the model folder {folder}; pass the folder: {folder}"
    assert JAE.load(folder).column_names == model.column_names


def test_impute_takes_a_model_folder_and_refuses_a_wrong_one_in_one_line(model, cells, tmp_path):
    """jae.impute('folder', data) and jae.impute(5, data) failed with "'str' object has no attribute
    '_require_fitted'"."""
    import jae

    rna = cells.mod["rna"][:20].copy()
    folder = model.save(tmp_path / "model")
    np.testing.assert_array_equal(jae.impute(folder, rna).X, jae.impute(model, rna).X)
    with pytest.raises(FileNotFoundError, match=r"nothere does not exist; pass the folder a model was saved to"):
        jae.impute(tmp_path / "nothere", rna)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"empty is not a jae model folder: expected model.json"):
        jae.impute(tmp_path / "empty", rna)
    with pytest.raises(TypeError, match=r"^model must be a fitted jae.JAE or the folder of a saved one, not int$"):
        jae.impute(5, rna)
    with pytest.raises(FileNotFoundError, match=r"nothere.h5mu does not exist; check the path$"):
        jae.impute(model, tmp_path / "nothere.h5mu")


# -------------------------------------------------------------------------- one AnnData, views, backed AnnData
def _one_anndata(cells):
    """The cells as one AnnData holding both modalities (sc.read_10x_h5(..., gex_only=False)'s layout)."""
    import anndata as ad

    one = ad.concat([cells.mod["rna"], cells.mod["atac"]], axis=1, merge="same")
    one.obs = cells.obs.copy()
    return one


def test_one_anndata_with_repeated_cell_names_is_refused_with_the_count_and_the_fix(model, cells, monkeypatch):
    """The message spoke of modality 'rna' and told to rename cells 'in both modalities the same way'."""
    import jae.preprocess.pipeline as pipeline

    one = _one_anndata(cells)
    names = list(one.obs_names)
    names[1], names[5], names[6] = names[0], names[4], names[4]
    one.obs_names = names
    message = (rf"^the AnnData has 2 repeated cell names \(5 rows, e\.g\. '{names[0]}', '{names[4]}'\); jae matches "
               r"cells by name: make them unique first, e\.g\. adata\.obs_names_make_unique\(\)$")
    monkeypatch.setattr(pipeline, "preprocess", lambda *a, **k: pytest.fail("preprocessed before the check"))
    for call in (lambda: JAE().fit(one, progress_bar=False), lambda: model.embed(one),
                 lambda: model.predict_cell_type(one)):
        with pytest.raises(ValueError, match=message):
            call()
    assert list(one.obs_names) == names and "X_jae" not in one.obsm


def test_a_view_takes_the_results_and_leaves_the_data_it_views_unchanged(model, cells):
    """Storing into adata[cells] raised anndata's ImplicitModificationWarning (an error under -W error)."""
    one = _one_anndata(cells)
    for data in (one, cells.copy()):
        view = data[:50]
        Z = model.embed(view)
        labels = model.predict_cell_type(view, key_added="jae", embedding=Z)
        assert not view.is_view and np.array_equal(view.obsm["X_jae"], Z) and Z.shape[0] == 50
        assert (view.obs["jae_cell_type"].astype(str).to_numpy() == labels["cell_type"].astype(str).to_numpy()).all()
        assert "X_jae" not in data.obsm and "jae_cell_type" not in data.obs.columns


def test_a_backed_anndata_takes_the_results_in_memory_and_its_file_is_unchanged(model, cells, tmp_path):
    import hashlib

    import anndata as ad

    path = tmp_path / "one.h5ad"
    _one_anndata(cells).write_h5ad(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    backed = ad.read_h5ad(path, backed="r")
    try:
        Z = model.embed(backed)
        model.predict_cell_type(backed, key_added="jae", embedding="X_jae")
        assert np.array_equal(backed.obsm["X_jae"], Z) and "jae_confidence" in backed.obs.columns
    finally:
        backed.file.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


# ------------------------------------------------------------------------ scvi-tools' obsm['protein_expression']
@pytest.fixture(scope="module")
def scvi_style():
    """CITE-seq cells as scvi-tools keeps them: RNA counts in the AnnData, protein counts in obsm."""
    c = simulate(120, kind="cite", n_genes=250, n_proteins=12, n_cell_types=3, n_batches=2, seed=5)
    adata = c.mod["rna"].copy()
    adata.obs = c.obs.copy()
    prot = c.mod["prot"]
    adata.obsm["protein_expression"] = np.asarray(prot.layers["counts"].todense())
    adata.uns["protein_expression_names"] = list(prot.var_names)
    return adata


def test_scvi_protein_names_of_the_wrong_count_are_refused(scvi_style):
    """Names of another count were replaced by protein_0, protein_1, ... in silence."""
    from jae.io import split_anndata

    assert list(split_anndata(scvi_style)["prot"].var_names) == list(scvi_style.uns["protein_expression_names"])
    adata = scvi_style.copy()
    adata.uns["protein_expression_names"] = adata.uns["protein_expression_names"][:-2]
    with pytest.raises(ValueError, match=r"^uns\['protein_expression_names'\] holds 10 protein names but "
                                         r"obsm\['protein_expression'\] has 12 columns; store one name per column"):
        split_anndata(adata)


@pytest.mark.parametrize("how", ["log1p", "centred", "dataframe"])
def test_scvi_proteins_that_are_not_counts_are_refused_naming_obsm(scvi_style, how, monkeypatch):
    """Normalised proteins were refused as "modality 'prot' (layer 'counts') ...: pass layer=...", a layer the user
    never made."""
    import jae.preprocess.pipeline as pipeline

    adata = scvi_style.copy()
    counts = adata.obsm["protein_expression"]
    values = {"log1p": np.log1p(counts), "centred": counts - counts.mean(),
              "dataframe": pd.DataFrame(np.log1p(counts), index=adata.obs_names,
                                        columns=adata.uns["protein_expression_names"])}[how]
    adata.obsm["protein_expression"] = values
    monkeypatch.setattr(pipeline, "preprocess", lambda *a, **k: pytest.fail("preprocessed before the check"))
    with pytest.raises(ValueError, match=r"^obsm\['protein_expression'\] has \d+ (negative|non-integer) values.*; jae "
                                         r"needs the raw antibody counts there, as scvi-tools keeps them"):
        JAE().fit(adata, progress_bar=False)


# ---------------------------------------------------------------------------- data in memory given for a path
def test_file_readers_given_data_in_memory_name_the_in_memory_alternative(cells, tmp_path):
    """jae.read_competition(rna, atac) failed with pathlib's 'expected str, bytes or os.PathLike object, not
    AnnData'."""
    import jae
    from jae.io import InputFiles, open_competition, open_h5mu, read_paired_h5ad

    rna, atac = cells.mod["rna"], cells.mod["atac"]
    calls = {
        "the mod1 file": lambda: jae.read_competition(rna, atac),
        "the .h5mu file": lambda: jae.read_h5mu(cells),
        "the Cell Ranger .h5 file": lambda: jae.read_10x_h5(rna),
        "the .h5ad file": lambda: read_paired_h5ad(rna),
        "mod1": lambda: jae.fit_files(InputFiles(mod1=rna, mod2=atac), tmp_path / "model"),
        "train_mod1": lambda: jae.predict_files(rna, atac, rna, tmp_path / "pred.h5ad"),
        "out": lambda: jae.run_demo(cells),
    }
    calls["the mod1 file "] = lambda: open_competition(rna, atac)
    calls["the .h5mu file "] = lambda: open_h5mu(cells)
    for name, call in calls.items():
        kind = type(cells).__name__ if "h5mu" in name or name == "out" else "AnnData"
        with pytest.raises(TypeError) as err:
            call()
        text = str(err.value)
        assert text.startswith(f"{name.strip()} must be a path (str or pathlib.Path), not an in-memory {kind}: ")
        assert "jae.JAE().fit(data)" in text and "adata.write_h5ad(path)" in text and "\n" not in text
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------------------- integer labels, end to end
def test_integer_cluster_ids_work_end_to_end_and_obs_holds_them_as_text(cells, tmp_path):
    """Cluster ids 0..n as labels were stored in obs as integer categories, and scanpy's rank_genes_groups(groups=[0])
    failed with an IndexError, get.rank_genes_groups_df(group=0) with a KeyError."""
    import anndata as ad
    import scanpy as sc

    import jae
    from jae import JAEConfig

    data = cells.copy()
    data.obs["louvain"] = pd.factorize(data.obs["cell_type"])[0]  # 0, 1, 2
    model = JAE(JAEConfig(max_epochs=3, n_svd=10), seed=0, device="cpu").fit(data, cell_type_key="louvain",
                                                                            progress_bar=False)
    labels = model.predict_cell_type(data, key_added="jae")
    stored = data.obs["jae_cell_type"]
    assert list(stored.cat.categories) == ["0", "1", "2"]
    pd.testing.assert_series_equal(stored, labels["cell_type"], check_names=False)  # the frame returned: as stored
    rna = data.mod["rna"].copy()
    rna.obs["jae_cell_type"] = stored.to_numpy()
    rna.obs["jae_cell_type"] = rna.obs["jae_cell_type"].astype(stored.dtype)
    sc.pp.normalize_total(rna)
    sc.pp.log1p(rna)
    present = [c for c in stored.cat.categories if (stored == c).sum() > 1][:2]
    sc.tl.rank_genes_groups(rna, "jae_cell_type", groups=present, method="t-test")
    assert len(sc.get.rank_genes_groups_df(rna, group=present[0])) == rna.n_vars
    data.write(tmp_path / "labels.h5mu")  # writable
    model.save(tmp_path / "model")
    data.write(tmp_path / "in.h5mu")
    out = tmp_path / "emb.h5ad"
    jae.embed_files(jae.io.InputFiles(h5mu=tmp_path / "in.h5mu"), tmp_path / "model", out, progress_bar=False)
    assert list(ad.read_h5ad(out).obs["jae_cell_type"].cat.categories) == ["0", "1", "2"]  # jae embed's columns too
