"""Session 33 audit of label transfer as a user calls it (jae.labels' public functions, predict_cell_type)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.labels import unknown_scores


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s33_labels")[1]


@pytest.fixture(scope="module")
def cells():
    return simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)


def test_unknown_scores_refuse_an_embedding_of_another_width_in_one_line(cite, cells):
    """jae.labels.unknown_scores(model, E) with E of other columns failed inside numpy's matmul ('mismatch in its
    core dimension'), and one cell's row (1-D) with an IndexError; both are refused naming the shape."""
    emb = cite.embed(cells, key_added=None)
    width = emb.shape[1]
    for bad in (emb[:, :5], emb[0]):
        with pytest.raises(ValueError, match=rf"embedding has shape .*, not \(n_cells, {width}\): pass"):
            unknown_scores(cite, bad)
    assert unknown_scores(cite, emb)["head"].shape == (cells.n_obs,)


def test_unknown_scores_of_an_unsupervised_model_say_so_in_one_line(cells):
    """An unsupervised model's unknown_scores failed with 'this readout has no cell-type part' from deep inside the
    readout; it now says the model has no cell types, as predict_cell_type does."""
    model = JAE(JAEConfig(mode="unsupervised", max_epochs=1, n_svd=5), seed=0, device="cpu").fit(
        cells, cell_type_key=None, progress_bar=False)
    emb = model.embed(cells, key_added=None)
    with pytest.raises(ValueError, match=r"fitted without cell types \(unsupervised mode\); it has no unknown scores"):
        unknown_scores(model, emb)


def test_an_obsm_key_held_by_a_mudata_modality_is_read_from_it(cite, cells):
    """README shows `mdata['rna'].obsm['X_jae'] = emb` to draw the embedding with scanpy; predict_cell_type(mdata,
    embedding='X_jae') then refused it ('is not a key of data.obsm (its keys: none)'), leading users to pass
    mdata['rna'], whose cells are then called unknown as measured in RNA alone. The key is now read from the
    modality holding it, with the MuData's own modalities, and gives the labels of the array itself."""
    data = cells.copy()
    emb = cite.embed(data, key_added=None)
    data["rna"].obsm["X_jae"] = emb
    pd.testing.assert_frame_equal(cite.predict_cell_type(data, embedding="X_jae"),
                                  cite.predict_cell_type(data, embedding=emb))


def test_an_obsm_key_with_data_on_disk_says_the_files_obsm_is_not_read(cite, cells, tmp_path):
    """jae embed --out q.h5mu writes obsm['X_jae']; predict_cell_type('q.h5mu', embedding='X_jae') then said
    "is not a key of data.obsm (its keys: none)", wrong about the file; it now says jae does not read a file's obsm
    and how to pass it. With no data at all it says data is None."""
    path = tmp_path / "q.h5mu"
    data = cells.copy()
    cite.embed(data)
    data.write(path)
    # since s34 (tests/test_s34_loose2_path_embedding) an .h5mu's obsm is read as a backed MuData's; other files not
    pd.testing.assert_frame_equal(cite.predict_cell_type(str(path), embedding="X_jae"),
                                  cite.predict_cell_type(data, embedding="X_jae"))
    from jae.io import open_competition

    data["rna"].write_h5ad(tmp_path / "m1.h5ad")
    data["prot"].write_h5ad(tmp_path / "m2.h5ad")
    with pytest.raises(KeyError, match=r"data is given as files, whose obsm jae does not read: pass the array"):
        cite.predict_cell_type(open_competition(tmp_path / "m1.h5ad", tmp_path / "m2.h5ad"), embedding="X_jae")
    with pytest.raises(KeyError, match=r"names an obsm key, but data is None: pass the array"):
        cite.predict_cell_type(None, embedding="X_jae")


def test_a_bad_embedding_is_refused_before_the_voters_are_embedded(cite, cells, monkeypatch):
    """predict_cell_type embedded the model's (up to 20,000) voters and fitted the linear classifier on them before
    it looked at embedding=: a missing key, another shape or a NaN row was refused only after that work. They are now
    refused first; valid input gives the same labels."""
    data = cells.copy()
    emb = cite.embed(data, key_added=None)
    want = cite.predict_cell_type(data, embedding=emb)
    calls = []
    real = type(cite).latent_transformed  # the voters' encoding (session 40: one latent_transformed serves all uses)
    monkeypatch.setattr(type(cite), "latent_transformed", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    nan = emb.copy()
    nan[3] = np.nan
    for bad, error in (("X_nope", KeyError), (emb[:, :4], ValueError), (nan, ValueError)):
        with pytest.raises(error):
            cite.predict_cell_type(data, embedding=bad)
    assert not calls
    pd.testing.assert_frame_equal(cite.predict_cell_type(data, embedding=emb), want)
    assert calls


def test_obs_columns_key_added_replaces_are_named_in_a_log_line(cite, cells, caplog):
    """predict_cell_type(data, key_added='predicted') replaced a user's own obs['predicted_cell_type'] (another
    tool's labels) without a word, where jae embed logs the input columns its output replaces; it now logs them."""
    import logging

    data = cells.copy()
    data.obs["predicted_cell_type"] = "from another tool"
    with caplog.at_level(logging.INFO, logger="jae"):
        cite.predict_cell_type(data, key_added="other")
        assert not any("replaced by the labels" in r.getMessage() for r in caplog.records)
        cite.predict_cell_type(data, key_added="predicted")
    lines = [r.getMessage() for r in caplog.records if "replaced by the labels" in r.getMessage()]
    assert len(lines) == 1 and "obs column 'predicted_cell_type' is replaced" in lines[0], lines
    assert (data.obs["predicted_cell_type"] != "from another tool").all()
