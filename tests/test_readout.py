"""The principal readout (jae.model.readout): how the embedding is read off the network and the input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.model import LatentLayout
from jae.model.readout import Readout, axes_carry, between_type_variance, principal_axes, softmax

CFG = JAEConfig(max_epochs=6, n_svd=20)


@pytest.fixture(scope="module")
def fitted(query_mdata):
    return JAE(CFG, seed=1, device="cpu").fit(query_mdata, cell_type_key="ct_ref", progress_bar=False)


def _reference(query_mdata):
    return query_mdata.obs["ct_ref"].notna().to_numpy()


def _predicted_centroid_variance(P, X, codes, n_types):
    M = np.stack([X[codes == k].mean(0) for k in range(n_types)]).astype(np.float64)
    return float((P.astype(np.float64) @ M).var(axis=0).sum())


def test_cell_type_part_carries_the_between_type_variance_the_head_resolves(fitted, query_mdata):
    ref = _reference(query_mdata)
    X = fitted._features(query_mdata, layer="counts")[0]
    E = fitted.embed(query_mdata, key_added=None)
    n_ct = fitted.layout.n_cell_type
    codes = np.array([fitted.cell_types.index(c) for c in query_mdata.obs["ct_ref"][ref].astype(str)])
    P = fitted.readout.type_probabilities(E[ref], fitted.layout)
    # round 46: the equal mixture of the head's softmax and the readout's linear classifier of the other columns
    head = softmax(fitted.latent(query_mdata)[ref][:, fitted.layout.block("cell_type")])
    ro = fitted.readout
    e = np.exp(E[ref, n_ct:].astype(np.float64) @ ro.type_coef.T.astype(np.float64) + ro.type_intercept)
    np.testing.assert_allclose(P, 0.5 * head + 0.5 * e / e.sum(1, keepdims=True), atol=1e-5)
    np.testing.assert_allclose(ro.probabilities(E[ref], fitted.layout), head, atol=1e-5)  # the head, back
    # the classifier is fitted on the reference cells outside the early-stopping split, which the label calibration
    # is fitted on: they stay as new to it as query cells
    from jae.model.linear import LinearClassifier
    from jae.train.loop import split_validation

    train, _ = split_validation(int(ref.sum()), CFG.val_fraction, seed=fitted.seed)
    refit = LinearClassifier.fit(E[ref][train, n_ct:], codes[train], n_ct)
    np.testing.assert_allclose(ro.type_coef, refit.coef, atol=1e-4)
    unshrunk = (fitted.readout.type_scale * (P - fitted.readout.type_center)).var(axis=0).sum()
    np.testing.assert_allclose(unshrunk, _predicted_centroid_variance(P, X[ref], codes, n_ct), rtol=1e-3)
    type_var = E[ref, :n_ct].var(axis=0).sum()  # after the opt-in cell-cycle shrink (round 33): never more
    assert type_var <= unshrunk * (1 + 1e-5)
    assert type_var <= between_type_variance(X[ref], codes, n_ct) * (1 + 1e-4)  # never more than the labels explain
    assert type_var < E[ref, n_ct:].var(axis=0).sum()  # a minority of the total: within-type structure stays


def _principal_components(X, ref, start, stop, batch=None):
    """Components start..stop of the rows ``ref`` of ``X``: of the within-batch covariance when ``batch`` is given
    (every fit, ``principal_within_batch``), each row centred on its batch's mean for the fit only; of the plain
    covariance otherwise (``principal_within_batch=False``)."""
    Xr = X[ref].astype(np.float64)
    centred = Xr - Xr.mean(0)
    if batch is not None:
        b = np.asarray(batch)[ref]
        for g in np.unique(b):
            centred[b == g] = Xr[b == g] - Xr[b == g].mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return (X - Xr.mean(0)) @ vt[start:stop].T


def _batch(mdata):
    return mdata.obs["batch"].astype(str).to_numpy()


def test_components_kind_reads_the_top_principal_components(query_mdata):
    # the "components" readout: the free units are not read; the input's own top components are
    fitted = JAE(replace(CFG, readout="components"), seed=1, device="cpu").fit(
        query_mdata, cell_type_key="ct_ref", progress_bar=False)
    X = fitted._features(query_mdata, layer="counts")[0]
    E = fitted.embed(query_mdata, key_added=None)
    n_ct = fitted.layout.n_cell_type
    pcs = E[:, n_ct:]
    assert pcs.shape[1] == min(CFG.n_principal, 2 * CFG.n_svd) and not fitted.readout.free_units
    ref = _reference(query_mdata)  # the axes are fitted on the reference cells (principal_all_cells: every cell)
    assert len(np.unique(_batch(query_mdata)[ref])) > 1  # several reference batches: within-batch axes (round 43)
    np.testing.assert_allclose(np.abs(pcs), np.abs(_principal_components(X, ref, 0, pcs.shape[1], _batch(query_mdata))),
                               atol=2e-3)
    assert fitted.column_names[n_ct] == "pc:0" and fitted.column_names[-1] == f"pc:{pcs.shape[1] - 1}"
    # a fitted network's free units are not its principal components, so they are not what is read
    Z = fitted.latent(query_mdata)[:, fitted.layout.block("free")]
    assert not np.allclose(np.abs(Z), np.abs(pcs[:, : Z.shape[1]]), atol=1e-2)


def test_default_principal_kind_reads_free_units_then_the_next_principal_components(fitted, query_mdata):
    model = fitted  # the default readout (round 28)
    assert JAEConfig().readout == "principal" and model.readout.free_units
    X = model._features(query_mdata, layer="counts")[0]
    Z = model.latent(query_mdata)
    E = model.embed(query_mdata, key_added=None)
    n_ct, n_free = model.layout.n_cell_type, model.layout.n_free
    np.testing.assert_array_equal(E[:, n_ct:n_ct + n_free], Z[:, model.layout.block("free")])
    tail = E[:, n_ct + n_free:]
    expected = _principal_components(X, _reference(query_mdata), n_free, n_free + tail.shape[1], _batch(query_mdata))
    np.testing.assert_allclose(np.abs(tail), np.abs(expected), atol=2e-3)  # up to each axis's sign
    assert model.column_names[n_ct] == "free:0" and model.column_names[-1] == f"pc:{n_free + tail.shape[1] - 1}"


def test_label_transfer_reads_the_same_probabilities_from_the_embedding(fitted, query_mdata):
    E = fitted.embed(query_mdata, key_added=None)
    direct = fitted.predict_cell_type(query_mdata)
    via = fitted.predict_cell_type(query_mdata, embedding=E)
    assert (direct["cell_type"] == via["cell_type"]).all()
    np.testing.assert_allclose(direct["confidence"], via["confidence"], atol=1e-5)
    from jae.labels import vote
    from jae.model.linear import LinearClassifier
    from jae.model.voters import mixture

    # the calibrated linear classifier on the embedding's columns after the type part, mixed with the voters'
    # 15-NN vote (jae.labels)
    K = fitted.layout.n_cell_type
    V = fitted.embed_transformed(fitted.voters.features)
    P = fitted.calibration.linear_probabilities(LinearClassifier.fit(V[:, K:], fitted.voters.codes, K).logits(E[:, K:]))
    np.testing.assert_allclose(direct["confidence"], mixture(P, vote(fitted, E)).max(axis=1), atol=1e-6)


def test_latent_readout_is_the_raw_latent(query_mdata):
    model = JAE(replace(CFG, readout="latent"), seed=1, device="cpu").fit(
        query_mdata, cell_type_key="ct_ref", progress_bar=False
    )
    assert model.readout is None
    np.testing.assert_array_equal(model.embed(query_mdata, key_added=None), model.latent(query_mdata))
    assert len(model.column_names) == model.layout.dim


def test_unsupervised_mode_reads_the_principal_components_unless_asked(query_mdata):
    cfg = replace(CFG, mode="unsupervised")
    model = JAE(cfg, seed=0, device="cpu").fit(query_mdata, cell_type_key=None, progress_bar=False)
    X = model._features(query_mdata, layer="counts")[0]
    E = model.embed(query_mdata, key_added=None)  # no cell-type part: the input's top principal components
    n = min(CFG.n_principal, 2 * CFG.n_svd)
    assert E.shape[1] == n and model.column_names[0] == "pc:0"
    everyone = np.ones(len(X), dtype=bool)
    np.testing.assert_allclose(np.abs(E), np.abs(_principal_components(X, everyone, 0, n, _batch(query_mdata))),
                               atol=2e-3)
    assert len(np.unique(_batch(query_mdata))) > 1  # so the two kinds of axes differ
    plain = JAE(replace(cfg, principal_within_batch=False), seed=0, device="cpu").fit(
        query_mdata, cell_type_key=None, progress_bar=False).embed(query_mdata, key_added=None)
    np.testing.assert_allclose(np.abs(plain), np.abs(_principal_components(X, everyone, 0, n)), atol=2e-3)
    assert not np.allclose(np.abs(plain), np.abs(E), atol=1e-2)
    kept = JAE(replace(cfg, readout_unsupervised="principal"), seed=0, device="cpu").fit(
        query_mdata, cell_type_key=None, progress_bar=False
    )  # round 22's readout: the free units first
    F = kept.embed(query_mdata, key_added=None)
    assert F.shape[1] == n and kept.column_names[0] == "free:0"
    np.testing.assert_array_equal(F[:, : kept.layout.n_free], kept.latent(query_mdata)[:, kept.layout.block("free")])
    raw = JAE(replace(cfg, readout_unsupervised="latent"), seed=0, device="cpu").fit(
        query_mdata, cell_type_key=None, progress_bar=False
    )
    assert raw.readout is None and raw.embed(query_mdata, key_added=None).shape[1] == raw.layout.dim


def test_principal_axes_in_chunks_match_a_direct_svd_and_fix_signs():
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(97, 7)) * np.linspace(4, 0.5, 7) + 1.0).astype(np.float32)
    mean, axes = principal_axes(X, 5, chunk=10)
    _, _, vt = np.linalg.svd(X - X.mean(0), full_matrices=False)
    np.testing.assert_allclose(mean, X.mean(0), rtol=1e-5)
    np.testing.assert_allclose(np.abs(axes @ vt[:5].T), np.eye(5), atol=1e-6)
    assert (axes[np.arange(5), np.abs(axes).argmax(1)] > 0).all()
    _, flipped = principal_axes(-X, 5)
    np.testing.assert_allclose(flipped, axes, atol=1e-6)  # the signs do not depend on the data's sign


def test_readout_fit_checks_sizes_and_handles_missing_labels():
    rng = np.random.default_rng(0)
    layout = LatentLayout(n_cell_type=2, n_batch=1, n_phase=0, n_free=2)
    X = rng.normal(size=(30, 6)).astype(np.float32)
    Z = rng.normal(size=(30, layout.dim)).astype(np.float32)
    codes = np.r_[np.zeros(10, int), np.ones(10, int), -np.ones(10, int)]
    X[codes == 1] += 3.0
    latent = dict(zip(map(bytes, X), Z))  # a stand-in network: features -> latent rows
    r = Readout.fit(X, lambda F: np.stack([latent[bytes(f)] for f in F]), layout=layout, n_principal=4, codes=codes,
                    chunk=7)
    assert r.n_tail == 2 and r.dim(layout) == 2 + 4 and r.type_scale > 0
    E = r(X, Z, layout)
    assert E.shape == (30, 6) and np.isfinite(E).all()
    np.testing.assert_allclose(r.probabilities(E, layout), softmax(Z[:, :2]), atol=1e-5)
    P = softmax(Z[:20, :2]).astype(np.float64)  # the scale from the labelled cells, accumulated in chunks
    np.testing.assert_allclose(r.type_scale ** 2 * ((P - P.mean(0)) ** 2).sum(1).mean(),
                               _predicted_centroid_variance(P, X[:20], codes[:20], 2), rtol=1e-4)


def test_a_head_near_the_uniform_guess_adds_almost_nothing_and_a_sure_one_adds_the_between_type_variance():
    """Round 27: the type part's weight follows what the head resolves. A head that barely left the uniform guess
    (its logits tiny and unrelated to the labels) must not have its noise scaled up to the between-type variance."""
    rng = np.random.default_rng(1)
    layout = LatentLayout(n_cell_type=3, n_batch=1, n_phase=0, n_free=2)
    codes = np.repeat(np.arange(3), 40)
    X = rng.normal(size=(120, 8)).astype(np.float32)
    X += 4.0 * np.eye(3, 8, dtype=np.float32)[codes]  # three well-separated types
    between = between_type_variance(X, codes, 3)
    for logits, expected in ((1e-3 * rng.normal(size=(120, 3)), 0.0), (20.0 * np.eye(3)[codes], between)):
        Z = np.zeros((120, layout.dim), np.float32)
        Z[:, :3] = logits
        lookup = dict(zip(map(bytes, X), Z))
        r = Readout.fit(X, lambda F: np.stack([lookup[bytes(f)] for f in F]), layout=layout, n_principal=4,
                        codes=codes)
        type_var = r(X, Z, layout)[:, :3].var(axis=0).sum()
        assert type_var == pytest.approx(expected, abs=0.02 * between)


def test_axes_from_the_reference_alone_leave_new_cells_less_spread_than_the_reference():
    """Round 33's mechanism: with few reference cells for the input's width, the top axes of the reference alone fit
    those cells' own noise, so cells outside the fit come out less spread along them; axes fitted on every cell
    given to fit treat the reference and the query alike."""
    from jae.datasets import simulate

    m = simulate(360, kind="multiome", n_genes=300, n_peaks=500, n_cell_types=3, n_batches=2, seed=4)
    rng = np.random.default_rng(0)
    ref = rng.random(m.n_obs) < 0.25  # 90 reference cells, a query from the same population
    m.obs["ct_ref"] = m.obs["cell_type"].astype(object).where(ref)
    cfg = replace(CFG, readout="components", n_svd=40, n_principal=30, max_epochs=2)
    spread = {}
    for everyone in (True, False):  # forced on, or off with round 38's small-reference rule turned off too
        model = JAE(replace(cfg, principal_all_cells=everyone, type_cycle_shrink=everyone, axes_carry_min=0.0),
                    seed=0, device="cpu").fit(m, cell_type_key="ct_ref", progress_bar=False)
        assert (model.readout.cycle_axes is not None) == everyone  # the opt-in shrink is fitted only when asked
        pcs = model.embed(m, key_added=None)[:, model.layout.n_cell_type:]
        spread[everyone] = pcs[~ref].var(axis=0).sum() / pcs[ref].var(axis=0).sum()
    X = model._features(m, layer="counts")[0]
    same = X[~ref].var(axis=0).sum() / X[ref].var(axis=0).sum()  # the input: equally spread
    assert 0.9 < same < 1.1
    assert spread[False] < 0.85 * same  # reference-only axes: the query is squeezed
    assert abs(spread[True] - same) < abs(spread[False] - same)


def _cycle_readout(S, logits, codes, X):
    layout = LatentLayout(n_cell_type=logits.shape[1], n_batch=1, n_phase=0, n_free=2)
    Z = np.zeros((len(X), layout.dim), np.float32)
    Z[:, : logits.shape[1]] = logits
    lookup = dict(zip(map(bytes, X), Z))
    r = Readout.fit(X, lambda F: np.stack([lookup[bytes(f)] for f in F]), layout=layout, n_principal=4,
                    codes=codes, phase=S, chunk=50)
    return r, layout, Z


def test_the_type_part_keeps_only_the_variance_the_cell_cycle_does_not_explain():
    """Round 33: along the type-part direction the S/G2M scores predict, the readout keeps sqrt(1 - R^2) of each
    cell's coordinate; the other directions, and the probabilities read back, are unchanged."""
    rng = np.random.default_rng(2)
    n = 300
    codes = rng.integers(0, 3, n)
    X = (rng.normal(size=(n, 8)) + 3.0 * np.eye(3, 8)[codes]).astype(np.float32)
    S = rng.normal(size=(n, 2))
    logits = 3.0 * np.eye(3)[codes] + rng.normal(scale=0.3, size=(n, 3))
    logits[:, 2] += 2.0 * S[:, 1]  # type 2's probability follows the G2/M score: cycling cells called type 2
    r, layout, Z = _cycle_readout(S, logits, codes, X)
    assert r.cycle_axes.shape[1] == 3 and 1 <= len(r.cycle_axes) <= 2
    np.testing.assert_allclose(r.cycle_axes @ r.cycle_axes.T, np.eye(len(r.cycle_axes)), atol=1e-5)
    T = r.type_scale * (softmax(logits) - r.type_center)  # the type part before the shrink
    E = r(X, Z, layout)
    u, keep = r.cycle_axes[0], r.cycle_keep[0]
    before, after = T @ u, E[:, :3] @ u
    fit = np.linalg.lstsq(np.c_[np.ones(n), S], before, rcond=None)[0]
    r2 = 1 - ((before - np.c_[np.ones(n), S] @ fit) ** 2).sum() / ((before - before.mean()) ** 2).sum()
    assert r2 > 0.15 and keep == pytest.approx(np.sqrt(1 - r2), abs=0.02)
    np.testing.assert_allclose(after, keep * before, atol=1e-4)
    rest = np.eye(3) - r.cycle_axes.T @ r.cycle_axes
    np.testing.assert_allclose(E[:, :3] @ rest, T @ rest, atol=1e-4)
    np.testing.assert_allclose(r.probabilities(E, layout), softmax(logits), atol=1e-5)


