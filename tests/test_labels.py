"""Label transfer = calibrated head + 15-NN vote among reference voters (jae.labels, jae.model.voters)."""

from __future__ import annotations

import contextlib
import copy

import logging

import numpy as np
import pandas as pd
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.labels import SMOOTH_K, obs_labels, vote
from jae.model.calibration import TEMPERATURE_PRIOR_SD, calibration_error_floor, expected_calibration_error
from jae.model.linear import LinearClassifier
from jae.model.voters import Voters, mixture, nearest
from jae.train.loop import split_validation

CFG = JAEConfig(max_epochs=20, n_svd=20)


@pytest.fixture(scope="module")
def few():
    """900 simulated Multiome cells of 8 types; a seeded 120 of them (7-21 per type) are the reference: with 20
    epochs the head underfits."""
    m = simulate(900, kind="multiome", n_genes=300, n_peaks=400, n_cell_types=8, n_batches=2, seed=5)
    ref = np.zeros(m.n_obs, bool)
    ref[np.random.default_rng(0).choice(m.n_obs, 120, replace=False)] = True
    return m[ref].copy(), m[~ref].copy()


@pytest.fixture(scope="module")
def model(few):
    return JAE(CFG, seed=0, device="cpu").fit(few[0], progress_bar=False)


def _head(model, data):
    return model.calibration.probabilities(model.latent(data)[:, model.layout.block("cell_type")])


def _as_they_are(model):
    """``model`` reading every cell as it is: new cells undivided, as the unknown call reads them
    (jae.query.fit_cells)."""
    plain = copy.copy(model)
    plain.fit_cells = None
    return plain


def _linear(model, emb):
    """The calibrated linear classifier's probabilities (jae.model.linear), refitted on the voters as jae does."""
    K = model.layout.n_cell_type
    V = model.embed_transformed(model.voters.features)
    lin = LinearClassifier.fit(V[:, K:], model.voters.codes, K)
    return model.calibration.linear_probabilities(lin.logits(emb[:, K:]))


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_obs_labels_turn_numeric_cell_types_into_text_and_return_text_ones_as_they_are(dtype):
    """Cluster ids become text categories in their numeric order; labels already text (object, or pandas' string
    dtype, the default of pandas 3: 'str') come back as the same frame, not a copy."""
    numeric = pd.DataFrame({"cell_type": pd.Categorical([10, 2, 10], categories=[2, 10]), "confidence": [.9, .8, .7]})
    out = obs_labels(numeric)
    assert list(out["cell_type"].cat.categories) == ["2", "10"] and list(out["cell_type"]) == ["10", "2", "10"]
    assert out["cell_type"].cat.categories.dtype == object and numeric["cell_type"].cat.categories.dtype != object
    has_option = hasattr(getattr(pd.options, "future", None), "infer_string")  # pandas 2.1 on
    if dtype == "str" and not has_option:
        pytest.skip("pandas' 'str' dtype (option future.infer_string) came with pandas 2.1")
    with pd.option_context("future.infer_string", dtype == "str") if has_option else contextlib.nullcontext():
        categories = pd.Index(["T", "B"], dtype=None if dtype == "str" else dtype)
        text = pd.DataFrame({"cell_type": pd.Categorical(["B", "T"], categories=categories), "confidence": [.9, .8]})
        assert obs_labels(text) is text


def test_mixture_beats_the_head_alone_when_the_head_is_weak(model, few):
    query = few[1]
    truth = query.obs["cell_type"].astype(str).to_numpy()
    types = np.asarray(model.cell_types)
    head = (types[_head(model, query).argmax(1)] == truth).mean()
    pred = model.predict_cell_type(query)
    mixed = (pred["cell_type"].to_numpy() == truth).mean()
    emb = model.embed(query, key_added=None)
    vote_alone = (types[vote(model, emb).argmax(1)] == truth).mean()
    linear_alone = (types[_linear(model, emb).argmax(1)] == truth).mean()
    # measured: head 0.46, vote alone 0.57, linear alone 0.71, their mixture 0.69 (the head + vote mixture before
    # round 45: 0.48)
    assert min(vote_alone, linear_alone) > head and mixed > head, (head, mixed, vote_alone, linear_alone)
    expected = mixture(_linear(model, emb), vote(model, emb))
    np.testing.assert_allclose(pred["confidence"].to_numpy(), expected.max(1), atol=1e-6)
    assert (pred["cell_type"].to_numpy() == types[expected.argmax(1)]).all()


def test_voters_are_training_reference_cells_never_heldout_ones(model, few):
    ref = few[0]
    X = model._features(ref, layer="counts")[0]
    _, val_idx = split_validation(ref.n_obs, CFG.val_fraction, seed=model.seed)
    train = np.setdiff1d(np.arange(ref.n_obs), val_idx)
    assert len(model.voters) == len(train)
    idx, dist = nearest(X, model.voters.features, 2)
    assert dist[:, 0].max() < 0.05 < dist[:, 1].min()  # every voter is one reference cell (float error of ~0.01) ...
    assert not np.isin(idx[:, 0], val_idx).any()  # ... and none is held out
    codes = np.searchsorted(model.cell_types, ref.obs["cell_type"].astype(str).to_numpy())
    assert (model.voters.codes == codes[idx[:, 0]]).all()


