"""An RNA file written with ``X=None`` (its raw counts in ``layers['counts']`` alone): cc_cons reads the counts."""

from __future__ import annotations

import anndata as ad
import numpy as np
import scipy.sparse as sp

from jae.datasets import write_simulated
from jae.evaluation import lognormalized_gex, lognormalized_gex_blocks
from jae.io import read_competition
from jae.io.paired_files import open_competition

SIZES = dict(n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2)


def test_cc_cons_gex_of_a_file_without_x_is_its_log_normalised_counts(tmp_path):
    mod1, mod2 = write_simulated(tmp_path / "s", n_cells=120, kind="multiome", preset=None, seed=3,
                                 progress_bar=False, **SIZES)
    expected, _ = lognormalized_gex(read_competition(mod1, mod2))
    rna = ad.read_h5ad(mod1)
    rna.X = None
    rna.write_h5ad(mod1)
    # streamed: "s.mod1.h5ad .X is missing; pass layer=..." (no layer helps); read whole: an AttributeError
    blocks, _ = lognormalized_gex_blocks(open_competition(mod1, mod2), block_rows=50)
    whole, _ = lognormalized_gex(read_competition(mod1, mod2))
    np.testing.assert_array_equal(sp.vstack(list(blocks())).toarray(), sp.csr_matrix(expected).toarray())
    np.testing.assert_array_equal(sp.csr_matrix(whole).toarray(), sp.csr_matrix(expected).toarray())