def test_a_type_part_the_cell_cycle_does_not_predict_is_left_alone():
    rng = np.random.default_rng(3)
    n = 300
    codes = rng.integers(0, 3, n)
    X = (rng.normal(size=(n, 8)) + 3.0 * np.eye(3, 8)[codes]).astype(np.float32)
    logits = 3.0 * np.eye(3)[codes] + rng.normal(scale=0.3, size=(n, 3))
    r, layout, Z = _cycle_readout(rng.normal(size=(n, 2)), logits, codes, X)
    assert (r.cycle_keep > 0.97).all()  # the scores are unrelated: R^2 is chance level
    none, _, _ = _cycle_readout(None, logits, codes, X)
    assert none.cycle_axes is None
    np.testing.assert_allclose(r(X, Z, layout), none(X, Z, layout), atol=0.05 * np.abs(none(X, Z, layout)).max())
    nan_scores = np.full((n, 2), np.nan)  # too few cell-cycle genes: no scores, no shrink
    assert _cycle_readout(nan_scores, logits, codes, X)[0].cycle_axes is None



def _low_rank(n, rng, d=60, rank=5):
    signal = rng.normal(size=(n, rank)) @ (3.0 * rng.normal(size=(rank, d)) / np.sqrt(d))
    return (signal + rng.normal(size=(n, d))).astype(np.float32)


