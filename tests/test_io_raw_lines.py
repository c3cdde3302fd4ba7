"""``layer='raw'`` says where each modality's counts come from once: opening files and then reading them whole
(``InputFiles.open`` within the memory budget, ``PairedFiles.load``) said it twice, in two wordings, and every step
reading data in memory (fit's checks, then its features) said it again."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.io import InputFiles, open_competition, open_rna


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A CITE-seq pair written as scanpy keeps it: normalised-looking ``.X`` beside the counts in ``.raw``."""
    d = tmp_path_factory.mktemp("raw_lines")
    m = simulate(120, kind="cite", n_genes=200, n_proteins=12, n_batches=2, seed=0)
    out = {}
    for name, key in (("rna", "mod1"), ("prot", "mod2")):
        a = m[name].copy()
        counts = a.layers.pop("counts") if "counts" in a.layers else a.X.copy()
        a.raw = ad.AnnData(X=counts, var=a.var.copy(), obs=a.obs.copy())
        a.X = counts * 0.5
        a.write_h5ad(d / f"x.{key}.h5ad")
        out[key] = d / f"x.{key}.h5ad"
    return out


def _said(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if ".raw" in r.getMessage()]


def test_files_opened_then_read_say_each_source_once(files, caplog):
    want = ["x.mod1.h5ad: counts from .raw (200 features; .X has 200)",
            "x.mod2.h5ad: counts from .raw (12 features; .X has 12)"]
    with caplog.at_level(logging.INFO, logger="jae"):
        data = InputFiles(mod1=files["mod1"], mod2=files["mod2"], layer="raw").open()  # read whole: fits the budget
    assert isinstance(data, md.MuData)
    assert _said(caplog) == want
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):
        open_competition(files["mod1"], files["mod2"], layer="raw").load()
    assert _said(caplog) == want  # the opening says it in the words reading in memory uses, the load not again
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae"):
        open_rna(files["mod1"], layer="raw").load()
    assert _said(caplog) == want[:1]


def test_data_in_memory_says_each_source_once_per_anndata(files, caplog):
    data = md.MuData({"rna": ad.read_h5ad(files["mod1"]), "prot": ad.read_h5ad(files["mod2"])})
    model = JAE(JAEConfig(mode="unsupervised", max_epochs=1, n_svd=10), seed=0, device="cpu")
    with caplog.at_level(logging.INFO, logger="jae"):
        model.fit(data, layer="raw", batch_key=None, progress_bar=False)
    assert _said(caplog) == ["modality 'rna': counts from .raw (200 features; .X has 200)",
                             "modality 'prot': counts from .raw (12 features; .X has 12)"]
    caplog.clear()
    rna = ad.read_h5ad(files["mod1"])
    with caplog.at_level(logging.INFO, logger="jae"):
        model.embed(rna, layer="raw", key_added=None)
        model.embed(rna, layer="raw", key_added=None)
    assert _said(caplog) == ["the AnnData: counts from .raw (200 features; .X has 200)"]
    assert rna.raw is not None and "raw" not in rna.layers  # the user's AnnData is as it was
