"""Modality prediction on seeded synthetic data: targets, codec, baselines, network, API, bad inputs."""

from __future__ import annotations

import logging
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import Processes  # tests/ is on sys.path

from jae.checkpoint import FORMAT_VERSION
from jae.prediction import METHODS, ModalityPredictor, PredictConfig
from jae.prediction import predict as predict_fn
from jae.prediction.baselines import KNNBaseline, RidgeBaseline
from jae.prediction.codec import assemble, centered_svd, fit_codec
from jae.prediction.split import block_sse, validation_split
from jae.prediction.targets import binarize, clr, lognorm_natural, target_matrix
from jae.prediction.train import member_splits, train_ensemble

FAST = PredictConfig(max_epochs=15, patience=5, n_members=2, hidden=(32,), latent=8, dropout=0.2)


def paired(n: int = 120, *, seed: int = 0, target: str = "ADT", n_target: int = 6, prefix: str = "c"):
    """Source GEX counts and target counts driven by 3 shared latent factors (Poisson)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 3))
    load_src = np.random.default_rng(100).normal(size=(3, 40))
    load_tgt = np.random.default_rng(101).normal(size=(3, n_target))
    offset = {"ADT": 3.0, "GEX": 1.0, "ATAC": -1.5}[target]
    src = rng.poisson(np.exp(0.5 * z @ load_src + 1.0)).astype(np.float32)
    tgt = rng.poisson(np.exp(0.5 * z @ load_tgt + offset)).astype(np.float32)
    obs = pd.DataFrame(index=[f"{prefix}{i}" for i in range(n)])
    a = ad.AnnData(sp.csr_matrix(src), obs=obs, var=pd.DataFrame({"feature_types": "GEX"}, index=[f"g{j}" for j in range(40)]))
    b = ad.AnnData(
        sp.csr_matrix(tgt), obs=obs.copy(), var=pd.DataFrame({"feature_types": target}, index=[f"t{j}" for j in range(n_target)])
    )
    a.layers["counts"] = a.X.copy()
    b.layers["counts"] = b.X.copy()
    return a, b


@pytest.fixture(scope="module")
def cite():
    train = paired(150, seed=0)
    query = paired(40, seed=1, prefix="q")
    return train[0], train[1], query[0], query[1]


# ---------------------------------------------------------------- targets
def test_lognorm_natural_matches_scanpy():
    import scanpy as sc

    counts = sp.csr_matrix(np.random.default_rng(0).poisson(2.0, size=(20, 30)).astype(np.float32) + 0)
    counts[0, 0] = 5  # no empty cell
    ref = ad.AnnData(counts.copy())
    sc.pp.normalize_total(ref, target_sum=1e4)
    sc.pp.log1p(ref)
    np.testing.assert_allclose(lognorm_natural(counts).toarray(), ref.X.toarray(), rtol=1e-5, atol=1e-6)


def test_clr_and_binarize_by_hand():
    X = np.array([[0.0, 1.0, 3.0], [2.0, 2.0, 2.0]])
    geo0 = np.exp((np.log(1) + np.log(2) + np.log(4)) / 3)
    np.testing.assert_allclose(clr(X)[0], np.log1p(X[0] / geo0), rtol=1e-6)
    np.testing.assert_allclose(clr(X)[1], np.log1p(2.0 / 3.0) * np.ones(3), rtol=1e-6)
    np.testing.assert_array_equal(binarize(sp.csr_matrix([[0, 3], [1, 0]])).toarray(), [[0, 1], [1, 0]])


def test_target_matrix_uses_normalised_X_or_builds_from_counts():
    counts = sp.csr_matrix([[1.0, 0.0, 4.0], [2.0, 5.0, 0.0]])
    normalised = sp.csr_matrix(np.array([[0.3, 0.0, 1.2], [0.7, 1.5, 0.0]], dtype=np.float32))
    np.testing.assert_array_equal(target_matrix(normalised, counts, "GEX").toarray(), normalised.toarray())
    np.testing.assert_allclose(target_matrix(counts, None, "GEX").toarray(), lognorm_natural(counts).toarray())
    np.testing.assert_array_equal(target_matrix(counts, counts, "ATAC").toarray(), [[1, 0, 1], [1, 1, 0]])
    np.testing.assert_allclose(target_matrix(counts, counts, "ADT"), clr(counts.toarray()), rtol=1e-6)


def test_a_target_with_negative_values_is_built_from_counts_or_refused():
    """A target .X scaled, or a CLR without log1p (Seurat's: half the values negative), was trained on as it was
    while every prediction is clipped at 0: those values came out as 0, silently."""
    src, tgt = paired(80, seed=0, n_target=6)
    counts = tgt.layers["counts"].toarray() + 1
    seurat = tgt.copy()
    seurat.X = np.log(counts / np.exp(np.log(counts).mean(axis=1, keepdims=True))).astype(np.float32)
    assert (seurat.X < 0).any()
    np.testing.assert_allclose(target_matrix(seurat.X, tgt.layers["counts"], "ADT"), clr(tgt.layers["counts"]))
    kept = seurat.X.copy()
    from_counts = ModalityPredictor("mean").fit(src, seurat, progress_bar=False).predict(src).X
    np.testing.assert_array_equal(from_counts, ModalityPredictor("mean").fit(src, tgt, progress_bar=False).predict(src).X)
    np.testing.assert_array_equal(seurat.X, kept)  # the user's target untouched
    del seurat.layers["counts"]
    for kind in ("ADT", "GEX", "ATAC"):
        with pytest.raises(ValueError, match=rf"^train_target\.X has negative values, so it holds no {kind} target in "
                                             r"the competition's convention \(.*never below 0; predictions are clipped "
                                             r"at 0\): store those values in train_target\.X, or the raw counts in "
                                             r"train_target\.layers\['counts'\] to build them from$"):
            target_matrix(seurat.X, None, kind, name="train_target")
    with pytest.raises(ValueError, match=r"^train_target\.X has negative values"):
        ModalityPredictor("mean").fit(src, seurat, progress_bar=False)


# ---------------------------------------------------------------- codec and helpers
def test_centered_svd_spans_the_top_principal_subspace():
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(80, 5)) @ rng.normal(size=(5, 60)) + rng.normal(size=60) + 0.01 * rng.normal(size=(80, 60))
    V = centered_svd(sp.csr_matrix(Y), 5, seed=0)
    np.testing.assert_allclose(V @ V.T, np.eye(5), atol=1e-5)
    _, _, vt = np.linalg.svd(Y - Y.mean(0), full_matrices=False)
    # same subspace: projection matrices agree
    np.testing.assert_allclose(V.T @ V, vt[:5].T @ vt[:5], atol=1e-4)


def test_svd_codec_round_trips_low_rank_targets_and_counts_the_residual():
    rng = np.random.default_rng(1)
    low = np.abs(rng.normal(size=(50, 3))) @ np.abs(rng.normal(size=(3, 40)))  # non-negative, rank 3
    codec = fit_codec(sp.csr_matrix(low), "GEX", representation="svd", n_components=5)
    assert codec.residual_sse(sp.csr_matrix(low)) == pytest.approx(0.0, abs=1e-3)
    np.testing.assert_allclose(codec.decode(codec.encode(sp.csr_matrix(low))), low, atol=1e-4)
    noisy = np.abs(low + rng.normal(size=low.shape))
    codec = fit_codec(noisy, "GEX", representation="svd", n_components=3)
    proj = (noisy - codec.mean) @ codec.components.T @ codec.components + codec.mean
    assert codec.residual_sse(noisy) == pytest.approx(np.sum((noisy - proj) ** 2), rel=1e-4)


def test_decoding_clips_to_the_target_range_and_sparse_output_drops_small_values():
    codec = fit_codec(np.array([[0.0, 1.0], [1.0, 1.0]]), "ATAC", representation="features")
    dense = codec.decode(np.array([[-2.0, 3.0], [0.004, -0.5]]))
    np.testing.assert_allclose(dense, [[0.0, 1.0], [0.504, 0.5]], atol=1e-6)
    sparse = assemble(iter([dense]), sparse_below=0.51)
    assert sp.issparse(sparse)
    np.testing.assert_allclose(sparse.toarray(), [[0.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("pred_sparse", [False, True])
@pytest.mark.parametrize("truth_sparse", [False, True])
def test_block_sse_equals_dense_computation(pred_sparse, truth_sparse):
    rng = np.random.default_rng(2)
    pred = rng.random((30, 12)) * (rng.random((30, 12)) > 0.5)
    truth = rng.random((30, 12)) * (rng.random((30, 12)) > 0.7)
    blocks = [pred[:13], pred[13:]]
    blocks = [sp.csr_matrix(b) for b in blocks] if pred_sparse else blocks
    Y = sp.csr_matrix(truth) if truth_sparse else truth
    assert block_sse(iter(blocks), Y) == pytest.approx(np.sum((pred - truth) ** 2), rel=1e-10)


_SVD_DIGEST = """
import hashlib, numpy as np
from jae.datasets import simulate
from jae.prediction.codec import fit_codec
atac = simulate(400, kind="multiome", n_genes=200, n_peaks=2000, n_batches=2, seed=1)["atac"].layers["counts"]
Y = (atac > 0).astype(np.float32)  # the competition's binarised ATAC target
codec = fit_codec(Y, "ATAC", representation="svd", n_components=100, seed=0)
print(hashlib.sha256(codec.components.tobytes()).hexdigest())
"""


def _svd_processes(*, background: bool = False) -> Processes:
    import os
    import sys

    commands = {}
    for threads in ("1", "2"):  # side by side: each spends most of its time importing jae, on a core of its own
        env = {**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        commands[threads] = [sys.executable, "-c", _SVD_DIGEST], {"env": env}
    return Processes(commands, background=background)


#: The processes :func:`start_early` started when the session started (conftest's ``_early_starts``).
_EARLY: list[Processes] = []
EARLY_FIXTURE = "svd_processes"


def start_early(tmp_path_factory) -> Processes:
    """:func:`svd_processes`, started in the background at the session's start (the same commands and environments)."""
    _EARLY.append(_svd_processes(background=True))
    return _EARLY[-1]


@pytest.fixture(scope="module")
def svd_processes():
    """The SVD digest (``_SVD_DIGEST``) computed in a process on 1 and on 2 BLAS threads."""
    procs = _EARLY.pop() if _EARLY else _svd_processes()
    yield procs
    procs.close()


def test_wide_target_svd_is_the_same_on_any_number_of_blas_threads(svd_processes):
    """The randomised SVD of a wide target ran its QR and products on every BLAS thread, so a prediction differed in
    the 7th digit between OMP_NUM_THREADS=1 and 2 (as on cluster nodes of other sizes); jae's own SVD does not."""
    digests = set()
    for proc in (svd_processes["1"], svd_processes["2"]):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        digests.add(out.strip())
    assert len(digests) == 1


def test_validation_split_is_seeded_and_disjoint():
    a_fit, a_val = validation_split(100, 0.2, seed=3)
    b_fit, b_val = validation_split(100, 0.2, seed=3)
    np.testing.assert_array_equal(a_val, b_val)
    assert len(a_val) == 20 and not set(a_fit) & set(a_val) and len(a_fit) + len(a_val) == 100
    assert not np.array_equal(a_val, validation_split(100, 0.2, seed=4)[1])


# ---------------------------------------------------------------- baselines against hand-computed / reference
def test_mean_baseline_predicts_training_means(cite):
    train_src, train_tgt, query_src, _ = cite
    tgt = train_tgt.copy()
    tgt.X = clr(tgt.layers["counts"]) + 0.25  # already normalised (non-integer): used as is
    pred = predict_fn(train_src, tgt, query_src, method="mean")
    expected = np.asarray(tgt.X).mean(axis=0)
    np.testing.assert_allclose(pred.X, np.tile(expected, (query_src.n_obs, 1)), rtol=1e-6)


def test_knn_with_one_neighbour_returns_the_nearest_training_target():
    rng = np.random.default_rng(4)
    S, Y = rng.normal(size=(40, 5)).astype(np.float32), rng.random((40, 3)).astype(np.float32)
    knn = KNNBaseline("ADT", ks=(1,)).fit(S, Y)
    query = S[[3, 7]] + 1e-4
    np.testing.assert_allclose(assemble(knn.predict_blocks(query)), Y[[3, 7]], rtol=1e-6)
    knn3 = KNNBaseline("ADT", ks=(3,)).fit(S, sp.csr_matrix(Y))
    nearest = np.argsort(((S - S[5]) ** 2).sum(1))[:3]
    np.testing.assert_allclose(assemble(knn3.predict_blocks(S[[5]])), Y[nearest].mean(0, keepdims=True), rtol=1e-5)


def test_ridge_matches_sklearn_with_the_chosen_penalty():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(5)
    S = rng.normal(size=(60, 8))
    Y = np.abs(S @ rng.normal(size=(8, 4)) + 5 + rng.normal(size=(60, 4)))
    ridge = RidgeBaseline("GEX", rel_alphas=(1e-2,)).fit(S.astype(np.float32), sp.csr_matrix(Y))
    ref = Ridge(alpha=ridge.alpha_).fit(S, Y)
    query = rng.normal(size=(10, 8))
    np.testing.assert_allclose(assemble(ridge.predict_blocks(query)), np.clip(ref.predict(query), 0, None), rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- network training
def test_member_folds_partition_the_cells():
    splits = member_splits(23, PredictConfig(n_members=4), seed=0)
    vals = np.concatenate([val for _, val in splits])
    np.testing.assert_array_equal(np.sort(vals), np.arange(23))
    for fit, val in splits:
        np.testing.assert_array_equal(np.sort(np.concatenate([fit, val])), np.arange(23))
    with pytest.raises(ValueError, match="too few"):
        member_splits(5, PredictConfig(n_members=4), seed=0)


def test_dropout_is_selected_by_out_of_fold_error():
    rng = np.random.default_rng(6)
    S = rng.normal(size=(200, 5)).astype(np.float32)
    codes = (np.tanh(S @ rng.normal(size=(5, 3))) + 0.05 * rng.normal(size=(200, 3))).astype(np.float32)
    cfg = PredictConfig(dropout=(0.0, 0.95), n_members=2, max_epochs=40, hidden=(32,), latent=8)
    ens = train_ensemble(S, codes, config=cfg, seed=0, progress_bar=False)
    assert set(ens.oof_mse) == {0.0, 0.95}
    assert ens.oof_mse[0.0] < ens.oof_mse[0.95] and ens.dropout == 0.0
    assert len(ens.nets) == 2 and all(not net.training for net in ens.nets)


# ---------------------------------------------------------------- API
@pytest.mark.parametrize("method", METHODS)
def test_predict_is_aligned_to_query_cells_and_target_features(cite, method):
    train_src, train_tgt, query_src, query_tgt = cite
    pred = predict_fn(train_src, train_tgt, query_src, method=method, config=FAST, progress_bar=False)
    assert pred.shape == (query_src.n_obs, train_tgt.n_vars)
    assert list(pred.obs_names) == list(query_src.obs_names)
    assert list(pred.var_names) == list(train_tgt.var_names)
    assert isinstance(pred.X, np.ndarray) and pred.X.dtype == np.float32 and np.isfinite(pred.X).all()
    assert (pred.X >= 0).all()
    assert pred.uns["method_id"] == ("jae" if method == "jae" else f"jae_{method}_baseline")


def test_network_beats_the_mean_on_a_learnable_target(cite):
    train_src, train_tgt, query_src, query_tgt = cite
    truth = clr(query_tgt.layers["counts"])
    cfg = PredictConfig(max_epochs=60, n_members=2, hidden=(64,), latent=16)
    err = {
        m: np.mean((predict_fn(train_src, train_tgt, query_src, method=m, config=cfg, progress_bar=False).X - truth) ** 2)
        for m in ("mean", "jae")
    }
    assert err["jae"] < 0.7 * err["mean"]


def test_same_seed_same_prediction_other_seed_differs(cite):
    train_src, train_tgt, query_src, _ = cite
    runs = [predict_fn(train_src, train_tgt, query_src, seed=s, config=FAST, progress_bar=False).X for s in (0, 0, 1)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


@pytest.mark.parametrize("method", METHODS)
def test_save_load_round_trip(cite, tmp_path, method):
    train_src, train_tgt, query_src, _ = cite
    model = ModalityPredictor(method, config=FAST).fit(train_src, train_tgt, progress_bar=False)
    model.save(tmp_path / "m")
    loaded = ModalityPredictor.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(query_src).X, model.predict(query_src).X)
    assert loaded.config == FAST and loaded.target_kind == "ADT"
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(tmp_path / "m")


@pytest.mark.parametrize("existing", ["folder of data", "file"])  # an empty folder is accepted (test_first_use.py)
def test_save_onto_something_not_a_model_folder_names_the_fix_that_works(cite, tmp_path, existing):
    """Saving onto a folder or file that is no model folder said "exists; pass overwrite=True", and with overwrite=True
    then refused it ("exists and is not a jae model folder"): the first message sent the user round in a circle."""
    train_src, train_tgt, _, _ = cite
    model = ModalityPredictor("mean").fit(train_src, train_tgt)
    target = tmp_path / "out"
    if existing == "file":
        target.write_text("notes")
    else:
        target.mkdir()
        if existing == "folder of data":
            (target / "cells.csv").write_text("a,b")
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match="is not a jae model folder.*choose another folder") as err:
            model.save(target, overwrite=overwrite)
        assert "overwrite" not in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing written beside it either


def test_load_rejects_another_format_version(cite, tmp_path):
    import json

    train_src, train_tgt, _, _ = cite
    ModalityPredictor("mean").fit(train_src, train_tgt).save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["model_kind"] == "predictor" and meta["format_version"] == FORMAT_VERSION
    meta["format_version"] = 99
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format_version 99.*refit"):
        ModalityPredictor.load(tmp_path / "m")


def test_load_names_the_damaged_description(cite, tmp_path):
    import json

    train_src, train_tgt, _, _ = cite
    ModalityPredictor("mean").fit(train_src, train_tgt).save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    for edit, match in ((lambda d: d.pop("method"), "lacks the key 'method'"), (lambda d: d.update(seed="s"), "has a malformed entry")):
        bad = dict(meta)
        edit(bad)
        (tmp_path / "m" / "model.json").write_text(json.dumps(bad))
        with pytest.raises(ValueError, match=rf"model\.json {match}.*damaged"):  # was KeyError 'method', int('s')
            ModalityPredictor.load(tmp_path / "m")


def _damaged_copies(folder: Path, tmp_path: Path):
    """Copies of the predictor folder ``folder`` whose weights.pt lacks, or has a misshapen, tensor: one per tensor."""
    import shutil

    import torch

    tensors = torch.load(folder / "weights.pt", weights_only=True)
    for i, (name, value) in enumerate(tensors.items()):
        for j, edit in enumerate(("drop", "misshape")):
            if name.endswith("num_batches_tracked"):
                continue  # torch itself accepts a batch norm without its counter
            bad = dict(tensors)
            if edit == "drop":
                bad.pop(name)
            else:
                bad[name] = value.reshape(-1)[:-1] if value.numel() > 1 else torch.zeros(2)
            copy = tmp_path / f"{i}_{j}"
            shutil.copytree(folder, copy)
            torch.save(bad, copy / "weights.pt")
            yield f"{edit} {name}", copy


@pytest.mark.parametrize("method", METHODS)
def test_weights_that_do_not_match_the_description_are_refused_in_one_line(cite, tmp_path, method):
    """A weights.pt missing a tensor, or with one of another shape, raised torch's many-line RuntimeError
    ("Error(s) in loading state_dict for PredictionNet: ..."), said "model.json lacks the key 'codec.mean'" about a
    tensor, or (the baselines) loaded and failed later or predicted from the wrong numbers."""
    train_src, train_tgt, query_src, _ = cite
    config = PredictConfig(max_epochs=2, n_members=1, hidden=(8,), latent=4, n_source_components=10)
    ModalityPredictor(method, config=config).fit(train_src, train_tgt, progress_bar=False).save(tmp_path / "m")
    for edit, copy in _damaged_copies(tmp_path / "m", tmp_path / "bad"):
        with pytest.raises(ValueError) as err:
            ModalityPredictor.load(copy, device="cpu")
        message = str(err.value)
        assert "\n" not in message and "weights.pt does not match" in message and "model.json" in message, (edit, message)
        assert "refit" in message, (edit, message)


def test_predictor_and_joint_model_share_the_model_format_and_name_the_right_loader(cite, tmp_path):
    from jae import JAE

    train_src, train_tgt, _, _ = cite
    ModalityPredictor("mean").fit(train_src, train_tgt).save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["model.json", "weights.pt"]
    with pytest.raises(ValueError, match="holds a 'predictor' model.*ModalityPredictor.load"):
        JAE.load(tmp_path / "m")


def test_predictor_folder_of_the_old_format_loads_and_predicts_as_before(tmp_path):
    """tests/fixtures/predictor_v1: predictor.json (predictor format 1), written by jae at 5d32874."""
    fixtures = Path(__file__).parent / "fixtures"
    model = ModalityPredictor.load(fixtures / "predictor_v1", device="cpu")
    query = ad.read_h5ad(fixtures / "predictor_v1_query.h5ad")
    got = model.predict(query).X
    # to float32 rounding: the fixture was written on another CPU, whose BLAS kernels may round the last bit
    # differently (seen: 44 of 120 values 6e-8 apart on an AMD EPYC)
    np.testing.assert_allclose(got, np.load(fixtures / "predictor_v1_expected.npy"), rtol=1e-6, atol=1e-7)
    model.save(tmp_path / "m")  # saved again in today's format, it predicts the same, bit for bit on this machine
    again = ModalityPredictor.load(tmp_path / "m", device="cpu")
    np.testing.assert_array_equal(again.predict(query).X, got)


@pytest.mark.parametrize("method", ["jae", "knn"])
def test_predictor_folder_of_format_6_loads_and_predicts_as_before(tmp_path, method):
    """tests/fixtures/predictor_v6 (model.json + weights.pt, written by tests/fixtures/make_predictor.py): the network
    with an SVD-coded target and the kNN baseline predict what they predicted when saved."""
    import json

    folder = Path(__file__).parent / "fixtures" / "predictor_v6"
    assert json.loads((folder / method / "model.json").read_text())["format_version"] == 6
    model = ModalityPredictor.load(folder / method, device="cpu")
    assert model.method == method and model.seed == 3
    assert method != "jae" or model.codec.components.shape == (5, 30)
    query = ad.read_h5ad(folder / "query.h5ad")
    got = model.predict(query).X
    # to float32 rounding: another CPU's BLAS may round the last bit differently (as for predictor_v1)
    np.testing.assert_allclose(got, np.load(folder / "expected.npz")[method], rtol=1e-6, atol=1e-6)
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(ModalityPredictor.load(tmp_path / "m", device="cpu").predict(query).X, got)


@pytest.mark.parametrize("edit, match", [
    (lambda d: d.update(n_members=d["n_members"] - 1), r"weights\.pt does not match .*model\.json \(it holds 2 networks, "
                                                       r"model\.json's n_members says 1\)"),
    (lambda d: d.update(target_kind="protein"), r"model\.json: it predicts 'protein' from 'GEX', kinds other than"),
    (lambda d: d["source_features"].__setitem__(1, d["source_features"][0]),
     r"model\.json: its source features are not a list of distinct names"),
])
def test_a_predictor_description_its_weights_disagree_with_is_refused_on_load(tmp_path, edit, match):
    """n_members lowered by hand loaded the first networks alone and predicted other values, silently; a target kind
    no fit writes loaded; a repeated source feature loaded and then blamed the query ("1 are extra")."""
    import json
    import shutil

    folder = tmp_path / "jae"
    shutil.copytree(Path(__file__).parent / "fixtures" / "predictor_v6" / "jae", folder)
    desc = json.loads((folder / "model.json").read_text())
    edit(desc)
    (folder / "model.json").write_text(json.dumps(desc))
    with pytest.raises(ValueError, match=match + r".*(damaged|refit the predictor)") as err:
        ModalityPredictor.load(folder, device="cpu")
    from jae.cli._messages import cli_message

    # the CLI names the verb that makes predictors, never jae fit (which makes joint models)
    assert "jae fit" not in cli_message(str(err.value))


def test_old_predictor_folder_given_to_jae_load_names_the_predictor_loader():
    """JAE.load of a predictor folder of the old layout (predictor.json) said it "is not a jae model folder: expected
    model.json and weights.pt", though jae wrote it; a predictor folder of today's layout names its loader."""
    from jae import JAE

    with pytest.raises(ValueError, match="holds a 'predictor' model.*ModalityPredictor.load"):
        JAE.load(Path(__file__).parent / "fixtures" / "predictor_v1", device="cpu")


def test_predict_config_is_validated():
    with pytest.raises(ValueError, match="dropout must be"):
        PredictConfig(dropout=(0.2, 1.5))
    with pytest.raises(ValueError, match="n_members must be >= 1"):
        PredictConfig(n_members=0)
    with pytest.raises(ValueError, match="target_representation"):
        PredictConfig(target_representation="genes")
    assert PredictConfig.from_dict(PredictConfig().to_dict()) == PredictConfig()
    with pytest.raises(TypeError, match="PredictConfig"):
        ModalityPredictor("jae", config={"hidden": (8,)})


def test_seed_in_the_constructor_equals_seed_in_fit(cite):
    train_src, train_tgt, query_src, _ = cite
    a = ModalityPredictor("jae", config=FAST, seed=4, device="cpu").fit(train_src, train_tgt, progress_bar=False)
    b = ModalityPredictor("jae", config=FAST, device="cpu").fit(train_src, train_tgt, seed=4, progress_bar=False)
    np.testing.assert_array_equal(a.predict(query_src).X, b.predict(query_src).X)
    assert a.seed == b.seed == 4 and a.device.type == "cpu"


def test_wide_sparse_atac_target_goes_through_the_svd_and_can_be_returned_sparse():
    train_src, train_tgt = paired(120, seed=0, target="ATAC", n_target=300)
    query_src, _ = paired(30, seed=1, target="ATAC", n_target=300, prefix="q")
    cfg = PredictConfig(max_epochs=5, n_members=1, max_feature_targets=100, n_target_components=20)
    model = ModalityPredictor("jae", config=cfg).fit(train_src, train_tgt, progress_bar=False)
    assert model.codec.components.shape == (20, 300)
    dense, sparse = model.predict(query_src, output="dense").X, model.predict(query_src, output="sparse").X
    assert sp.issparse(sparse) and dense.max() <= 1.0 and dense.min() >= 0.0
    kept = dense >= cfg.sparse_below
    np.testing.assert_allclose(sparse.toarray(), np.where(kept, dense, 0.0), rtol=1e-6)


# ---------------------------------------------------------------- bad inputs
def test_query_with_other_features_names_them(cite):
    train_src, train_tgt, query_src, _ = cite
    model = ModalityPredictor("mean").fit(train_src, train_tgt)
    with pytest.raises(ValueError, match=r"2 of the predictor's 40 features are missing .*'g38'.*train a new one on "
                                         r"the features these cells have"):
        model.predict(query_src[:, :38])


def test_query_with_reordered_features_is_realigned(cite, caplog):
    train_src, train_tgt, query_src, _ = cite
    model = ModalityPredictor("ridge").fit(train_src, train_tgt)
    shuffled = query_src[:, np.random.default_rng(0).permutation(query_src.n_vars)]
    with caplog.at_level(logging.INFO, logger="jae"):
        np.testing.assert_array_equal(model.predict(shuffled).X, model.predict(query_src).X)
    assert "another order" in caplog.text


def test_target_without_features(cite):
    train_src, train_tgt, query_src, _ = cite
    with pytest.raises(ValueError, match="no features"):
        predict_fn(train_src, train_tgt[:, []], query_src, method="mean")


def test_unpaired_training_cells(cite):
    train_src, train_tgt, query_src, _ = cite
    other = train_tgt.copy()
    other.obs_names = [f"x{i}" for i in range(other.n_obs)]
    with pytest.raises(ValueError, match=r"not paired: 150 of train_source's 150 cells are missing.*intersection"):
        predict_fn(train_src, other, query_src, method="mean")


def test_training_cells_in_another_order_are_aligned(cite, caplog):
    train_src, train_tgt, query_src, _ = cite
    shuffled = train_tgt[np.random.default_rng(1).permutation(train_tgt.n_obs)].copy()
    with caplog.at_level(logging.INFO, logger="jae.prediction"):
        got = predict_fn(train_src, shuffled, query_src, method="ridge").X
    np.testing.assert_array_equal(got, predict_fn(train_src, train_tgt, query_src, method="ridge").X)
    assert "aligning them by name" in caplog.text


@pytest.mark.parametrize("bad, match", [(-1.0, "negative"), (0.5, "non-integer")])
def test_source_that_is_not_counts(cite, bad, match):
    train_src, train_tgt, query_src, _ = cite
    broken = train_src.copy()
    X = broken.layers["counts"].toarray()
    X[0, 0] = bad
    broken.layers["counts"] = sp.csr_matrix(X)
    with pytest.raises(ValueError, match=match):
        predict_fn(broken, train_tgt, query_src, method="mean")


def test_normalised_source_names_a_fix_predict_has(cite):
    """Counts in .raw, none in layers['counts']: refused naming layer='raw' (the predictor takes the joint model's
    layer= since session 48; it said to rewrite the data as adata.raw.to_adata() before)."""
    from jae.cli._messages import cli_message

    train_src, train_tgt, query_src, _ = cite
    normalised = query_src.copy()
    normalised.raw = normalised.copy()
    del normalised.layers["counts"]
    normalised.X = sp.csr_matrix(np.log1p(normalised.X.toarray()), dtype=np.float32)
    with pytest.raises(KeyError, match="query_source has no layer 'counts'") as err:
        predict_fn(train_src, train_tgt, normalised, method="mean")
    message = str(err.value)
    assert "pass layer='raw'" in message and "--layer raw" in cli_message(message)


def test_kinds_come_from_feature_types_arguments_or_feature_names(cite, caplog):
    import logging

    train_src, train_tgt, query_src, _ = cite
    bare = train_tgt.copy()
    del bare.var["feature_types"]
    # six names that are no genomic intervals, beside a GEX source: a protein panel
    with caplog.at_level(logging.INFO, logger="jae.prediction.api"):
        assert ModalityPredictor("mean").fit(train_src, bare).target_kind == "ADT"
    assert "read as ADT from the feature names" in caplog.text
    peaks = bare.copy()
    peaks.var_names = [f"chr1-{1000 * j}-{1000 * j + 400}" for j in range(peaks.n_vars)]
    assert ModalityPredictor("mean").fit(train_src, peaks).target_kind == "ATAC"
    # neither side says: the source's 40 names could be a panel too, so the kinds are asked for
    bare_src = train_src.copy()
    del bare_src.var["feature_types"]
    with pytest.raises(ValueError, match="pass source_kind='GEX', 'ATAC' or 'ADT'"):
        ModalityPredictor("mean").fit(bare_src, bare)
    both = ModalityPredictor("mean").fit(bare_src, bare, source_kind="rna", target_kind="prot")
    assert (both.source_kind, both.target_kind) == ("GEX", "ADT")
    assert ModalityPredictor("mean").fit(train_src, bare, target_kind="ATAC").target_kind == "ATAC"  # given wins


def test_unknown_method_and_unfitted_model(cite):
    with pytest.raises(ValueError, match="unknown method 'lasso'"):
        ModalityPredictor("lasso")
    with pytest.raises(ValueError, match="call .fit"):
        ModalityPredictor().predict(cite[2])


def test_cli_predicts_from_files_without_feature_types(data_dir, tmp_path, caplog):
    """A plain GEX + ADT pair (no var['feature_types']) is read by its feature names; the flags override them."""
    from jae.cli import main

    stem = data_dir / "neurips2021_starter/predict_modality/cite/openproblems_bmmc_cite_starter"
    paths = {}
    for part in ("train_mod1", "train_mod2", "test_mod1"):
        adata = ad.read_h5ad(f"{stem}.{part}.h5ad")
        del adata.var["feature_types"]
        adata.write_h5ad(tmp_path / f"{part}.h5ad")
        paths[part] = str(tmp_path / f"{part}.h5ad")
    argv = ["-q", "predict", "--train-mod1", paths["train_mod1"], "--train-mod2", paths["train_mod2"],
            "--test-mod1", paths["test_mod1"], "--method", "mean"]
    assert main([*argv, "--output", str(tmp_path / "pred.h5ad")]) == 0
    pred = ad.read_h5ad(tmp_path / "pred.h5ad")
    assert set(pred.var["feature_types"]) == {"ADT"} and pred.n_obs == 289
    assert main([*argv, "--target-kind", "atac", "--output", str(tmp_path / "as_atac.h5ad")]) == 0
    assert set(ad.read_h5ad(tmp_path / "as_atac.h5ad").var["feature_types"]) == {"ATAC"}
    # a GEX target leaves the source (1,000 gene names) to be ATAC or ADT, which its names do not tell: ask, by flag
    assert main([*argv, "--target-kind", "GEX", "--output", str(tmp_path / "x.h5ad")]) == 1
    assert "pass --source-kind GEX, ATAC or ADT" in caplog.text
    assert not (tmp_path / "x.h5ad").exists()


def test_data_that_is_not_one_modality_is_refused_naming_the_argument(cite):
    """A MuData as train_source failed with "cannot tell the source modality's kind", as query_source with "0 of
    train_source's features are missing and 20 are extra"; a path failed with "'str' object has no attribute
    'n_obs'" (predict now reads an .h5ad path in row blocks)."""
    import mudata as md

    src, tgt = cite[0], cite[1]
    both = md.MuData({"rna": src, "prot": tgt})
    with pytest.raises(TypeError, match=r"train_source must be one modality's AnnData, not a MuData; pass "
                                        r"mdata\['rna'\]"):
        ModalityPredictor("mean").fit(both, tgt)
    with pytest.raises(TypeError, match=r"train_target must be one modality's AnnData, not a MuData"):
        ModalityPredictor("mean").fit(src, both)
    model = ModalityPredictor("mean").fit(src, tgt)
    with pytest.raises(TypeError, match=r"query_source must be one modality's AnnData, not a MuData"):
        model.predict(both)
    with pytest.raises(TypeError, match=r"query_source must be an AnnData .*not int"):
        model.predict(3)
    with pytest.raises(FileNotFoundError, match=r"query_source file q.h5ad does not exist"):  # a path is read from disk
        model.predict("q.h5ad")


def test_predict_checks_its_query_before_training(cite, monkeypatch):
    """jae.predict trained the model, then found the query unusable (another feature list, or not an AnnData)."""
    import jae.prediction.api as api

    src, tgt, q, _ = cite
    monkeypatch.setattr(api.ModalityPredictor, "fit", lambda *a, **k: pytest.fail("trained before checking the query"))
    with pytest.raises(TypeError, match="query_source must be an AnnData"):
        predict_fn(src, tgt, 3, method="mean")
    with pytest.raises(FileNotFoundError, match="query_source file q.h5ad does not exist"):  # a path is read from disk
        predict_fn(src, tgt, "q.h5ad", method="mean")
    with pytest.raises(ValueError, match=r"query_source features differ from train_source's: 10 of train_source's 40 "
                                         r"features are missing"):
        predict_fn(src, tgt, q[:, :30], method="mean")


def test_repr_says_what_the_predictor_is(cite, tmp_path):
    """A ModalityPredictor printed as <jae.prediction.api.ModalityPredictor object at 0x...>."""
    assert repr(ModalityPredictor("ridge", seed=3)) == "ModalityPredictor(method='ridge', unfitted, seed=3)"
    model = ModalityPredictor("mean").fit(cite[0], cite[1])
    assert repr(model) == "ModalityPredictor(GEX -> ADT, method='mean', 40 -> 6 features, seed=0)"
    assert repr(ModalityPredictor.load(model.save(tmp_path / "m"))) == repr(model)


def test_predict_config_values_of_the_wrong_type_name_the_field():
    """PredictConfig(max_epochs='10') was accepted and failed in the training."""
    with pytest.raises(TypeError, match=r"max_epochs must be a whole number, not '10'"):
        PredictConfig(max_epochs="10")
    with pytest.raises(TypeError, match=r"learning_rate must be a number, not None"):
        PredictConfig(learning_rate=None)
    assert type(PredictConfig(latent=np.int64(8)).latent) is int


def test_a_target_with_nan_values_is_refused_naming_the_cells():
    """A NaN in the training target's .X (a mosaic MuData's cell not measured in it) was trained on: every
    prediction of the network, and the ridge's whole column, came out NaN, silently."""
    src, tgt = paired(80, seed=0, n_target=6)
    tgt.X = clr(tgt.layers["counts"].toarray())
    del tgt.layers["counts"]
    for value, X in ((np.nan, tgt.X.copy()), (np.inf, sp.csr_matrix(tgt.X))):
        bad = tgt.copy()
        bad.X = X
        bad.X[3, 2] = value
        for fit in (lambda: ModalityPredictor("ridge").fit(src, bad, progress_bar=False),
                    lambda: predict_fn(src, bad, src, config=FAST, device="cpu", progress_bar=False)):
            with pytest.raises(ValueError, match=r"^train_target\.X has NaN or infinite values in 1 of its 80 cells "
                                                 r"\(e\.g\. 'c3'\), which would make the predictions NaN; leave those "
                                                 r"cells out of train_source and train_target"):
                fit()


def test_a_gex_target_of_counts_with_an_empty_cell_is_refused_naming_the_matrix():
    """A GEX target whose .X held the counts (no layers['counts']) with a cell of none was told "1 cells have zero GEX
    counts", naming neither argument nor matrix, its fix adata.X.sum(axis=1).A1 failing on a dense .X."""
    gex, adt = paired(80, seed=0)  # proteins -> genes
    del gex.layers["counts"]
    X = gex.X.toarray()
    X[4] = 0
    gex.X = X
    with pytest.raises(ValueError, match=r"^1 of 80 cells have zero total counts in train_target\.X; remove them "
                                         r"first, e\.g\. sc\.pp\.filter_cells\(adata, min_counts=1\)"):
        ModalityPredictor("mean").fit(adt, gex, progress_bar=False)


def test_a_target_of_layers_alone_is_built_from_its_counts():
    """A target AnnData with layers['counts'] and no .X (built from layers alone) failed with "TypeError: must be
    real number, not NoneType"; the one with no matrix at all, the same."""
    src, tgt = paired(80, seed=0)
    layers_only = ad.AnnData(obs=tgt.obs, var=tgt.var, layers={"counts": tgt.layers["counts"]})
    got = ModalityPredictor("mean").fit(src, layers_only, progress_bar=False).predict(src).X
    np.testing.assert_array_equal(got, ModalityPredictor("mean").fit(src, tgt, progress_bar=False).predict(src).X)
    with pytest.raises(ValueError, match=r"^train_target has neither \.X nor layers\['counts'\]; store the target's "
                                         r"normalised values in train_target\.X, or its raw counts in "
                                         r"train_target\.layers\['counts'\]$"):
        ModalityPredictor("mean").fit(src, ad.AnnData(obs=tgt.obs, var=tgt.var), progress_bar=False)


def test_cli_summary_of_one_cell_says_one_cell(tmp_path, capsys):
    """``jae predict`` of a one-cell test file printed "predicted 6 ADT features for 1 cells"."""
    from jae.cli import main

    (src, tgt), (query, _) = paired(60, seed=0), paired(1, seed=1, prefix="q")
    for adata, name in ((src, "tr1"), (tgt, "tr2"), (query, "te1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    argv = ["-q", "predict", "--train-mod1", str(tmp_path / "tr1.h5ad"), "--train-mod2", str(tmp_path / "tr2.h5ad"),
            "--test-mod1", str(tmp_path / "te1.h5ad"), "--method", "mean", "--output", str(tmp_path / "p.h5ad")]
    assert main(argv) == 0
    assert "predicted 6 ADT features for 1 cell from GEX" in capsys.readouterr().out


def test_predict_files_refuses_a_device_it_would_ignore_for_a_fitted_predictor(tmp_path):
    """``jae.predict_files(..., model=<fitted ModalityPredictor>, device='cpu')`` ran the model where it was and
    dropped ``device`` without a word; a device other than the model's is now refused, the model's own accepted."""
    import torch

    from jae import ModalityPredictor, predict_files

    (src, tgt), (query, _) = paired(60, seed=0), paired(5, seed=1, prefix="q")
    query.write_h5ad(tmp_path / "te1.h5ad")
    model = ModalityPredictor("mean", device="cpu").fit(src, tgt)
    assert predict_files(None, None, tmp_path / "te1.h5ad", tmp_path / "a.h5ad", model=model, device="cpu",
                         progress_bar=False).n_cells == 5
    model.device = torch.device("cuda")  # as if fitted on a GPU: nothing runs before the check
    with pytest.raises(ValueError, match=r"device='cpu' cannot move the fitted predictor in model, which runs on cuda"):
        predict_files(None, None, tmp_path / "te1.h5ad", tmp_path / "b.h5ad", model=model, device="cpu")
    assert not (tmp_path / "b.h5ad").exists()
