"""The Python API and CLI agree with the brief's conventions: seeds, label dtypes, where results are stored, paths,
one-line refusals before any work (seeded synthetic data, small models)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate

SMALL = JAEConfig(max_epochs=5, n_svd=10)


@pytest.fixture(scope="module")
def split():
    """300 simulated Multiome cells, 3 types, 3 batches: the last batch is the query."""
    m = simulate(300, kind="multiome", n_genes=250, n_peaks=200, n_cell_types=3, n_batches=3, seed=2)
    q = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    return m[~q].copy(), m[q].copy()


@pytest.fixture(scope="module")
def reference(split):
    return JAE(SMALL, seed=4, device="cpu").fit(split[0], progress_bar=False)


# ------------------------------------------------------------------------------------------------ seeds
def test_map_query_takes_a_seed_whose_default_is_the_derived_one(reference, split):
    query = split[1]
    shift = {s: reference.map_query(query, epochs=3, seed=s, progress_bar=False).adapter.shift
             for s in (None, reference.seed + 2, 11)}
    assert np.array_equal(shift[None], shift[reference.seed + 2])  # the default is unchanged
    # another seed draws other minibatches: a different shift, if only in the last digits (3 epochs at the
    # fine-tuning rate move it little from its closed-form start; 1e-7 apart with numpy 2.4 / torch 2.13)
    assert not np.array_equal(shift[None], shift[11])
    again = reference.map_query(query, epochs=3, seed=11, progress_bar=False)
    assert np.array_equal(again.adapter.shift, shift[11])
    with pytest.raises(TypeError, match="seed must be an integer"):
        reference.map_query(query, seed="1", progress_bar=False)


def test_finetune_takes_a_seed_whose_default_is_the_derived_one(reference, split):
    query = split[1]

    def tuned(seed):
        return copy.deepcopy(reference).finetune(query, epochs=1, seed=seed, progress_bar=False).embed(
            query, key_added=None)

    default, derived, other = tuned(None), tuned(reference.seed + 1), tuned(11)
    assert np.array_equal(default, derived)
    assert not np.allclose(default, other)
    assert np.array_equal(tuned(11), other)
    with pytest.raises(TypeError, match="seed must be an integer"):
        copy.deepcopy(reference).finetune(query, seed=1.5, progress_bar=False)


def test_cli_map_and_embed_take_a_seed(reference, split, tmp_path):
    from jae.cli import main

    reference.save(tmp_path / "ref")
    split[1].write(tmp_path / "q.h5mu")
    base = ["-q", "map", "--model", str(tmp_path / "ref"), "--h5mu", str(tmp_path / "q.h5mu"), "--epochs", "2",
            "--device", "cpu"]
    for name, seed in (("a", []), ("b", ["--seed", "11"]), ("c", ["--seed", "11"])):
        assert main([*base, "--out", str(tmp_path / name), *seed]) == 0
    shifts = {n: JAE.load(tmp_path / n, device="cpu").adapter.shift for n in "abc"}
    # the query's 96 cells make one minibatch of the shifts' training (256 cells), so the seed draws only the order
    # of its rows: another seed gives a shift apart in the last digits (1e-8 on some machines), never the same bits
    assert np.array_equal(shifts["b"], shifts["c"]) and not np.array_equal(shifts["a"], shifts["b"])
    embed = ["-q", "embed", "--model", str(tmp_path / "ref"), "--h5mu", str(tmp_path / "q.h5mu"), "--device", "cpu"]
    for name, seed in (("a", []), ("b", ["--seed", "11"])):
        assert main([*embed, "--out", str(tmp_path / f"{name}.h5ad"), *seed]) == 0
    import anndata as ad

    a, b = (ad.read_h5ad(tmp_path / f"{n}.h5ad").X for n in "ab")
    assert not np.allclose(a, b)


# ------------------------------------------------------------------------------------ where results go
def test_key_added_stores_into_each_anndata_of_a_dict(reference, split):
    """embed / predict_cell_type given {name: AnnData} returned the result but stored nothing under key_added."""
    query = split[1]
    mods = {name: query.mod[name].copy() for name in query.mod}
    mods["atac"] = mods["atac"][::-1].copy()  # another cell order: each AnnData gets its own cells' rows
    Z = reference.embed(mods, key_added="X_mine")
    want = reference.embed(query, key_added=None)
    for adata in mods.values():
        rows = query.obs_names.get_indexer(adata.obs_names)
        np.testing.assert_array_equal(adata.obsm["X_mine"], want[rows])
        assert adata.uns["jae_mine"]["columns"] == reference.column_names  # jae.provenance.uns_key
    assert Z.shape == want.shape
    labels = reference.predict_cell_type(mods, key_added="jae")
    for adata in mods.values():
        assert list(adata.obs["jae_cell_type"]) == list(labels.loc[adata.obs_names, "cell_type"])
        np.testing.assert_array_equal(adata.obs["jae_confidence"].to_numpy(),
                                      labels.loc[adata.obs_names, "confidence"].to_numpy())
    in_mudata = query.copy()
    reference.embed(in_mudata, key_added="X_mine")
    np.testing.assert_array_equal(in_mudata.obsm["X_mine"], want)


# ------------------------------------------------------------------------------------------ label dtypes
@pytest.mark.parametrize("as_labels", [
    lambda codes: codes.astype(np.int64),  # plain integers
    lambda codes: codes.astype(object),  # integers in an object column (e.g. after .where(...))
    lambda codes: __import__("pandas").Categorical(codes),  # a categorical of integers
], ids=["int64", "object", "categorical"])
def test_integer_cell_type_labels_come_back_as_obs_holds_them(split, tmp_path, as_labels):
    """Integer labels came back as strings in text order ('10', '2', '30'); then as integers while key_added stored
    them in obs as text (so the frame returned and the obs columns disagreed). Now both are text categories in
    numeric order, as scanpy keeps cluster ids."""
    ref, query = split[0].copy(), split[1].copy()
    codes = np.array([2, 10, 30])[ref.obs["cell_type"].cat.codes.to_numpy()]
    ref.obs["ct"] = as_labels(codes)
    ref.obs["ct_text"] = codes.astype(str)
    by_int = JAE(SMALL, seed=0, device="cpu").fit(ref, cell_type_key="ct", progress_bar=False)
    by_text = JAE(SMALL, seed=0, device="cpu").fit(ref, cell_type_key="ct_text", progress_bar=False)
    got, text = by_int.predict_cell_type(query, key_added="jae"), by_text.predict_cell_type(query)
    assert list(got["cell_type"].cat.categories) == ["2", "10", "30"]  # numeric order
    assert got["cell_type"].cat.categories.dtype == object
    pd.testing.assert_series_equal(query.obs["jae_cell_type"], got["cell_type"], check_names=False)  # as in obs
    assert list(got["cell_type"].astype(str)) == list(text["cell_type"].astype(str))  # same model
    np.testing.assert_array_equal(got["confidence"], text["confidence"])
    loaded = JAE.load(by_int.save(tmp_path / "m"), device="cpu")
    assert loaded.predict_cell_type(query)["cell_type"].equals(got["cell_type"])
    assert list(text["cell_type"].cat.categories) == ["10", "2", "30"]  # text labels keep their (text) order


def test_float_labels_come_back_as_obs_holds_them(split):
    """Integers with NaN for unlabelled cells are floats in pandas; they come back as their text, in numeric order."""
    ref, query = split[0].copy(), split[1].copy()
    ref.obs["ct"] = ref.obs["cell_type"].cat.codes.to_numpy().astype(float)
    got = JAE(SMALL, seed=0, device="cpu").fit(ref, cell_type_key="ct", progress_bar=False).predict_cell_type(
        query, key_added="jae")
    assert list(got["cell_type"].cat.categories) == ["0.0", "1.0", "2.0"]
    pd.testing.assert_series_equal(query.obs["jae_cell_type"], got["cell_type"], check_names=False)


# ---------------------------------------------------------------------------------------------- paths
def test_save_and_load_expand_the_home_folder(reference, split, tmp_path, monkeypatch):
    """model.save('~/m') wrote a folder named '~' in the working directory, and load('~/m') did not find the model."""
    from jae.prediction import ModalityPredictor

    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir(), cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    assert reference.save("~/m") == home / "m"
    assert (home / "m" / "model.json").is_file() and not (cwd / "~").exists()
    np.testing.assert_array_equal(JAE.load("~/m", device="cpu").embed(split[1], key_added=None),
                                  reference.embed(split[1], key_added=None))
    rna, atac = split[0].mod["rna"], split[0].mod["atac"]
    predictor = ModalityPredictor("mean", seed=0, device="cpu").fit(rna, atac, progress_bar=False)
    assert predictor.save("~/p") == home / "p" and not (cwd / "~").exists()
    assert ModalityPredictor.load("~/p", device="cpu").target_features.equals(predictor.target_features)


# ------------------------------------------------------------------------------------------- simulator
@pytest.mark.parametrize("bad", [{"n_cells": "1000"}, {"n_cells": "1k"}, {"n_cells": 100.5}, {"n_genes": "300"},
                                 {"n_batches": 2.0}, {"seed": "0"}])
def test_simulate_refuses_sizes_that_are_no_whole_number_in_one_line(bad, tmp_path):
    from jae.datasets import write_simulated

    args = {"n_cells": 100, "n_genes": 250, "n_peaks": 50, "n_cell_types": 3, "n_batches": 2, "seed": 0} | bad
    name = next(iter(bad))
    with pytest.raises(TypeError, match=rf"^{name} must be (a whole number|an integer).*not {bad[name]!r}") as info:
        simulate(args.pop("n_cells"), **args)
    assert "\n" not in str(info.value)
    args = {"n_cells": 100, "n_genes": 250, "n_peaks": 50, "n_cell_types": 3, "n_batches": 2, "seed": 0} | bad
    with pytest.raises(TypeError, match=rf"^{name} must be (a whole number|an integer)"):
        write_simulated(tmp_path / "sim", preset=None, **args)
    assert not list(tmp_path.iterdir())
    assert simulate(np.int64(20), n_genes=np.int64(250), n_peaks=50, n_cell_types=2, seed=np.int64(1)).n_obs == 20


# --------------------------------------------------------------------------------------- phase columns
def test_a_phase_column_of_text_is_named_with_the_fix_before_the_preprocessing(split, monkeypatch):
    """phase_keys naming the phase labels ('G1', 'S', 'G2M') failed after the SVD with numpy's "could not convert
    string to float: 'G1'", naming neither the column nor the fix."""
    import jae.preprocess.pipeline as pipeline

    ref = split[0].copy()
    ref.obs["S_score"], ref.obs["G2M_score"] = 0.1, 0.2
    monkeypatch.setattr(pipeline, "preprocess", lambda *a, **k: pytest.fail("preprocessed before checking phase_keys"))
    for keys in (("phase", "G2M_score"), ("S_score", "phase")):
        with pytest.raises(ValueError, match=r"phase_keys column 'phase' holds text \(e.g. '(G1|S|G2M)'\), not "
                                             r"scores.*phase_keys=None") as info:
            JAE(SMALL, device="cpu").fit(ref, phase_keys=keys, progress_bar=False)
        assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------------- jae predict refusals
