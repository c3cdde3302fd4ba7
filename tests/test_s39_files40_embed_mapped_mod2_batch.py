"""Session 39: 'jae map --mod1 a --mod2 b --batch-key sample' with the query's 'sample' column in the second file
alone mapped the query (its batch column is read from both files), but 'jae embed' of the same files with the mapped
model refused them: 'the data has no such column'. jae embed now reads a mapped model's batch column from the second
competition file too, and embeds as model.embed(jae.io.read_competition(...)) does."""

from __future__ import annotations

import anndata as ad
import numpy as np

import jae
from jae.cli import main


def test_embed_reads_a_mapped_batch_column_of_the_second_file(small_cite_model, tmp_path):
    q = jae.simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=7)
    rna, prot = q["rna"].copy(), q["prot"].copy()
    rna.obs = rna.obs[[]].copy()
    prot.obs = prot.obs[[]].assign(sample="new_sample")
    rna.obs_names = prot.obs_names = [f"q{i}" for i in range(q.n_obs)]
    rna.write_h5ad(tmp_path / "q1.h5ad")
    prot.write_h5ad(tmp_path / "q2.h5ad")
    inputs = ["--mod1", str(tmp_path / "q1.h5ad"), "--mod2", str(tmp_path / "q2.h5ad")]
    assert main(["-q", "map", *inputs, "--model", str(small_cite_model), "--batch-key", "sample", "--device", "cpu",
                 "--out", str(tmp_path / "mapped")]) == 0
    assert main(["-q", "embed", *inputs, "--model", str(tmp_path / "mapped"), "--device", "cpu",
                 "--out", str(tmp_path / "e.h5ad")]) == 0
    mapped = jae.JAE.load(tmp_path / "mapped", device="cpu")
    want = mapped.embed(jae.io.read_competition(tmp_path / "q1.h5ad", tmp_path / "q2.h5ad"), key_added=None)
    got = ad.read_h5ad(tmp_path / "e.h5ad")
    np.testing.assert_array_equal(got.X, want)
    assert (got.obs["sample"] == "new_sample").all()
