"""Reference mapping and trusted label transfer (issue 15) on seeded simulated data."""

from __future__ import annotations

import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.model.calibration import calibration_error_floor, expected_calibration_error, fit_temperature

CFG = JAEConfig(max_epochs=40, n_svd=20)


@pytest.fixture(scope="module")
def split():
    """600 simulated Multiome cells, 5 types, 3 batches: reference = the first two batches without type 4, query =
    the third batch (all types, so type 4 is new to the reference)."""
    m = simulate(600, kind="multiome", n_genes=300, n_peaks=500, n_cell_types=5, n_batches=3, seed=3)
    last = sorted(m.obs["batch"].unique())[-1]
    novel = "CD14+ Mono"
    q = (m.obs["batch"] == last).to_numpy()
    ref_rows = ~q & (m.obs["cell_type"].astype(str) != novel).to_numpy()
    return m[ref_rows].copy(), m[q].copy(), novel


@pytest.fixture(scope="module")
def reference(split):
    return JAE(CFG, seed=0, device="cpu").fit(split[0], progress_bar=False)


@pytest.fixture(scope="module")
def mapped(reference, split):
    return reference.map_query(split[1], batch_key="batch", progress_bar=False)


def _state(model):
    return {k: v.clone() for k, v in model.network.state_dict().items()}


def test_map_query_leaves_reference_and_its_cells_unchanged(reference, split):
    ref, query, _ = split
    before, emb_before = _state(reference), reference.embed(ref, key_added=None)
    query_before = query.copy()
    mapped = reference.map_query(query, batch_key="batch", epochs=5, progress_bar=False)
    assert mapped is not reference and reference.adapter is None
    assert all(np.array_equal(before[k], v) for k, v in reference.network.state_dict().items())
    assert np.array_equal(reference.embed(ref, key_added=None), emb_before)
    assert np.array_equal(mapped.embed(ref, key_added=None), emb_before)  # reference cells: bit-identical
    assert list(mapped.adapter.batches) == sorted(query.obs["batch"].unique())
    assert mapped.batches == reference.batches and mapped.column_names == reference.column_names
    assert "X_jae" not in query.obsm and query.obs.equals(query_before.obs)


def test_map_query_trains_only_the_query_shift_and_is_seeded(reference, mapped, split):
    query = split[1]
    zero = reference.map_query(query, batch_key="batch", epochs=0, progress_bar=False)
    assert np.array_equal(zero.embed(query, key_added=None), reference.embed(query, key_added=None))
    assert np.abs(mapped.adapter.shift).max() > 0
    # since session 43 the embedding reads the query on the held-out scale without a shift, as the reference model
    # reads new cells; the trained shift is the unknown call's, whose score it changes
    assert np.array_equal(mapped.embed(query, key_added=None), reference.embed(query, key_added=None))
    assert not np.abs(mapped.adapter.scaled_shift).any()
    assert not np.allclose(mapped.predict_cell_type(query)["unknown_score"],
                           reference.predict_cell_type(query)["unknown_score"])
    again = reference.map_query(query, batch_key="batch", progress_bar=False)
    assert np.array_equal(again.adapter.shift, mapped.adapter.shift)
    # the adapter lowers the frozen autoencoder's reconstruction error of the query (what it is trained for)
    import torch

    X = reference._features(query, layer="counts")[0]
    def err(model, X):
        with torch.no_grad():
            x = torch.as_tensor(X)
            return float(((model.network.decode(model.network.encode(x)) - x) ** 2).mean())
    batch = query.obs["batch"].astype(str).to_numpy()
    assert err(mapped, mapped.adapter.apply(X, batch, scaled=False)) < err(reference, X)
    # the embedding's features: divided by the held-out scale, no shift
    assert np.allclose(mapped.adapter.apply(X, batch), X / mapped.adapter.scale)


def test_mapped_model_saves_and_loads(mapped, split, tmp_path):
    query = split[1]
    mapped.save(tmp_path / "m")
    back = JAE.load(tmp_path / "m", device="cpu")
    assert back.adapter.batches == mapped.adapter.batches and back.adapter.batch_key == "batch"
    assert np.array_equal(back.embed(query, key_added=None), mapped.embed(query, key_added=None))
    assert back.calibration.describe() == mapped.calibration.describe()
    pd_back, pd_map = back.predict_cell_type(query), mapped.predict_cell_type(query)
    assert pd_back.equals(pd_map)


