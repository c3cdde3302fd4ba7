"""Dense float16 counts (a compact way some files store them): read whole as the streaming path reads them."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import jae
from jae import JAEConfig
from jae.io.chunked import BackedCounts, InMemoryCounts


def _dense(mdata, dtype):
    out = mdata.copy()
    for name in ("rna", "prot"):
        out.mod[name].layers["counts"] = np.asarray(mdata.mod[name].layers["counts"].toarray(), dtype=dtype)
    return out


def test_dense_float16_counts_in_memory_fit_and_embed_as_float32_ones():
    mdata = jae.simulate(150, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=2)
    config = JAEConfig(max_epochs=1, n_svd=10, mode="unsupervised")
    embeddings = []
    for dtype in (np.float32, np.float16):  # every count below 2048 is exact in float16
        data = _dense(mdata, dtype)
        model = jae.JAE(config, seed=0, device="cpu").fit(data, batch_key=None, progress_bar=False)
        embeddings.append(model.embed(data))  # was scipy's 'does not support dtype float16'
    np.testing.assert_array_equal(embeddings[0], embeddings[1])


def test_dense_float16_counts_read_whole_as_in_row_blocks(tmp_path):
    X = np.random.default_rng(0).poisson(0.7, (9, 5)).astype(np.float16)
    path = tmp_path / "f16.h5ad"
    import anndata as ad

    ad.AnnData(X=X).write_h5ad(path)
    counts = BackedCounts(path, layer=None)
    whole = counts.read()
    assert whole.dtype == np.float32 and np.array_equal(whole.toarray(), X.astype(np.float32))
    blocks = sp.vstack(list(counts.blocks(4)))
    assert np.array_equal(blocks.toarray(), whole.toarray())
    assert np.array_equal(sp.vstack(list(InMemoryCounts(X).blocks(4))).toarray(), blocks.toarray())
