"""Session 43 review: cells only a hashtag modality holds (empty droplets) get NaN rows from model.embed(mdata);
predict_cell_type(mdata, embedding='X_jae') then labels the cells read, as predict_cell_type(mdata) does, instead of
refusing the NaN rows embed itself wrote (with advice, 'embed those cells again', that could not help)."""

from __future__ import annotations

import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate


def _with_obs(data, cite):
    for c in ("batch", "cell_type"):
        data.obs[c] = cite.obs[c].reindex(data.obs_names).to_numpy()
    return data


@pytest.fixture(scope="module")
def fitted(hashtag_fit):
    return hashtag_fit()


@pytest.mark.parametrize("given", ["key", "array"])
def test_embedding_with_nan_rows_of_hashtag_only_cells_labels_the_cells_read(fitted, given):
    model, data, cite = fitted
    data = data.copy()
    E = model.embed(data)
    empty = data.obs_names.str.startswith("EMPTY")
    assert np.isnan(E[empty]).all()
    obsm_before = data.obsm["X_jae"].copy()
    want = model.predict_cell_type(data)
    got = model.predict_cell_type(data, embedding="X_jae" if given == "key" else E, key_added="lab")
    assert got.index.equals(want.index) and got.index.equals(cite.obs_names)
    pd.testing.assert_series_equal(got["cell_type"], want["cell_type"])
    assert data.obs["lab_cell_type"].isna().to_numpy().tolist() == list(empty)
    np.testing.assert_array_equal(data.obsm["X_jae"], obsm_before)  # the user's embedding untouched
    assert data.n_obs == len(empty)


def test_nan_rows_of_cells_read_are_still_refused(fitted):
    model, data, cite = fitted
    data = data.copy()
    E = model.embed(data)
    E[data.obs_names.get_loc(cite.obs_names[0])] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.predict_cell_type(data, embedding=E)


@pytest.mark.parametrize("prot_cells", [100, 0])
def test_mosaic_or_rna_only_data_with_hashtag_only_cells_is_embedded_as_paired_data_is(fitted, prot_cells):
    model, data, cite = fitted
    mods = {"rna": cite["rna"], "hto": data["hto"]}
    if prot_cells:  # mosaic: the proteins of some cells alone (was refused: 'cells have neither modality measured')
        mods["prot"] = cite["prot"][cite.obs_names[:prot_cells]].copy()
    mosaic = _with_obs(md.MuData(mods), cite)
    E = model.embed(mosaic)
    empty = mosaic.obs_names.str.startswith("EMPTY")
    assert E.shape[0] == mosaic.n_obs and np.isnan(E[empty]).all() and np.isfinite(E[~empty]).all()
    alone = _with_obs(md.MuData({k: v for k, v in mods.items() if k != "hto"}), cite)
    want = model.embed(alone, key_added=None)
    np.testing.assert_allclose(E[mosaic.obs_names.get_indexer(alone.obs_names)], want, rtol=1e-5, atol=1e-6)
    labels = model.predict_cell_type(mosaic, embedding="X_jae", key_added="lab")
    assert labels.index.equals(alone.obs_names)
    assert mosaic.obs["lab_cell_type"].isna().to_numpy().tolist() == list(empty)


@pytest.mark.parametrize("source", ["memory", "file"])
def test_mosaic_with_hashtag_only_cells_fits_and_embeds_from_memory_and_files(fitted, source, tmp_path):
    _, data, cite = fitted
    mods = {"rna": cite["rna"], "prot": cite["prot"][cite.obs_names[:120]].copy(), "hto": data["hto"]}
    mosaic = _with_obs(md.MuData(mods), cite)
    alone = _with_obs(md.MuData({k: v for k, v in mods.items() if k != "hto"}), cite)
    if source == "file":  # (was refused: 'cells have neither modality measured')
        mosaic.write(tmp_path / "m.h5mu")
        alone.write(tmp_path / "a.h5mu")
        mosaic, alone = str(tmp_path / "m.h5mu"), str(tmp_path / "a.h5mu")
    fit = lambda d: jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(d, progress_bar=False)
    model, want = fit(mosaic), fit(alone)
    np.testing.assert_allclose(model.embed(alone, key_added=None), want.embed(alone, key_added=None), rtol=1e-5,
                               atol=1e-6)
    E = model.embed(mosaic, key_added=None)
    empty = md.read_h5mu(mosaic).obs_names.str.startswith("EMPTY") if source == "file" else (
        mosaic.obs_names.str.startswith("EMPTY"))
    assert np.isfinite(E[~empty] if len(E) == len(empty) else E).all() and len(E) in (len(empty), (~empty).sum())