def test_axes_carry_is_low_when_the_axes_fit_their_own_rows_noise_and_near_one_for_many_rows():
    """Round 38: the cross-fitted share of captured variance that top axes keep on rows outside their fit."""
    rng = np.random.default_rng(5)
    few, many = _low_rank(80, rng), _low_rank(6000, rng)
    low = axes_carry(few, 30, rows=np.ones(80, bool), seed=0)
    high = axes_carry(many, 30, rows=np.ones(6000, bool), seed=0)
    assert 0 < low < 0.75 and 0.95 < high <= 1.0
    assert axes_carry(few, 30, rows=np.arange(80), seed=0) == low  # index rows and masks agree; seeded
    assert axes_carry(few, 30, rows=np.arange(80), seed=1) != low
    assert np.isnan(axes_carry(few, 3, rows=np.arange(3)))


def test_within_batch_axes_ignore_a_shift_between_batch_means():
    rng = np.random.default_rng(6)
    X = _low_rank(400, rng, d=20, rank=3)
    groups = np.repeat([0, 1], 200)
    shifted = X + 8.0 * np.outer(groups, np.eye(20)[19]).astype(np.float32)  # batch 1 moved along feature 19
    plain_mean, plain = principal_axes(shifted, 3)
    mean, axes = principal_axes(shifted, 3, groups=groups)
    assert abs(plain[0, 19]) > 0.8  # the shift is the top axis of the plain covariance
    np.testing.assert_allclose(mean, shifted.mean(0), rtol=1e-5)  # the projection keeps the mean of every row
    # the within-batch axes are those of the data before the shift
    np.testing.assert_allclose(np.abs(axes @ principal_axes(X, 3)[1].T), np.eye(3), atol=0.05)
    one = principal_axes(shifted, 3, groups=np.zeros(400, int))  # one group: the plain covariance
    np.testing.assert_allclose(one[1], plain, atol=1e-6)
    np.testing.assert_allclose(one[0], plain_mean, atol=1e-6)