@pytest.fixture
def predict_paths(split, tmp_path):
    paths = [tmp_path / f for f in ("train.mod1.h5ad", "train.mod2.h5ad", "test.mod1.h5ad")]
    split[0].mod["rna"].write_h5ad(paths[0])
    split[0].mod["atac"].write_h5ad(paths[1])
    split[1].mod["rna"].write_h5ad(paths[2])
    return paths


def _folder_bytes(path):
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_predict_files_refuses_a_save_model_folder_before_any_work(reference, predict_paths, tmp_path, monkeypatch):
    """jae predict wrote --output, then refused --save-model; with --overwrite it replaced a joint model's folder."""
    import jae
    from jae.cli._messages import cli_message
    from jae.prediction import ModalityPredictor

    joint, other = tmp_path / "joint", tmp_path / "other"
    reference.save(joint)
    other.mkdir()  # (an empty folder holds nothing to lose: accepted, tests/test_first_use.py)
    (other / "notes.txt").write_text("mine")
    before = {p: _folder_bytes(p) for p in (joint, other)}
    monkeypatch.setattr(ModalityPredictor, "fit", lambda *a, **k: pytest.fail("trained before checking save_model"))
    out = tmp_path / "pred.h5ad"
    # (other, False): said "exists; pass overwrite=True", then with it "not a jae model folder": round in a circle
    for folder, overwrite, match in ((joint, True, "holds a 'jae' model"), (other, False, "not a jae model folder"),
                                     (other, True, "not a jae model folder")):
        with pytest.raises((ValueError, FileExistsError), match=match) as info:
            jae.predict_files(*predict_paths, out, method="mean", save_model=folder, overwrite=overwrite)
        assert not out.exists()
        assert cli_message(str(info.value)).startswith("--save-model ")
    assert {p: _folder_bytes(p) for p in (joint, other)} == before


