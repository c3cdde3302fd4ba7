"""jae.evaluate on an AnnData holding only embeddings and annotations (session 35): the cc_cons note said "the 'rna'
modality holds no expression values", naming a modality the user never had (jae's own name for the AnnData read as
one modality). It now says the AnnData holds none; a MuData's RNA modality is still named."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd

import jae


def test_cc_cons_note_names_the_anndata_not_an_rna_modality(caplog):
    rng = np.random.default_rng(0)
    obs = pd.DataFrame({"cell_type": rng.choice(list("abc"), 200), "batch": rng.choice(["b1", "b2"], 200)},
                       index=[f"c{i}" for i in range(200)])
    data = ad.AnnData(obs=obs, obsm={"X_emb": rng.normal(size=(200, 6)).astype(np.float32)})
    with caplog.at_level(logging.WARNING, logger="jae"):
        scores = jae.evaluate(data, ["X_emb"], report=False, progress_bar=False)
    notes = [r.getMessage() for r in caplog.records if "cc_cons is n/a" in r.getMessage()]
    assert notes and "the AnnData holds no expression values (0 genes" in notes[0], notes
    assert "'rna' modality" not in notes[0]
    assert np.isnan(scores["cc_cons"].iloc[0])
