"""Raw counts in a layer of another name (layers['raw_counts'], layers['umi']) beside a normalised .X, read with the
default layer='counts' (session 42): jae read .X for want of a 'counts' layer and refused its normalised values,
naming only the default layer, layer=None and layer='raw', never the layer holding the counts; read from files
(read_competition, jae fit --mod1/--mod2), the refusal spoke of normalising in place instead. The refusal now names
the data's other layers and the fix (layer='raw_counts'; --layer raw_counts in the CLI)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp

from jae.cli import main
from jae.datasets import simulate
from jae.io import get_paired, read_competition


@pytest.fixture(scope="module")
def data():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    for name in ("rna", "prot"):
        a = m[name]
        counts = sp.csr_matrix(a.layers.pop("counts"))
        a.layers["raw_counts"] = counts
        a.X = sp.csr_matrix(np.log1p(counts.toarray().astype(np.float32)))  # scanpy's normalised .X, counts kept apart
    return m


def test_in_memory_refusal_names_the_layer(data):
    said = (r"\.X holds no raw counts and there is no layer 'counts'; its layers are \['raw_counts'\]: pass "
            r"layer=\.\.\. naming where they are \(layer='raw_counts' if that one holds them\)$")
    with pytest.raises(ValueError, match=said):
        get_paired(data)
    assert get_paired(data, layer="raw_counts").n_obs == 60  # the fix as said


def test_files_refusal_names_the_layer(data, tmp_path, caplog):
    data["rna"].write_h5ad(tmp_path / "x.mod1.h5ad")
    data["prot"].write_h5ad(tmp_path / "x.mod2.h5ad")
    with pytest.raises(ValueError, match=r"its other layers are \['raw_counts'\] \(layer='raw_counts' if that one"):
        get_paired(read_competition(tmp_path / "x.mod1.h5ad", tmp_path / "x.mod2.h5ad"))
    args = ["-q", "fit", "--mod1", str(tmp_path / "x.mod1.h5ad"), "--mod2", str(tmp_path / "x.mod2.h5ad"),
            "--mode", "unsupervised", "--batch-key", "none", "--set", "max_epochs=1"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        rc = main([*args, "--out", str(tmp_path / "m")])
    err = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc == 1 and len(err) == 1
    assert "its other layers are ['raw_counts'] (--layer raw_counts if that one holds them)" in err[0]
    assert not (tmp_path / "m").exists()
    assert main([*args, "--out", str(tmp_path / "m2"), "--layer", "raw_counts"]) == 0  # the fix as said


def test_counts_in_x_still_read_without_a_hint():
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    for name in ("rna", "prot"):  # counts in .X, another (normalised) layer beside them: read as before
        a = m[name]
        a.X = sp.csr_matrix(a.layers.pop("counts"))
        a.layers["lognorm"] = a.X.log1p()
    assert get_paired(m).n_obs == 60
