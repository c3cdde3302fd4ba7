"""``layer='raw'`` reading a ``.raw`` that holds normalised values (scanpy's ``adata.raw = adata`` before normalising
float counts shares ``.X``): the refusal says so and how to keep the counts, not to pass ``layer='raw'`` again."""

from __future__ import annotations

import anndata as ad
import mudata as md
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate
from jae.preprocess import log_normalize


@pytest.fixture(scope="module")
def shared_raw():
    cite = simulate(200, kind="cite", n_genes=200, n_proteins=20, n_cell_types=3, n_batches=2, seed=5)
    rna, prot = cite.mod["rna"], cite.mod["prot"]
    a = ad.AnnData(X=log_normalize(rna.layers["counts"]), obs=rna.obs.copy(), var=rna.var.copy())
    a.raw = a  # the user's mistake: .raw is .X, normalised with it
    m = md.MuData({"rna": a, "prot": ad.AnnData(X=prot.layers["counts"].copy(), obs=prot.obs.copy(),
                                                 var=prot.var.copy())})
    m.obs = cite.obs.copy()
    return m


def test_fit_layer_raw_on_a_normalised_raw_says_how_to_keep_the_counts(shared_raw):
    with pytest.raises(ValueError, match="looks normalised") as info:
        jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(shared_raw, layer="raw", batch_key="batch",
                                                        cell_type_key="cell_type", progress_bar=False)
    msg = str(info.value)
    assert "layer='raw' for an AnnData's .raw" not in msg
    assert "normalised values too" in msg and "adata.raw = adata.copy()" in msg


def test_default_layer_keeps_its_hint(shared_raw):
    m = shared_raw.copy()
    m.mod["rna"].raw = None
    with pytest.raises(ValueError, match="layer='raw' for an AnnData's .raw"):
        jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(m, layer=None, batch_key="batch",
                                                        cell_type_key="cell_type", progress_bar=False)


@pytest.mark.parametrize("budget", [[], ["--memory-budget", "100K"]], ids=["whole", "streamed"])
def test_cli_layer_raw_on_a_normalised_raw(shared_raw, tmp_path, capsys, caplog, budget):
    path = tmp_path / "d.h5mu"
    shared_raw.write(path)
    assert main(["-q", "fit", "--h5mu", str(path), "--layer", "raw", "--batch-key", "batch", "--cell-type-key",
                 "cell_type", "--max-epochs", "1", "--out", str(tmp_path / "m"), *budget]) != 0
    err = capsys.readouterr().err + caplog.text
    assert "--layer raw for an AnnData's .raw" not in err
    assert "what --layer raw read" in err and "adata.raw = adata.copy()" in err
    assert not (tmp_path / "m").exists()