def test_map_query_errors_are_one_line_and_early(reference, split):
    query = split[1].copy()
    with pytest.raises((KeyError, ValueError), match="'sample'"):
        reference.map_query(query, batch_key="sample", progress_bar=False)
    for no_column in ("none", "", 3):  # each new batch gets a shift: no 'all cells one batch' as fit has
        with pytest.raises(ValueError, match=r"^mapping needs batch_key, .* or leave batch_key out to read the column"):
            reference.map_query(query, batch_key=no_column, progress_bar=False)
    mapped = reference.map_query(query, batch_key="batch", epochs=1, progress_bar=False)
    del query.obs["batch"]
    with pytest.raises(ValueError, match=r"obs\['batch'\]"):
        mapped.embed(query, key_added=None)


def test_map_query_reads_the_batch_column_the_reference_was_fitted_with(split, tmp_path):
    """A reference fitted with batch_key='sample' mapped a query by obs['batch'] unless told again (the default was
    'batch', and the model kept no record of fit's column): the default is now the reference's column, kept in
    model.json; a file saved before it was kept maps by obs['batch'] as before."""
    import json

    ref, query = (d.copy() for d in split[:2])
    for d in (ref, query):
        d.obs["sample"] = d.obs.pop("batch")
    model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(ref, batch_key="sample", progress_bar=False)
    assert model.batch_key == "sample"
    model.save(tmp_path / "ref")
    loaded = JAE.load(tmp_path / "ref", device="cpu")
    assert loaded.batch_key == "sample"
    mapped = loaded.map_query(query, epochs=1, progress_bar=False)
    assert mapped.adapter.batch_key == "sample" and list(mapped.adapter.batches) == sorted(query.obs["sample"].unique())
    description = json.loads((tmp_path / "ref" / "model.json").read_text())
    del description["batch_key"]  # as written before jae kept fit's column
    (tmp_path / "ref" / "model.json").write_text(json.dumps(description))
    old = JAE.load(tmp_path / "ref", device="cpu")
    assert old.batch_key is None
    with pytest.raises(KeyError, match=r"no batch labels column 'batch' in obs"):  # read as before
        old.map_query(query, epochs=1, progress_bar=False)


def test_calibration_is_fitted_on_heldout_reference_cells(reference):
    cal = reference.calibration
    assert cal is not None and cal.temperature > 0 and cal.n_heldout > 0
    assert 0 <= cal.ece <= 1 and 0 < cal.confidence_threshold <= 1 and np.isfinite(cal.distance_threshold)
    assert cal.centroids.shape[0] == len(reference.cell_types)


def test_predict_cell_type_flags_a_type_missing_from_the_reference(mapped, split):
    _, query, novel = split
    pred = mapped.predict_cell_type(query)
    assert list(pred.columns) == ["cell_type", "confidence", "unknown", "unknown_score"] and pred["unknown"].dtype == bool
    emb = mapped.embed(query, key_added=None)
    assert pred.equals(mapped.predict_cell_type(query, embedding=emb)) or np.allclose(
        pred["confidence"], mapped.predict_cell_type(query, embedding=emb)["confidence"], atol=1e-5)
    is_new = (query.obs["cell_type"].astype(str) == novel).to_numpy()
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(is_new, pred["unknown_score"]) > 0.75  # the call's score (chance: 0.5)
    # thresholds: 5% of held-out reference cells; this query is a new batch, whose known cells the head is less sure
    # of (seeds 0-4: 4.5-12.4% of them called unknown with plain reference axes, 6.2-13.5% with the within-batch axes
    # of round 43), while the new type is called 3x as often or more (46-80%)
    assert pred["unknown"][~is_new].mean() <= 0.15
    assert pred["unknown"][is_new].mean() >= 3 * pred["unknown"][~is_new].mean()
    known = ~is_new
    assert (pred["cell_type"][known] == query.obs["cell_type"].astype(str)[known]).mean() > 0.8


