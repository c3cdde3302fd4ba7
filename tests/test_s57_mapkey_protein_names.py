"""Session 57: jae reads the names of proteins kept in one AnnData's obsm['protein_expression'] as an array from
uns['protein_expression_names'], else scvi-tools' uns['protein_names'] (session 45), but its messages named the first
alone: repeated names in scvi-tools' key got a fix that failed as written (KeyError: 'protein_expression_names'), and
proteins without names were told of one key only. Both keys are named now, and the fixes run as written."""

from __future__ import annotations

import logging
import re

import anndata  # noqa: F401  (the fixes below are run as the messages write them)
import numpy as np
import pandas  # noqa: F401
import pytest

import jae
from jae.io import split_anndata


def _scvi_layout(names=None, key="protein_names"):
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=8, seed=0)
    adata = m["rna"].copy()
    adata.obs = m.obs.copy()
    counts = m["prot"].layers["counts"]
    adata.obsm["protein_expression"] = np.asarray(counts.todense() if hasattr(counts, "todense") else counts)
    if names is not None:
        adata.uns[key] = np.array(names)
    return adata, m


def _fit(adata):
    return jae.JAE(jae.JAEConfig(max_epochs=1, mode="unsupervised"), device="cpu").fit(adata, batch_key=None,
                                                                                      progress_bar=False)


@pytest.mark.filterwarnings("ignore:Variable names are not unique")  # anndata's, building the proteins
def test_repeated_names_in_scvi_tools_key_get_a_fix_that_runs():
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=8, seed=0)
    names = list(m["prot"].var_names)
    names[1] = names[0]
    adata, _ = _scvi_layout(names)
    with pytest.raises(ValueError, match="duplicated feature names?") as err:
        _fit(adata)
    message = str(err.value)
    assert "\n" not in message and "uns['protein_names']" in message, message
    fix = re.search(r"\(a DataFrame\), or (adata\.uns.*?) \(an array\)", message)
    assert fix is not None, message
    exec(fix.group(1), {"adata": adata, "anndata": anndata, "pandas": pandas})
    assert _fit(adata) is not None  # past the refusal: the fix as written made the names unique


def test_unnamed_proteins_name_both_keys(caplog):
    adata, m = _scvi_layout()
    with caplog.at_level(logging.INFO, logger="jae"):
        split_anndata(adata)
    line = [r.getMessage() for r in caplog.records if "named protein_0" in r.getMessage()]
    assert line and "uns['protein_expression_names']" in line[0] and "uns['protein_names']" in line[0], line
    model = _fit(m)
    with pytest.raises(ValueError, match=r"protein_0 \.\.\. are the names jae gives") as err:
        model.embed(adata, key_added=None)
    assert "uns['protein_expression_names'] (or scvi-tools' uns['protein_names'])" in str(err.value), str(err.value)
    adata.uns["protein_names"] = np.asarray(m["prot"].var_names)  # the fix, in scvi-tools' key
    assert np.isfinite(model.embed(adata, key_added=None)).all()
