"""Session 41: jae embed --mod1 A.h5ad --mod2 B.h5ad wrote an output whose obs held only A's columns: a user's
annotations in B (here 'ct2', 'adt_qc') were lost, while an .h5mu input's output holds every modality's columns.
The output now holds B's own columns too, streamed or read whole; a column both files hold keeps A's values, said in
one log line."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """a.h5ad (RNA: batch, qc, shared) and b.h5ad (ADT: batch, ct2, adt_qc, shared differing on 7 cells); b_rev.h5ad
    is b in reverse cell order (read whole, paired by name); a model fitted on them."""
    m = jae.simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=3)
    folder = tmp_path_factory.mktemp("mod2_columns")
    rna, prot = m["rna"].copy(), m["prot"].copy()
    types = m.obs["cell_type"].astype(str).to_numpy()
    other = types.copy()
    other[:7] = "other"
    rna.obs = m.obs[["batch"]].assign(qc=np.arange(m.n_obs) % 5, shared=types)
    prot.obs = m.obs[["batch"]].assign(ct2=m.obs["cell_type"].to_numpy(), adt_qc=np.linspace(0, 1, m.n_obs),
                                       shared=other)
    rna.write_h5ad(folder / "a.h5ad")
    prot.write_h5ad(folder / "b.h5ad")
    prot[::-1].copy().write_h5ad(folder / "b_rev.h5ad")
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu")
    model.fit(jae.io.read_competition(folder / "a.h5ad", folder / "b.h5ad"), cell_type_key="ct2", progress_bar=False)
    model.save(folder / "model")
    return folder


@pytest.mark.parametrize("second, budget", [("b.h5ad", []), ("b_rev.h5ad", ["--memory-budget", "10G"])],
                         ids=["streamed", "whole"])
def test_embed_output_holds_the_second_files_columns(files, second, budget, tmp_path, caplog):
    out = tmp_path / "e.h5ad"
    caplog.set_level(logging.INFO, logger="jae")
    assert main(["-q", "embed", "--mod1", str(files / "a.h5ad"), "--mod2", str(files / second), "--model",
                 str(files / "model"), "--device", "cpu", "--finetune-epochs", "0", "--out", str(out), *budget]) == 0
    obs = ad.read_h5ad(out).obs
    a, b = ad.read_h5ad(files / "a.h5ad").obs, ad.read_h5ad(files / "b.h5ad").obs
    assert list(obs.columns) == ["batch", "qc", "shared", "ct2", "adt_qc", "jae_cell_type", "jae_confidence",
                                 "jae_unknown", "jae_unknown_score"]
    assert obs.index.equals(a.index)
    pd.testing.assert_series_equal(obs["ct2"], b["ct2"])  # the second file's own columns, values and dtype
    pd.testing.assert_series_equal(obs["adt_qc"], b["adt_qc"])
    pd.testing.assert_series_equal(obs["shared"].astype(str), a["shared"].astype(str))  # both hold it: mod1's kept
    said = [r.getMessage() for r in caplog.records if "'shared' holds other values" in r.getMessage()]
    assert len(said) == 1 and "7 of 200 cells" in said[0] and "kept" in said[0], said


def test_embed_output_of_two_files_matches_the_h5mu_inputs_columns(files, tmp_path):
    """The same cells in one .h5mu (each modality's obs its file's) give an output with the same obs columns."""
    import mudata as md

    mdata = md.MuData({"rna": ad.read_h5ad(files / "a.h5ad"), "prot": ad.read_h5ad(files / "b.h5ad")})
    mdata.write(tmp_path / "ab.h5mu")
    outs = []
    two = ["--mod1", str(files / "a.h5ad"), "--mod2", str(files / "b.h5ad")]
    for given in (two, ["--h5mu", str(tmp_path / "ab.h5mu")]):
        outs.append(tmp_path / f"e{len(outs)}.h5ad")
        assert main(["-q", "embed", *given, "--model", str(files / "model"), "--device", "cpu", "--finetune-epochs",
                     "0", "--out", str(outs[-1])]) == 0
    first, second = (ad.read_h5ad(p) for p in outs)
    assert set(first.obs.columns) == {c for c in second.obs.columns if ":" not in c}
    np.testing.assert_array_equal(first.X, second.X)
