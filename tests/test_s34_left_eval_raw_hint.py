"""jae evaluate --layer raw --baseline on a file whose .raw holds normalised values (scanpy's adata.raw = adata before
normalising float counts) was told to pass '--layer raw for an AnnData's .raw', which it had: the streamed baseline
check built its own hint from the default one. It now gives the shared hint for what --layer raw read."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pytest

from jae.cli import main
from jae.datasets import simulate
from jae.preprocess import log_normalize


@pytest.fixture(scope="module")
def shared_raw_file(tmp_path_factory):
    cite = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=5)
    rna, prot = cite.mod["rna"], cite.mod["prot"]
    a = ad.AnnData(X=log_normalize(rna.layers["counts"]), obs=rna.obs.copy(), var=rna.var.copy())
    a.raw = a  # the user's mistake: .raw is .X, normalised with it
    m = md.MuData({"rna": a, "prot": ad.AnnData(X=prot.layers["counts"].copy(), obs=prot.obs.copy(),
                                                 var=prot.var.copy())})
    m.obs = cite.obs.copy()
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4)).astype(np.float32)
    path = tmp_path_factory.mktemp("s34_raw_hint") / "d.h5mu"
    m.write(path)
    return path


def _refusal(path, out, capsys, caplog) -> str:
    assert main(["-q", "evaluate", "--h5mu", str(path), "--layer", "raw", "--obsm", "X_e", "--baseline",
                 "--batch-key", "batch", "--cell-type-key", "cell_type", "--out", str(out)]) != 0
    assert not out.exists()
    return capsys.readouterr().err + caplog.text


def test_evaluate_layer_raw_baseline_on_a_normalised_raw(shared_raw_file, tmp_path, capsys, caplog):
    err = _refusal(shared_raw_file, tmp_path / "r", capsys, caplog)
    assert "looks normalised" in err
    assert "--layer raw for an AnnData's .raw" not in err
    assert "what --layer raw read" in err and "adata.raw = adata.copy()" in err and "drop --baseline" in err


def test_the_refusal_names_the_layer_as_given(shared_raw_file, tmp_path, capsys, caplog):
    """It named the counts "(layer '.raw')", the file's group, not the --layer raw given (in memory: layer 'raw')."""
    err = _refusal(shared_raw_file, tmp_path / "r", capsys, caplog)
    assert "modality 'rna' (layer 'raw') has" in err and "'.raw'" not in err