def test_a_model_folder_is_only_replaced_by_a_model_of_its_kind(reference, split, tmp_path):
    from jae.prediction import ModalityPredictor

    predictor = ModalityPredictor("mean", seed=0, device="cpu").fit(split[0].mod["rna"], split[0].mod["atac"],
                                                                   progress_bar=False)
    reference.save(tmp_path / "joint")
    predictor.save(tmp_path / "pred")
    with pytest.raises(ValueError, match=r"holds a 'jae' model.*overwrite=True replaces only a 'predictor' model"):
        predictor.save(tmp_path / "joint", overwrite=True)
    with pytest.raises(ValueError, match=r"holds a 'predictor' model.*overwrite=True replaces only a 'jae' model"):
        reference.save(tmp_path / "pred", overwrite=True)
    assert JAE.load(tmp_path / "joint", device="cpu").column_names == reference.column_names
    predictor.save(tmp_path / "pred", overwrite=True)  # the same kind: replaced
    reference.save(tmp_path / "joint", overwrite=True)


def test_fit_and_map_files_refuse_to_replace_a_predictor_before_any_work(reference, split, tmp_path, monkeypatch):
    import jae
    from jae.io import InputFiles
    from jae.prediction import ModalityPredictor

    ModalityPredictor("mean", seed=0, device="cpu").fit(split[0].mod["rna"], split[0].mod["atac"],
                                                        progress_bar=False).save(tmp_path / "pred")
    reference.save(tmp_path / "ref")
    split[1].write(tmp_path / "q.h5mu")
    before = _folder_bytes(tmp_path / "pred")
    monkeypatch.setattr(JAE, "fit", lambda *a, **k: pytest.fail("fitted before checking out"))
    monkeypatch.setattr(JAE, "map_query", lambda *a, **k: pytest.fail("mapped before checking out"))
    files = InputFiles(h5mu=tmp_path / "q.h5mu")
    for call in (lambda: jae.fit_files(files, tmp_path / "pred", overwrite=True),
                 lambda: jae.map_files(files, tmp_path / "ref", tmp_path / "pred", overwrite=True)):
        with pytest.raises(ValueError, match="out .* holds a 'predictor' model"):
            call()
    assert _folder_bytes(tmp_path / "pred") == before


