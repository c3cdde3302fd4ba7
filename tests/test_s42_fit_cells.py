"""Session 42 (issue 15): a model tells its fitted cells from new ones and reads new cells on the reference's scale.

New cells' SVD projections are less spread along the trailing components than the fitted cells' (each fitted cell's
own noise is in the bases), so unmapped new cells neighboured each other rather than the reference cells of their
type. The fit keeps a fingerprint of each cell's RNA counts; ``embed``, ``latent``, the labels and ``finetune`` divide
new cells' features by the held-out scale, as ``map_query`` does for a mapped batch, and the unknown call reads them
as they are (:mod:`jae.query.fit_cells`).
"""

from __future__ import annotations

import copy
import json

import mudata
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae import JAE, JAEConfig
from jae.query.fit_cells import count_fingerprints, fit_fingerprints
from jae.mapping import finetune_inputs, held_out_scale_of
from jae.query import query_features


def test_fingerprints_ignore_how_counts_are_stored_and_see_every_count():
    rng = np.random.default_rng(0)
    dense = rng.poisson(0.3, size=(50, 40)).astype(np.int64)
    dense[7] = 0  # a cell without counts
    X = sp.csr_matrix(dense)
    h = count_fingerprints(X)
    assert h.dtype == np.uint64 and h.shape == (50,) and h[7] == 0
    assert len(np.unique(np.delete(h, 7))) == 49
    assert np.array_equal(count_fingerprints(dense.astype(np.float32)), h)  # dense, float
    assert np.array_equal(count_fingerprints(X.tocsc()), h)
    with_zero = X.copy().astype(np.float64)
    with_zero.data[0] = 0.0  # a stored zero is no count
    assert count_fingerprints(with_zero)[0] == count_fingerprints(sp.csr_matrix(with_zero.toarray()))[0]
    end = X.indptr[1]  # cell 0's entries, then the same gene again: a repeated (cell, gene) entry
    doubled = sp.csr_matrix((np.r_[X.data[:end], [1], X.data[end:]], np.r_[X.indices[:end], [X.indices[0]],
                             X.indices[end:]], np.r_[X.indptr[:1], X.indptr[1:] + 1]), shape=X.shape)
    assert not doubled.has_canonical_format
    summed = dense.copy()
    summed[0, X.indices[0]] += 1
    assert count_fingerprints(doubled)[0] == count_fingerprints(summed)[0]
    moved = dense.copy()
    moved[1, [0, 1]] = moved[1, [1, 0]] + 1  # another gene or another value: another cell
    assert count_fingerprints(moved)[1] != h[1]
    assert fit_fingerprints(X, n_cells=50, svd_cells=49) is None  # the SVD saw a sample: none kept
    kept = fit_fingerprints(X, n_cells=50, svd_cells=50)
    assert np.array_equal(kept, np.unique(h))


@pytest.fixture(scope="module")
def cells():
    md = jae.datasets.simulate(n_cells=600, kind="multiome", n_genes=300, n_peaks=500, n_cell_types=4, n_batches=2,
                               seed=2)
    fit = np.random.default_rng(0).random(md.n_obs) < 0.7
    return md, fit


@pytest.fixture(scope="module")
def model(cells):
    md, fit = cells
    return JAE(JAEConfig(max_epochs=5), seed=0, device="cpu").fit(md[fit].copy(), cell_type_key="cell_type",
                                                                 batch_key="batch", progress_bar=False)


@pytest.fixture(scope="module")
def before(model):
    """The model as jae read every cell before: no fitted cells kept."""
    old = copy.deepcopy(model)
    old.fit_cells = None
    return old


def test_fit_keeps_its_cells_and_embeds_them_as_before(model, before, cells):
    md, fit = cells
    assert model.fit_cells is not None and len(model.fit_cells) == int(fit.sum())
    assert np.all(np.diff(model.fit_cells.astype(np.float64)) >= 0)  # sorted (membership by binary search)
    own = md[fit].copy()
    assert np.array_equal(model.embed(own, key_added=None), before.embed(own, key_added=None))
    assert np.array_equal(model.latent(own), before.latent(own))
    mixed = model.embed(md, key_added=None)
    # the fitted cells among new ones embed as fitted cells (not divided by the held-out scale: 1e-3 and more apart),
    # up to the last bits: numpy's BLAS rounds a product's rows by their position in the matrix on some CPUs (2e-6
    # on an AMD EPYC), so the same cell within 600 or 420 cells may differ there
    np.testing.assert_allclose(mixed[fit], model.embed(own, key_added=None), rtol=1e-5, atol=1e-5)