def test_small_reference_rule_fits_the_axes_on_every_cell_only_when_the_reference_axes_do_not_carry():
    """Round 38: with a few reference cells and unlabelled cells in the fit, the axes come from every cell (within-
    batch covariance) and the type part's cycle is shrunk; with many reference cells, with every cell labelled or
    with the rule off, nothing changes."""
    from jae.datasets import simulate

    m = simulate(400, kind="multiome", n_genes=300, n_peaks=500, n_cell_types=3, n_batches=2, seed=4)
    rng = np.random.default_rng(0)
    cfg = replace(CFG, readout="components", n_svd=40, n_principal=30, max_epochs=2)
    fits, few = {}, rng.random(m.n_obs) < 0.2
    for share, rule in ((0.2, 0.85), (0.2, 0.0), (1.0, 0.85)):
        ref = few if share < 1 else np.ones(m.n_obs, bool)
        m.obs["ct_ref"] = m.obs["cell_type"].astype(object).where(ref)
        model = JAE(replace(cfg, axes_carry_min=rule), seed=0, device="cpu").fit(
            m, cell_type_key="ct_ref", progress_bar=False)
        fits[share, rule] = model, ref
    small, ref = fits[0.2, 0.85]
    assert small.axes_carry is not None and small.axes_carry < 0.85
    assert small.readout.cycle_axes is not None  # the cycle shrink is on
    X = small._features(m, layer="counts")[0]
    batch = m.obs["batch"].astype(str).to_numpy()
    mean, axes = principal_axes(X, 30, groups=np.unique(batch, return_inverse=True)[1])
    pcs = small.embed(m, key_added=None)[:, small.layout.n_cell_type:]
    np.testing.assert_allclose(np.abs(pcs), np.abs((X - mean) @ axes.T), atol=2e-3)
    off, _ = fits[0.2, 0.0]
    assert off.axes_carry is None and off.readout.cycle_axes is None
    np.testing.assert_allclose(np.abs(off.embed(m, key_added=None)[:, off.layout.n_cell_type:]),
                               np.abs(_principal_components(X, ref, 0, 30, batch)), atol=2e-3)
    everyone, _ = fits[1.0, 0.85]  # no unlabelled cell: no query to squeeze; the carry is kept for map_query
    assert everyone.axes_carry is not None and everyone.readout.cycle_axes is None
    np.testing.assert_allclose(np.abs(everyone.embed(m, key_added=None)[:, everyone.layout.n_cell_type:]),
                               np.abs(_principal_components(X, np.ones(m.n_obs, bool), 0, 30, batch)), atol=2e-3)