# --------------------------------------------------------------------------------- jae.predict's query
def test_predict_takes_the_query_as_an_h5ad_path_as_the_predictor_does(split, tmp_path):
    """ModalityPredictor.predict took an .h5ad path; jae.predict refused one ('read the file first')."""
    from jae.prediction import ModalityPredictor, predict

    rna, atac, query = split[0].mod["rna"], split[0].mod["atac"], split[1].mod["rna"]
    query.write_h5ad(tmp_path / "q.h5ad")
    by_path = predict(rna, atac, tmp_path / "q.h5ad", method="ridge", seed=0, device="cpu", progress_bar=False)
    by_str = predict(rna, atac, str(tmp_path / "q.h5ad"), method="ridge", seed=0, device="cpu", progress_bar=False)
    in_memory = predict(rna, atac, query, method="ridge", seed=0, device="cpu", progress_bar=False)
    model = ModalityPredictor("ridge", seed=0, device="cpu").fit(rna, atac, progress_bar=False)
    for got in (by_path, by_str, model.predict(tmp_path / "q.h5ad")):
        assert got.obs_names.equals(in_memory.obs_names) and got.var_names.equals(in_memory.var_names)
        np.testing.assert_array_equal(np.asarray(got.X), np.asarray(in_memory.X))
    with pytest.raises(FileNotFoundError, match="query_source file"):
        predict(rna, atac, tmp_path / "missing.h5ad", method="mean", progress_bar=False)


