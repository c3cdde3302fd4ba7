"""A CSR file assembled from triplets can hold one cell's count of a gene in two entries: the row blocks of a file
streamed sum them (as scipy does), and so must the counts read whole."""

from __future__ import annotations

import anndata as ad
import numpy as np
import scipy.sparse as sp

from jae.datasets import write_simulated
from jae.evaluation import lognormalized_gex, lognormalized_gex_blocks
from jae.io import read_competition
from jae.io.paired_files import open_competition
from jae.preprocess import log_normalize

SIZES = dict(n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2)


def _repeated(X) -> sp.csr_matrix:
    """``X`` with each value v >= 2 stored as two entries, 1 and v - 1."""
    X = sp.csr_matrix(X)
    C = sp.csr_matrix((X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)), shape=X.shape).tocoo()
    split = C.data >= 2
    rows, cols = np.r_[C.row, C.row[split]].astype(np.int64), np.r_[C.col, C.col[split]]
    data = np.r_[np.where(split, 1, C.data), C.data[split] - 1].astype(np.float32)
    order = np.lexsort((cols, rows))
    out = sp.csr_matrix((data[order], cols[order], np.searchsorted(rows[order], np.arange(C.shape[0] + 1))),
                        shape=C.shape)
    assert not out.has_canonical_format
    return out


def test_log_normalize_sums_repeated_entries_without_changing_the_input():
    X = sp.random(30, 20, density=0.4, random_state=0, format="csr", dtype=np.float32)
    X.data = np.ceil(X.data * 5)
    dup = _repeated(X)
    kept = dup.data.copy()
    np.testing.assert_array_equal(log_normalize(dup).toarray(), log_normalize(X).toarray())
    np.testing.assert_array_equal(dup.data, kept)


def test_cc_cons_gex_is_the_same_read_whole_as_streamed(tmp_path):
    mod1, mod2 = write_simulated(tmp_path / "s", n_cells=120, kind="multiome", preset=None, seed=3,
                                 progress_bar=False, **SIZES)
    rna = ad.read_h5ad(mod1)
    counts = _repeated(rna.layers["counts"])
    rna.layers["counts"], rna.X = counts, counts.copy()
    rna.write_h5ad(mod1)
    whole, genes = lognormalized_gex(read_competition(mod1, mod2))
    blocks, genes_streamed = lognormalized_gex_blocks(open_competition(mod1, mod2), block_rows=50)
    assert genes.equals(genes_streamed)
    np.testing.assert_array_equal(sp.csr_matrix(whole).toarray(), sp.vstack(list(blocks())).toarray())
