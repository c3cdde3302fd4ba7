"""jae evaluate of an .h5mu whose RNA modality is named otherwise (a Seurat file converted by MuDataSeurat: 'RNA',
'ADT'): the line saying which modality is read as the RNA came twice, once from a probe of the file (is it jae
embed's own output?) and once from its reading. Now once."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np

import jae
from jae.io import InputFiles


def test_the_rna_choice_is_said_once(tmp_path, caplog):
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    seurat = md.MuData({"RNA": m.mod["rna"].copy(), "ADT": m.mod["prot"].copy()})
    seurat.obs["cell_type"], seurat.obs["batch"] = m.obs["cell_type"].to_numpy(), m.obs["batch"].to_numpy()
    seurat.obsm["X_pca"] = np.random.default_rng(0).normal(size=(120, 5)).astype(np.float32)
    seurat.write(tmp_path / "seurat.h5mu")
    with caplog.at_level(logging.INFO, logger="jae"):
        scores = jae.evaluate_files(InputFiles(h5mu=tmp_path / "seurat.h5mu"), ["X_pca"], None, report=False,
                                    progress_bar=False)
    assert "X_pca" in scores.index
    said = [r.getMessage() for r in caplog.records if "reading 'RNA' as the RNA" in r.getMessage()]
    assert len(said) == 1, said