def test_temperature_and_ece_on_hand_made_logits():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, 2000)
    logits = np.eye(3)[codes] * 2.0 + rng.normal(0, 1, (2000, 3))
    t = fit_temperature(logits * 5, codes)  # over-confident by 5x: the temperature undoes it
    assert 2.2 < t < 2.8  # logits * 2 are the calibrated ones for this noise, so T = 5 / 2
    sharp = np.exp(logits * 5) / np.exp(logits * 5).sum(1, keepdims=True)
    fixed = np.exp(logits * 5 / t) / np.exp(logits * 5 / t).sum(1, keepdims=True)
    assert expected_calibration_error(fixed, codes) < expected_calibration_error(sharp, codes)
    assert expected_calibration_error(np.eye(3)[codes], codes) == 0.0  # right and sure: perfectly calibrated


def test_the_ece_floor_is_what_perfectly_calibrated_probabilities_score():
    """Labels drawn from the probabilities themselves (calibrated by construction) still score an ECE above 0 on a
    finite sample: the floor is its expectation (exact per bin; the normal approximation for large bins), and it
    falls as one over the square root of the cells."""
    rng = np.random.default_rng(3)
    for n in (40, 850, 5000):
        top = rng.uniform(0.4, 1.0, n)
        prob = np.c_[top, (1 - top) / 2, (1 - top) / 2]
        drawn = [expected_calibration_error(prob, np.where(rng.random(n) < top, 0, 1)) for _ in range(400)]
        assert calibration_error_floor(prob) == pytest.approx(np.mean(drawn), rel=0.05)
    top = rng.uniform(0.4, 1.0, 850)
    small, large = (calibration_error_floor(np.c_[np.tile(top, r), 1 - np.tile(top, r)]) for r in (1, 16))
    assert large == pytest.approx(small / 4, rel=0.05)  # 16x the cells: a quarter of the floor
    assert calibration_error_floor(np.eye(3)[rng.integers(0, 3, 50)]) == 0.0  # every confidence 1: no noise
    assert calibration_error_floor(np.empty((0, 3))) == 0.0


def test_temperature_prior_keeps_few_or_separable_heldout_cells_near_one():
    """Round 41: when every held-out cell is right, the plain likelihood keeps rising as T -> 0 and the fit ended at
    its bound (probabilities of 0 and 1 for new cells); a few dozen cells with a flat optimum gave T = 20. The prior on
    log T keeps both near 1, while 2,000 cells still pull an over-confident head to its calibrated T."""
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 4, 60)
    separable = np.eye(4)[codes] * 3.0 + rng.normal(0, 0.3, (60, 4))  # every cell right, with a margin
    assert fit_temperature(separable, codes, prior_sd=np.inf) < 0.06  # the old fit: the lower bound e^-3
    assert 0.3 < fit_temperature(separable, codes) < 1.0
    few = rng.integers(0, 4, 12)
    noise = rng.normal(0, 1.0, (12, 4))  # labels unrelated to the logits: the plain fit flattens them away
    assert fit_temperature(noise, few, prior_sd=np.inf) > 5
    assert fit_temperature(noise, few) < 3
    many = rng.integers(0, 3, 2000)
    logits = (np.eye(3)[many] * 2.0 + rng.normal(0, 1, (2000, 3))) * 5
    assert abs(fit_temperature(logits, many) - fit_temperature(logits, many, prior_sd=np.inf)) < 0.05


def test_old_model_files_have_no_calibration_and_predict_plain_softmax():
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "model_v2" / "model"
    if not fixture.is_dir():
        pytest.skip("no model_v2 fixture")
    model = JAE.load(fixture, device="cpu")
    assert model.calibration is None and model.adapter is None


def test_cli_map_writes_a_new_model_and_refuses_to_replace(reference, split, tmp_path):
    from jae.cli import main

    query = split[1].copy()
    ref_dir, out = tmp_path / "ref", tmp_path / "mapped"
    reference.save(ref_dir)
    before = {p.name: p.read_bytes() for p in ref_dir.iterdir()}
    query.write(tmp_path / "q.h5mu")
    args = ["map", "--model", str(ref_dir), "--h5mu", str(tmp_path / "q.h5mu"), "--out", str(out), "--epochs", "2",
            "--device", "cpu"]
    assert main(["-q", *args]) == 0
    assert {p.name: p.read_bytes() for p in ref_dir.iterdir()} == before
    assert JAE.load(out, device="cpu").adapter is not None
    assert main(["-q", *args]) == 1  # exists, no --overwrite
    assert main(["-q", *args[:5], "--out", str(ref_dir), *args[7:], "--overwrite"]) == 1  # never the reference
    assert main(["-q", *args[:5], "--out", str(ref_dir / "mapped"), *args[7:]]) == 1  # nor a folder inside it
    assert {p.name: p.read_bytes() for p in ref_dir.iterdir()} == before


