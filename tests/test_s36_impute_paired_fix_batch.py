"""Session 36 audit: the fix jae.impute names for paired cells works for a mapped model, whose batches live in the
MuData's global obs."""

from __future__ import annotations

import re

import mudata
import pytest

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate


def _run(example: str, **names):
    """Run the example statements of an error message; the value of its last call."""
    *before, last = example.split("; ")
    scope = {"jae": jae, "mudata": mudata, **names}
    exec("; ".join(before), scope)
    return eval(last, scope)


def test_the_fix_for_paired_cells_runs_as_written_for_a_mapped_model(tmp_path):
    """jae.impute(mapped_model, mdata) on paired cells said 'pass 'rna' alone, e.g. jae.impute(model, mdata['rna'])',
    which then failed: the modality's obs lacks the batch column map_query shifts by (simulate, like most MuData,
    keeps it in the global obs). The example now copies that column in, and runs as written (in memory, and for the
    .h5mu path), giving the prediction of the same cells with their batches."""
    ref = simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=1)
    mdata = simulate(120, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=2)
    mdata.obs["batch"] = ["q" + str(b) for b in mdata.obs["batch"]]
    assert "batch" not in mdata["rna"].obs.columns  # the layout the old example failed on
    model = JAE(JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu").fit(ref, progress_bar=False)
    mapped = model.map_query(mdata, batch_key="batch", progress_bar=False)
    rna = mdata["rna"].copy()
    rna.obs["batch"] = mdata.obs["batch"]
    expected = jae.impute(mapped, rna).X
    path = tmp_path / "paired.h5mu"
    mdata.write(path)
    for data in (mdata, str(path)):
        with pytest.raises(ValueError, match=r"^every cell has both modalities: nothing to impute") as err:
            jae.impute(mapped, data)
        example = re.search(r".*e\.g\. (.*)$", str(err.value)).group(1)
        out = _run(example, model=mapped, **({"mdata": mdata} if data is mdata else {}))
        assert out.shape == (120, 12) and (out.X == expected).all(), example
