"""Repeated protein names in scvi-tools' layout (proteins in obsm['protein_expression']) are refused with a fix
that works in that layout (var_names_make_unique() has no modality to act on there), and the fix as written works."""

import re

import anndata  # noqa: F401  (the fixes below are run as the message writes them)
import numpy as np
import pandas  # noqa: F401
import pytest

import jae


def _scvi_layout(as_frame: bool):
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=8, seed=0)
    adata = m["rna"].copy()
    adata.obs = m.obs.copy()
    counts = m["prot"].layers["counts"]
    counts = np.asarray(counts.todense() if hasattr(counts, "todense") else counts)
    names = list(m["prot"].var_names)
    names[1] = names[0]
    if as_frame:
        adata.obsm["protein_expression"] = pandas.DataFrame(counts, index=adata.obs_names, columns=names)
    else:
        adata.obsm["protein_expression"] = counts
        adata.uns["protein_expression_names"] = np.array(names)
    return adata


def _fit(adata):
    return jae.JAE(jae.JAEConfig(max_epochs=1, mode="unsupervised")).fit(adata, batch_key=None)


@pytest.mark.filterwarnings("ignore:Variable names are not unique")  # anndata's, building the proteins
@pytest.mark.parametrize("as_frame", [True, False])
def test_repeated_obsm_protein_names_name_a_fix_that_works(as_frame):
    adata = _scvi_layout(as_frame)
    with pytest.raises(ValueError, match="duplicated feature names?") as err:
        _fit(adata)
    message = str(err.value)
    assert "\n" not in message
    fix = re.search(r"e\.g\. (p = .*?) \(a DataFrame\), or (adata\.uns.*?) \(an array\)", message)
    assert fix is not None, message
    exec(fix.group(1) if as_frame else fix.group(2), {"adata": adata, "anndata": anndata, "pandas": pandas})
    assert _fit(adata) is not None  # past the refusal: the fix as written made the names unique


def test_repeated_names_of_another_modality_keep_the_short_fix():
    with pytest.raises(ValueError, match=r"var_names_make_unique\(\) on that modality$"):
        jae.io.features.unique_features(["a", "a"], "modality 'rna'")
