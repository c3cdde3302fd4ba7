"""The user-facing model on seeded synthetic data: fit -> embed -> save -> load, determinism, bad input."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

import jae
from jae import JAE, JAEConfig
from jae.checkpoint import FORMAT_VERSION

FAST = JAEConfig(max_epochs=4, n_svd=20)
TRAINED = JAEConfig(max_epochs=40, n_svd=20)


@pytest.fixture(scope="module")
def mdata(query_mdata):
    return query_mdata


@pytest.fixture(scope="module")
def fitted(mdata):
    return JAE(TRAINED, seed=3, device="cpu").fit(mdata, cell_type_key="ct_ref", progress_bar=False)


def test_fit_embed_shapes_and_history(fitted, mdata):
    n_ct, n_b = 4, 2  # the query batch is not a reference batch
    n_other = TRAINED.n_phase + TRAINED.n_free
    assert fitted.layout.dim == n_ct + n_b + n_other
    Z = fitted.embed(mdata)
    # the readout: cell-type probabilities | the input's top n_principal principal components (here capped by the
    # 2 x 20 input features)
    n_principal = min(TRAINED.n_principal, 2 * TRAINED.n_svd)
    assert Z.shape == (mdata.n_obs, n_ct + n_principal) and Z.dtype == np.float32
    assert np.array_equal(mdata.obsm["X_jae"], Z)
    assert fitted.latent(mdata).shape == (mdata.n_obs, fitted.layout.dim)
    assert set(fitted.history["stage"]) == {"pretrain", "finetune"}
    assert (fitted.history["stage"] == "finetune").sum() == 2  # the seed: 2 epochs for ATAC
    assert {"reconstruction", "cell_type", "batch", "phase", "total", "val_total"} <= set(fitted.history.columns)
    assert len(fitted.column_names) == Z.shape[1]


def test_same_seed_same_embedding_and_global_rng_untouched(mdata):
    import torch

    state = torch.random.get_rng_state()
    a = JAE(FAST, seed=5, device="cpu").fit(mdata, cell_type_key="ct_ref", progress_bar=False).embed(mdata, key_added=None)
    assert torch.equal(state, torch.random.get_rng_state())
    b = JAE(FAST, seed=5, device="cpu").fit(mdata, cell_type_key="ct_ref", progress_bar=False).embed(mdata, key_added=None)
    c = JAE(FAST, seed=6, device="cpu").fit(mdata, cell_type_key="ct_ref", progress_bar=False).embed(mdata, key_added=None)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_finetune_refuses_negative_epochs(fitted, mdata, monkeypatch):
    with pytest.raises(ValueError, match="epochs must be >= 0"):  # was silently no fine-tuning at all
        fitted.finetune(mdata, epochs=-1, progress_bar=False)
    import jae.joint

    def never(*args, **kwargs):
        raise AssertionError("the cells were projected before the arguments were checked")

    monkeypatch.setattr(jae.joint, "query_features", never)
    for epochs, error in ((-1, ValueError), ("2", TypeError), (1.5, TypeError)):
        with pytest.raises(error, match="epochs must be"):
            fitted.finetune(mdata, epochs=epochs, progress_bar=False)


def test_finetune_refuses_cells_without_a_batch_before_any_work(fitted, mdata, monkeypatch):
    """finetune(batch_key=) took cells with a missing batch (NaN, None) as a batch 'nan' (zeros at the decoder); it
    now refuses them as fit and map_query do (jae.io.paired.check_batches), before the cells are projected, and
    leaves the model and the data as they were."""
    import jae.joint

    def never(*args, **kwargs):
        raise AssertionError("the cells were projected before the batches were checked")

    monkeypatch.setattr(jae.joint, "query_features", never)
    history = fitted.history.copy()
    for missing in (np.nan, None, "nan", " NA "):  # the text of a missing value too, as jae.evaluate reads it
        data = mdata.copy()
        data.obs["batch"] = data.obs["batch"].astype(object)
        data.obs.iloc[:3, data.obs.columns.get_loc("batch")] = missing
        before = data.obs.copy()
        with pytest.raises(ValueError, match=r"^3 of 400 cells have no batch label in 'batch'; fill the missing"):
            fitted.finetune(data, batch_key="batch", epochs=1, progress_bar=False)
        assert data.obs.equals(before)
    pd.testing.assert_frame_equal(fitted.history, history)


def test_fit_refuses_query_cells_without_a_batch_before_any_work(mdata, monkeypatch):
    """fit checked the batch of the reference cells only: an unlabelled (query) cell with a missing batch was
    fine-tuned as a batch 'nan' (and grouped as one by the small-reference rule's within-batch axes), the defect
    finetune and map_query were cured of; fit now refuses it with their line, before the preprocessing."""
    import jae.joint

    def never(*args, **kwargs):
        raise AssertionError("the counts were preprocessed before the batches were checked")

    monkeypatch.setattr("jae.preprocess.pipeline.preprocess", never)
    query = np.flatnonzero(mdata.obs["ct_ref"].isna().to_numpy())
    for missing in (np.nan, None, "nan"):
        data = mdata.copy()
        data.obs["batch"] = data.obs["batch"].astype(object)
        data.obs.iloc[query[:3], data.obs.columns.get_loc("batch")] = missing
        with pytest.raises(ValueError, match=r"^3 of 400 cells have no batch label in 'batch'; fill the missing labels "
                                             r".*; or pass batch_key=None to treat all cells as one batch$"):
            jae.joint.JAE(TRAINED, seed=3, device="cpu").fit(data, cell_type_key="ct_ref", progress_bar=False)


def test_save_load_round_trip_gives_identical_embedding(fitted, mdata, tmp_path):
    path = fitted.save(tmp_path / "model")
    desc = json.loads((path / "model.json").read_text())
    assert desc["format_version"] == FORMAT_VERSION == 6 and desc["categories"]["cell_type"] == fitted.cell_types
    assert desc["readout"]["type_scale"] == fitted.readout.type_scale
    loaded = JAE.load(path, device="cpu")
    assert np.array_equal(loaded.embed(mdata, key_added=None), fitted.embed(mdata, key_added=None))
    assert loaded.predict_cell_type(mdata).equals(fitted.predict_cell_type(mdata))
    with pytest.raises(FileExistsError, match="overwrite"):
        fitted.save(path)
    fitted.save(path, overwrite=True)


def test_load_leaves_the_global_torch_rng_alone(fitted, tmp_path):
    """JAE.load drew the network's throw-away initial weights from torch's global generator, so a script seeding torch
    got other random numbers after loading a model (embed_files and map_files, which load one, too)."""
    import torch

    path = fitted.save(tmp_path / "m")
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    JAE.load(path, device="cpu")
    assert torch.equal(torch.rand(3), expected)


def test_load_rejects_other_format_versions(fitted, tmp_path):
    path = fitted.save(tmp_path / "m")
    desc = json.loads((path / "model.json").read_text())
    desc["format_version"] = 99
    (path / "model.json").write_text(json.dumps(desc))
    with pytest.raises(ValueError, match="format_version 99"):
        JAE.load(path)
    with pytest.raises(FileNotFoundError, match="nothing does not exist; pass the folder a model was saved to"):
        JAE.load(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="not a jae model folder"):
        JAE.load(tmp_path / "empty")


def test_load_of_a_newer_format_names_the_jae_that_wrote_it_and_says_to_upgrade(fitted, tmp_path):
    """A file of a newer jae said "refit the model or use the jae version that wrote it" without naming that version
    (model.json records it) or saying that this jae is the older one."""
    path = fitted.save(tmp_path / "m")
    desc = json.loads((path / "model.json").read_text())
    (path / "model.json").write_text(json.dumps({**desc, "format_version": FORMAT_VERSION + 1, "jae_version": "9.1.0"}))
    with pytest.raises(ValueError, match=rf"format_version {FORMAT_VERSION + 1}.*written by jae 9\.1\.0.*newer.*upgrade jae"):
        JAE.load(path, device="cpu")


@pytest.mark.parametrize("edit", [
    lambda d: d["config"].update(hidden="abc"), lambda d: d.update(seed="s"), lambda d: d.update(history=5),
    lambda d: d["layout"].update(n_free="x"), lambda d: d.pop("modalities"),
])
def test_load_names_the_damaged_description_for_any_bad_value(fitted, tmp_path, edit):
    """A hand-edited model.json with a value of the wrong type gave "invalid literal for int() with base 10: 's'" or
    "DataFrame constructor not properly called!": now one line names the file and the fix."""
    path = fitted.save(tmp_path / "m")
    desc = json.loads((path / "model.json").read_text())
    edit(desc)
    (path / "model.json").write_text(json.dumps(desc))
    with pytest.raises(ValueError, match=r"model\.json (has a malformed entry|lacks the key).*damaged: copy it again"):
        JAE.load(path, device="cpu")


@pytest.mark.parametrize("key", ["readout", "calibration", "adapter", "moments", "voters", "calibration_cells"])
def test_load_refuses_a_description_without_a_part_its_format_version_writes(fitted, mdata, tmp_path, key):
    """A format-6 model.json without e.g. 'readout' loaded as a format-1 file would: the raw latent as embedding (other
    columns, other numbers), labels without voters or calibration, silently."""
    path = fitted.save(tmp_path / "m")
    desc = json.loads((path / "model.json").read_text())
    del desc[key]
    (path / "model.json").write_text(json.dumps(desc))
    with pytest.raises(ValueError, match=rf"model\.json lacks the key '{key}'.*damaged: copy it again"):
        JAE.load(path, device="cpu")


def test_label_transfer_beats_chance(fitted, mdata):
    pred = fitted.predict_cell_type(mdata)
    assert list(pred.columns) == ["cell_type", "confidence", "unknown", "unknown_score"] and pred.index.equals(mdata.obs_names)
    assert ((pred["confidence"] > 0) & (pred["confidence"] <= 1)).all()
    query = mdata.obs["ct_ref"].isna().to_numpy()
    acc = np.mean(pred["cell_type"].to_numpy()[query] == mdata.obs["cell_type"].astype(str).to_numpy()[query])
    assert acc > 0.5  # 4 types: chance is about 0.25


def test_embedding_follows_obs_order_of_a_reordered_modality(fitted, mdata):
    shuffled = {name: mod for name, mod in mdata.mod.items()}
    order = np.random.default_rng(0).permutation(mdata.n_obs)
    shuffled["atac"] = shuffled["atac"][order].copy()
    Z = fitted.embed(shuffled, key_added=None)
    assert np.allclose(Z, fitted.embed(mdata, key_added=None), atol=1e-5)


def test_unsupervised_mode_needs_no_labels(mdata):
    cfg = replace(FAST, mode="unsupervised")
    m = JAE(cfg, seed=0, device="cpu").fit(mdata, cell_type_key=None, progress_bar=False)
    assert m.layout.n_cell_type == 0 and m.layout.dim == 3 + cfg.n_phase + cfg.n_free_unsupervised
    with pytest.raises(ValueError, match="unsupervised"):
        m.predict_cell_type(mdata)


def test_reference_cells_without_labels_are_rejected(mdata):
    ref = np.ones(mdata.n_obs, dtype=bool)  # includes the unlabelled query batch
    with pytest.raises(ValueError, match="reference cells have no cell-type label"):
        JAE(FAST).fit(mdata, cell_type_key="ct_ref", reference=ref, progress_bar=False)


@pytest.mark.parametrize("text", ["nan", "", "None", "NA", "null", "<NA>"])  # jae.evaluate's list of missing texts too
def test_missing_labels_written_as_text_are_refused_before_preprocessing(mdata, monkeypatch, text):
    """obs['ct'].astype(str) turns the query's NaN into 'nan': fit learnt 'nan' as a cell type and had no query. The
    fix names the texts found: a nullable Int64 column (PBMC10k's clusters) gives '<NA>', which the fix's fixed list
    ['nan', ''] left in place."""
    import jae.preprocess.pipeline as pipeline

    monkeypatch.setattr(pipeline, "preprocess", lambda *a, **k: pytest.fail("preprocessing ran first"))
    m = mdata.copy()
    m.obs["ct_text"] = m.obs["ct_ref"].astype(object).where(m.obs["ct_ref"].notna(), text)
    with pytest.raises(ValueError, match=rf"cells have the cell-type label '{text}' in 'ct_text', the text of a "
                       r"missing value.*\.where\(~obs\['ct_text'\]\.isin\(\[" + re.escape(repr(text)) + r"\]\)\)"):
        JAE(FAST).fit(m, cell_type_key="ct_text", progress_bar=False)


def test_a_reference_column_of_text_is_refused_not_read_as_all_true(mdata):
    """np.asarray(['True', 'False'], dtype=bool) is all True: every cell became a reference cell."""
    m = mdata.copy()
    labelled = m.obs["ct_ref"].notna()
    m.obs["is_ref"] = labelled.astype(str)
    with pytest.raises(ValueError, match=r"reference mask holds .*'True'.*not True / False"):
        JAE(FAST).fit(m, cell_type_key="ct_ref", reference="is_ref", progress_bar=False)
    m.obs["is_ref"] = labelled.astype(int)  # 0 / 1 is a mask
    from jae.io.validate import reference_mask

    assert np.array_equal(reference_mask(m.obs, "is_ref", m.obs["ct_ref"], cell_type_key="ct_ref"),
                          labelled.to_numpy())


def test_a_reference_mask_given_as_a_series_is_read_by_its_cell_names(mdata):
    """reference=<boolean Series> in another cell order (e.g. from a modality's obs) picks the cells it names."""
    from jae.io.validate import reference_mask

    labelled = mdata.obs["ct_ref"].notna()
    reordered = labelled.iloc[::-1]
    assert np.array_equal(reference_mask(mdata.obs, reordered, mdata.obs["ct_ref"], cell_type_key="ct_ref"),
                          labelled.to_numpy())
    with pytest.raises(ValueError, match="reference's index lacks 1 of the 400 cells"):
        JAE(FAST).fit(mdata, cell_type_key="ct_ref", reference=reordered.iloc[1:], progress_bar=False)


def test_a_reference_mask_of_python_booleans_or_with_missing_values(mdata):
    """A column of True / False held as objects was refused as "holds True, False, not True / False"; a nullable
    boolean column with <NA> is refused naming the missing values and the fix."""
    from jae.io.validate import reference_mask

    labelled = mdata.obs["ct_ref"].notna()
    as_objects = labelled.astype(object)
    assert np.array_equal(reference_mask(mdata.obs, as_objects, mdata.obs["ct_ref"], cell_type_key="ct_ref"),
                          labelled.to_numpy())
    nullable = labelled.astype("boolean")
    nullable.iloc[:3] = pd.NA
    with pytest.raises(ValueError, match=r"the reference mask has 3 missing values; fill them, e.g. "
                                         r"reference=mask.fillna\(False\)"):
        reference_mask(mdata.obs, nullable, mdata.obs["ct_ref"], cell_type_key="ct_ref")


def test_missing_keys_and_labels_are_explained(mdata):
    with pytest.raises(KeyError, match="celltype"):
        JAE(FAST).fit(mdata, cell_type_key="celltype", progress_bar=False)
    m = mdata.copy()
    m.obs["nolabels"] = pd.Series(np.nan, index=m.obs_names, dtype=object)
    with pytest.raises(ValueError, match="mode='unsupervised'"):
        JAE(FAST).fit(m, cell_type_key="nolabels", progress_bar=False)


def test_batch_with_one_cell_is_rejected(mdata):
    m = mdata.copy()
    batch = m.obs["batch"].astype(str).to_numpy()
    batch[0] = "lonely"
    m.obs["batch"] = batch
    with pytest.raises(ValueError, match="lonely"):
        JAE(FAST).fit(m, cell_type_key="ct_ref", progress_bar=False)


def test_model_rejects_data_with_too_few_of_its_features(fitted, mdata):
    other = {name: mod for name, mod in mdata.mod.items()}
    other["rna"] = other["rna"][:, 5:].copy()  # a few missing: re-solved from the rest (tests/test_query_features.py)
    assert np.isfinite(fitted.embed(other, key_added=None)).all()
    other["rna"] = other["rna"][:, : other["rna"].n_vars // 3].copy()
    with pytest.raises(ValueError, match="features .* below the 50%"):
        fitted.embed(other, key_added=None)


def test_unfitted_model_says_what_to_do(mdata):
    with pytest.raises(RuntimeError, match="fit"):
        JAE().embed(mdata)


def test_public_api_exports():
    for name in ("JAE", "JAEConfig", "Preprocessor", "read_competition", "read_h5mu", "read_10x_h5"):
        assert hasattr(jae, name)


def test_pca_start_with_fewer_cells_and_features_than_free_units(mdata):
    small = mdata[:12].copy()  # 12 cells, 5 + 5 input features, 20 free units: only 10 principal axes exist
    cfg = JAEConfig(mode="unsupervised", max_epochs=2, n_svd=5)
    model = JAE(cfg, seed=0, device="cpu").fit(small, progress_bar=False)
    Z = model.embed(small, key_added=None)  # the 10 principal components that exist
    assert model.layout.n_free == cfg.n_free_unsupervised
    assert Z.shape == (12, 10) and np.isfinite(Z).all()
    assert model.latent(small).shape == (12, model.layout.dim)


def test_pca_start_accumulated_in_chunks_matches_a_direct_pca():
    from jae.model import JAENetwork, LatentLayout

    rng = np.random.default_rng(1)
    X = (rng.normal(size=(101, 9)) * np.linspace(5, 0.5, 9) + 2.0).astype(np.float32)
    rows = np.arange(101) % 4 != 0  # the PCA uses these rows only
    model = JAE(JAEConfig(), seed=0, device="cpu")
    model.layout = LatentLayout(n_cell_type=2, n_batch=1, n_phase=0, n_free=4)
    model.network = JAENetwork(9, model.layout.dim, hidden=(8,), dropout=0.0, batch_norm=False, linear_path=True)
    model.network.start_at_pca_of(X, rows, model.layout.block("free"), chunk=7)
    Xr = X[rows].astype(np.float64)
    _, _, vt = np.linalg.svd(Xr - Xr.mean(0), full_matrices=False)
    got = model.network.encoder_linear.weight.detach().numpy()[model.layout.block("free")]
    np.testing.assert_allclose(np.abs(got @ vt[:4].T), np.eye(4), atol=1e-4)  # the same axes, up to sign
    np.testing.assert_allclose(model.network.decoder_linear.bias.detach().numpy(), Xr.mean(0), rtol=1e-5)


def test_embed_records_its_provenance_and_labels_go_to_documented_obs_columns(fitted, mdata, tmp_path):
    import mudata as md

    m = mdata.copy()
    Z = fitted.embed(m)
    info = m.uns["jae"]
    assert info["obsm_key"] == "X_jae" and info["columns"] == fitted.column_names and len(info["columns"]) == Z.shape[1]
    assert info["seed"] == 3 and info["params"] == fitted.config.to_dict()
    assert info["modalities"] == list(fitted.modality_names) and info["jae_version"]
    labels = fitted.predict_cell_type(m, embedding=Z, key_added="jae")
    assert list(m.obs["jae_cell_type"]) == list(labels["cell_type"])
    np.testing.assert_array_equal(m.obs["jae_confidence"].to_numpy(), labels["confidence"].to_numpy())
    assert "jae_cell_type" not in mdata.obs  # predict_cell_type stores nothing by default
    m.write(tmp_path / "m.h5mu")  # the record is writable
    assert md.read_h5mu(tmp_path / "m.h5mu").uns["jae"]["obsm_key"] == "X_jae"


def test_each_stored_representation_keeps_its_own_record(fitted, mdata):
    """model.latent(m, key_added='X_jae_latent') after model.embed(m) replaced uns['jae'], the record of
    obsm['X_jae'], with the latent's (38 columns listed for a 54-column embedding); as scanpy keeps obsm['X_umap']'s
    parameters in uns['umap'], each record now sits under its key without 'X_'."""
    m = mdata.copy()
    fitted.embed(m)
    fitted.latent(m, key_added="X_jae_latent")
    assert m.uns["jae"]["obsm_key"] == "X_jae" and len(m.uns["jae"]["columns"]) == m.obsm["X_jae"].shape[1]
    assert m.uns["jae_latent"]["obsm_key"] == "X_jae_latent"
    assert len(m.uns["jae_latent"]["columns"]) == m.obsm["X_jae_latent"].shape[1]


def test_an_embedding_stored_under_a_scanpy_key_keeps_scanpy_records(fitted, mdata):
    """embed(m, key_added='X_umap') wrote its record over uns['umap'], the record scanpy keeps of its own UMAP (and
    'X_pca' over uns['pca'], 'neighbors' over uns['neighbors']); a record now goes under jae_ + the key unless the
    key already names jae."""
    from jae.provenance import uns_key

    m = mdata.copy()
    m.uns["umap"] = {"params": {"a": 1.0}}
    m.uns["neighbors"] = {"params": {"n_neighbors": 15}}
    Z = fitted.embed(m, key_added="X_umap")
    np.testing.assert_array_equal(m.obsm["X_umap"], Z)
    assert m.uns["umap"] == {"params": {"a": 1.0}} and m.uns["jae_umap"]["obsm_key"] == "X_umap"
    fitted.embed(m, key_added="neighbors")
    assert m.uns["neighbors"] == {"params": {"n_neighbors": 15}} and m.uns["jae_neighbors"]["obsm_key"] == "neighbors"
    assert [uns_key(k) for k in ("X_jae", "X_jae_2", "jae_latent", "X_pca", "pca", "X_")] == [
        "jae", "jae_2", "jae_latent", "jae_pca", "jae_pca", "jae_X_"]


def test_counts_kept_in_x_fit_and_embed_with_the_default_layer(mdata):
    """A MuData whose raw counts sit in .X (no 'counts' layer, as muon and many files keep them) needs no layer=..."""
    import mudata as md

    mods = {}
    for name, adata in mdata.mod.items():
        a = adata.copy()
        a.X = a.layers["counts"].copy()
        del a.layers["counts"]
        mods[name] = a
    in_x = md.MuData(mods)
    in_x.obs = mdata.obs.copy()
    # the same short fit of both (the module's trained model took 40 epochs more): what is compared is what each
    # reads as its counts
    model = JAE(FAST, seed=3, device="cpu").fit(in_x, cell_type_key="ct_ref", progress_bar=False)
    layered = JAE(FAST, seed=3, device="cpu").fit(mdata, cell_type_key="ct_ref", progress_bar=False)
    np.testing.assert_array_equal(model.embed(in_x, key_added=None), layered.embed(mdata, key_added=None))
    assert all("counts" not in a.layers for a in in_x.mod.values())  # the user's object is not filled in


def test_an_unusable_device_is_refused_when_the_model_is_made(monkeypatch):
    """device='gpu' (torch's long list of device types), or 'cuda' where torch sees no GPU (an assertion deep in
    torch after the preprocessing), is refused in one line by the constructor."""
    from jae.prediction import ModalityPredictor

    for make in (JAE, ModalityPredictor):
        with pytest.raises(ValueError, match=r"device='gpu' is not a device torch knows; pass 'auto', 'cpu', 'cuda'"):
            make(device="gpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"device='cuda', but torch sees no CUDA GPU here.*device='cpu'"):
        JAE(device="cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    with pytest.raises(ValueError, match=r"device='cuda:2', but torch sees 2 CUDA GPUs \(cuda:0 to cuda:1\)"):
        JAE(device="cuda:2")
    assert JAE(device="cpu").device == torch.device("cpu")


def test_a_config_or_seed_of_the_wrong_type_is_refused_when_the_model_is_made(mdata):
    """JAE({'max_epochs': 2}) was kept as the config and failed in fit with "'dict' object has no attribute 'mode'";
    a seed of text failed with int()'s message, and 1.5 was taken as 1."""
    from jae.prediction import ModalityPredictor, PredictConfig

    with pytest.raises(TypeError, match=r"config must be a jae.JAEConfig, not dict \(a dict of settings: "
                                        r"JAEConfig\(\*\*settings\)\)"):
        JAE({"max_epochs": 2})
    with pytest.raises(TypeError, match="config must be a jae.JAEConfig, not PredictConfig"):
        JAE(PredictConfig())
    for make in (JAE, ModalityPredictor):
        for seed in ("a", 1.5, None, True):
            with pytest.raises(TypeError, match=rf"seed must be an integer, not {seed!r}"):
                make(seed=seed)
    assert JAE(seed=np.int64(3)).seed == 3 and type(JAE(seed=np.int64(3)).seed) is int
    assert ModalityPredictor(seed=np.int32(2)).seed == 2


def test_an_unknown_organism_is_refused_before_the_preprocessing(mdata, monkeypatch):
    """organism='humna' only logged a warning, and the model trained without its cell-cycle block."""
    import jae.preprocess.pipeline as pipeline

    def never(*args, **kwargs):
        raise AssertionError("preprocessing ran")

    monkeypatch.setattr(pipeline, "preprocess", never)
    with pytest.raises(ValueError, match=r"organism='humna': jae has the cell-cycle genes of human and mouse only; "
                                         r"pass one of them, organism=None.*JAEConfig\(n_phase=0\)"):
        JAE(FAST).fit(mdata, cell_type_key="ct_ref", organism="humna", progress_bar=False)
    with pytest.raises(ValueError, match=r"organism='humna'"):
        jae.evaluate(mdata, {"x": np.zeros((mdata.n_obs, 2))}, organism="humna", progress_bar=False)
    monkeypatch.undo()
    model = JAE(replace(FAST, n_phase=0, max_epochs=1)).fit(mdata, cell_type_key="ct_ref", organism="Zebrafish",
                                                            progress_bar=False)  # no cell-cycle block: not needed
    assert model.organism == "Zebrafish"
    assert JAE(replace(FAST, max_epochs=1)).fit(mdata, cell_type_key="ct_ref", organism="Homo sapiens",
                                                progress_bar=False).organism == "human"


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_key=["batch"]), r"batch_key must name one obs column \(a string\) or be None, not \['batch'\]"),
    (dict(cell_type_key=("ct_ref",)),
     r"cell_type_key must name one obs column \(a string\) or be None, not \('ct_ref',\)"),
    (dict(phase_keys="phase"), r"phase_keys must name two obs columns, the S and G2M scores \(e.g. "
                               r"phase_keys=\('S_score', 'G2M_score'\)\), or be None to score them from RNA, "
                               r"not 'phase'"),
    (dict(phase_keys=("S_score",)), r"phase_keys must name two obs columns.*not \('S_score',\)"),
])
def test_keys_of_the_wrong_shape_are_refused_naming_the_argument(mdata, kwargs, message):
    """phase_keys='phase' was read letter by letter ("no cell-cycle score column 'p'"); batch_key=['batch'] failed in
    pandas ("unhashable type: 'list'")."""
    kwargs = {"cell_type_key": "ct_ref", **kwargs}
    with pytest.raises(TypeError, match=message):
        JAE(FAST).fit(mdata, progress_bar=False, **kwargs)


def test_data_of_another_type_is_refused_naming_what_jae_reads(fitted, mdata):
    """A DataFrame (its .mod is a method) failed with "'function' object has no attribute 'items'"."""
    frame = pd.DataFrame(mdata["rna"].layers["counts"][:5].toarray(), index=mdata.obs_names[:5])
    for call in (lambda: fitted.embed(frame), lambda: JAE(FAST).fit(frame, progress_bar=False),
                 lambda: fitted.predict_cell_type(np.zeros((5, 3)))):
        with pytest.raises(TypeError, match=r"expected a MuData, a dict of two AnnData objects or an AnnData, got "
                                            r"(DataFrame|ndarray)"):
            call()
