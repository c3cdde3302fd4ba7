"""Session 40: a query's batch column held only by the second competition file was found by model.map_query,
model.finetune and a mapped model's embed on jae.io.read_competition(a, b), but refused on jae.io.open_competition(a, b)
("no batch labels column 'sample' in obs (its columns: none)"), the same files opened to be streamed. Opened files now
give those calls the second file's column, with the same results as the files read whole."""

from __future__ import annotations

import copy

import numpy as np

import jae
from jae import JAE


def test_opened_files_give_the_second_files_batch_column(small_cite_model, tmp_path):
    q = jae.simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=7)
    rna, prot = q["rna"].copy(), q["prot"].copy()
    rna.obs = rna.obs[[]].copy()
    prot.obs = prot.obs[[]].assign(sample=("new_" + q.obs["batch"].astype(str)).to_numpy())
    rna.obs_names = prot.obs_names = [f"q{i}" for i in range(q.n_obs)]
    rna.write_h5ad(tmp_path / "q1.h5ad")
    prot.write_h5ad(tmp_path / "q2.h5ad")
    reference = JAE.load(small_cite_model, device="cpu")
    for data in (jae.io.open_competition(tmp_path / "q1.h5ad", tmp_path / "q2.h5ad"),
                 jae.io.read_competition(tmp_path / "q1.h5ad", tmp_path / "q2.h5ad")):
        mapped = reference.map_query(data, batch_key="sample", epochs=2, progress_bar=False)
        tuned = copy.deepcopy(reference).finetune(data, batch_key="sample", epochs=1, seed=3, progress_bar=False)
        got = (mapped.adapter.batches, mapped.embed(data, key_added=None), tuned.embed(data, key_added=None))
        if isinstance(data, jae.io.PairedFiles):
            opened = got
    assert opened[0] == got[0] and len(got[0]) == 2
    np.testing.assert_array_equal(opened[1], got[1])
    np.testing.assert_array_equal(opened[2], got[2])