def test_map_query_warns_when_the_reference_axes_do_not_carry_to_new_cells(reference, split, tmp_path, caplog):
    """Round 38: fit keeps the reference axes' cross-fitted carry (saved with the model); map_query says when it is
    below axes_carry_min, since mapped cells are then squeezed beside the reference's, and is silent otherwise."""
    from dataclasses import replace

    ref, query, _ = split
    assert reference.axes_carry is not None and reference.axes_carry >= reference.config.axes_carry_min
    caplog.set_level("WARNING", logger="jae.mapping.train")
    reference.map_query(query, batch_key="batch", epochs=0, progress_bar=False)
    assert "few cells" not in caplog.text
    few = ref[np.random.default_rng(0).random(ref.n_obs) < 0.25].copy()  # about 80 cells for 80 input columns
    small = JAE(replace(CFG, n_svd=40, n_principal=30, max_epochs=2), seed=0, device="cpu").fit(few, progress_bar=False)
    assert small.axes_carry < small.config.axes_carry_min
    small.save(tmp_path / "small")
    back = JAE.load(tmp_path / "small", device="cpu")
    assert back.axes_carry == pytest.approx(small.axes_carry)
    back.map_query(query, batch_key="batch", epochs=0, progress_bar=False)
    assert caplog.text.count("few cells for their input's width") == 1


def test_map_query_refuses_cells_without_a_batch(reference, split):
    """A query whose batch column has NaN (e.g. cells of a sample not yet annotated) was mapped with the missing
    cells as a new batch named 'nan'; it is refused in one line, before any work, as fit refuses it."""
    query = split[1].copy()
    batch = query.obs["batch"].astype(object)
    batch.iloc[:5] = np.nan
    for column in (batch, batch.astype("category")):
        query.obs["batch"] = column
        with pytest.raises(ValueError, match=r"5 of \d+ cells have no batch label in 'batch'; fill"):
            reference.map_query(query, batch_key="batch", epochs=1, progress_bar=False)


def test_map_query_warns_when_query_batches_reuse_reference_batch_names(reference, split, caplog):
    """A query sample named like a reference batch (both 'sample1', say) was silently left unmapped (an info line,
    'nothing to train'); the warning names the batches and the renaming that maps them."""
    query = split[1].copy()
    query.obs["batch"] = np.where(np.arange(query.n_obs) < 10, "new_sample", reference.batches[0])
    caplog.set_level("WARNING", logger="jae.mapping.train")
    mapped = reference.map_query(query, batch_key="batch", epochs=1, progress_bar=False)
    assert mapped.adapter.batches == ("new_sample",)
    assert f"query batch '{reference.batches[0]}' has the name of a reference batch: their" in caplog.text
    # worded for both interfaces (the CLI prints it too), not as Python
    assert "new names in the batch column batch (e.g. prefixed query_) and map again" in caplog.text
    assert "obs[" not in caplog.text and "astype" not in caplog.text
    caplog.clear()
    reference.map_query(split[1], batch_key="batch", epochs=0, progress_bar=False)
    assert "the name of a reference batch" not in caplog.text


def test_map_query_refuses_a_query_without_a_new_batch_in_one_line(reference, mapped, split, monkeypatch):
    """A query whose batches the model knows (all reference batches, or mapped before) returned an unchanged copy
    after an INFO line ('nothing to train'), and 'jae map' wrote it as a mapped model: refused now, before the counts
    are read, naming both fixes (embed with the model as it is; rename new samples)."""
    import jae.query.features

    def never(*args, **kwargs):
        raise AssertionError("the counts were read")

    query = split[1].copy()
    query.obs["batch"] = reference.batches[0]
    monkeypatch.setattr(jae.query.features, "query_features", never)
    with pytest.raises(ValueError, match=r"^every query batch in obs\['batch'\] \('.*'\) is already known to the model"
                       r".*nothing to map: embed these cells with the model as it is \(jae embed --model MODEL "
                       r"--finetune-epochs 0; JAE.embed\), or.*rename them"):
        reference.map_query(query, batch_key="batch", epochs=1, progress_bar=False)
    with pytest.raises(ValueError, match="already known to the model"):  # batches mapped before
        mapped.map_query(split[1], batch_key="batch", epochs=1, progress_bar=False)


