"""Session 40: JAE.fit(jae.io.open_competition(a, b), batch_key='sample', memory_budget=...) streaming the files refused
a batch column only the second file holds ("no batch column 'sample' in obs (columns: ['cell_type'])"), while the same
fit read whole (jae.io.read_competition, or a budget the files fit) found it; the streamed fit already took the
cell-type and phase columns from the second file. It now takes the batch column too, and fits the same model."""

from __future__ import annotations

import numpy as np

import jae
from jae import JAE, JAEConfig


def test_streamed_fit_reads_the_second_files_batch_column(tmp_path):
    m = jae.simulate(150, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    rna.obs = m.obs[["cell_type"]].copy()
    prot.obs = m.obs[[]].assign(sample=m.obs["batch"].astype(str).to_numpy())
    rna.write_h5ad(tmp_path / "a.h5ad")
    prot.write_h5ad(tmp_path / "b.h5ad")
    whole = jae.io.read_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad")
    fits = [JAE(JAEConfig(max_epochs=2, n_svd=8), seed=0, device="cpu").fit(
        data, batch_key="sample", memory_budget=budget, progress_bar=False)
        for data, budget in ((jae.io.open_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad"), "100K"),
                             (whole, None))]
    assert fits[0].batches == fits[1].batches == ["s1d1", "s1d2"]
    np.testing.assert_array_equal(fits[0].embed(whole, key_added=None), fits[1].embed(whole, key_added=None))
