"""Session 46's walkthrough of a new Multiome sample at the competition's shape: ``--fragments`` of ``jae embed`` /
``jae map`` held the query's own peak counts (a sample's 115,602 peaks: hundreds of MB) while counting the fragments
file, although they are left out; they are freed first (``jae embed --fragments``: peak 2.39 GB -> 1.95 GB,
``benchmarks/results/new_sample_walkthrough.md``)."""

from __future__ import annotations

import gc
import weakref

import numpy as np

import jae.io.fragments
from jae.io.inputs import InputFiles
from jae.workflows._fragments import read_with_fragments
from test_s46_frag_roundtrip import write_fragments


def test_own_peaks_are_freed_before_the_fragments_are_counted(default_fit, tmp_path, monkeypatch):
    model, mdata = default_fit()
    rna = mdata["rna"].copy()
    rna.write_h5ad(tmp_path / "q.mod1.h5ad")
    own = mdata["atac"].copy()
    own.var_names = [f"chr1-{10 * i}-{10 * i + 5}" for i in range(own.n_vars)]
    own.write_h5ad(tmp_path / "q.mod2.h5ad")
    write_fragments(tmp_path / "atac_fragments.tsv.gz", mdata["atac"])

    refs, alive = [], []
    read, count = InputFiles.read, jae.io.fragments.count_fragments

    def tracked_read(self, **kwargs):
        data = read(self, **kwargs)
        refs.extend(weakref.ref(a) for n, a in data.mod.items() if n != "rna")
        return data

    def tracked_count(*args, **kwargs):
        gc.collect()
        alive.extend(r for r in refs if r() is not None)
        return count(*args, **kwargs)

    monkeypatch.setattr(InputFiles, "read", tracked_read)
    monkeypatch.setattr(jae.io.fragments, "count_fragments", tracked_count)
    inputs = InputFiles(mod1=tmp_path / "q.mod1.h5ad", mod2=tmp_path / "q.mod2.h5ad")
    counted = read_with_fragments(inputs, model, tmp_path / "atac_fragments.tsv.gz", progress_bar=False)
    assert refs and not alive, "the query's own peak counts were held while the fragments were counted"
    np.testing.assert_array_equal(counted["atac"].X.toarray(), mdata["atac"].layers["counts"].toarray())