def test_map_query_refuses_unusable_data_before_the_reference_warning(reference, split, caplog):
    """A small reference's warning (fit reference and query together) came before the error on data it cannot map
    (the other modality pair, features named otherwise): two lines, the first advice that does not apply."""
    import copy

    small = copy.deepcopy(reference)
    small.axes_carry = 0.1
    query = split[1].copy()
    query.mod["rna"].var_names = [f"other{i}" for i in range(query.mod["rna"].n_vars)]
    query.update()
    caplog.set_level("WARNING", logger="jae.mapping.train")
    with pytest.raises(ValueError, match="features"):
        small.map_query(query, batch_key="batch", epochs=1, progress_bar=False)
    assert "few cells" not in caplog.text


def test_cli_embeds_with_a_mapped_model_whose_batches_come_from_annotations(reference, split, tmp_path, caplog):
    """Competition files whose batches sit in the solution file: 'jae map --annotations sol.h5ad' mapped them, but
    'jae embed --model MAPPED' had no --annotations, so it stopped at 'the data has no such column'."""
    import anndata as ad

    from jae.cli import main

    query = split[1]
    paths = {}
    for flag, name in (("--mod1", "rna"), ("--mod2", "atac")):
        part = query.mod[name].copy()
        part.obs = part.obs[[]]
        paths[flag] = tmp_path / f"q.{flag[2:]}.h5ad"
        part.write_h5ad(paths[flag])
    ad.AnnData(obs=query.obs[["batch"]].copy()).write_h5ad(tmp_path / "sol.h5ad")
    files = ["--mod1", str(paths["--mod1"]), "--mod2", str(paths["--mod2"])]
    reference.save(tmp_path / "ref")
    assert main(["-q", "map", "--model", str(tmp_path / "ref"), *files, "--annotations", str(tmp_path / "sol.h5ad"),
                 "--epochs", "1", "--out", str(tmp_path / "mapped"), "--device", "cpu"]) == 0
    embed = ["-q", "embed", "--model", str(tmp_path / "mapped"), *files, "--device", "cpu"]
    caplog.clear()
    assert main([*embed, "--out", str(tmp_path / "e0.h5ad")]) == 1
    assert "--annotations FILE" in caplog.text
    assert main([*embed, "--annotations", str(tmp_path / "sol.h5ad"), "--out", str(tmp_path / "e.h5ad")]) == 0
    mapped = JAE.load(tmp_path / "mapped", device="cpu")
    got = ad.read_h5ad(tmp_path / "e.h5ad")
    want = mapped.embed(query, key_added=None)[query.obs_names.get_indexer(got.obs_names)]
    np.testing.assert_allclose(got.X, want, atol=1e-5)
    # the batch column read from --annotations: the call reads the shift (the embedding, since session 43, reads the
    # query on the held-out scale without one, as the reference model does)
    score = got.obs["jae_unknown_score"].to_numpy()
    np.testing.assert_allclose(score, mapped.predict_cell_type(query)["unknown_score"][got.obs_names], atol=1e-5)
    assert not np.allclose(score, reference.predict_cell_type(query)["unknown_score"][got.obs_names])


def test_map_query_takes_the_path_of_an_h5mu_file(reference, split, tmp_path):
    """embed and predict_cell_type take 'query.h5mu'; map_query refused it ('needs data with an .obs frame')."""
    query = split[1]
    query.write(tmp_path / "q.h5mu")
    from_file = reference.map_query(str(tmp_path / "q.h5mu"), batch_key="batch", epochs=1, progress_bar=False)
    in_memory = reference.map_query(query, batch_key="batch", epochs=1, progress_bar=False)
    assert from_file.adapter.batches == in_memory.adapter.batches
    np.testing.assert_allclose(from_file.adapter.shift, in_memory.adapter.shift, atol=1e-5)


