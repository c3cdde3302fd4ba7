"""``jae embed`` computes the input features of its cells once per command (the impute check, fine-tuning, the
embedding, labels and imputation read the same features), whether the input is streamed or read whole."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae import JAE, JAEConfig
from jae.query import features as query
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A model fitted on simulated CITE-seq cells, and other cells written as an RNA-only ``.h5ad`` and as one
    ``.h5ad`` holding both modalities in scvi-tools' layout (read whole)."""
    d = tmp_path_factory.mktemp("once")
    sizes = dict(kind="cite", n_genes=300, n_proteins=20, n_cell_types=3, n_batches=2)
    model = JAE(JAEConfig(max_epochs=2, n_svd=20), seed=0, device="cpu").fit(simulate(400, seed=1, **sizes),
                                                                           progress_bar=False)
    mdata = simulate(300, seed=2, **sizes)
    rna, prot = mdata.mod["rna"], mdata.mod["prot"]
    rna.write_h5ad(d / "rna.h5ad")
    both = ad.AnnData(X=rna.layers["counts"].copy(), obs=mdata.obs.copy(), var=rna.var.copy())
    both.layers["counts"] = both.X.copy()
    both.obsm["protein_expression"] = pd.DataFrame(prot.layers["counts"].toarray(), index=both.obs_names,
                                                   columns=prot.var_names)
    both.write_h5ad(d / "both.h5ad")
    return model, d


@pytest.mark.parametrize("source", ["rna_only", "h5ad"])
def test_embed_computes_the_features_once(setup, source, tmp_path, monkeypatch):
    model, d = setup
    inputs = InputFiles(mod1=d / "rna.h5ad") if source == "rna_only" else InputFiles(h5ad=d / "both.h5ad")
    expected = jae.embed_files(inputs, model, tmp_path / "expected.h5ad", finetune_epochs=1, progress_bar=False)
    calls, transform = [], query._transform

    def counted(*args, **kwargs):
        calls.append(1)
        return transform(*args, **kwargs)

    monkeypatch.setattr(query, "_transform", counted)
    impute_out = tmp_path / "imputed.h5ad" if source == "rna_only" else None
    got = jae.embed_files(inputs, model, tmp_path / "emb.h5ad", finetune_epochs=1, impute_out=impute_out,
                          progress_bar=False)
    assert len(calls) == 1  # the impute check, fine-tuning, embed and impute share one computation
    np.testing.assert_array_equal(got.embedding, expected.embedding)  # and get the same numbers
    pd.testing.assert_frame_equal(got.labels, expected.labels)