def test_voter_sample_is_seeded_and_capped():
    X, codes = np.arange(200, dtype=np.float32).reshape(100, 2), np.arange(100) % 3
    a, b = Voters.sample(X, codes, seed=1, max_voters=30), Voters.sample(X, codes, seed=1, max_voters=30)
    assert len(a) == 30 and np.array_equal(a.features, b.features) and np.array_equal(a.codes, b.codes)
    assert not np.array_equal(a.features, Voters.sample(X, codes, seed=2, max_voters=30).features)
    assert np.array_equal(a.codes, a.features[:, 0].astype(int) // 2 % 3)  # rows and codes stay aligned
    rows = np.arange(0, 100, 2)  # sampling among given rows of a larger X reads those rows, as X[rows] would
    c = Voters.sample(X, codes[rows], seed=1, max_voters=30, rows=rows)
    d = Voters.sample(X[rows], codes[rows], seed=1, max_voters=30)
    assert np.array_equal(c.features, d.features) and np.array_equal(c.codes, d.codes)


def _brute_force(ref, q, k):
    """Reference search: every float64 distance of the float32 rows, ties by lower index (stable sort)."""
    d = ((q.astype(np.float64)[:, None, :] - ref.astype(np.float64)[None]) ** 2).sum(-1)
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return order, np.sqrt(np.take_along_axis(d, order, axis=1))


@pytest.mark.parametrize("n_ref, n_query, dims, k, block", [
    (300, 77, 5, 15, 10),  # several blocks
    (2000, 300, 50, 15, 4096),  # the vote's shape, one block
    (40, 25, 3, 60, 7),  # k > number of voters: every voter, nearest first
    (31, 20, 4, 15, 3),  # k + the extra candidates = every voter
])
def test_exact_neighbours_match_a_float64_brute_force(n_ref, n_query, dims, k, block):
    rng = np.random.default_rng(n_ref)
    ref = (rng.normal(size=(n_ref, dims)) + 3.0).astype(np.float32)  # off-centre: the float32 ranking centres first
    q = (rng.normal(size=(n_query, dims)) + 3.0).astype(np.float32)
    idx, dist = nearest(ref, q, k, block=block)
    expected, expected_dist = _brute_force(ref, q, min(k, n_ref))
    assert idx.shape == (n_query, min(k, n_ref)) and idx.dtype == np.int64 and dist.dtype == np.float32
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_allclose(dist, expected_dist, rtol=1e-6)


def test_exact_neighbour_ties_go_to_the_lower_index(caplog):
    """Integer points on a small grid, voters duplicated: distances tie exactly, many at the k-th place (those cells
    are searched in full); the result is the stable brute-force order whatever the block size."""
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 3, size=(200, 4)).astype(np.float32)
    ref = np.concatenate([ref, ref[::-1]])  # every point twice
    q = rng.integers(0, 3, size=(60, 4)).astype(np.float32)
    expected, _ = _brute_force(ref, q, 15)
    with caplog.at_level(logging.DEBUG, logger="jae.model.voters"):
        for block in (1, 7, 4096):
            np.testing.assert_array_equal(nearest(ref, q, 15, block=block)[0], expected)
    assert any("searched exactly over all 400 voters" in r.getMessage() for r in caplog.records)
    near = np.random.default_rng(4).normal(size=(50, 4)).astype(np.float32)  # no ties: nothing searched in full
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="jae.model.voters"):
        nearest(near, near[:10] + 0.01, 5)
    assert not caplog.records


def test_exact_neighbours_reject_bad_input():
    ref = np.zeros((10, 3), np.float32)
    with pytest.raises(ValueError, match="same columns"):
        nearest(ref, np.zeros((2, 2), np.float32), 3)
    with pytest.raises(ValueError, match="NaN or infinite"):
        nearest(ref, np.full((2, 3), np.nan, np.float32), 3)


def test_calibration_is_the_mixtures_on_heldout_cells_and_is_logged(few, caplog):
    ref = few[0]
    with caplog.at_level(logging.INFO, logger="jae.labels.transfer"):
        m = JAE(CFG, seed=0, device="cpu").fit(ref, progress_bar=False)
    assert any("expected calibration error of the linear classifier + 15-NN vote mixture" in r.getMessage()
               for r in caplog.records)
    # 12 held-out cells cannot set a 5% quantile: the fit says so once
    assert sum("fewer than the 20 its 5% quantile needs" in r.getMessage() for r in caplog.records) == 1
    cal = m.calibration
    assert cal.mixed and 0 <= cal.ece <= 1 and np.isfinite(cal.knn_threshold)
    _, val_idx = split_validation(ref.n_obs, CFG.val_fraction, seed=m.seed)
    held = ref[val_idx].copy()
    E_held = m.embed(held, key_added=None)
    prob = mixture(_linear(m, E_held), vote(m, E_held))  # what predict_cell_type returns
    codes = np.searchsorted(m.cell_types, held.obs["cell_type"].astype(str).to_numpy())
    assert cal.ece == pytest.approx(expected_calibration_error(prob, codes), abs=1e-3)
    assert cal.ece_floor == pytest.approx(calibration_error_floor(prob), abs=1e-3) and cal.ece_floor > 0
    assert any(f"would score about {cal.ece_floor:.4f}" in r.getMessage() for r in caplog.records)
    # each temperature minimises its mixture's negative log-likelihood on those cells, plus the prior on log T: the
    # head's (the unknown call reads it) and the linear classifier's (the returned probabilities)
    K = m.layout.n_cell_type
    V = m.embed_transformed(m.voters.features)
    linear_logits = LinearClassifier.fit(V[:, K:], m.voters.codes, K).logits(E_held[:, K:])
    for logits, t_fit in ((m.latent(held)[:, m.layout.block("cell_type")], cal.temperature),
                          (linear_logits, cal.linear_temperature)):

        def nll(t, logits=logits):
            e = np.exp((logits - logits.max(1, keepdims=True)) / t)
            p = mixture(e / e.sum(1, keepdims=True), vote(m, E_held))
            prior = np.log(t) ** 2 / (2 * TEMPERATURE_PRIOR_SD**2 * len(codes))
            return -np.log(np.clip(p[np.arange(len(codes)), codes], 1e-12, None)).mean() + prior

        assert nll(t_fit) <= min(nll(1.0), nll(t_fit * 2), nll(t_fit / 2)) + 1e-6


