"""Simulated files just above one HDF5 chunk's worth of counts were padded to two whole chunks: 4,000 cells of the
default sizes wrote 18 MB files for 9 MB of counts, and 2,000 cells written with chunk_size=1 (counts estimated from
the first 1,024 cells, the estimate a hair low) took 10 MB instead of 5.5. The chunks now split the expected values
evenly, with 5% room when they are estimated; the values written are the same."""

from __future__ import annotations

import anndata as ad
import h5py
import pytest

from jae.datasets import simulate, write_simulated


@pytest.mark.parametrize("n_cells, chunk_size", [(4000, 4096), (2000, 1)])
def test_counts_are_stored_in_little_more_than_their_size(tmp_path, n_cells, chunk_size):
    paths = write_simulated(tmp_path / "sim", n_cells=n_cells, preset=None, n_genes=2000, n_peaks=4000, seed=0,
                            chunk_size=chunk_size, progress_bar=False)
    for path in paths:
        with h5py.File(path, "r") as f:
            for part in ("data", "indices"):
                dataset = f["layers/counts"][part]
                stored, held = dataset.id.get_storage_size(), dataset.shape[0] * dataset.dtype.itemsize
                assert stored <= 1.1 * held, (path.name, part, stored, held)
    expected = simulate(n_cells, n_genes=2000, n_peaks=4000, seed=0)
    for path, mod in zip(paths, ("rna", "atac")):
        assert (ad.read_h5ad(path).layers["counts"] != expected[mod].layers["counts"]).nnz == 0
