"""``jae embed --h5mu IN --out OUT.h5mu`` (``jae.embed_files(InputFiles(h5mu=...), model, 'out.h5mu')``): the copy of
the input is made on disk, with ``obsm['X_jae']``, ``uns['jae']``, the label columns (and an imputed layer) written
into it; the input's counts are never read for it, and it reads back as the copy written whole (the earlier way,
still taken for files it cannot copy: a modality added by the imputation)."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def setup(own_cite_model):
    """A reference with cell types; ``q.h5mu``: a query whose obs holds the user's columns (one named as jae's label
    column), obsm / uns entries of its own and an earlier ``obsm['X_jae']``; ``rna_alone.h5mu``: RNA only; ``extra.h5mu``: q's RNA and proteins, and hashtags of
    two more cells ('x1', 'x2')."""
    d, model = own_cite_model("s34_h5muout")
    q = simulate(90, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=3)
    q.obs["note"] = np.where(np.arange(q.n_obs) % 2, "a", "b")
    q.obs["jae_cell_type"] = "old"
    q.obs["score"] = np.linspace(0, 1, q.n_obs)
    q["rna"].obs["depth"] = np.arange(q.n_obs, dtype=float)
    q.obsm["X_pca"] = np.ones((q.n_obs, 3), dtype=np.float32)
    q.obsm["X_jae"] = np.zeros((q.n_obs, 2), dtype=np.float32)
    q.uns["mine"] = {"a": 1}
    q.write(d / "q.h5mu")
    md.MuData({"rna": q["rna"].copy()}).write(d / "rna_alone.h5mu")
    hto = ad.AnnData(np.ones((q.n_obs + 2, 2), dtype=np.float32), obs=pd.DataFrame(index=[*q.obs_names, "x1", "x2"]))
    md.MuData({"rna": q["rna"].copy(), "prot": q["prot"].copy(), "hto": hto}).write(d / "extra.h5mu")
    return d, model


def _embed(d, model, name, out, other=None, **kwargs):
    return jae.embed_files(InputFiles(h5mu=d / name, other=other), model, out, finetune_epochs=0, progress_bar=False,
                           **kwargs)


def _whole(monkeypatch):
    """The copy written whole, as before: the input read into memory, written with MuData.write (the reference)."""
    import jae.io.write

    monkeypatch.setattr(jae.io.write, "h5mu_copy_layout", lambda *a, **k: None)


def _array(x):
    return None if x is None else np.asarray(x.toarray() if hasattr(x, "toarray") else x)


def _mapping(a, b) -> None:
    assert sorted(a) == sorted(b)
    for key in a:
        if isinstance(a[key], dict):
            _mapping(a[key], b[key])
        elif isinstance(a[key], pd.DataFrame):
            pd.testing.assert_frame_equal(a[key], b[key])
        else:
            x, y = _array(a[key]), _array(b[key])
            assert x.dtype == y.dtype and x.shape == y.shape, key
            np.testing.assert_array_equal(x, y)


def _same(a: md.MuData, b: md.MuData) -> None:
    """Every element of two MuData read back: modalities (matrices, layers, obs, var, obsm, varm, uns), global ones."""
    assert list(a.mod) == list(b.mod) and a.axis == b.axis
    for x, y in [(a, b)] + [(a[n], b[n]) for n in a.mod]:
        pd.testing.assert_frame_equal(x.obs, y.obs)
        pd.testing.assert_frame_equal(x.var, y.var)
        for slot in ("obsm", "varm", "obsp", "varp", "uns") + (("layers",) if hasattr(x, "layers") else ()):
            _mapping(dict(getattr(x, slot) or {}), dict(getattr(y, slot) or {}))
        if not isinstance(x, md.MuData):
            _mapping({"X": x.X} if x.X is not None else {}, {"X": y.X} if y.X is not None else {})
            assert type(x.X) is type(y.X) and (x.raw is None) == (y.raw is None)
    _mapping(dict(a.obsmap), dict(b.obsmap))


@pytest.mark.parametrize("name, impute", [("q.h5mu", None), ("rna_alone.h5mu", "prot")])
def test_the_h5mu_copy_reads_back_as_the_copy_written_whole(setup, tmp_path, monkeypatch, name, impute):
    d, model = setup
    before = (d / name).read_bytes()
    _embed(d, model, name, tmp_path / "disk.h5mu", impute_modality=impute)
    with monkeypatch.context() as m:
        _whole(m)
        _embed(d, model, name, tmp_path / "whole.h5mu", impute_modality=impute)
    disk, whole = md.read_h5mu(tmp_path / "disk.h5mu"), md.read_h5mu(tmp_path / "whole.h5mu")
    _same(disk, whole)
    assert (d / name).read_bytes() == before  # the input is never written
    assert disk.obs["jae_cell_type"].dtype == "category" and "old" not in set(disk.obs["jae_cell_type"])
    assert disk.obsm["X_jae"].shape[1] == len(model.column_names) and disk.uns["jae"]["obsm_key"] == "X_jae"
    if impute:
        assert disk["prot"].layers["jae_imputed"].shape == (90, 15) and disk["prot"].X is None


def test_the_h5mu_copy_never_reads_the_input_whole(setup, tmp_path, monkeypatch):
    """The copy was made by reading the whole input (every count) into memory, whatever the memory budget."""
    import jae.workflows.embedding_output

    d, model = setup

    def refuse(path):
        raise AssertionError(f"{path} read whole")

    monkeypatch.setattr(jae.workflows.embedding_output, "_read_untouched", refuse)
    _embed(d, model, "q.h5mu", tmp_path / "out.h5mu")
    _embed(d, model, "rna_alone.h5mu", tmp_path / "imputed.h5mu", impute_modality="prot")  # a modality added
    assert md.read_h5mu(tmp_path / "imputed.h5mu")["prot"].layers["jae_imputed"].shape == (90, 15)
    out = md.read_h5mu(tmp_path / "out.h5mu")
    assert out.obsm["X_jae"].shape == (90, len(model.column_names)) and out.obs["note"].tolist()[:2] == ["b", "a"]


def test_a_modality_added_by_the_imputation_pulls_no_column_into_obs(setup, tmp_path):
    """RNA alone with --impute-modality prot: the copy's obs got 'rna:depth', a copy of the RNA modality's column
    the input's obs lacks (MuData's pull of modality columns on update, with a FutureWarning)."""
    import warnings

    d, model = setup
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        _embed(d, model, "rna_alone.h5mu", tmp_path / "out.h5mu", impute_modality="prot")
    given, out = md.read_h5mu(d / "rna_alone.h5mu"), md.read_h5mu(tmp_path / "out.h5mu")
    assert list(out.obs.columns) == list(given.obs.columns) + list(jae.workflows.joint.LABEL_COLUMNS.values())
    assert list(out["rna"].obs.columns) == list(given["rna"].obs.columns)


def test_cells_of_a_modality_not_embedded_get_no_other_cells_embedding(setup, tmp_path, monkeypatch):
    """A cell of the file in none of the modalities embedded (hashtags of 'x1', 'x2') got the last embedded cell's
    obsm['X_jae'] row and cell type; it now gets NaN and empty labels, the others their own (both ways of copying)."""
    d, model = setup
    result = _embed(d, model, "extra.h5mu", tmp_path / "disk.h5mu", other="prot")
    with monkeypatch.context() as m:
        _whole(m)
        _embed(d, model, "extra.h5mu", tmp_path / "whole.h5mu", other="prot")
    disk, whole = md.read_h5mu(tmp_path / "disk.h5mu"), md.read_h5mu(tmp_path / "whole.h5mu")
    _same(disk, whole)
    rows = disk.obs_names.get_indexer(["x1", "x2"])
    assert np.isnan(disk.obsm["X_jae"][rows]).all() and disk.obs["jae_cell_type"].iloc[rows].isna().all()
    assert disk.obs["jae_unknown"].iloc[rows].isna().all() and disk.obs["jae_confidence"].iloc[rows].isna().all()
    embedded = disk.obs_names.get_indexer(result.obs_names)
    np.testing.assert_array_equal(disk.obsm["X_jae"][embedded], result.embedding)
    assert disk.obs["jae_cell_type"].iloc[embedded].tolist() == result.labels["cell_type"].tolist()