def test_save_load_keeps_voters_and_identical_predictions(model, few, tmp_path):
    model.save(tmp_path / "m")
    back = JAE.load(tmp_path / "m", device="cpu")
    assert np.array_equal(back.voters.features, model.voters.features)
    assert np.array_equal(back.voters.codes, model.voters.codes)
    assert back.calibration.describe() == model.calibration.describe()
    # identical labels and unknown calls; confidences to float32 rounding: the linear classifier is refitted by
    # L-BFGS, whose BLAS sums may differ in the last bit with the arrays' memory alignment (seen: 6e-8)
    got, want = back.predict_cell_type(few[1]), model.predict_cell_type(few[1])
    assert got["cell_type"].equals(want["cell_type"]) and got["unknown"].equals(want["unknown"])
    np.testing.assert_allclose(got["confidence"], want["confidence"], rtol=0, atol=1e-6)


def test_label_transfer_in_chunks_equals_one_pass(model, few, monkeypatch):
    """predict_cell_type runs its per-cell steps in chunks of LABEL_CHUNK cells; chunks of 7 give the same labels,
    confidences and unknown calls, from an embedding or from the data."""
    import jae.labels.transfer as labels

    query = few[1]
    embedding = model.embed(query, key_added=None)
    whole = model.predict_cell_type(query, embedding=embedding)
    assert len(whole) == query.n_obs and whole["unknown"].any() and not whole["unknown"].all()
    monkeypatch.setattr(labels, "LABEL_CHUNK", 7)
    pd.testing.assert_frame_equal(model.predict_cell_type(query, embedding=embedding), whole)
    pd.testing.assert_frame_equal(model.predict_cell_type(query), whole)


def test_predictions_after_finetune_use_the_current_networks_voter_embedding(model, few):
    _, query = few
    m = copy.deepcopy(model)  # the module's fit of the reference (JAE(CFG, seed=0)), copied: this test fine-tunes it
    V_before = m.embed_transformed(m.voters.features)
    m.finetune(query, epochs=5, progress_bar=False)
    V_after = m.embed_transformed(m.voters.features)
    assert not np.allclose(V_before, V_after, atol=1e-3)  # the network moved the voters
    emb = m.embed(query, key_added=None)
    pred = m.predict_cell_type(query, embedding=emb)
    K = m.layout.n_cell_type
    current = mixture(_linear(m, emb), m.voters.vote(V_after, emb, K))  # _linear refits on the voters as they are now
    np.testing.assert_allclose(pred["confidence"].to_numpy(), current.max(1), atol=1e-5)
    lin_before = LinearClassifier.fit(V_before[:, K:], m.voters.codes, K)
    stale = mixture(m.calibration.linear_probabilities(lin_before.logits(emb[:, K:])),
                    m.voters.vote(V_before, emb, K))
    assert not np.allclose(current, stale, atol=1e-3)


def test_finetune_refits_the_calibration_on_the_kept_heldout_cells(model, few, caplog, tmp_path):
    """The model keeps its held-out reference cells (the calibration's cells); finetune fits the calibration again on
    them, so the ECE and the unknown threshold describe the fine-tuned network, and the cells survive save/load."""
    ref, query = few
    m = copy.deepcopy(model)  # the module's fit of ref (JAE(CFG, seed=0)), copied: this test fine-tunes it
    _, val_idx = split_validation(ref.n_obs, CFG.val_fraction, seed=m.seed)
    held = ref[val_idx].copy()
    np.testing.assert_array_equal(m.calibration_cells.features, m._features(held, layer="counts")[0])
    np.testing.assert_array_equal(m.calibration_cells.codes,
                                  np.searchsorted(m.cell_types, held.obs["cell_type"].astype(str).to_numpy()))
    before = m.calibration.describe()
    m.finetune(query, epochs=5, progress_bar=False)
    cal = m.calibration
    assert cal.describe() != before
    E_held = m.embed(held, key_added=None)
    codes = m.calibration_cells.codes
    assert cal.ece == pytest.approx(expected_calibration_error(mixture(_linear(m, E_held), vote(m, E_held)), codes),
                                    abs=1e-3)
    assert cal.head_threshold == pytest.approx(np.quantile(_head(m, held).max(1), 0.05), abs=1e-4)
    m.save(tmp_path / "m")
    back = JAE.load(tmp_path / "m", device="cpu")
    np.testing.assert_array_equal(back.calibration_cells.features, m.calibration_cells.features)
    np.testing.assert_array_equal(back.calibration_cells.codes, codes)
    # a model file without the cells (format < 5) keeps its calibration and says so
    back.calibration_cells = None
    kept = back.calibration.describe()
    with caplog.at_level(logging.WARNING, logger="jae"):
        back.finetune(query, epochs=1, progress_bar=False)
    assert back.calibration.describe() == kept
    assert any("keeps no held-out reference cells" in r.getMessage() for r in caplog.records)


def test_mapped_model_embeds_voters_as_reference_cells(model, few):
    query = few[1].copy()
    query.obs["batch"] = "new_sample"
    mapped = model.map_query(query, batch_key="batch", epochs=3, progress_bar=False)
    assert np.abs(mapped.adapter.shift).max() > 0
    emb = mapped.embed(query, key_added=None)
    np.testing.assert_allclose(vote(mapped, emb), mapped.voters.vote(model.embed_transformed(model.voters.features),
                                                                     emb, model.layout.n_cell_type))