def test_map_query_is_reproducible_on_several_cpu_threads():
    """The shift's gradient is summed in one fixed order whatever the threads (an index's scatter-add was not: on
    this query, shifts 1e-6 apart from one call to the next on 2 threads)."""
    import torch

    from jae.datasets import simulate

    data = simulate(n_cells=1200, kind="cite", n_batches=3, seed=0)
    batch = data.obs["batch"].astype(str).to_numpy()
    ref, query = data[batch != batch.max()].copy(), data[batch == batch.max()].copy()
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        model = JAE(JAEConfig(max_epochs=3), seed=0).fit(ref, cell_type_key="cell_type", progress_bar=False)
        shifts = [model.map_query(query, batch_key="batch", progress_bar=False).adapter.shift for _ in range(3)]
    finally:
        torch.set_num_threads(threads)
    assert all(np.array_equal(shifts[0], s) for s in shifts[1:])


def test_batches_kept_in_a_modality_obs_are_read_as_fit_reads_them(reference, split):
    """A MuData built from AnnData objects (``mu.MuData({'rna': a, 'atac': b})``) keeps the batch in the modalities'
    obs ('rna:batch' globally): fit finds obs['batch'] there, and so do map_query, finetune and the mapped model's
    embed; a dict of AnnData, which fit takes, is taken too."""
    import copy

    import mudata as mu

    query = split[1]
    mods = {name: query.mod[name].copy() for name in query.mod}
    mods["rna"].obs = query.obs.copy()
    built = mu.MuData(mods)
    assert "batch" not in built.obs.columns and "rna:batch" in built.obs.columns
    expected = reference.map_query(query, epochs=2, progress_bar=False)
    for data in (built, mods):
        mapped = reference.map_query(data, batch_key="batch", epochs=2, progress_bar=False)
        np.testing.assert_array_equal(mapped.adapter.shift, expected.adapter.shift)
        np.testing.assert_array_equal(mapped.embed(data, key_added=None), expected.embed(query, key_added=None))
    tuned = copy.deepcopy(reference).finetune(built, batch_key="batch", epochs=1, progress_bar=False)
    assert len(tuned.history) == len(reference.history) + 1


def test_repr_says_a_model_is_mapped_and_what_it_gives(reference, mapped):
    """A mapped model printed exactly as its reference; neither said the width of its embedding."""
    ref, new = repr(reference), repr(mapped)
    assert ref.startswith("JAE(GEX+ATAC, latent ") and f"embedding {len(reference.column_names)} columns" in ref
    assert "mapped" not in ref and ref.endswith(f"seed={reference.seed})")
    assert f"mapped: 1 query batch ({mapped.adapter.batches[0]!r}) by obs['batch']" in new
    assert repr(JAE(CFG)) == "JAE(unfitted, mode='supervised', seed=0)"


def test_refitting_a_mapped_model_drops_its_query_shifts(split):
    """mapped.fit(data) kept the old map_query shifts: the refitted model still shifted that batch's cells (a batch
    it was now fitted on) by a shift trained for the old network."""
    import copy

    fast = JAEConfig(max_epochs=2, n_svd=10)
    small = JAE(fast, seed=0, device="cpu").fit(split[0], progress_bar=False)
    mapped = small.map_query(split[1], epochs=1, progress_bar=False)
    refit = copy.deepcopy(mapped).fit(split[1], progress_bar=False)
    fresh = JAE(fast, seed=0, device="cpu").fit(split[1], progress_bar=False)
    assert refit.adapter is None and "mapped" not in repr(refit)
    np.testing.assert_array_equal(refit.embed(split[1], key_added=None), fresh.embed(split[1], key_added=None))


def test_map_query_refuses_epochs_that_are_no_whole_number(reference, split):
    """epochs='3' was taken as 3 and 1.5 as 1."""
    for epochs, error in (("3", TypeError), (1.5, TypeError), (-1, ValueError)):
        with pytest.raises(error, match=r"epochs must be (a whole number )?>= 0 \(0: the reference model's own"):
            reference.map_query(split[1], epochs=epochs, progress_bar=False)


