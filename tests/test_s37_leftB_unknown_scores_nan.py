"""jae.labels.unknown_scores(model, E) with a NaN row in E failed deep inside the linear classifier: 'logits have 1
of 40 rows with NaN, +inf or only -inf values ... pass finite logits', naming neither the embedding nor the fix
(predict_cell_type refuses such rows in one line). It now refuses them the same way, naming the row; finite
embeddings score as before."""

from __future__ import annotations

import numpy as np
import pytest

from jae.datasets import simulate
from jae.labels import unknown_scores


def test_nan_row_is_refused_naming_the_embedding(own_cite_model):
    _, model = own_cite_model("s37_leftB_unknown_scores_nan")
    cells = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=4)
    emb = model.embed(cells, key_added=None)
    want = unknown_scores(model, emb)
    bad = emb.copy()
    bad[3, 5] = np.nan
    with pytest.raises(ValueError, match=r"^embedding has 1 of 40 rows with NaN or infinite values \(e\.g\. row 3\); "
                                         r"embed those cells again"):
        unknown_scores(model, bad)
    got = unknown_scores(model, emb)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])
    with pytest.raises(ValueError, match=r"^embedding has shape \(40, 3\), not \(n_cells, "):
        unknown_scores(model, emb[:, :3])