def test_new_cells_are_divided_by_the_held_out_scale(model, before, cells):
    md, fit = cells
    new = md[~fit].copy()
    X = query_features(model, new).X
    scale = held_out_scale_of(model.preprocessor)
    E = model.embed(new, key_added=None)
    assert np.allclose(E, model.embed_transformed(X / scale), atol=1e-6)
    assert not np.allclose(E, before.embed(new, key_added=None), atol=1e-3)
    assert np.allclose(model.latent(new), model.latent_transformed(X / scale), atol=1e-6)
    assert np.allclose(model.embed(md, key_added=None)[~fit], E, atol=1e-5)  # the same in a call with fitted cells
    # fine-tuning trains on the features embed then reads
    assert np.allclose(finetune_inputs(model, new, batch_key=None, layer="counts")[0], X / scale, atol=1e-6)


def test_new_cells_neighbour_the_fitted_cells_more(model, before, cells):
    from sklearn.neighbors import NearestNeighbors

    md, fit = cells
    n_ct = model.layout.n_cell_type

    def fitted_share(m):
        E = m.embed(md, key_added=None)[:, n_ct:]
        idx = NearestNeighbors(n_neighbors=11).fit(E).kneighbors(E[~fit], return_distance=False)[:, 1:]
        return fit[idx].mean() / fit.mean()

    assert fitted_share(model) > fitted_share(before) + 0.1


def test_the_unknown_call_reads_new_cells_as_they_are(model, before, cells):
    md, fit = cells
    new = md[~fit].copy()
    pred, pred_before = model.predict_cell_type(new), before.predict_cell_type(new)
    assert np.array_equal(pred["unknown_score"].to_numpy(), pred_before["unknown_score"].to_numpy())
    assert np.array_equal(pred["unknown"].to_numpy(), pred_before["unknown"].to_numpy())
    given = model.predict_cell_type(new, embedding=model.embed(new, key_added=None))  # labels from that embedding
    assert given["cell_type"].equals(pred["cell_type"])
    assert np.allclose(given["unknown_score"], pred["unknown_score"], atol=1e-5)
    own = md[fit].copy()  # the fitted cells: everything as before
    assert model.predict_cell_type(own).equals(before.predict_cell_type(own))


def test_fitted_cells_are_known_whatever_the_gene_order_or_storage(model, cells):
    md, fit = cells
    own = md[fit].copy()
    rna = own.mod["rna"]
    order = np.random.default_rng(1).permutation(rna.n_vars)
    shuffled = rna[:, order].copy()
    shuffled.layers["counts"] = np.asarray(shuffled.layers["counts"].toarray() if sp.issparse(
        shuffled.layers["counts"]) else shuffled.layers["counts"], dtype=np.float32)
    other = mudata.MuData({"rna": shuffled, "atac": own.mod["atac"].copy()})
    assert query_features(model, other).fitted.all()
    assert np.allclose(model.embed(other, key_added=None), model.embed(own, key_added=None), atol=1e-5)


def test_fitted_cells_survive_save_and_load_and_older_files_read_every_cell_as_it_is(model, before, cells, tmp_path):
    md, fit = cells
    new = md[~fit].copy()
    folder = model.save(tmp_path / "m")
    description = json.loads((folder / "model.json").read_text())
    assert description["fit_cells"] == len(model.fit_cells)
    loaded = JAE.load(folder)
    assert np.array_equal(loaded.fit_cells, model.fit_cells)
    assert np.array_equal(loaded.embed(new, key_added=None), model.embed(new, key_added=None))
    description.pop("fit_cells")  # a model saved before session 42
    (folder / "model.json").write_text(json.dumps(description))
    old = JAE.load(folder)
    assert old.fit_cells is None
    assert np.array_equal(old.embed(new, key_added=None), before.embed(new, key_added=None))
    description["fit_cells"] = len(model.fit_cells) + 1  # a hand edit that disagrees with the tensor
    (folder / "model.json").write_text(json.dumps(description))
    with pytest.raises(ValueError, match="fitted cells"):
        JAE.load(folder)


def test_fits_on_features_keep_no_cells(model, cells):
    md, fit = cells
    X = query_features(model, md[fit].copy()).X
    again = JAE(JAEConfig(max_epochs=2), seed=0, device="cpu").fit_transformed(
        X, md[fit].obs, preprocessor=model.preprocessor, cell_type_key="cell_type", progress_bar=False)
    assert again.fit_cells is None
    assert np.array_equal(again.embed(md[~fit].copy(), key_added=None),
                          again.embed_transformed(query_features(again, md[~fit].copy()).X))
