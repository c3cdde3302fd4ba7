"""RNA counts in ``.raw`` (scanpy) beside proteins whose ``.X`` is normalised and whose counts are in
``layers['counts']`` (session 36): ``layer='raw'`` (``--layer raw``) refused the proteins with "pass layer='counts'",
and ``layer='counts'`` refused the RNA with "pass layer='raw'": each fix led to the other refusal. When another
modality's counts were read from its ``.raw``, the proteins' refusal now says to put their counts in ``.X`` (which
``layer='raw'`` reads for a modality without ``.raw``), and doing so reads both."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pytest
import scanpy as sc

from jae.datasets import simulate
from jae.io import get_paired


@pytest.fixture()
def data():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    rna = ad.AnnData(X=m["rna"].layers["counts"].copy(), obs=m.obs[[]].copy(), var=m["rna"].var[[]].copy())
    rna.raw = rna.copy()
    sc.pp.normalize_total(rna)
    sc.pp.log1p(rna)
    counts = m["prot"].layers["counts"].toarray().astype(np.float32)
    prot = ad.AnnData(X=np.log1p(counts), obs=m.obs[[]].copy(), var=m["prot"].var[[]].copy(),
                      layers={"counts": counts.copy()})
    md.set_options(pull_on_update=False)
    return md.MuData({"rna": rna, "prot": prot}), m


def test_refusal_breaks_the_loop(data):
    mdata, m = data
    with pytest.raises(ValueError, match=r"as another modality keeps its counts in \.raw, put this one's in \.X, which "
                                         r"layer='raw' reads here: adata\.X = adata\.layers\['counts'\]") as err:
        get_paired(mdata, layer="raw")
    assert "pass layer='counts'" not in str(err.value)  # that refuses the RNA, whose counts are in .raw
    with pytest.raises(KeyError, match="pass layer='raw'"):
        get_paired(mdata, layer="counts")
    mdata["prot"].X = mdata["prot"].layers["counts"]  # the fix as said
    paired = get_paired(mdata, layer="raw")
    assert np.array_equal(paired.counts[1].toarray(), m["prot"].layers["counts"].toarray())
    assert np.array_equal(paired.counts[0].toarray(), m["rna"].layers["counts"].toarray())


def test_mosaic_data_too(data):
    mdata, _ = data
    prot = mdata["prot"][10:].copy()  # ten cells measured in RNA alone
    mosaic = md.MuData({"rna": mdata["rna"], "prot": prot})
    from jae.io.mosaic import get_mosaic

    with pytest.raises(ValueError, match=r"as another modality keeps its counts in \.raw, put this one's in \.X"):
        get_mosaic(mosaic, layer="raw")