def test_unknown_call_is_the_heads_confidence_below_its_heldout_threshold(model, few):
    from jae.labels import UNKNOWN_SCORE, unknown_scores

    assert UNKNOWN_SCORE == "head_or_far"
    query = few[1]
    # new cells: embedded divided by the held-out scale, called on their features as they are (jae.query.fit_cells),
    # which the model without its fitted cells embeds
    as_they_are = _as_they_are(model)
    emb = as_they_are.embed(query, key_added=None)
    scores = unknown_scores(model, emb)
    assert set(scores) == {"head", "head_cell", "far", "far_cell", "head_or_far", "confidence", "centroid", "knn"}
    pred = model.predict_cell_type(query, embedding=model.embed(query, key_added=None))
    assert (pred["unknown"].to_numpy() == (scores["head_or_far"] > 1)).all()
    # the score the call thresholds is returned too, to rank cells
    assert pred["unknown_score"].dtype == np.float32
    np.testing.assert_allclose(pred["unknown_score"], scores["head_or_far"], rtol=1e-5)
    assert (pred["unknown"] == (pred["unknown_score"] > 1)).all()
    # the call's score: the head's and the centroid distance's, each cell's own averaged with its SMOOTH_K (10)
    # nearest query cells' (non-type columns), each over its held-out threshold; the larger of the two
    n_ct, k = model.layout.n_cell_type, SMOOTH_K
    d = np.linalg.norm(emb[:, None, n_ct:] - emb[None, :, n_ct:], axis=2)
    near = np.argsort(d, axis=1, kind="stable")[:, :k + 1]
    np.testing.assert_allclose(scores["head"], scores["head_cell"][near].mean(1), rtol=1e-6)
    np.testing.assert_allclose(scores["far_cell"], scores["centroid"])  # paired cells: the centroid score
    np.testing.assert_allclose(scores["far"], scores["far_cell"][near].mean(1), rtol=1e-6)
    np.testing.assert_array_equal(scores["head_or_far"], np.maximum(scores["head"], scores["far"]))
    assert not np.allclose(scores["head"], scores["head_cell"])
    assert pred["unknown"].equals(model.predict_cell_type(query)["unknown"])  # the embedding path calls the same
    # every query type is in the reference; the threshold is 5% of 12 held-out cells of an underfitted head
    assert pred["unknown"].mean() <= 0.2
    # the score is 1 - the calibrated head's top probability (not the mixture's), over its held-out threshold ...
    cal = model.calibration
    np.testing.assert_allclose(scores["head_cell"], (1 - _head(as_they_are, query).max(1)) / (1 - cal.head_threshold),
                               rtol=1e-4, atol=1e-4)
    assert not np.allclose(scores["confidence"] * (1 - cal.confidence_threshold),
                           1 - _head(as_they_are, query).max(1))
    # ... which is the 5% quantile of the held-out reference cells' head confidence
    _, val_idx = split_validation(few[0].n_obs, CFG.val_fraction, seed=model.seed)
    held = few[0][val_idx].copy()
    assert cal.head_threshold == pytest.approx(np.quantile(_head(model, held).max(1), 0.05), abs=1e-4)
    # the kNN score is the mean distance to the 15 nearest voters (non-type columns) over the held-out threshold
    V = model.embed_transformed(model.voters.features)
    d = np.linalg.norm(emb[:, None, n_ct:] - V[None, :, n_ct:], axis=2)
    np.testing.assert_allclose(scores["knn"], np.sort(d, axis=1)[:, :15].mean(1) / model.calibration.knn_threshold,
                               rtol=1e-3)


@pytest.fixture(scope="module")
def left_out():
    """800 simulated CITE-seq cells of 6 types; the reference is a seeded 60% without one type, the query the rest."""
    m = simulate(800, kind="cite", n_genes=300, n_cell_types=6, n_batches=2, seed=11)
    types = m.obs["cell_type"].astype(str).to_numpy()
    novel = sorted(set(types))[2]
    q = np.random.default_rng(1).random(m.n_obs) < 0.4
    model = JAE(CFG, seed=0, device="cpu").fit(m[~q & (types != novel)].copy(), progress_bar=False)
    return model, m[q].copy(), types[q] == novel


def test_a_type_missing_from_the_reference_is_called_unknown_more_often(left_out):
    from sklearn.metrics import roc_auc_score

    from jae.labels import unknown_scores

    model, query, is_new = left_out
    pred = model.predict_cell_type(query)
    new_rate, known_rate = pred["unknown"][is_new].mean(), pred["unknown"][~is_new].mean()
    scores = unknown_scores(model, model.embed(query, key_added=None))
    # measured (session 30): the call's score, the head's averaged over each cell's 10 nearest query cells, ranks the
    # left-out type's cells above the known ones with AUROC 0.953 (0.942 for each cell's own score, whose call flagged
    # 0.152 of them and 0.010 of known cells); averaged, the left-out cells' scores sit at 0.49 of the threshold, so
    # none is flagged here. On the real sets the averaged call flagged about as many left-out cells as the cells' own
    # (0.501 against 0.521) and fewer known ones (0.069 against 0.095): unknown_selection.md, session 30
    assert roc_auc_score(is_new, scores["head"]) > 0.9
    assert scores["head"][is_new].mean() > scores["head"][~is_new].mean() + 0.1
    assert known_rate <= 0.05 and new_rate >= known_rate, (new_rate, known_rate)
    assert roc_auc_score(is_new, scores["head_cell"]) > 0.8


def test_the_unknown_score_is_averaged_over_query_cells_whatever_the_chunks_and_at_scale(left_out, monkeypatch):
    """The call averages the head's score over each cell's SMOOTH_K nearest query cells: the same with any chunking
    of the per-cell steps; above SMOOTH_ANCHORS cells the neighbours are a seeded sample of them, chosen by their
    values (checked by brute force); and the average separates the left-out type better than the cell's own score (measured: AUROC 0.942 ->
    0.953)."""
    from sklearn.metrics import roc_auc_score

    import jae.labels.transfer as labels
    from jae.labels.unknown import anchor_rows

    model, query, is_new = left_out
    emb = model.embed(query, key_added=None)
    scores = labels.unknown_scores(model, emb)
    assert roc_auc_score(is_new, scores["head"]) > roc_auc_score(is_new, scores["head_cell"])
    whole = model.predict_cell_type(query, embedding=emb)["unknown"].to_numpy()
    monkeypatch.setattr(labels, "LABEL_CHUNK", 7)
    assert (model.predict_cell_type(query, embedding=emb)["unknown"].to_numpy() == whole).all()
    rng = np.random.default_rng(0)
    rest, s = rng.normal(size=(400, 5)).astype(np.float32), rng.random(400)
    got = labels.smooth_over_cells(rest, s, seed=3, k=4, anchors=60)
    pool = anchor_rows(rest, 60, seed=3)  # chosen by the cells' values, seeded (since s40: not by row position)
    d = np.linalg.norm(rest[:, None] - rest[pool][None], axis=2)
    for i in range(400):
        others = [pool[j] for j in np.argsort(d[i], kind="stable") if pool[j] != i][:4]
        assert got[i] == pytest.approx((s[i] + s[others].sum()) / 5)
    assert (labels.smooth_over_cells(rest, s, seed=3, k=4, anchors=60) == got).all()  # seeded
    assert not np.allclose(labels.smooth_over_cells(rest, s, seed=4, k=4, anchors=60), got)


