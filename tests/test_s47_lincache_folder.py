"""Session 47: the model folder keeps the voters' linear classifier (``voter_linear`` in model.json: the digest of its
fit and of its tensors; tensors ``voter_linear.coef`` / ``.intercept`` / ``.known``). Files without it (written before
it, or stripped of it) load and label as before, fitting it at their first labels; a kept classifier that does not
match its digests, its shapes or jae's dtypes is dropped with a warning and fitted again, never used."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from jae import JAE
from conftest import labels_equal  # tests/ is on sys.path

FIXTURES = Path(__file__).parent / "fixtures"
KEYS = ("voter_linear.coef", "voter_linear.intercept", "voter_linear.known")


@pytest.fixture(scope="module")
def saved(tmp_path_factory, data_dir):
    """A model fitted on 800 REAP-seq cells (real data; 3 epochs) saved with its kept classifier, and the cells."""
    import anndata as ad
    import mudata as md

    from jae import JAEConfig

    rna = ad.read_h5ad(data_dir / "reapseq_pbmc" / "rna.h5ad")
    adt = ad.read_h5ad(data_dir / "reapseq_pbmc" / "adt.h5ad")
    pick = np.sort(np.random.default_rng(0).choice(rna.n_obs, 800, replace=False))
    rna = rna[pick, np.argsort(-np.asarray(rna.X[pick].sum(0)).ravel())[:1500]].copy()
    mdata = md.MuData({"rna": rna, "adt": adt[pick].copy()})
    mdata.obs["cell_type"], mdata.obs["batch"] = rna.obs["cell_type"].to_numpy(), rna.obs["batch"].to_numpy()
    model = JAE(JAEConfig(max_epochs=3, n_svd=20), device="cpu").fit(mdata, progress_bar=False)
    folder = tmp_path_factory.mktemp("s47_lincache") / "model"
    model.save(folder)
    return folder, mdata, model.predict_cell_type(mdata)


def _copy(saved, tmp_path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(saved[0], folder)
    return folder


def _edit(folder: Path, *, description=None, tensors=None) -> None:
    if description is not None:
        d = json.loads((folder / "model.json").read_text())
        description(d)
        (folder / "model.json").write_text(json.dumps(d))
    if tensors is not None:
        t = torch.load(folder / "weights.pt", weights_only=True)
        tensors(t)
        torch.save(t, folder / "weights.pt")


def test_the_folder_keeps_it_and_a_loaded_model_fits_nothing(saved, linear_fits):
    folder, mdata, expected = saved
    d = json.loads((folder / "model.json").read_text())
    assert d["format_version"] == 6 and set(d["voter_linear"]) == {"digest", "tensors_digest"}
    t = torch.load(folder / "weights.pt", weights_only=True)
    assert [t[k].dtype for k in KEYS] == [torch.float64, torch.float64, torch.bool]
    model = JAE.load(folder, device="cpu")
    labels_equal(model.predict_cell_type(mdata), expected)
    assert linear_fits == []


def test_a_folder_without_it_loads_and_labels_as_before(saved, linear_fits, tmp_path):
    """As a file written before session 47 (the keys stripped): fitted once at the first labels, then kept."""
    folder = _copy(saved, tmp_path)
    _edit(folder, description=lambda d: d.pop("voter_linear"), tensors=lambda t: [t.pop(k) for k in KEYS])
    model = JAE.load(folder, device="cpu")
    assert model.voter_linear is None
    labels_equal(model.predict_cell_type(saved[1]), saved[2])
    labels_equal(model.predict_cell_type(saved[1]), saved[2])
    assert len(linear_fits) == 1
    model.save(tmp_path / "again")  # saved now with the classifier its labels fitted
    assert JAE.load(tmp_path / "again", device="cpu").voter_linear.digest == model.voter_linear.digest


def test_tensors_without_their_description_are_not_read(saved, linear_fits, tmp_path):
    folder = _copy(saved, tmp_path)
    _edit(folder, description=lambda d: d.pop("voter_linear"))
    model = JAE.load(folder, device="cpu")
    assert model.voter_linear is None
    labels_equal(model.predict_cell_type(saved[1]), saved[2])
    assert len(linear_fits) == 1


def _wrong_coefficients(t):
    t["voter_linear.coef"] = t["voter_linear.coef"] * 2  # same shape and dtype: only the tensors' digest tells


@pytest.mark.parametrize("description, tensors", [
    (lambda d: d["voter_linear"].update(digest="0" * 64), None),  # the fit's digest edited
    (lambda d: d["voter_linear"].update(tensors_digest="1" * 64), None),
    (lambda d: d.update(voter_linear="yes"), None),
    (None, _wrong_coefficients),
    (None, lambda t: t.update({"voter_linear.coef": t["voter_linear.coef"][:, :-1]})),  # misshapen
    (None, lambda t: t.update({"voter_linear.known": t["voter_linear.known"].double()})),
    (None, lambda t: t.pop("voter_linear.intercept")),
], ids=["digest", "tensors_digest", "not-an-object", "coefficients", "shape", "dtype", "missing"])
def test_a_tampered_classifier_is_dropped_with_a_warning_and_fitted_again(saved, linear_fits, tmp_path, caplog,
                                                                          description, tensors):
    folder = _copy(saved, tmp_path)
    _edit(folder, description=description, tensors=tensors)
    with caplog.at_level(logging.WARNING, logger="jae"):
        model = JAE.load(folder, device="cpu")
    assert model.voter_linear is None
    assert "voters' linear classifier it keeps (voter_linear) does not match" in caplog.text
    labels_equal(model.predict_cell_type(saved[1]), saved[2])  # the refit's labels: the saved model's
    assert len(linear_fits) == 1


def test_the_frozen_v6_fixtures_without_it_still_predict_as_saved(linear_fits):
    """tests/fixtures/model_v6 and mapped_v6 were written before the classifier was kept."""
    for name in ("model_v6", "mapped_v6"):
        model = JAE.load(FIXTURES / name / "model", device="cpu")
        assert model.voter_linear is None
    assert "voter_linear" not in (FIXTURES / "model_v6" / "model" / "model.json").read_text()
    from test_checkpoint_compat import _embeds_and_predicts_as_saved

    folder = FIXTURES / "model_v6"
    model = JAE.load(folder / "model", device="cpu")
    _embeds_and_predicts_as_saved(folder, model)
    assert len(linear_fits) == 1 and model.voter_linear is not None
