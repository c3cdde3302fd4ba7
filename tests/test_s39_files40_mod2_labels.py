"""Session 39: with the competition layout (--mod1/--mod2), a cell-type column held only by the second file was
refused by jae fit ('obs has no column'), read whole or streamed, while jae.JAE().fit(jae.io.read_competition(...))
found it in the second modality's obs. jae fit (and JAE.fit on opened files) now read that one column from the
second file: the fitted model is the one the in-memory fit gives (session 41: jae embed's output obs holds mod2's
own columns too)."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """mod1 (RNA) with a batch and no labels; mod2 (ADT) with a batch and the labels as 'ct2'."""
    m = jae.simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=3)
    folder = tmp_path_factory.mktemp("mod2_labels")
    rna, prot = m["rna"].copy(), m["prot"].copy()
    rna.obs = m.obs[["batch"]].copy()
    prot.obs = m.obs[["batch"]].assign(ct2=m.obs["cell_type"].to_numpy())
    rna.write_h5ad(folder / "a.h5ad")
    prot.write_h5ad(folder / "b.h5ad")
    return folder


@pytest.fixture(scope="module")
def in_memory(files):
    mdata = jae.io.read_competition(files / "a.h5ad", files / "b.h5ad")
    assert "ct2" not in mdata.obs.columns  # the second file's own column: in mdata['prot'].obs only
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu")
    model.fit(mdata, cell_type_key="ct2", progress_bar=False)
    return mdata, model.embed(mdata)


@pytest.mark.parametrize("budget", [[], ["--memory-budget", "1"]], ids=["whole", "streamed"])
def test_cli_fit_reads_the_label_column_of_the_second_file(files, in_memory, budget, tmp_path):
    out = tmp_path / "model"
    assert main(["-q", "fit", "--mod1", str(files / "a.h5ad"), "--mod2", str(files / "b.h5ad"), "--cell-type-key",
                 "ct2", "--max-epochs", "1", "--set", "n_svd=8", "--device", "cpu", "--out", str(out), *budget]) == 0
    mdata, expected = in_memory
    model = jae.JAE.load(out, device="cpu")
    np.testing.assert_array_equal(model.embed(mdata), expected)


def test_opened_files_stream_the_label_column_and_keep_obs(files, in_memory):
    opened = jae.io.open_competition(files / "a.h5ad", files / "b.h5ad")
    assert list(opened.obs.columns) == ["batch"]  # as read_competition's mdata.obs: mod1's columns
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu")
    model.fit(opened, cell_type_key="ct2", memory_budget=1, progress_bar=False)
    np.testing.assert_array_equal(model.embed(in_memory[0]), in_memory[1])
    assert list(opened.obs.columns) == ["batch"]  # the opened files are not changed


def test_embed_output_obs_holds_mod2s_own_column_too(files, in_memory, tmp_path):  # session 41: was left out
    mdata, _ = in_memory
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu").fit(
        mdata, cell_type_key="ct2", progress_bar=False)
    model.save(tmp_path / "m")
    out = tmp_path / "e.h5ad"
    assert main(["-q", "embed", "--mod1", str(files / "a.h5ad"), "--mod2", str(files / "b.h5ad"), "--model",
                 str(tmp_path / "m"), "--device", "cpu", "--out", str(out)]) == 0
    import anndata as ad

    assert list(ad.read_h5ad(out).obs.columns)[:2] == ["batch", "ct2"]  # mod1's columns, then mod2's own