def _call(model, emb, head_units, observed=None):
    """The unknown call's score as documented: the head's units and the centroid distance's (one-modality cells in
    their own units), each averaged over the cell and its 10 nearest cells given, the larger of the two."""
    from jae.labels import smooth_over_cells

    rest = emb[:, model.layout.n_cell_type:]
    far = model.calibration.far_score(rest, observed)
    return np.maximum(smooth_over_cells(rest, head_units, seed=model.seed), smooth_over_cells(rest, far, seed=model.seed))


def _fixture_input(folder, model) -> dict:
    """The frozen fixture's input cells (as tests/test_checkpoint_compat.py reads them)."""
    import anndata as ad
    import pandas as pd
    import scipy.sparse as sp

    z = np.load(folder / "input.npz")
    mods = {}
    for i, name in enumerate(("rna", "atac")):
        X = sp.csr_matrix((z[f"{name}_data"], z[f"{name}_indices"], z[f"{name}_indptr"]),
                          shape=tuple(z[f"{name}_shape"]))
        var = pd.DataFrame({"feature_types": model.preprocessor.kinds[i]}, index=model.preprocessor.var_names[i])
        mods[name] = ad.AnnData(X=X, obs=pd.DataFrame(index=z["obs_names"]), var=var, layers={"counts": X})
    return mods


def test_files_without_the_head_threshold_keep_the_knn_call():
    """A format-3 file (saved before head_threshold) loads and calls unknown by the kNN distance, as it did."""
    from pathlib import Path

    from jae.labels import unknown_scores

    folder = Path(__file__).parent / "fixtures" / "model_v3"
    m = JAE.load(folder / "model", device="cpu")
    assert np.isnan(m.calibration.head_threshold) and np.isnan(m.calibration.ece_floor)
    mdata = _fixture_input(folder, m)
    scores = unknown_scores(m, m.embed(mdata, key_added=None))
    assert "head" not in scores
    pred = m.predict_cell_type(mdata)
    assert (pred["unknown"].to_numpy() == (scores["knn"] > 1)).all()
    np.testing.assert_allclose(pred["unknown_score"], scores["knn"], rtol=1e-5)  # the score that call thresholds


def test_no_small_threshold_warning_with_enough_heldout_cells(caplog):
    """400 reference cells hold out 40 for calibration: enough for the unknown call's 5% quantile, so no warning."""
    m = simulate(400, kind="multiome", n_genes=300, n_peaks=400, n_cell_types=4, n_batches=2, seed=6)
    with caplog.at_level(logging.WARNING, logger="jae.labels.transfer"):
        model = JAE(JAEConfig(max_epochs=2, n_svd=20), seed=0, device="cpu").fit(m, progress_bar=False)
    assert model.calibration.n_heldout >= 20
    assert not any("quantile needs" in r.getMessage() for r in caplog.records)


def test_an_embedding_of_another_shape_is_refused_in_one_line(model, few):
    """predict_cell_type(data, embedding=E) with E of fewer rows than data's cells returned labels for those rows
    alone, indexed 0..n-1; E of other columns failed inside numpy's matmul. Both are refused naming the shape."""
    query = few[1]
    embedding = model.embed(query, key_added=None)
    width = embedding.shape[1]
    for bad in (embedding[:10], embedding[:, :5], embedding[0]):
        with pytest.raises(ValueError, match=rf"embedding has shape .*, not \({query.n_obs}, {width}\): pass"):
            model.predict_cell_type(query, embedding=bad)
    assert "jae_cell_type" not in query.obs
    labels = model.predict_cell_type(None, embedding=embedding[:10])  # no data: any number of cells
    assert len(labels) == 10


def test_labels_of_a_file_path_are_indexed_by_cell_name(model, few, tmp_path):
    """model.predict_cell_type('query.h5mu') (embed takes a path too) returned labels indexed 0..n-1, so they could
    not be joined to the cells; they are indexed by the file's cell names, as for the MuData read from it."""
    query = few[1]
    query.write(tmp_path / "q.h5mu")
    from_file = model.predict_cell_type(str(tmp_path / "q.h5mu"))
    pd.testing.assert_frame_equal(from_file.loc[query.obs_names], model.predict_cell_type(query), check_exact=False)
    assert list(from_file.index) == list(query.obs_names)


def test_a_given_embedding_as_a_dataframe_is_read_by_its_cell_names(model, few):
    """predict_cell_type(embedding=DataFrame indexed by obs_names in another order): aligned by name."""
    query = few[1][:200].copy()
    emb = model.embed(query, key_added=None)
    order = np.random.default_rng(1).permutation(query.n_obs)
    frame = pd.DataFrame(emb[order], index=query.obs_names[order])
    pd.testing.assert_frame_equal(model.predict_cell_type(query, embedding=frame),
                                  model.predict_cell_type(query, embedding=emb))


def test_labels_of_a_dict_of_anndata_with_a_given_embedding_are_indexed_by_cell(model, few):
    """With embedding= given, a dict of AnnData got labels indexed 0..n-1 instead of by its cells."""
    query = few[1][:100].copy()
    mods = {name: query.mod[name] for name in query.mod}
    emb = model.embed(mods, key_added=None)
    pd.testing.assert_frame_equal(model.predict_cell_type(mods, embedding=emb), model.predict_cell_type(mods))
    assert list(model.predict_cell_type(mods).index) == list(query["rna"].obs_names)


