"""``--out`` naming an input folder (a Cell Ranger matrix folder given to --10x) was refused as 'an input file'
(session 51): it now says 'an input folder'; an input file is still 'an input file'."""

from __future__ import annotations

import logging

import numpy as np

import jae
from jae.cli import main
from test_s50_mtx_reader import write_mtx


def _errors(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_out_naming_the_input_matrix_folder_says_folder(tmp_path, caplog):
    m = jae.simulate(40, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=0)
    X = np.hstack([m["rna"].layers["counts"].toarray(), m["prot"].layers["counts"].toarray()])
    names = list(m["rna"].var_names) + list(m["prot"].var_names)
    types = ["Gene Expression"] * m["rna"].n_vars + ["Antibody Capture"] * m["prot"].n_vars
    folder = write_mtx(tmp_path / "filtered_feature_bc_matrix", X, names, types)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "fit", "--10x", str(folder), "--out", str(folder), "--device", "cpu"]) == 1
    assert _errors(caplog) == [f"--out {folder} is an input folder; choose another path for --out"]
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "fit", "--10x", str(folder / "matrix.mtx.gz"), "--out", str(folder / "matrix.mtx.gz"),
                     "--device", "cpu"]) == 1
    assert _errors(caplog) == [f"--out {folder / 'matrix.mtx.gz'} is an input file; choose another path for --out"]