def test_dict_with_hashtag_only_cells_labels_from_its_stored_embedding(fitted):
    model, data, cite = fitted
    mods = {"rna": cite["rna"].copy(), "prot": cite["prot"].copy(), "hto": data["hto"].copy()}
    model.embed(mods)
    want = model.predict_cell_type(mods)
    got = model.predict_cell_type(mods, embedding="X_jae", key_added="lab")
    assert got.index.equals(want.index) and got.index.equals(cite.obs_names)
    pd.testing.assert_series_equal(got["cell_type"], want["cell_type"])
    assert "lab_cell_type" in mods["rna"].obs and len(mods) == 3


@pytest.mark.parametrize("hto_first", [False, True])
def test_new_cells_beside_hashtag_only_cells_are_labelled_as_without_them(fitted, hto_first):
    # new cells (not the fit's): the unknown call reads them undivided (labels._call_inputs), whose rows were padded
    # with NaN for the hashtag-only cells: 'observed has shape (200, 2) ... (212, 2)'
    _, data, cite = fitted
    new = simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=9)
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(new, progress_bar=False)
    assert model.fit_cells is not None  # new cells are read divided by the held-out scale: the call's inputs differ
    hto = data["hto"][np.random.default_rng(1).permutation(data["hto"].n_obs)].copy()
    mods = {"rna": cite["rna"], "prot": cite["prot"], "hto": hto}
    mods = {k: mods[k] for k in (("hto", "rna", "prot") if hto_first else ("rna", "prot", "hto"))}
    with_hto = _with_obs(md.MuData(mods), cite)
    want = model.predict_cell_type(_with_obs(md.MuData({"rna": cite["rna"], "prot": cite["prot"]}), cite))
    got = model.predict_cell_type(with_hto, key_added="lab").reindex(want.index)
    pd.testing.assert_frame_equal(got, want, rtol=1e-5, atol=1e-5)
    assert with_hto.obs["lab_cell_type"].isna().sum() == with_hto.n_obs - len(want)
    model.embed(with_hto)
    given = model.predict_cell_type(with_hto, embedding="X_jae").reindex(want.index)
    pd.testing.assert_frame_equal(given, want, rtol=1e-5, atol=1e-5)


def test_h5mu_opened_on_disk_keeps_its_global_obs_beside_hashtag_only_cells(fitted, tmp_path):
    # the global obs holds the hashtags' extra cells too: its columns were dropped for not matching the pair's cells
    _, data, cite = fitted
    data.write(tmp_path / "x.h5mu")
    whole, files = jae.read_h5mu(tmp_path / "x.h5mu"), jae.io.open_h5mu(tmp_path / "x.h5mu")
    assert files.obs.index.equals(cite.obs_names)
    for column in ("batch", "cell_type"):
        assert files.obs[column].astype(str).tolist() == whole.obs[column].reindex(cite.obs_names).astype(str).tolist()
        assert files.obs[column].astype(str).tolist() == cite.obs[column].astype(str).tolist()


def test_evaluate_reads_an_embedded_h5mu_whose_hashtags_hold_cells_of_their_own(fitted, tmp_path):
    # jae embed writes NaN rows for them; evaluate of the file read its cells' obs without the global columns, and
    # obsm['X_jae'] whole (one row per cell of the file, not of the pair)
    from jae.cli import main

    model, data, cite = fitted
    data.write(tmp_path / "x.h5mu")
    model.save(tmp_path / "model")
    assert main(["-q", "embed", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / "x.h5mu"), "--out",
                 str(tmp_path / "e.h5mu")]) == 0
    files = jae.io.open_h5mu(tmp_path / "e.h5mu")
    got = jae.evaluate(files, ["X_jae"], report=False, seed=0)
    out = md.read_h5mu(tmp_path / "e.h5mu")
    assert np.isnan(out.obsm["X_jae"][out.obs_names.str.startswith("EMPTY")]).all()
    E = out.obsm["X_jae"][out.obs_names.get_indexer(cite.obs_names)]
    want = jae.evaluate(_with_obs(md.MuData({"rna": cite["rna"], "prot": cite["prot"]}), cite), {"X_jae": E},
                        report=False, seed=0)
    pd.testing.assert_frame_equal(got, want)