def test_scanvi_unknown_labels_are_warned_about_with_the_fix(caplog):
    """scvi-tools users mark query cells with scANVI's unlabeled_category "Unknown": jae learnt it silently as a cell
    type of its own (a column of the embedding, predicted for other cells); it now warns, naming the fix."""
    m = simulate(300, kind="cite", n_genes=200, n_cell_types=4, n_batches=2, seed=1)
    query = (m.obs["batch"].astype(str) == m.obs["batch"].cat.categories[1]).to_numpy()
    m.obs["labels"] = np.where(query, "Unknown", m.obs["cell_type"].astype(str))
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = JAE(JAEConfig(max_epochs=2, n_svd=20), device="cpu").fit(m, cell_type_key="labels", progress_bar=False)
    warned = [r.getMessage() for r in caplog.records if "scANVI" in r.getMessage()]
    assert "Unknown" in model.cell_types and len(warned) == 1
    assert warned[0].startswith(f"{int(query.sum())} reference cells have the cell-type label 'Unknown' in obs['labels']")
    assert warned[0].endswith("obs['labels'] = obs['labels'].where(~obs['labels'].isin(['Unknown']))")
    caplog.clear()
    m.obs["labels"] = m.obs["labels"].where(~m.obs["labels"].isin(["Unknown"]))  # the fix: the cells are the query
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = JAE(JAEConfig(max_epochs=2, n_svd=20), device="cpu").fit(m, cell_type_key="labels", progress_bar=False)
    assert "Unknown" not in model.cell_types and not [r for r in caplog.records if "scANVI" in r.getMessage()]


def test_labels_of_a_dict_of_anndata_describe_their_own_cells(model, few):
    """predict_cell_type({'atac': ..., 'rna': ...}) (or modalities in other cell orders) indexed its labels by the
    first AnnData's cells but computed them in RNA's order: each cell got another cell's label, in the returned frame
    and in each AnnData's obs; embed's rows followed RNA's order, so an embedding passed back did not match either."""
    _, query = few
    truth = model.predict_cell_type(query)
    truth_embedding = model.embed(query, key_added=None)
    perm = np.random.default_rng(0).permutation(query.n_obs)
    data = {"atac": query["atac"][perm].copy(), "rna": query["rna"].copy()}
    labels = model.predict_cell_type(data, key_added="jae")
    assert list(labels.index) == list(query.obs_names[perm])  # the first AnnData's cells, as before
    pd.testing.assert_frame_equal(labels.reindex(truth.index), truth)
    for adata in data.values():
        assert np.array_equal(adata.obs["jae_confidence"].to_numpy(), truth["confidence"].reindex(adata.obs_names))
    embedding = model.embed(data)
    np.testing.assert_allclose(embedding, truth_embedding[perm], atol=1e-5)  # rows in the labels' order
    pd.testing.assert_frame_equal(model.predict_cell_type(data, embedding=embedding), labels)
    np.testing.assert_allclose(data["rna"].obsm["X_jae"], truth_embedding, atol=1e-5)


def test_a_stored_embedding_from_another_state_of_the_model_is_refused(left_out, tmp_path):
    """predict_cell_type(data, embedding='X_jae') took an embedding made before a finetune (confidences up to 0.035
    off the model's own, no message): the embedding's record in uns says which model state made it."""
    import copy

    import mudata

    model, query, _ = left_out
    model, data = copy.deepcopy(model), query.copy()
    model.embed(data)
    fresh = model.predict_cell_type(data, embedding="X_jae")
    data.write(tmp_path / "q.h5mu")  # a record read back holds numpy arrays: the same state still
    back = model.predict_cell_type(mudata.read_h5mu(tmp_path / "q.h5mu"), embedding="X_jae")
    pd.testing.assert_frame_equal(back, fresh)
    model.finetune(data, epochs=1, seed=5, progress_bar=False)
    with pytest.raises(ValueError, match=r"^embedding='X_jae' was made by another state of this model: its record "
                                         r"uns\['jae'\] differs in its fine-tunings \(seeds \[\] then, \[5\] now\); "
                                         r"embed the cells again with this model"):
        model.predict_cell_type(data, embedding="X_jae")
    model.embed(data)  # embedded again by this state: accepted, and the same as without the embedding
    pd.testing.assert_frame_equal(model.predict_cell_type(data, embedding="X_jae"), model.predict_cell_type(data))
    data.obsm["mine"] = data.obsm["X_jae"]  # stored by hand: no record, nothing to compare
    model.predict_cell_type(data, embedding="mine")


