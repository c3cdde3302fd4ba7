"""A scanpy user without MuData keeps two AnnData: ``model.embed({'rna': rna, 'prot': prot})`` stores the one
embedding in each one's ``obsm['X_jae']``, and ``jae.evaluate({'rna': rna, 'prot': prot}, ['X_jae'])`` then warned
that 'X_jae' was held by both modalities and only 'rna''s scored, naming a fix for a choice there was not (session
52). Now said only where the modalities' arrays differ (muon's per-modality X_pca)."""

from __future__ import annotations

import logging

import jae


def _held_by_both(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "is held by the modalities" in r.getMessage()]


def test_the_embedding_embed_stored_in_each_anndata_is_scored_without_a_warning(caplog):
    mdata = jae.simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=52)
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0).fit(mdata, progress_bar=False)
    rna, prot = mdata["rna"].copy(), mdata["prot"].copy()
    rna.obs = mdata.obs.copy()
    prot = prot[prot.obs_names[::-1]].copy()  # its cells in another order: compared by name
    emb = model.embed({"rna": rna, "prot": prot})
    with caplog.at_level(logging.WARNING, logger="jae"):
        scores = jae.evaluate({"rna": rna, "prot": prot}, ["X_jae"], progress_bar=False, report=False)
    assert _held_by_both(caplog) == []
    expected = jae.evaluate(mdata, {"X_jae": emb}, progress_bar=False, report=False)
    assert scores.loc["X_jae"].equals(expected.loc["X_jae"])
    prot.obsm["X_jae"] = prot.obsm["X_jae"] + 1.0  # another embedding under the same key: the choice is said
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.evaluate({"rna": rna, "prot": prot}, ["X_jae"], progress_bar=False, report=False)
    assert len(_held_by_both(caplog)) == 1
