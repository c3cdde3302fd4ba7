"""Session 47: the voters' linear classifier of label transfer (:mod:`jae.model.linear`) is kept on the model with the
digest of its fit and reused while the voters' embedding is the one it was fitted on, instead of being refitted at
every ``predict_cell_type`` (0.4-8 s on 18,000 voters). Reused, it gives the labels a refit gives, bit for bit; after
``finetune`` it is fitted again; a mapped model carries it, its voters' embedding being the reference's."""

from __future__ import annotations

import numpy as np
import pytest

from jae.model.linear import KeptLinear, LinearClassifier, fit_digest, kept_fit
from conftest import labels_equal  # tests/ is on sys.path


def _voter_rest(model):
    n_ct = model.layout.n_cell_type
    return model.embed_transformed(model.voters.features)[:, n_ct:]


def test_the_digest_is_of_exactly_what_the_fit_receives():
    rng = np.random.default_rng(0)
    X, codes = rng.normal(size=(50, 6)).astype(np.float32), rng.integers(0, 3, 50)
    key = fit_digest(X, codes, 3)
    assert key == fit_digest(X.copy(), codes.copy(), 3) == fit_digest(np.asfortranarray(X), codes, 3)
    flipped = X.copy()
    flipped.view(np.uint32)[7, 2] ^= 1  # one bit of one value
    other = codes.copy()
    other[0] = (other[0] + 1) % 3
    assert len({key, fit_digest(flipped, codes, 3), fit_digest(X, other, 3), fit_digest(X, codes, 4),
                fit_digest(X.astype(np.float64), codes, 3), fit_digest(X[:49], codes[:49], 3)}) == 6


def test_kept_fit_reuses_only_its_own_fit(linear_fits):
    rng = np.random.default_rng(1)
    X, codes = rng.normal(size=(80, 5)), rng.integers(0, 4, 80)
    kept = kept_fit(None, X, codes, 4)
    assert len(linear_fits) == 1
    assert kept_fit(kept, X.copy(), codes, 4) is kept and len(linear_fits) == 1
    again = kept_fit(kept, X + 1e-9, codes, 4)  # another embedding: fitted again
    assert again is not kept and len(linear_fits) == 2
    # a digest that matches but coefficients of another shape (a tampered entry) are never used
    wrong = KeptLinear(kept.digest, LinearClassifier(kept.classifier.coef[:, :3], kept.classifier.intercept,
                                                     kept.classifier.known))
    refit = kept_fit(wrong, X, codes, 4)
    assert refit is not wrong and len(linear_fits) == 3
    assert np.array_equal(refit.classifier.coef, kept.classifier.coef)  # the fit is deterministic


def test_kept_classifier_gives_the_labels_and_probabilities_of_a_refit(default_fit, linear_fits):
    from jae.labels.mixture import _mixed

    model, mdata = default_fit()
    assert model.voter_linear is not None  # the calibration's fit, kept by fit
    kept = model.voter_linear
    Z = model.embed(mdata, key_added=None)
    cached = model.predict_cell_type(mdata, embedding=Z)
    assert linear_fits == [] and model.voter_linear is kept
    n_ct = model.layout.n_cell_type
    refit = LinearClassifier.fit(_voter_rest(model), model.voters.codes, n_ct)
    for name in ("coef", "intercept", "known"):
        assert np.array_equal(getattr(refit, name), getattr(kept.classifier, name))
    head = np.full((len(Z), n_ct), 1.0 / n_ct)
    V = model.embed_transformed(model.voters.features)
    assert np.array_equal(_mixed(model, head, Z, V, kept.classifier), _mixed(model, head, Z, V, refit))
    model.voter_linear = None  # as a model without it: refitted at the labels
    labels_equal(model.predict_cell_type(mdata, embedding=Z), cached)
    assert len(linear_fits) == 2 and model.voter_linear.digest == kept.digest


