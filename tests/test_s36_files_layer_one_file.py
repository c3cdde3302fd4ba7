"""An RNA file with its counts in a layer of the user's name (``layers['umi']``) beside proteins counted in ``.X``
(session 36): ``--layer umi`` was refused for the protein file with the fix "or --layer X when .X holds them", which
applies to both files and then reads the RNA's normalised ``.X`` (refused in turn): no fix said works. The refusal
now says the layer is read from every modality and how to store the protein counts under that name, and doing so
reads both files."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest
import scanpy as sc

import jae
from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    out = tmp_path_factory.mktemp("layer")
    rna = ad.AnnData(X=m["rna"].layers["counts"].copy(), obs=m.obs[[]].copy(), var=m["rna"].var[[]].copy())
    rna.layers["umi"] = rna.X.copy()
    sc.pp.normalize_total(rna)
    sc.pp.log1p(rna)
    rna.write_h5ad(out / "rna.h5ad")
    ad.AnnData(X=m["prot"].layers["counts"].copy(), obs=m.obs[[]].copy(), var=m["prot"].var[[]].copy()).write_h5ad(
        out / "adt.h5ad")
    return out, m


def test_refusal_names_a_working_fix(files, tmp_path, caplog):
    out, m = files
    with pytest.raises(KeyError, match=r"read from every modality: if another keeps its counts in 'umi' and this one "
                                       r"in \.X, store them there too: adata\.layers\['umi'\] = adata\.X"):
        jae.read_competition(out / "rna.h5ad", out / "adt.h5ad", layer="umi")
    with caplog.at_level(logging.ERROR, logger="jae"):
        code = main(["fit", "--mod1", str(out / "rna.h5ad"), "--mod2", str(out / "adt.h5ad"), "--layer", "umi",
                     "--out", str(tmp_path / "model")])
    assert code != 0 and "adata.layers['umi'] = adata.X" in caplog.text and "Traceback" not in caplog.text
    adt = ad.read_h5ad(out / "adt.h5ad")  # the fix as said
    adt.layers["umi"] = adt.X
    adt.write_h5ad(tmp_path / "adt.h5ad")
    mdata = jae.read_competition(out / "rna.h5ad", tmp_path / "adt.h5ad", layer="umi")
    assert np.array_equal(mdata["prot"].layers["counts"].toarray(), m["prot"].layers["counts"].toarray())


def test_a_modality_with_layers_gets_no_such_hint(files):
    out, _ = files
    with pytest.raises(KeyError) as err:
        jae.read_competition(out / "rna.h5ad", out / "adt.h5ad", layer="umis")  # a typo: rna has 'umi'
    assert "rna.h5ad has no layer 'umis' (layers: ['umi'])" in str(err.value)
    assert "read from every modality" not in str(err.value)
