"""Session 36 audit: jae.impute says when a batch-aware decoder gets no batch for cells of batches it never saw."""

from __future__ import annotations

import logging

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_cells_of_batches_the_decoder_was_not_fitted_with_are_named_in_a_log_line(caplog):
    """A decoder_batch model imputing proteins for RNA-only cells of new batches gave every cell the decoder's
    no-batch zeros without a word (the docstring promised one); now one line counts them and names the batches."""
    ref = simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=1)
    model = JAE(JAEConfig(max_epochs=1, n_svd=8, decoder_batch=True), seed=0, device="cpu").fit(ref, progress_bar=False)
    rna = ref["rna"][:60].copy()
    rna.obs = ref.obs.iloc[:60].copy()
    with caplog.at_level(logging.INFO, logger="jae.imputation.run"):
        seen = jae.impute(model, rna)
    assert "not fitted with" not in caplog.text  # the reference's own batches: nothing to say
    caplog.clear()
    rna.obs["batch"] = ["new" + str(b) for b in rna.obs["batch"]]
    with caplog.at_level(logging.INFO, logger="jae.imputation.run"):
        new = jae.impute(model, rna)
    line = [r.getMessage() for r in caplog.records if "not fitted with" in r.getMessage()]
    assert len(line) == 1 and line[0].startswith("60 of 60 cells") and "news1d1" in line[0], caplog.text
    assert seen.shape == new.shape == (60, 12)