def test_a_saved_model_embeds_twice_without_a_fit(default_fit, linear_fits, tmp_path):
    from jae import JAE

    model, mdata = default_fit()
    expected = model.predict_cell_type(mdata)
    model.save(tmp_path / "m")
    for _ in range(2):  # two embeds of a loaded model (two jae embed runs without fine-tuning): no fit
        loaded = JAE.load(tmp_path / "m", device="cpu")
        assert loaded.voter_linear.digest == model.voter_linear.digest
        labels_equal(loaded.predict_cell_type(mdata), expected)
        labels_equal(loaded.predict_cell_type(mdata), expected)
    assert linear_fits == []


def test_finetune_fits_it_once_for_the_new_network(default_fit, linear_fits):
    model, mdata = default_fit()
    before = model.voter_linear.digest
    model.finetune(mdata, epochs=1, progress_bar=False)
    assert len(linear_fits) == 1 and model.voter_linear.digest != before  # recalibrate's fit, on the fine-tuned network
    labels = model.predict_cell_type(mdata)
    assert len(linear_fits) == 1  # the labels reuse it
    assert model.voter_linear.digest == fit_digest(_voter_rest(model), model.voters.codes, model.layout.n_cell_type)
    model.voter_linear = None
    labels_equal(model.predict_cell_type(mdata), labels)  # = a refit's


def test_a_failed_finetune_puts_the_kept_classifier_back(default_fit, monkeypatch):
    model, mdata = default_fit()
    kept = model.voter_linear

    def broken(model):
        raise RuntimeError("stopped")

    monkeypatch.setattr("jae.joint.recalibrate", broken)
    with pytest.raises(RuntimeError, match="stopped"):
        model.finetune(mdata, epochs=1, progress_bar=False)
    assert model.voter_linear is kept


def test_embed_files_fits_at_most_once(default_fit, linear_fits, tmp_path):
    """jae embed of a saved model: no fit without fine-tuning, one (the recalibration's, which the labels reuse) with
    it; before session 47, one and two."""
    import jae
    from jae.io import InputFiles

    model, mdata = default_fit()
    model.save(tmp_path / "m")
    mdata.write(tmp_path / "q.h5mu")
    inputs = InputFiles(h5mu=tmp_path / "q.h5mu")
    jae.embed_files(inputs, tmp_path / "m", tmp_path / "e0.h5ad", finetune_epochs=0, progress_bar=False)
    assert linear_fits == []
    jae.embed_files(inputs, tmp_path / "m", tmp_path / "e1.h5ad", finetune_epochs=1, progress_bar=False)
    assert len(linear_fits) == 1


def test_a_mapped_model_carries_the_reference_classifier(query_mdata, linear_fits, tmp_path):
    """map_query freezes the network and voters, so the mapped model's voters embed as the reference's: it keeps
    the reference's fit (saved with it), and its labels fit nothing."""
    from jae import JAE, JAEConfig

    ref = query_mdata[query_mdata.obs["ct_ref"].notna().to_numpy()].copy()
    query = query_mdata[query_mdata.obs["ct_ref"].isna().to_numpy()].copy()
    model = JAE(JAEConfig(max_epochs=2, n_svd=10), device="cpu").fit(ref, cell_type_key="ct_ref", progress_bar=False)
    assert len(linear_fits) == 2  # the readout's classifier and the voters' (calibration)
    mapped = model.map_query(query, batch_key="batch", epochs=1, progress_bar=False)
    assert mapped.voter_linear.digest == fit_digest(_voter_rest(mapped), mapped.voters.codes,
                                                    mapped.layout.n_cell_type) == model.voter_linear.digest
    labels = mapped.predict_cell_type(query)
    mapped.save(tmp_path / "mapped")
    loaded = JAE.load(tmp_path / "mapped", device="cpu")
    labels_equal(loaded.predict_cell_type(query), labels)
    assert len(linear_fits) == 2