def test_map_query_trains_a_large_query_for_the_steps_of_the_cap(reference, split, monkeypatch):
    """A query of more than ADAPTER_CELLS cells is trained for the steps `epochs` passes over ADAPTER_CELLS cells
    take, drawing from all its cells; a query within the cap is trained exactly as before (whole passes)."""
    import torch

    import jae.mapping.train as mapping

    query = split[1]
    per_pass = -(-query.n_obs // 16)
    steps = []
    real_step = torch.optim.Adam.step

    def counted(self, *args, **kwargs):
        steps.append(1)
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", counted)
    monkeypatch.setattr(mapping, "ADAPTER_BATCH", 16)
    whole = reference.map_query(query, batch_key="batch", epochs=3, progress_bar=False)
    # one shift trained for the steps (on the features as they are; since session 43 no second one on the divided)
    assert len(steps) == 3 * per_pass == mapping.adapter_steps(query.n_obs, 3)
    steps.clear()
    monkeypatch.setattr(mapping, "ADAPTER_CELLS", 64)  # 4 steps a pass over 64 cells
    capped = reference.map_query(query, batch_key="batch", epochs=3, progress_bar=False)
    assert len(steps) == 3 * 4 == mapping.adapter_steps(query.n_obs, 3)
    assert np.abs(capped.adapter.shift).max() > 0 and not np.array_equal(capped.adapter.shift, whole.adapter.shift)
    monkeypatch.setattr(mapping, "ADAPTER_CELLS", 10_000)  # above the query: whole passes, as before the cap
    steps.clear()
    again = reference.map_query(query, batch_key="batch", epochs=3, progress_bar=False)
    assert len(steps) == 3 * per_pass and np.array_equal(again.adapter.shift, whole.adapter.shift)


def test_map_query_and_finetune_read_the_batch_column_alike(reference, split):
    """map_query and finetune read the cells' batches with one function (jae.mapping.cell_batches): data without
    annotations is refused by both with the same line naming the call and the column (finetune said 'batch_key
    needs data with an .obs frame', without the column)."""
    import copy

    import pandas as pd

    from jae.mapping import cell_batches

    cells = np.zeros((3, 4), np.float32)
    for call, run in (("map_query", lambda: reference.map_query(cells, batch_key="sample", progress_bar=False)),
                      ("finetune", lambda: copy.deepcopy(reference).finetune(cells, batch_key="sample",
                                                                             progress_bar=False))):
        with pytest.raises(ValueError, match=rf"^{call} needs data with an \.obs frame .* holding obs\['sample'\]$"):
            run()
    query = split[1]
    pd.testing.assert_series_equal(cell_batches(query, "batch", caller="finetune"), query.obs["batch"])


def test_cells_of_a_batch_the_mapped_model_does_not_know_are_named_in_a_warning(reference, mapped, split, caplog):
    """A mapped model embedded cells of a batch it neither mapped nor was fitted on without a shift and without a word
    (a query batch read back as 3.0 where it was mapped as 3, or a batch not mapped yet)."""
    query = split[1].copy()
    caplog.set_level("WARNING", logger="jae.mapping.train")
    shifted = mapped.embed(query, key_added=None)
    assert "neither mapped nor was fitted on" not in caplog.text  # the mapped batch, as mapped
    query.obs["batch"] = query.obs["batch"].astype(str) + ".0"
    for m in query.mod.values():
        m.obs["batch"] = query.obs["batch"]
    other = mapped.embed(query, key_added=None)
    assert (f"{query.n_obs} cells are of batches in the column batch that this model neither mapped nor was fitted "
            f"on ({query.obs['batch'].iloc[0]}; mapped: {mapped.adapter.batches[0]})") in caplog.text
    assert "their embedding and labels are a mapped batch's" in caplog.text  # the shift serves the call alone
    assert "lacks the shift map_query trains for it" in caplog.text and not mapped.adapter.shifts_embedding
    np.testing.assert_allclose(other, reference.embed(query, key_added=None), rtol=1e-5, atol=1e-5)  # no shift
    # (the embedding of a mapped batch has none either since session 43; the call reads it)
    np.testing.assert_allclose(other, shifted, rtol=1e-5, atol=1e-5)
    unshifted = mapped.predict_cell_type(query)["unknown_score"].to_numpy()
    np.testing.assert_allclose(unshifted, reference.predict_cell_type(query)["unknown_score"].to_numpy(), atol=1e-5)
    assert not np.allclose(unshifted, mapped.predict_cell_type(split[1])["unknown_score"].to_numpy())
    caplog.clear()
    mapped.embed(split[0], key_added=None)  # the reference's own batches: no warning
    assert "neither mapped" not in caplog.text


def test_jae_map_says_where_the_missing_batch_column_comes_from(reference, mapped, split, tmp_path, caplog):
    """'jae map' of a query without the batch column read by default said '(the column the reference was fitted
    with)' also for a reference fitted without batches (--batch-key none) and for a mapped model (its column is the
    mapping's): each now says which it is."""
    import logging

    import anndata as ad

    from jae.cli import main

    fitted = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(split[0], batch_key=None,
                                                                              progress_bar=False)
    query = split[1]
    for name in query.mod:
        ad.AnnData(X=query[name].X, obs=query[name].obs[[]], var=query[name].var,
                   layers=dict(query[name].layers)).write_h5ad(tmp_path / f"q.{name}.h5ad")
    origins = [(reference, "the column the reference was fitted with"),
               (fitted, "the default column, as the reference was fitted without one"),
               (mapped, None)]  # a mapped model: its own column, not another --batch-key (check_mapped_key)
    for i, (model, origin) in enumerate(origins):
        folder = model.save(tmp_path / f"m{i}")
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="jae"):
            assert main(["-q", "map", "--model", str(folder), "--mod1", str(tmp_path / "q.rna.h5ad"), "--mod2",
                         str(tmp_path / "q.atac.h5ad"), "--out", str(tmp_path / "out")]) == 1
        if origin is None:
            assert ("the query has no obs column 'batch', which this model maps batches by (the column its earlier "
                    "mapping read;") in caplog.text and "--batch-key COLUMN" not in caplog.text
            continue
        assert f"the query has no obs column 'batch' for --batch-key ({origin}); pass --batch-key COLUMN" in caplog.text