def test_a_one_batch_reference_gets_the_plain_axes_bit_for_bit():
    """Round 43: the reference cells' axes come from the within-batch covariance; with one reference batch (the
    query's batch may differ) that is the plain covariance, so such fits are unchanged to the last bit."""
    from jae.datasets import simulate

    m = simulate(300, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=1)
    first = (m.obs["batch"] == sorted(m.obs["batch"].unique())[1]).to_numpy()  # factorised second: code 1
    m.obs["ct_ref"] = m.obs["cell_type"].astype(object).where(first)
    cfg = replace(CFG, max_epochs=2, axes_carry_min=0.0)
    within, plain = (JAE(replace(cfg, principal_within_batch=flag), seed=0, device="cpu").fit(
        m, cell_type_key="ct_ref", progress_bar=False).embed(m, key_added=None) for flag in (True, False))
    np.testing.assert_array_equal(within, plain)


def test_a_saved_model_embeds_bit_identically_to_the_fitted_one(tmp_path):
    """The fitted readout held its principal axes as a transposed (Fortran-ordered) view and the loaded one
    C-ordered, so the products summed in another order: a model reloaded from its folder embedded the same cells
    up to 2e-6 apart from the model that wrote it."""
    from jae.datasets import simulate

    m = simulate(250, kind="cite", n_genes=300, n_cell_types=4, n_batches=2, seed=3)
    model = JAE(JAEConfig(max_epochs=2), seed=0, device="cpu").fit(m, progress_bar=False)
    loaded = JAE.load(model.save(tmp_path / "m"), device="cpu")
    np.testing.assert_array_equal(loaded.embed(m, key_added=None), model.embed(m, key_added=None))
