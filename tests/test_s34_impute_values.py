"""Session 34 audit: uns['jae_imputed']['values'] of a low-rank reconstruction names the prediction's minimum."""

from __future__ import annotations

import re

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_the_reconstruction_note_names_the_true_minimum_even_when_positive():
    """One RNA-only cell's predicted peaks all above 0 were described as '(min 0 here)'; now their minimum."""
    ref = simulate(200, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=1)
    model = JAE(JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu").fit(ref, progress_bar=False)
    for cells in (slice(0, 1), slice(0, 50)):
        x = jae.impute(model, ref["rna"][cells].copy())
        note = x.uns["jae_imputed"]["values"]
        said = float(re.search(r"\(min (\S+) here\)", note).group(1))
        assert said == float("%.3g" % x.X.min()), (note, x.X.min())
    x = jae.impute(model, ref["rna"][:1].copy())
    assert x.X.min() > 0  # the case the note got wrong (this draw's single cell)
