"""Session 40: 'jae embed --mod1 a --mod2 b' fine-tuning a decoder_batch=True model whose batch column ('sample',
fitted with batch_key='sample') the query holds only in the second file said "the data has no obs['sample']" and
gave every cell's decoder zeros, while model.finetune(jae.io.read_competition(a, b), batch_key='sample') found the
batches. jae embed now reads that column from the second competition file too and fine-tunes as the in-memory call
does."""

from __future__ import annotations

import copy

import anndata as ad
import numpy as np

import jae
from jae import JAE, JAEConfig
from jae.cli import main


def test_embed_fine_tunes_with_decoder_batches_of_the_second_file(tmp_path):
    ref = jae.simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    ref.obs["sample"] = ref.obs["batch"].astype(str)
    model = JAE(JAEConfig(max_epochs=2, n_svd=8, decoder_batch=True), seed=0, device="cpu").fit(
        ref, batch_key="sample", progress_bar=False)
    model.save(tmp_path / "model")
    q = jae.simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=4)
    rna, prot = q["rna"].copy(), q["prot"].copy()
    rna.obs = rna.obs[[]].copy()
    prot.obs = prot.obs[[]].assign(sample=q.obs["batch"].astype(str).to_numpy())  # batches the decoder knows
    rna.obs_names = prot.obs_names = [f"q{i}" for i in range(q.n_obs)]
    rna.write_h5ad(tmp_path / "q1.h5ad")
    prot.write_h5ad(tmp_path / "q2.h5ad")
    assert main(["-q", "embed", "--mod1", str(tmp_path / "q1.h5ad"), "--mod2", str(tmp_path / "q2.h5ad"), "--model",
                 str(tmp_path / "model"), "--finetune-epochs", "1", "--seed", "7", "--device", "cpu",
                 "--out", str(tmp_path / "e.h5ad")]) == 0
    mdata = jae.io.read_competition(tmp_path / "q1.h5ad", tmp_path / "q2.h5ad")
    tuned = copy.deepcopy(model).finetune(mdata, batch_key="sample", epochs=1, seed=7, progress_bar=False)
    np.testing.assert_array_equal(ad.read_h5ad(tmp_path / "e.h5ad").X, tuned.embed(mdata, key_added=None))
