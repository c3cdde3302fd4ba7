"""Session 43 user pass: a hashtag modality (cell hashing: 'hto', or every feature 'Multiplexing Capture') beside
RNA and proteins is set aside with one log line wherever a MuData's pair is chosen (fit, embed, files, CLI); two
modalities of one kind stay refused; cells only the hashtags hold get NaN / empty rows, in memory as in files."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.cli import main
from jae.datasets import simulate

CONFIG = dict(max_epochs=1, n_svd=10)


@pytest.fixture(scope="module")
def cite():
    return simulate(240, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)


def _hto(cells, *, types="Antibody Capture", k=6, seed=0):
    rng = np.random.default_rng(seed)
    a = ad.AnnData(X=sp.csr_matrix(rng.poisson(3, (len(cells), k)).astype(np.float32)),
                   obs=pd.DataFrame(index=pd.Index(cells)), var=pd.DataFrame(index=[f"HTO{i + 1}" for i in range(k)]))
    a.var["feature_types"] = types
    a.obs["hash_id"] = pd.Categorical(rng.choice(list(a.var_names), len(cells)))
    return a


def _mudata(cite, mods):
    m = md.MuData(mods)
    for c in ("batch", "cell_type"):
        m.obs[c] = cite.obs[c].reindex(m.obs_names).to_numpy()
    return m


def _fit(data):
    return jae.JAE(jae.JAEConfig(**CONFIG), seed=0, device="cpu").fit(data, progress_bar=False)


def _set_aside(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "setting aside modality" in r.getMessage()]


@pytest.fixture(scope="module")
def pair_model(cite):
    return _fit(_mudata(cite, {"rna": cite["rna"], "prot": cite["prot"]}))


def test_fit_sets_aside_hto_typed_antibody_capture_with_one_line(cite, pair_model, caplog):
    data = _mudata(cite, {"rna": cite["rna"], "prot": cite["prot"], "hto": _hto(cite.obs_names)})
    hto_before = data["hto"].X.copy()
    with caplog.at_level(logging.INFO, logger="jae"):
        model = _fit(data)
    lines = _set_aside(caplog)
    assert len(lines) == 1 and "'hto'" in lines[0] and "batch_key" in lines[0], lines
    assert model.modality_names == pair_model.modality_names and model.preprocessor.kinds == ("GEX", "ADT")
    np.testing.assert_array_equal(model.embed(data, key_added=None), pair_model.embed(
        _mudata(cite, {"rna": cite["rna"], "prot": cite["prot"]}), key_added=None))  # as if it were not there
    assert (data["hto"].X != hto_before).nnz == 0


def test_multiplexing_capture_typed_modality_of_any_name_is_set_aside(cite, caplog):
    data = _mudata(cite, {"rna": cite["rna"], "prot": cite["prot"],
                          "cmo": _hto(cite.obs_names, types="Multiplexing Capture")})
    with caplog.at_level(logging.INFO, logger="jae"):
        model = _fit(data)
    assert model.preprocessor.kinds == ("GEX", "ADT") and "'cmo'" in " ".join(_set_aside(caplog))


def test_rna_with_hashtags_alone_is_refused_for_fitting_naming_the_hashtags(cite):
    with pytest.raises(ValueError, match=r"\['rna'\] and hashtags \['hto'\].*second modality \(ATAC or ADT\)"):
        _fit(_mudata(cite, {"rna": cite["rna"], "hto": _hto(cite.obs_names)}))


def test_two_modalities_of_one_kind_stay_refused(cite):
    data = {"rna": cite["rna"], "prot": cite["prot"], "prot2": cite["prot"].copy(), "hto": _hto(cite.obs_names)}
    with pytest.raises(ValueError, match=r"jae pairs exactly two"):
        _fit(data)


def test_model_embeds_data_naming_its_proteins_otherwise_beside_hashtags(cite, pair_model, caplog):
    data = _mudata(cite, {"rna": cite["rna"], "adt": cite["prot"], "HTO": _hto(cite.obs_names)})
    with caplog.at_level(logging.INFO, logger="jae"):
        got = pair_model.embed(data)
    assert len(_set_aside(caplog)) == 1
    want = pair_model.embed(_mudata(cite, {"rna": cite["rna"], "adt": cite["prot"]}), key_added=None)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_cells_only_the_hashtags_hold_get_nan_rows_and_empty_labels_in_memory(cite, pair_model):
    extra = cite.obs_names.append(pd.Index([f"EMPTY{i}" for i in range(15)]))
    data = _mudata(cite, {"rna": cite["rna"], "prot": cite["prot"], "hto": _hto(extra)})
    E = pair_model.embed(data)
    assert E.shape[0] == data.n_obs and data.obsm["X_jae"].shape[0] == data.n_obs
    empty = data.obs_names.str.startswith("EMPTY")
    assert np.isnan(E[empty]).all() and np.isfinite(E[~empty]).all()
    own = pair_model.embed(_mudata(cite, {"rna": cite["rna"], "prot": cite["prot"]}), key_added=None)
    np.testing.assert_allclose(E[data.obs_names.get_indexer(cite.obs_names)], own, rtol=1e-5, atol=1e-6)
    labels = pair_model.predict_cell_type(data, key_added="jae")
    assert labels.index.equals(cite.obs_names)  # the cells labelled, by name (was a RangeIndex)
    assert data.obs["jae_cell_type"].isna().to_numpy().tolist() == list(empty)


def test_h5mu_files_python_and_cli_fit_and_embed_keep_the_hashtags_in_the_output(cite, tmp_path, caplog):
    data = _mudata(cite, {"rna": cite["rna"], "prot": cite["prot"], "hto": _hto(cite.obs_names)})
    data.write(tmp_path / "x.h5mu")
    with caplog.at_level(logging.INFO, logger="jae"):
        model = _fit(str(tmp_path / "x.h5mu"))
    assert model.preprocessor.kinds == ("GEX", "ADT") and len(_set_aside(caplog)) == 1, _set_aside(caplog)
    assert model.embed(str(tmp_path / "x.h5mu")).shape[0] == data.n_obs
    assert main(["-q", "fit", "--h5mu", str(tmp_path / "x.h5mu"), "--max-epochs", "1", "--out",
                 str(tmp_path / "model")]) == 0
    assert main(["-q", "embed", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / "x.h5mu"),
                 "--finetune-epochs", "0", "--out", str(tmp_path / "e.h5mu")]) == 0
    out = md.read_h5mu(tmp_path / "e.h5mu")
    assert set(out.mod) == {"rna", "prot", "hto"} and out.obs_names.equals(data.obs_names)
    assert np.isfinite(out.obsm["X_jae"]).all()


def test_h5mu_of_rna_and_hashtags_is_embedded_as_rna_alone(cite, pair_model, tmp_path):
    data = _mudata(cite, {"rna": cite["rna"], "hto": _hto(cite.obs_names, types="Multiplexing Capture")})
    data.write(tmp_path / "r.h5mu")
    got = pair_model.embed(str(tmp_path / "r.h5mu"))
    want = pair_model.embed({"rna": cite["rna"]}, key_added=None)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"hashtags \['hto'\]"):
        _fit(str(tmp_path / "r.h5mu"))


def test_demultiplexing_results_in_the_hashtag_obs_are_a_batch_key_in_memory_and_from_files(cite, tmp_path, caplog):
    hto = _hto(cite.obs_names)
    data = _mudata(cite, {"rna": cite["rna"], "prot": cite["prot"], "hto": hto})
    data.write(tmp_path / "x.h5mu")
    want = sorted(hto.obs["hash_id"].unique())
    for source in (data, str(tmp_path / "x.h5mu")):
        with pytest.raises(KeyError, match=r"obs holds 'hto:hash_id'.*pass batch_key='hto:hash_id'"):
            jae.JAE(jae.JAEConfig(**CONFIG), seed=0, device="cpu").fit(source, batch_key="hash_id", progress_bar=False)
        model = jae.JAE(jae.JAEConfig(**CONFIG), seed=0, device="cpu").fit(source, batch_key="hto:hash_id",
                                                                           progress_bar=False)
        assert sorted(model.batches) == want
    assert main(["-q", "fit", "--h5mu", str(tmp_path / "x.h5mu"), "--batch-key", "hash_id", "--max-epochs", "1",
                 "--out", str(tmp_path / "m")]) != 0
    assert "pass --batch-key hto:hash_id" in " ".join(r.getMessage() for r in caplog.records)


def test_hashtag_columns_are_read_alike_streamed_and_whole(cite, tmp_path):
    from jae.io import open_h5mu, read_h5mu
    from jae.io.cell_obs import cell_obs

    hto = _hto(cite.obs_names)
    _mudata(cite, {"rna": cite["rna"], "prot": cite["prot"], "hto": hto}).write(tmp_path / "x.h5mu")
    whole, streamed = cell_obs(read_h5mu(tmp_path / "x.h5mu")), open_h5mu(tmp_path / "x.h5mu").obs
    for obs in (whole, streamed):
        assert (obs["hto:hash_id"].astype(str) == hto.obs["hash_id"].reindex(obs.index).astype(str)).all()
    assert set(whole.columns) == set(streamed.columns)


def test_cells_only_the_hashtags_hold_need_no_batch_to_map(cite, pair_model):
    extra = cite.obs_names.append(pd.Index([f"EMPTY{i}" for i in range(15)]))
    data = _mudata(cite, {"rna": cite["rna"], "prot": cite["prot"], "hto": _hto(extra)})
    data.obs["batch"] = ("query_" + data.obs["batch"].astype(str)).where(data.obs["batch"].notna())  # NaN: EMPTY*
    mapped = pair_model.map_query(data, batch_key="batch", epochs=1, progress_bar=False)
    E = mapped.embed(data, key_added=None)
    empty = data.obs_names.str.startswith("EMPTY")
    assert np.isnan(E[empty]).all() and np.isfinite(E[~empty]).all()
    assert sorted(mapped.adapter.batches) == sorted(data.obs["batch"].dropna().unique())
