"""Mosaic data whose cell names repeat within a modality (two samples' barcodes, session 35): the fix the refusal
names must keep each cell paired with its own other modality."""

from __future__ import annotations

import warnings

import mudata as md
import numpy as np
import pytest

from jae.datasets import simulate
from jae.io.mosaic import get_mosaic
from jae.io.mosaic_files import open_mosaic_h5mu


def _two_samples():
    """120 cells of two samples whose barcodes collide (cell i of sample s2 is named as cell i of s1): 'rna' holds
    cells 0-89, 'prot' cells 30-119, so 60 cells (30-89) are paired."""
    m = simulate(120, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=1, seed=4)
    truth = np.array([f"cell{i}" for i in range(120)])
    sample = np.where(np.arange(120) < 60, "s1", "s2")
    barcodes = np.array([f"BC{i % 60}" for i in range(120)])
    mods = {}
    for name, keep in (("rna", np.arange(90)), ("prot", np.arange(30, 120))):
        a = m[name][keep].copy()
        a.obs_names = barcodes[keep]
        a.obs["batch"], a.obs["truth"] = sample[keep], truth[keep]
        mods[name] = a
    return mods


def _mudata(mods: dict) -> md.MuData:
    with warnings.catch_warnings():  # mudata warns of the repeated names jae then refuses
        warnings.simplefilter("ignore", UserWarning)
        return md.MuData({k: v.copy() for k, v in mods.items()})


def _follow(message: str, mods: dict) -> None:
    """Run the fix the message gives (its code between 'e.g. ' and ' on each modality's AnnData a') on each."""
    code = message.split("e.g. ", 2)[-1].split(" on each modality's AnnData a")[0]
    for a in mods.values():
        exec(code, {}, {"a": a})


def test_duplicated_names_in_mosaic_data_are_refused_with_a_fix_that_pairs_the_right_cells():
    mods = _two_samples()
    with pytest.raises(ValueError, match="duplicated cell name") as err:
        get_mosaic(_mudata(mods))
    message = str(err.value)
    # obs_names_make_unique() on each modality numbers the repeats by row order: in 'prot' the s2 copy of BC0 comes
    # first, so it kept the name BC0 and paired with the s1 cell BC0 of 'rna' (30 cells with another's proteins)
    said = "obs_names_make_unique() on each (numbering repeats by row order) would pair cells wrongly"
    assert said in message, message
    _follow(message, mods)
    mdata = md.MuData(mods)
    mdata.update()
    m = get_mosaic(mdata)
    paired = m.paired
    assert paired.sum() == 60 and m.n_obs == 120
    rna_truth = mods["rna"].obs["truth"].reindex(m.obs_names[paired])
    prot_truth = mods["prot"].obs["truth"].reindex(m.obs_names[paired])
    assert (rna_truth.to_numpy() == prot_truth.to_numpy()).all()


def test_duplicated_names_in_a_mosaic_file_name_the_same_fix(tmp_path):
    mods = _two_samples()
    path = tmp_path / "dup.h5mu"
    with warnings.catch_warnings():  # (as _mudata)
        warnings.simplefilter("ignore", UserWarning)
        _mudata(mods).write(path)
    with pytest.raises(ValueError, match="duplicated cell name") as err:
        open_mosaic_h5mu(path)
    assert "would pair cells wrongly" in str(err.value) and "write the file again" in str(err.value)


def test_duplicated_names_in_competition_files_of_different_cells_name_the_same_fix(tmp_path, caplog):
    import logging

    from jae.cli import main
    from jae.io import open_competition, read_competition

    mods = _two_samples()
    mods["rna"].write_h5ad(tmp_path / "rna.h5ad")
    mods["prot"].write_h5ad(tmp_path / "prot.h5ad")
    for call in (lambda: open_competition(tmp_path / "rna.h5ad", tmp_path / "prot.h5ad", mosaic=True),
                 lambda: read_competition(tmp_path / "rna.h5ad", tmp_path / "prot.h5ad")):
        with pytest.raises(ValueError, match="duplicated cell name") as err:
            call()
        assert "would pair cells wrongly" in str(err.value) and "write the file again" in str(err.value)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "fit", "--mod1", str(tmp_path / "rna.h5ad"), "--mod2", str(tmp_path / "prot.h5ad"),
                     "--out", str(tmp_path / "m")]) == 1 and not (tmp_path / "m").exists()
    assert "would pair cells wrongly" in caplog.text, caplog.text
