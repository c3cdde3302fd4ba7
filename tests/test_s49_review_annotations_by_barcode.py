"""An annotation file of one sample's cells named by their barcodes alone, given with several --10x files (whose
cells are BARCODE-SAMPLE), is refused naming the suffix to add (session 49 review); other data keep their fixes."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd

from jae.cli import main
from conftest import write_10x


def test_one_samples_barcodes_get_the_suffix_fix(tmp_path, caplog):
    genes = [f"G{i}" for i in range(6)]
    paths = []
    for i, (name, first) in enumerate((("a", "TTTG"), ("b", "AAAC"))):  # a's barcodes TTTG..., b's AAAC... (3 shared)
        X = np.random.default_rng(i).poisson(1.0, (5, 9)) + 1
        (tmp_path / name / "outs").mkdir(parents=True)
        barcodes = [f"{first if j < 2 else 'CCCC'}CCTGAGC{j:06d}-1" for j in range(5)]
        paths.append(write_10x(tmp_path / name / "outs" / "filtered_feature_bc_matrix.h5", X,
                               genes + ["chr1:1-9", "chr1:20-29", "chr2:1-5"], ["Gene Expression"] * 6 + ["Peaks"] * 3,
                               barcodes))
    for name, barcodes in (("b_types", ["AAACCCTGAGC000000-1", "AAACCCTGAGC000001-1"]),  # b's own cells
                           ("shared", ["CCCCCCTGAGC000002-1", "CCCCCCTGAGC000003-1"])):  # both samples have them
        ad.AnnData(obs=pd.DataFrame({"cell_type": ["x", "y"]}, index=barcodes)).write_h5ad(tmp_path / f"{name}.h5ad")
    for name, whose, suffix in (("b_types", "sample 'b'", "b"), ("shared", "samples 'a', 'b' (barcodes repeat across "
                                                                  "samples: which one does the file annotate?)", "a")):
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="jae"):
            assert main(["fit", "--10x", *map(str, paths), "--annotations", str(tmp_path / f"{name}.h5ad"), "--out",
                         str(tmp_path / "M")]) == 1
        assert (f"annotations are joined by cell name: 2 of them are the cells of {whose} named without their sample, "
                "which the data adds to its cell names (BARCODE-SAMPLE, several Cell Ranger files read as one): name "
                f"them so, e.g. adata.obs_names = [n + '-{suffix}' for n in adata.obs_names] on the annotation file's "
                "AnnData") in caplog.text
    assert not (tmp_path / "M").exists()
