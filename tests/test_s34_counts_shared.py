"""Counts kept in .X and layers['counts'] as one matrix (jae's readers, jae.simulate) and scanpy's in-place
normalisation: the refusal says what happened and how to keep the counts."""

from __future__ import annotations

import pytest
import scipy.sparse as sp

import jae
from jae.config import JAEConfig

sc = pytest.importorskip("scanpy")


def test_normalising_x_in_place_names_the_shared_counts_layer():
    """sc.pp.normalize_total on jae.simulate's output changed layers['counts'] too (the same matrix); the refusal told
    the user to pass layer=... naming where the counts are, when layers['counts'] was where they had been."""
    mdata = jae.simulate(200, n_genes=300, n_peaks=400, seed=0)
    rna = mdata["rna"]
    assert rna.layers["counts"] is rna.X
    sc.pp.normalize_total(rna)
    with pytest.raises(ValueError, match=r"modality 'rna' \(layer 'counts'\) has \d+ non-integer values.*layer 'counts' "
                       r"is the same matrix as \.X.*sc\.pp\.normalize_total.*adata\.layers\['counts'\] = adata\.X\.copy\(\)"):
        jae.JAE(JAEConfig(max_epochs=1), seed=0).fit(mdata, progress_bar=False)


def test_a_counts_layer_of_its_own_keeps_the_general_hint():
    mdata = jae.simulate(200, n_genes=300, n_peaks=400, seed=0)
    rna = mdata["rna"]
    rna.layers["counts"] = sp.csr_matrix(rna.X.multiply(0.5))  # a layer apart from .X, normalised by the user
    with pytest.raises(ValueError, match=r"looks normalised; jae needs raw counts: pass layer=") as caught:
        jae.JAE(JAEConfig(max_epochs=1), seed=0).fit(mdata, progress_bar=False)
    assert "same matrix as .X" not in str(caught.value)


def test_the_cli_names_the_file_case_alone(tmp_path, capsys, caplog):
    """jae fit --h5ad reads the file afresh, so the in-place normalisation case cannot apply: the CLI says only the
    file's own case, with its flag."""
    import anndata as ad
    import numpy as np
    import pandas as pd

    from jae.cli import main

    m = jae.simulate(200, n_genes=300, n_peaks=400, seed=0)
    X = sp.hstack([m["rna"].X, m["atac"].X]).tocsr()
    both = ad.AnnData(X=sp.csr_matrix(np.log1p(X.toarray()).astype(np.float32)), obs=m.obs.copy(),
                      var=pd.concat([m["rna"].var, m["atac"].var]))
    both.write_h5ad(tmp_path / "both.h5ad")
    assert main(["-q", "fit", "--h5ad", str(tmp_path / "both.h5ad"), "--max-epochs", "1",
                 "--out", str(tmp_path / "model")]) == 1
    err = capsys.readouterr().err + caplog.text
    assert "the file's .X holds normalised values and it has no counts layer: pass --layer NAME" in err
    assert "same matrix" not in err and "adata." not in err and not (tmp_path / "model").exists()
