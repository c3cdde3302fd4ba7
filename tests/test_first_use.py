"""A computational biologist's first use of jae on their own files: the messages they meet name their situation and
the fix, and the paths they type work as a shell would read them."""

from __future__ import annotations

from pathlib import Path

import mudata as md
import pytest

import jae
from jae import JAE, JAEConfig
from jae.cli._messages import cli_message
from jae.datasets import simulate
from jae.io import make_mudata, write_atomic

from test_cli_hostile import PYTHON_FIX


@pytest.fixture(scope="module")
def cite():
    return simulate(120, kind="cite", n_genes=200, n_cell_types=3, n_batches=2, seed=5)


@pytest.fixture(scope="module")
def rna_files(cite, tmp_path_factory):
    root = tmp_path_factory.mktemp("first_use")
    cite.mod["rna"].write_h5ad(root / "rna.h5ad")
    write_atomic(make_mudata({"rna": cite.mod["rna"].copy()}), root / "rna_only.h5mu")
    return root


# ------------------------------------------------------------------------------ fit on RNA alone


@pytest.mark.parametrize("how", ["open_rna", "mudata", "h5mu_file"])
def test_fit_on_rna_alone_says_it_needs_a_second_modality(cite, rna_files, how):
    """fit on an RNA file or a MuData holding only RNA said 'jae pairs exactly two: choose them with
    modalities=(...)', as if there were modalities to choose from."""
    data = {
        "open_rna": lambda: jae.io.open_rna(rna_files / "rna.h5ad"),
        "mudata": lambda: md.MuData({"rna": cite.mod["rna"].copy()}),
        "h5mu_file": lambda: str(rna_files / "rna_only.h5mu"),
    }[how]()
    with pytest.raises(ValueError) as info:
        JAE(JAEConfig(max_epochs=1)).fit(data, progress_bar=False)
    message = str(info.value)
    assert "modalities=" not in message and "other=" not in message
    assert "second modality" in message and "ATAC or ADT" in message
    assert "some" in message  # a mosaic fit needs it for some cells only
    cli = cli_message(message)
    assert not PYTHON_FIX.search(cli), cli


# -------------------------------------------------------------------- cells with no counts in one modality


def _zero_cells(m, name: str, n: int = 3):
    m = m.copy()
    for key in ("counts",):
        X = m.mod[name].layers[key].tolil()
        X[:n] = 0
        m.mod[name].layers[key] = X.tocsr()
    m.mod[name].X = m.mod[name].layers["counts"].copy()
    return m


@pytest.mark.parametrize("kind, other, said", [("multiome", "atac", "chromatin"), ("cite", "prot", "antibod")])
def test_cells_without_counts_in_one_modality_are_described_by_its_kind(kind, other, said, tmp_path):
    """The refusal always spoke of 'cells without antibody staining', odd for ATAC."""
    m = _zero_cells(simulate(80, kind=kind, n_genes=200, n_peaks=150, n_cell_types=2, n_batches=1, seed=1), other)
    messages = []
    with pytest.raises(ValueError) as info:
        jae.io.get_paired(m)
    messages.append(str(info.value))
    rna = m.mod["rna"].copy()
    rna.obs = m.obs[["batch", "cell_type"]].copy()
    rna.write_h5ad(tmp_path / "a.h5ad")
    m.mod[other].write_h5ad(tmp_path / "b.h5ad")
    files = jae.io.open_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad")  # streamed: checked block by block
    with pytest.raises(ValueError) as info:
        JAE(JAEConfig(max_epochs=1)).fit(files, memory_budget=1, progress_bar=False)
    messages.append(str(info.value))
    for message in messages:
        assert "3 of 80 cells have zero total counts" in message
        assert said in message
        assert ("antibod" in message) == (kind == "cite"), message