def test_cells_measured_in_one_modality_are_called_against_heldout_cells_placed_from_it(left_out):
    """The head is less sure of a cell placed from its RNA alone (the proteins filled by their regression on it), so
    against the paired held-out cells' threshold known RNA-only cells were flagged unknown (PBMC10k: 17% against 6%
    paired; unknown_selection.md, session 31). Each one-modality cell is now measured against the 5% quantile of the
    held-out cells placed from that modality alone, on both of predict_cell_type's paths and per cell in mosaic data."""
    import dataclasses

    from jae.query import fill_missing_blocks

    model, query, is_new = left_out
    cal, ct = model.calibration, model.layout.block("cell_type")
    X = model.calibration_cells.features
    for i, threshold in enumerate((cal.head_threshold_rna_alone, cal.head_threshold_other_alone)):
        observed = np.zeros((len(X), 2), dtype=bool)
        observed[:, i] = True
        alone = fill_missing_blocks(model, np.array(X), observed)
        head = cal.probabilities(model.latent_transformed(alone)[:, ct])
        assert threshold == pytest.approx(np.quantile(head.max(1), 0.05), abs=1e-5)
        far = (cal.far_threshold_rna_alone, cal.far_threshold_other_alone)[i]  # the distance's, from the same cells
        rest = model.embed_transformed(alone)[:, model.layout.n_cell_type:]
        assert far == pytest.approx(np.quantile(cal.relative_distance(rest), 0.95), rel=1e-5)
    assert cal.head_threshold_rna_alone < cal.head_threshold  # measured: 0.54 against 0.58
    rna = query["rna"].copy()
    # new cells: the call reads them undivided (jae.query.fit_cells)
    emb = _as_they_are(model).embed(rna, key_added=None)
    pred = model.predict_cell_type(rna)
    own = (1 - _head(_as_they_are(model), rna).max(1)) / (1 - cal.head_threshold_rna_alone)
    rna_only = np.column_stack([np.ones(rna.n_obs, bool), np.zeros(rna.n_obs, bool)])
    np.testing.assert_allclose(pred["unknown_score"], _call(model, emb, own, rna_only), rtol=1e-4, atol=1e-5)
    assert not np.allclose(pred["unknown_score"], _call(model, emb, own), rtol=1e-4, atol=1e-5)  # far: own units
    given = model.predict_cell_type(rna, embedding=model.embed(rna, key_added=None))  # called the same
    assert given["unknown"].equals(pred["unknown"])
    np.testing.assert_allclose(given["unknown_score"], pred["unknown_score"], rtol=1e-4, atol=1e-5)
    # against the paired cells' threshold (a file saved before these thresholds) known RNA-only cells are flagged
    # more: measured 0.030 against 0.003 here
    # (a file without its calibration cells, which would give them back: format < 5)
    model.calibration = dataclasses.replace(cal, head_threshold_rna_alone=np.nan, head_threshold_other_alone=np.nan,
                                            far_threshold_rna_alone=np.nan, far_threshold_other_alone=np.nan)
    kept, model.calibration_cells = model.calibration_cells, None
    try:
        before = model.predict_cell_type(rna)
    finally:
        model.calibration, model.calibration_cells = cal, kept
    assert before["unknown"][~is_new].mean() > pred["unknown"][~is_new].mean()
    # mosaic data: each cell by what it has (the paired ones by the paired threshold)
    mosaic = query.copy()
    prot = mosaic["prot"].X.toarray() if hasattr(mosaic["prot"].X, "toarray") else np.array(mosaic["prot"].X)
    gone = np.arange(mosaic.n_obs) % 3 == 0
    prot[gone] = np.nan
    mosaic.mod["prot"] = mosaic["prot"].copy()
    mosaic["prot"].X = prot
    for layer in list(mosaic["prot"].layers):
        del mosaic["prot"].layers[layer]
    got = model.predict_cell_type(mosaic, layer=None)
    emb = model.embed(mosaic, layer=None, key_added=None)
    given = model.predict_cell_type(mosaic, layer=None, embedding=emb)
    assert given["unknown"].equals(got["unknown"])
    np.testing.assert_allclose(given["unknown_score"], got["unknown_score"], rtol=1e-4, atol=1e-5)
    plain = _as_they_are(model)  # the call reads new cells undivided (jae.query.fit_cells)
    Z = plain.latent(mosaic, layer=None)
    conf = cal.probabilities(Z[:, ct]).max(1)
    threshold = np.where(gone, cal.head_threshold_rna_alone, cal.head_threshold)
    np.testing.assert_allclose(got["unknown_score"],
                               _call(model, plain.embed(mosaic, layer=None, key_added=None), (1 - conf) / (1 - threshold),
                                     np.column_stack([np.ones_like(gone), ~gone])),
                               rtol=1e-4, atol=1e-5)


def test_the_one_modality_thresholds_survive_save_and_load(left_out, tmp_path):
    model = left_out[0]
    cal = JAE.load(model.save(tmp_path / "m")).calibration
    assert cal.head_threshold_rna_alone == model.calibration.head_threshold_rna_alone
    assert cal.head_threshold_other_alone == model.calibration.head_threshold_other_alone


