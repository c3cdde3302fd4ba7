"""add_imputed_layer(mdata, imputed, modality) makes a dense float32 layer over every cell and feature of the
modality, NaN for the measured cells: for a full ATAC modality of 100,000 cells (116,490 peaks) that is 46 GB, and
it was found only when numpy failed to allocate it, with a traceback. A layer larger than the memory available is now
refused in one line naming its size and the fix (the prediction of the cells lacking the modality, which jae.impute
returns, written to its own file), the MuData left as it was; one that fits is written as before."""

from __future__ import annotations

import mudata as md
import numpy as np
import pytest

import jae
from jae.datasets import simulate
from jae.imputation import add_imputed_layer


@pytest.fixture(scope="module")
def setup(own_cite_model):
    """A reference fitted on paired CITE-seq cells; a query MuData whose 'prot' holds every cell, the first 40 as
    all-NaN rows (unmeasured: jae's in-memory mosaic layout), and jae.impute's prediction for those 40."""
    _, model = own_cite_model("s37_impmem_layer_memory")
    q = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    prot = q["prot"].copy()
    counts = prot.layers["counts"]
    dense = np.asarray(counts.toarray() if hasattr(counts, "toarray") else counts, dtype=np.float32)
    dense[:40] = np.nan
    prot.layers["counts"] = dense
    prot.X = dense.copy()
    mdata = md.MuData({"rna": q["rna"].copy(), "prot": prot})
    return mdata, jae.impute(model, mdata, modality="prot")


def _tight(monkeypatch, available: int) -> None:
    import jae.io.plan

    monkeypatch.setattr(jae.io.plan, "available_memory", lambda: available)


def test_a_layer_larger_than_the_memory_available_is_refused(setup, monkeypatch):
    mdata, imputed = setup
    mdata = mdata.copy()
    assert imputed.n_obs == 40
    _tight(monkeypatch, 5000)  # the layer: 120 x 15 x 4 = 7,200 bytes
    with pytest.raises(ValueError, match=r"^the imputed layer of modality 'prot' \(120 cells x 15 features, float32, "
                                         r"NaN for the measured cells\) would take 7\.2 kB, more than the 5\.0 kB of "
                                         r"memory available: write the prediction of the cells lacking it to its own "
                                         r"file instead \(imputed\.write_h5ad\(FILE\)\)$"):
        add_imputed_layer(mdata, imputed, "prot")
    assert "jae_imputed" not in mdata["prot"].layers and "jae_imputed" not in mdata["prot"].uns
    _tight(monkeypatch, 120 * 15 * 4 - 1)  # one byte short
    with pytest.raises(ValueError, match=r"would take 7\.2 kB, more than the 7\.2 kB of memory available"):
        add_imputed_layer(mdata, imputed, "prot")


def test_a_layer_that_fits_is_written_as_before(setup, monkeypatch):
    mdata, imputed = setup
    for available in (120 * 15 * 4, None):  # exactly enough; unknown (nothing refused)
        copy = mdata.copy()
        _tight(monkeypatch, available)
        add_imputed_layer(copy, imputed, "prot")
        layer = copy["prot"].layers["jae_imputed"]
        assert layer.dtype == np.float32 and layer.shape == (120, 15)
        np.testing.assert_array_equal(layer[:40], imputed.X)
        assert np.isnan(layer[40:]).all()
