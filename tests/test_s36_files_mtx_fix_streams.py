"""A Cell Ranger matrix folder (matrix.mtx.gz, features.tsv.gz, barcodes.tsv.gz) is refused naming
scanpy.read_10x_mtx and an .h5ad (session 36): scanpy reads such a folder as a CSC matrix (by feature), so the
.h5ad written as told held its counts by feature, which jae cannot stream: an RNA query was read whole instead (with a
warning from 250 MB). The fix now says to store the counts by cell (a.X = a.X.tocsr()) before writing, and the file
written so is streamed in row blocks."""

from __future__ import annotations

import gzip
import logging
import re

import numpy as np
import scipy.io
import scipy.sparse as sp

from jae.cli import main
from jae.io import InputFiles


def _folder(path, X, names):
    path.mkdir()
    with gzip.open(path / "matrix.mtx.gz", "wb") as f:
        scipy.io.mmwrite(f, sp.coo_matrix(X.T))
    with gzip.open(path / "features.tsv.gz", "wt") as f:
        f.writelines(f"ID{i}\t{n}\tGene Expression\n" for i, n in enumerate(names))
    with gzip.open(path / "barcodes.tsv.gz", "wt") as f:
        f.writelines(f"CELL{i}-1\n" for i in range(X.shape[0]))
    return path


def test_the_fix_writes_a_file_that_streams(tmp_path, caplog):
    import scanpy as sc

    X = np.random.default_rng(0).poisson(1.0, size=(30, 12))
    folder = _folder(tmp_path / "filtered_feature_bc_matrix", X, [f"G{i}" for i in range(12)])
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--10x", str(folder), "--out", str(tmp_path / "model")]) != 0
    said = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert "a.X = a.X.tocsr()" in said, said
    code = re.search(r"read the folder with (a = scanpy\.read_10x_mtx\(.*?\)), store its counts by cell \((a\.X = "
                     r"a\.X\.tocsr\(\))", said)
    scope = {"scanpy": sc}
    exec(f"{code.group(1)}; {code.group(2)}", scope)  # the fix as said
    a = scope["a"]
    a.write_h5ad(tmp_path / "rna.h5ad")
    files = InputFiles(mod1=tmp_path / "rna.h5ad").open(what="embed", once=True)
    assert type(files).__name__ == "RnaFiles" and files.counts[0].encoding == "csr_matrix"  # read in row blocks
    assert np.array_equal(sc.read_h5ad(tmp_path / "rna.h5ad").X.toarray(), X)
    sc.read_10x_mtx(folder, gex_only=False).write_h5ad(tmp_path / "csc.h5ad")  # without it: read whole
    assert InputFiles(mod1=tmp_path / "csc.h5ad").open(what="embed", once=True).counts[0].encoding == "csc_matrix"
