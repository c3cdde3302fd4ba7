"""Mosaic data with cells that have no counts in a modality (session 35): the refusal's fix must not drop the cells
measured in one modality (mu.pp.intersect_obs keeps only cells in both), and following it must work."""

from __future__ import annotations

import mudata as md
import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def setup(own_cite_model, tmp_path_factory):
    folder, model = own_cite_model("s35_mosaic_zero_counts")
    q = simulate(150, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    cells = np.arange(q.n_obs)
    mos = md.MuData({"rna": q["rna"][cells < 120].copy(), "prot": q["prot"][cells >= 40].copy()})
    mos.obs = mos.obs.join(q.obs[["batch", "cell_type"]])
    rna = mos["rna"]
    counts = rna.layers["counts"].tolil()
    counts[5] = 0  # cell 5: measured in 'rna' alone
    counts[60] = 0  # cell 60: measured in both
    rna.layers["counts"] = counts.tocsr()
    rna.X = rna.layers["counts"].copy()
    path = folder / "zero.h5mu"
    mos.write(path)
    return model, mos, path, q.obs_names


def _check(message: str) -> None:
    assert "2 of 120 cells have zero total counts in modality 'rna'" in message, message
    assert "leave them out of 'rna' alone" in message and "not mu.pp.intersect_obs(mdata)" in message, message


def test_zero_count_cells_of_mosaic_data_are_refused_with_a_fix_that_keeps_one_modality_cells(setup):
    model, mos, path, names = setup
    calls = [lambda: model.embed(mos, key_added=None),  # in memory
             lambda: model.embed(path, key_added=None),  # streamed from the file
             lambda: JAE(JAEConfig(max_epochs=1, n_svd=5), device="cpu").fit(path, memory_budget="1K",
                                                                               progress_bar=False)]  # streamed fit
    for call in calls:
        with pytest.raises(ValueError, match="zero total counts") as err:
            call()
        _check(str(err.value))
    # the fix as written: the cell measured in 'rna' alone leaves the data, the paired one keeps its proteins and
    # every other cell (both kinds of one-modality cells) stays
    fixed = mos.copy()
    code = str(err.value).split("e.g. ", 1)[1].split(" (a file:", 1)[0]
    exec(code, {"np": np}, {"mdata": fixed})
    emb = model.embed(fixed, key_added=None)
    assert fixed.n_obs == 149 and emb.shape[0] == 149 and names[5] not in fixed.obs_names
    assert names[60] in fixed["prot"].obs_names and names[60] not in fixed["rna"].obs_names
