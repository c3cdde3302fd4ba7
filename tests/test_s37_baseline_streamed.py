"""``jae evaluate --baseline`` on files: the baseline streams the counts in row blocks instead of reading the data
whole (a million-cell file no longer has to fit in memory twice), with the numbers of the in-memory path; and the
baseline's SVDs, like jae's, are fitted on a seeded sample above ``svd_fit_cells`` cells."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae.baseline import scored_baseline, svd_baseline, svd_baseline_blocks
from jae.datasets import write_simulated
from jae.io import read_competition
from jae.io.chunked import BackedCounts, InMemoryCounts
from jae.io.paired_files import PairedFiles, open_competition
from jae.preprocess import fit_svd, log_normalize

SIZES = dict(n_genes=300, n_peaks=400, n_cell_types=3, n_batches=2)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_simulated(tmp_path_factory.mktemp("b") / "s", n_cells=260, kind="multiome", preset=None, seed=4,
                           progress_bar=False, **SIZES)


def test_files_baseline_is_streamed_with_the_in_memory_numbers(files, monkeypatch):
    mod1, mod2 = files
    mdata = read_competition(mod1, mod2)
    emb = {"jae": np.random.default_rng(0).normal(size=(mdata.n_obs, 8)).astype(np.float32)}
    whole = jae.evaluate(mdata, emb, baseline=True, progress_bar=False)

    def no_load(self):
        raise AssertionError("the files were read whole")

    monkeypatch.setattr(PairedFiles, "load", no_load)
    streamed = jae.evaluate(open_competition(mod1, mod2), emb, baseline=True, progress_bar=False)
    assert list(streamed.index) == list(whole.index)
    cols = [c for c in whole.columns if c in streamed.columns and whole[c].dtype.kind == "f"]
    # the cell-cycle reference read in row blocks sums in another order (1e-16); the embedding itself is equal
    np.testing.assert_allclose(streamed.loc["svd_baseline", cols].to_numpy(dtype=float),
                               whole.loc["svd_baseline", cols].to_numpy(dtype=float), rtol=1e-12)
    np.testing.assert_array_equal(scored_baseline(open_competition(mod1, mod2), seed=0), scored_baseline(mdata, seed=0))


def test_blocks_from_a_file_equal_blocks_in_memory_and_the_sample_fit(files):
    mod1, mod2 = files
    mdata = read_competition(mod1, mod2)
    counts = [mdata.mod[m].layers["counts"] for m in ("rna", "atac")]
    backed = [BackedCounts(mod1), BackedCounts(mod2)]
    kinds = ["GEX", "ATAC"]
    for fit_cells in (None, 100):
        on_disk = svd_baseline_blocks(backed, kinds, seed=2, svd_fit_cells=fit_cells)
        in_memory = svd_baseline_blocks([InMemoryCounts(X) for X in counts], kinds, seed=2, svd_fit_cells=fit_cells)
        np.testing.assert_array_equal(on_disk, in_memory)
    # every cell: svd_baseline as it was (one SVD of all normalised counts); a sample: the SVD of the sampled rows
    full = svd_baseline(counts, kinds, seed=2)
    rows = np.sort(np.random.default_rng(2).choice(260, size=100, replace=False))
    X = log_normalize(counts[0])
    expected = fit_svd(X[rows], n_components=50, seed=2).transform(X)
    sampled = svd_baseline(counts, kinds, seed=2, svd_fit_cells=100)
    np.testing.assert_array_equal(sampled[:, :50], expected)
    np.testing.assert_array_equal(full[:, :50], fit_svd(X, n_components=50, seed=2).transform(X))
    assert not np.array_equal(full, sampled)


def test_a_streamed_file_of_normalised_values_is_refused_with_evaluates_way_out(files, tmp_path):
    import anndata as ad

    mod1, mod2 = files
    atac = ad.read_h5ad(mod2)
    atac.layers["counts"] = log_normalize(atac.layers["counts"])
    atac.write_h5ad(tmp_path / "norm.mod2.h5ad")
    emb = {"jae": np.zeros((260, 3), dtype=np.float32) + np.arange(260)[:, None]}
    with pytest.raises(ValueError, match="baseline=False"):
        jae.evaluate(open_competition(mod1, tmp_path / "norm.mod2.h5ad"), emb, baseline=True, progress_bar=False)
