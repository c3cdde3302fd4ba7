"""Session 54: scanpy on the imputed layer of a mosaic MuData. `layers['jae_imputed']` is NaN in the cells measured
in that modality and for features the model lacks (documented, kept), and `sc.pp.highly_variable_genes` on it failed
with 'Bin edges must be unique: [nan, ...]' (taking the imputed cells alone then failed on the NaN features with
KeyError '[nan] not in index'). README's "Mosaic data" now gives the line that selects the imputed cells and
features; it is run here as the README writes it."""

from __future__ import annotations

import re
from pathlib import Path

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scanpy as sc

from jae.imputation import add_imputed_layer

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def mosaic_rna():
    """Modality 'rna' of a mosaic MuData with jae's imputed layer: 100 of 300 cells lack RNA (rows of NaN), for which
    118 of its 120 genes were predicted (a prediction as jae.impute returns it)."""
    rng = np.random.default_rng(0)
    cells = pd.Index([f"c{i}" for i in range(300)])
    X = rng.poisson(2.0, (300, 120)).astype(np.float32)
    X[:100] = np.nan
    rna = ad.AnnData(X=X, obs=pd.DataFrame(index=cells), var=pd.DataFrame(index=[f"g{j}" for j in range(120)]))
    prot = ad.AnnData(X=rng.poisson(5.0, (300, 6)).astype(np.float32), obs=pd.DataFrame(index=cells),
                      var=pd.DataFrame(index=[f"p{j}" for j in range(6)]))
    mdata = md.MuData({"rna": rna, "prot": prot})
    imputed = ad.AnnData(X=np.log1p(rng.gamma(2.0, rng.uniform(0.2, 3.0, 118), (100, 118))).astype(np.float32),
                         obs=pd.DataFrame(index=cells[:100]), var=pd.DataFrame(index=rna.var_names[:118]))
    imputed.uns["jae_imputed"] = {"modality": "rna", "kind": "GEX", "method": "decoder", "scale": "log1p",
                                  "from": "prot"}
    add_imputed_layer(mdata, imputed, "rna")
    return mdata["rna"]


def test_the_readme_line_makes_highly_variable_genes_run_on_the_imputed_layer(mosaic_rna):
    a = mosaic_rna
    with pytest.raises(ValueError, match="Bin edges must be unique"):  # as README quotes it
        sc.pp.highly_variable_genes(a.copy(), layer="jae_imputed")
    section = README.read_text().split("### Mosaic data", 1)[1].split("\n## ", 1)[0]
    line = re.search(r"`(d = ~np\.isnan\(.*?\.copy\(\))`", section, re.S)
    assert line is not None, "README's Mosaic data gives no line selecting the imputed cells and features"
    namespace = {"np": np, "a": a}
    exec(re.sub(r"\s*\n\s*", " ", line[1]), namespace)
    imp = namespace["imp"]
    assert imp.shape == (100, 118) and not np.isnan(imp.layers["jae_imputed"]).any()
    sc.pp.highly_variable_genes(imp, layer="jae_imputed")
    assert 0 < imp.var["highly_variable"].sum() < 118
    assert np.isnan(a.layers["jae_imputed"][100:]).all()  # the layer itself as documented: NaN where measured
