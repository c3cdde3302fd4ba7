"""Session 38: jae fit --h5mu FOLDER (a folder of .h5ad and .h5mu files) said 'pass one of the files in it' and
named the first four files of any format: .h5ad files, which --h5mu then refuses as not MuData. The files named are
now those of the option's own format (.h5mu for --h5mu, .h5ad for --mod1/--mod2/--annotations), when the folder
holds any."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest

from jae.cli import main


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    small = ad.AnnData(np.ones((3, 2), dtype=np.float32))
    for name in ("a_rna", "b_rna", "c_rna", "d_rna", "e_rna"):
        small.write_h5ad(data / f"{name}.h5ad")
    (data / "z_both.h5mu").write_bytes(b"")  # its name is all the message reads
    return data


def _error(caplog, args):
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records), said
    return said[0]


def test_h5mu_folder_names_the_h5mu_files(folder, tmp_path, caplog):
    err = _error(caplog, ["-q", "fit", "--h5mu", str(folder), "--out", str(tmp_path / "m")])
    assert "is a folder, not a file" in err and "z_both.h5mu" in err and ".h5ad" not in err.split("in it")[1], err
    assert not (tmp_path / "m").exists()


def test_mod1_folder_names_the_h5ad_files(folder, tmp_path, caplog):
    err = _error(caplog, ["-q", "fit", "--mod1", str(folder), "--mod2", str(folder / "e_rna.h5ad"),
                          "--out", str(tmp_path / "m")])
    assert "is a folder, not a file" in err and "a_rna.h5ad" in err and "z_both.h5mu" not in err, err
