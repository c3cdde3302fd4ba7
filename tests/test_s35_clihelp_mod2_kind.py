"""--mod2-kind naming another kind than the file's var['feature_types']: jae fit trained the kind the column says when
the files were read whole and the kind the flag says when they were streamed (the same command gave GEX+ATAC or
GEX+ADT by --memory-budget). The given kind now holds on both paths, with a warning naming the contradiction."""

from __future__ import annotations

import json
import logging

import pytest

from jae.cli import main
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("kind")
    m = simulate(120, kind="multiome", n_genes=200, n_peaks=150, n_cell_types=3, n_batches=2, seed=0)
    for name, mod in (("mod1", "rna"), ("mod2", "atac")):
        m.mod[mod].write_h5ad(d / f"x.{name}.h5ad")  # var['feature_types']: GEX and ATAC
    m.write(d / "x.h5mu")
    return d


def _kinds(folder) -> list[str]:
    state = json.loads((folder / "model.json").read_text())
    return [m["kind"] for m in state["modalities"]]


@pytest.mark.parametrize("budget", [None, "1K"])
def test_fit_reads_the_given_kind_whole_and_streamed(files, tmp_path, caplog, budget):
    argv = ["-q", "fit", "--mod1", str(files / "x.mod1.h5ad"), "--mod2", str(files / "x.mod2.h5ad"),
            "--mod2-kind", "ADT", "--mode", "unsupervised", "--batch-key", "none", "--max-epochs", "1", "--device", "cpu",
            "--out", str(tmp_path / "m")] + ([] if budget is None else ["--memory-budget", budget])
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(argv) == 0
    assert _kinds(tmp_path / "m") == ["GEX", "ADT"]
    said = [r.getMessage() for r in caplog.records if "feature_types" in r.getMessage()]
    assert budget is not None or any("--mod2-kind" in s and "'ATAC'" in s for s in said), said


@pytest.mark.parametrize("source", ["competition", "h5mu"])
def test_read_whole_keeps_the_given_kind(files, source):
    given = (dict(mod1=files / "x.mod1.h5ad", mod2=files / "x.mod2.h5ad") if source == "competition"
             else dict(h5mu=files / "x.h5mu"))
    mdata = InputFiles(**given, mod2_kind="ADT").read()
    assert list(mdata.mod) == ["rna", "prot"]
    assert set(mdata["prot"].var["feature_types"].astype(str)) == {"ADT"}  # as the streaming path's kinds
    assert set(mdata["rna"].var["feature_types"].astype(str)) == {"GEX"}
    assert InputFiles(**given, mod2_kind="ATAC").read()["atac"].var["feature_types"].astype(str).eq("ATAC").all()
