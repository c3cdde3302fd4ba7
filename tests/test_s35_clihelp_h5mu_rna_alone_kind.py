"""jae embed / jae map --h5mu FILE holding RNA alone with --mod2-kind ADT ran and ignored the flag (the model's own
second modality was filled in from RNA); it is now refused in one line naming the fix, in the CLI's words, and by
jae.io.InputFiles in Python."""

from __future__ import annotations

import logging

import mudata as md
import pytest

from jae.cli import main
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def rna_alone(tmp_path_factory):
    path = tmp_path_factory.mktemp("rna_alone") / "rna.h5mu"
    m = simulate(40, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=1, seed=0)
    md.MuData({"rna": m["rna"].copy()}).write(path)
    return path


@pytest.mark.parametrize("verb", ["embed", "map"])
def test_cli_refuses_a_kind_for_the_missing_modality(rna_alone, own_cite_model, caplog, verb):
    folder, _ = own_cite_model(f"s35_rna_alone_{verb}")
    out = folder / ("out.h5mu" if verb == "embed" else "mapped")
    argv = [verb, "--model", str(folder / "model"), "--h5mu", str(rna_alone), "--mod2-kind", "ADT", "--out", str(out),
            "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(said) == 1 and "holds RNA alone" in said[0] and said[0].endswith("drop --mod2-kind"), said
    assert not out.exists()


def test_python_reads_refuse_it_too(rna_alone):
    for call in (lambda f: f.read(), lambda f: f.open()):
        with pytest.raises(ValueError, match=r"holds RNA alone.*pass mod2_kind=None"):
            call(InputFiles(h5mu=rna_alone, mod2_kind="ADT"))
    assert InputFiles(h5mu=rna_alone).read().n_obs == 40  # without it, read as before