def test_map_query_of_cells_without_a_batch_column_names_the_argument_and_the_one_sample_fix(reference, split):
    """A single-sample query often has no batch column; map_query said 'pass the name of the column holding the batch
    labels, or add it to mdata.obs (e.g. read_competition(..., annotations=solution_file))', naming no argument and a
    MuData the user may not have (here an AnnData of RNA): it now names batch_key= and the one-line fix, which works."""
    rna = split[1]["rna"].copy()
    rna.obs = rna.obs.drop(columns=["batch"], errors="ignore")  # (the MuData keeps it in its global obs)
    with pytest.raises(KeyError, match=r"no batch labels column 'batch' in obs \(its columns: none\), where map_query "
                                       r"reads each cell's batch: pass batch_key=<column> holding them, or add it, "
                                       r"e\.g\. data\.obs\['batch'\] = 'sample1' for cells of one sample"):
        reference.map_query(rna, epochs=1, progress_bar=False)
    rna.obs["batch"] = "sample1"  # the fix as written
    assert reference.map_query(rna, epochs=1, progress_bar=False).adapter.batches == ("sample1",)


def test_a_mapped_model_given_cells_without_its_batch_column_names_fixes_python_has(mapped, split, tmp_path):
    """mapped.embed(data lacking the batch column) said 'add it, or pass annotations=FILE holding it', an argument
    embed and predict_cell_type do not take; Python's line now names data.obs and the readers that take annotations=
    (jae embed's keeps --annotations FILE), and the second fix works as written."""
    import anndata as ad
    import pandas as pd

    from jae.io import open_rna

    query = split[1]
    rna = query["rna"].copy()
    rna.obs = rna.obs.drop(columns=["batch"], errors="ignore")
    with pytest.raises(ValueError, match=r"the data has no such column: add it \(data\.obs\['batch'\] = each cell's "
                                         r"batch\), or read the files with annotations=FILE holding it \("
                                         r"jae\.read_competition, jae\.io\.open_competition, jae\.io\.open_rna\)"):
        mapped.embed(rna, key_added=None)
    rna.write_h5ad(tmp_path / "q.rna.h5ad")
    ad.AnnData(obs=pd.DataFrame({"batch": query.obs["batch"].astype(str).to_numpy()}, index=query.obs_names)
               ).write_h5ad(tmp_path / "batches.h5ad")
    files = open_rna(tmp_path / "q.rna.h5ad", annotations=tmp_path / "batches.h5ad")
    with_batch = query["rna"].copy()
    with_batch.obs["batch"] = query.obs["batch"].to_numpy()  # (the MuData keeps it in its global obs)
    np.testing.assert_allclose(mapped.embed(files, key_added=None), mapped.embed(with_batch, key_added=None), atol=1e-5)