def test_one_modality_thresholds_follow_the_cells_of_a_dict_in_another_order(left_out):
    """A dict {'prot': ..., 'rna': ...} of cells measured in part in each returns its labels in the dict's order (the
    proteins' cells first), while the features come in the model's (the RNA's first): the which-modality mask was
    read in the features' order, so cells were measured against another cell's threshold (the paired one for an
    RNA-only cell; scores off by up to 0.24 of the threshold here), on both paths."""
    from jae.query import query_features

    model, query, _ = left_out
    cal, n = model.calibration, query.n_obs
    data = {"prot": query["prot"][: n // 2].copy(), "rna": query["rna"][n // 3:].copy()}
    got = model.predict_cell_type(data)
    features = query_features(model, data)
    observed = pd.DataFrame(features.observed, index=features.cells).loc[got.index].to_numpy()
    assert not (observed.all(axis=1).all() or observed[:, 0].all() or observed[:, 1].all())
    threshold = np.select([observed[:, 0] & ~observed[:, 1], observed[:, 1] & ~observed[:, 0]],
                          [cal.head_threshold_rna_alone, cal.head_threshold_other_alone], cal.head_threshold)
    plain = _as_they_are(model)  # the call reads new cells undivided (jae.query.fit_cells)
    conf = cal.probabilities(plain.latent(data)[:, model.layout.block("cell_type")]).max(1)
    want = _call(model, plain.embed(data, key_added=None), (1 - conf) / (1 - threshold), observed)
    np.testing.assert_allclose(got["unknown_score"], want, rtol=1e-4, atol=1e-5)
    given = model.predict_cell_type(data, embedding=model.embed(data, key_added=None))
    np.testing.assert_allclose(given["unknown_score"], want, rtol=1e-4, atol=1e-5)


def test_the_obsm_key_embed_stored_in_a_dict_of_anndata_is_read_back(left_out):
    """model.embed(dict) stores obsm['X_jae'] in each AnnData of the dict, but predict_cell_type(dict,
    embedding='X_jae') refused it ('is not a key of data.obsm (its keys: none); pass the key model.embed(data)
    stored'), the key it had just stored; it is now read from the AnnData holding it, cell by cell (here a mosaic
    dict whose modalities hold different cells), and gives the labels computed without it."""
    model, query, _ = left_out
    n = query.n_obs
    data = {"prot": query["prot"][: n // 2].copy(), "rna": query["rna"][n // 3:].copy()}
    model.embed(data)
    pd.testing.assert_frame_equal(model.predict_cell_type(data, embedding="X_jae"), model.predict_cell_type(data),
                                  check_exact=False, rtol=1e-4, atol=1e-5)
    with pytest.raises(KeyError, match=r"is not a key of data.obsm \(its keys: 'X_jae'\)"):
        model.predict_cell_type(data, embedding="X_other")


def test_a_file_saved_before_the_one_modality_thresholds_gets_them_from_its_calibration_cells():
    """A model saved before session 31 (format 5 or 6) keeps its held-out calibration cells and feature moments, yet
    its cells measured in RNA alone were called against the paired cells' threshold, the defect the one-modality
    thresholds fixed (PBMC10k: 17% of known RNA-only cells flagged against 6%) until the model was refitted; they now
    get the RNA-alone threshold, computed from the file's own calibration cells as fit computes it."""
    from pathlib import Path

    from jae.query import fill_missing_blocks

    folder = Path(__file__).parent / "fixtures" / "model_v5"
    m = JAE.load(folder / "model", device="cpu")
    assert np.isnan(m.calibration.head_threshold_rna_alone) and m.calibration_cells is not None
    X = m.calibration_cells.features
    observed = np.zeros((len(X), 2), dtype=bool)
    observed[:, 0] = True
    logits = m.latent_transformed(fill_missing_blocks(m, np.array(X), observed))[:, m.layout.block("cell_type")]
    threshold = np.quantile(m.calibration.probabilities(logits).max(1), 0.05)
    rna = _fixture_input(folder, m)["rna"]
    pred = m.predict_cell_type(rna)
    assert m.calibration.head_threshold_rna_alone == pytest.approx(threshold, abs=1e-6)
    own = (1 - _head(m, rna).max(1)) / (1 - threshold)
    emb = m.embed(rna, key_added=None)
    rna_only = np.column_stack([np.ones(len(own), bool), np.zeros(len(own), bool)])
    assert np.isfinite(m.calibration.far_threshold_rna_alone)  # the distance's too, from the same cells
    np.testing.assert_allclose(pred["unknown_score"], _call(m, emb, own, rna_only), rtol=1e-4, atol=1e-5)


def test_labels_of_a_file_path_with_its_embedding_given_are_indexed_and_checked_by_cell(model, few, tmp_path):
    """predict_cell_type('query.h5mu', embedding=E) returned labels indexed 0..n-1 (without E: by the file's cell
    names), and took an E of other cells (too few rows) without a word, labelling those rows alone; the file's cells
    now index the labels and E is checked against them, as for the MuData read from it."""
    query = few[1][:150].copy()
    path = str(tmp_path / "q.h5mu")
    query.write(path)
    emb = model.embed(path, key_added=None)
    pd.testing.assert_frame_equal(model.predict_cell_type(path, embedding=emb), model.predict_cell_type(path),
                                  check_exact=False, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"embedding has shape \(100, \d+\), not \(150, \d+\)"):
        model.predict_cell_type(path, embedding=emb[:100])


def test_unknown_scores_measure_one_modality_cells_as_predict_cell_type_does(left_out):
    """jae.labels.unknown_scores measured every cell against the paired cells' threshold (it takes no data), so its
    'head' score of RNA-only cells disagreed with predict_cell_type's unknown_score; observed= (jae.query.measured of
    the data) now gives the same scores, and without it the scores are those of paired cells, as before."""
    from jae.labels import unknown_scores
    from jae.query import measured

    model, query, _ = left_out
    rna = query["rna"].copy()
    emb = _as_they_are(model).embed(rna, key_added=None)  # new cells as the call reads them (jae.query.fit_cells)
    observed = measured(model, rna)
    assert observed[:, 0].all() and not observed[:, 1].any()
    scores = unknown_scores(model, emb, observed=observed)
    np.testing.assert_allclose(scores["head_or_far"], model.predict_cell_type(rna)["unknown_score"], rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(scores["far_cell"] * model.calibration.far_threshold_rna_alone,
                               model.calibration.relative_distance(emb[:, model.layout.n_cell_type:]), rtol=1e-5)
    paired = unknown_scores(model, emb)
    cal = model.calibration
    np.testing.assert_allclose(paired["head_cell"] * (1 - cal.head_threshold),
                               scores["head_cell"] * (1 - cal.head_threshold_rna_alone), rtol=1e-6)
    assert not np.allclose(paired["head"], scores["head"])
    with pytest.raises(ValueError, match=r"observed has shape \(3, 2\), not \(\d+, 2\): pass jae.query.measured"):
        unknown_scores(model, emb, observed=observed[:3])


def test_a_given_embedding_of_mosaic_data_in_memory_is_labelled_without_computing_its_features(left_out,
                                                                                              monkeypatch):
    """predict_cell_type(mosaic, embedding=emb) computed every cell's features (jae.query.measured through
    query_features) only to learn which modalities each cell has; it now reads that from the cells each modality
    holds, with the same mask, in the data's cell order, and the same labels. (A model that keeps its fitted cells
    computes new cells' features for the unknown call, which reads them undivided: session 42, jae.query.fit_cells.)"""
    import jae.query.features as query_module
    from jae.query import measured, query_features

    model, query, _ = left_out
    model = _as_they_are(model)  # new cells: a model that keeps its fitted cells computes them for the call
    n = query.n_obs
    data = {"prot": query["prot"][: n // 2].copy(), "rna": query["rna"][n // 3:].copy()}
    emb = model.embed(data, key_added=None)
    features = query_features(model, data)
    want = pd.DataFrame(features.observed, index=features.cells)
    labels = model.predict_cell_type(data, embedding=emb)

    def refused(*args, **kwargs):
        raise AssertionError("features computed")

    monkeypatch.setattr(query_module, "_transform", refused)
    got = measured(model, data)
    np.testing.assert_array_equal(got, want.loc[labels.index].to_numpy())
    pd.testing.assert_frame_equal(model.predict_cell_type(data, embedding=emb), labels)