# ------------------------------------------------------------------------------------------- log lines
def test_counts_read_from_x_are_logged_once_per_modality(split, tmp_path, caplog):
    """Fitting an .h5mu path without a 'counts' layer said "has no layer 'counts'; using .X" twice per modality:
    when the file was opened and again when it was read into memory."""
    import logging

    from jae.io import open_competition, plan_input

    m = split[0].copy()
    for mod in m.mod.values():
        del mod.layers["counts"]
    m.write(tmp_path / "x.h5mu")
    m.mod["rna"].write_h5ad(tmp_path / "rna.h5ad")
    m.mod["atac"].write_h5ad(tmp_path / "atac.h5ad")
    for data, names in ((lambda: tmp_path / "x.h5mu", ("modality 'rna'", "modality 'atac'")),
                        (lambda: open_competition(tmp_path / "rna.h5ad", tmp_path / "atac.h5ad"),
                         ("rna.h5ad", "atac.h5ad"))):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="jae"):
            assert hasattr(plan_input(data(), memory_budget="8G"), "mod")  # small: opened, then read into memory
        said = [r.getMessage() for r in caplog.records if "has no layer 'counts'" in r.getMessage()]
        assert sorted(said) == sorted(f"{n} has no layer 'counts'; using .X as the raw counts" for n in names), said


# ------------------------------------------------------------------------------------------- baseline
def test_svd_baseline_sums_repeated_entries_as_the_rest_of_jae(split):
    """A CSR matrix holding a cell's count of a feature in two entries (files assembled from triplets) was normalised
    entry by entry: log(1 + a) + log(1 + b), not log(1 + a + b)."""
    import scipy.sparse as sp

    from jae.baseline import svd_baseline

    rna, atac = (split[0].mod[m].layers["counts"].tocsr() for m in ("rna", "atac"))

    def split_entries(X):
        """``X`` with every count above 1 stored as two entries (1 and the rest): not canonical, the same matrix."""
        X = X.tocoo()
        big = X.data > 1
        rows, cols = np.r_[X.row, X.row[big]], np.r_[X.col, X.col[big]]
        data = np.r_[np.where(big, 1, X.data), X.data[big] - 1].astype(np.float32)
        order = np.lexsort((cols, rows))
        indptr = np.searchsorted(rows[order], np.arange(X.shape[0] + 1))
        return sp.csr_matrix((data[order], cols[order], indptr), shape=X.shape)

    doubled = split_entries(rna)
    assert np.array_equal(doubled.toarray(), rna.toarray()) and not doubled.has_canonical_format
    kept = (doubled.data.copy(), doubled.indices.copy())
    want = svd_baseline([rna, atac], ["GEX", "ATAC"], n_dims=20, seed=0)
    np.testing.assert_array_equal(svd_baseline([doubled, atac], ["GEX", "ATAC"], n_dims=20, seed=0), want)
    assert np.array_equal(doubled.data, kept[0]) and np.array_equal(doubled.indices, kept[1])  # the input untouched


def test_predict_files_refuses_bad_arguments_before_reading_or_training(predict_paths, tmp_path, monkeypatch):
    """A bad output_format was refused after the training; a bad method, seed or kind after reading the files."""
    import jae
    import jae.io

    monkeypatch.setattr(jae.io, "read_h5ad", lambda *a, **k: pytest.fail("read the files before checking arguments"))
    out = tmp_path / "pred.h5ad"
    for bad, match in (({"output_format": "csr"}, "output_format"), ({"method": "lasso"}, "method"),
                       ({"seed": "0"}, "seed must be an integer"), ({"target_kind": "spatial"}, "target_kind='spatial'")):
        with pytest.raises((ValueError, TypeError), match=match):
            jae.predict_files(*predict_paths, out, **bad)
        assert not out.exists()


def test_predict_refuses_a_bad_output_before_training(split, monkeypatch):
    import jae.prediction.api as api

    monkeypatch.setattr(api.ModalityPredictor, "fit", lambda *a, **k: pytest.fail("trained before checking output"))
    rna, atac = split[0].mod["rna"], split[0].mod["atac"]
    with pytest.raises(ValueError, match="unknown output 'csr'"):
        api.predict(rna, atac, split[1].mod["rna"], method="mean", output="csr")
