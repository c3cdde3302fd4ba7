"""``jae.read_10x_h5`` dropped the feature columns a Cell Ranger file holds beyond id, name, type and genome: Cell
Ranger ARC's ``interval`` (each peak's genomic interval), which scanpy's ``read_10x_h5`` keeps in ``var``."""

from __future__ import annotations

import h5py
import numpy as np
import scipy.sparse as sp

from jae.io import read_10x_h5


def test_a_cell_ranger_arc_files_peak_intervals_are_kept_in_var(tmp_path):
    X = np.random.default_rng(0).poisson(1.0, size=(5, 7)) + 1
    names = ["GAPDH", "CD4", "ACTB", "chr1:100-200", "chr1:300-400", "chr2:10-90", "guide1"]
    types = ["Gene Expression"] * 3 + ["Peaks"] * 3 + ["CRISPR Guide Capture"]
    intervals = ["chr12:6534512-6538374", "chr12:6789-6900", "NA", "chr1:100-200", "chr1:300-400", "chr2:10-90", ""]
    csc = sp.csc_matrix(X.T.astype(np.int32))
    with h5py.File(tmp_path / "arc.h5", "w") as f:
        g = f.create_group("matrix")
        g["data"], g["indices"], g["indptr"] = csc.data, csc.indices.astype(np.int64), csc.indptr.astype(np.int64)
        g["shape"] = np.array(csc.shape, dtype=np.int32)
        g["barcodes"] = np.array([f"AAAC-{i}" for i in range(5)], dtype="S")
        feats = g.create_group("features")
        feats["id"] = np.array(names, dtype="S")
        feats["name"] = np.array(names, dtype="S")
        feats["feature_type"] = np.array(types, dtype="S")
        feats["genome"] = np.array(["GRCh38"] * 7, dtype="S")
        feats["interval"] = np.array(intervals, dtype="S")
        feats["_all_tag_keys"] = np.array(["genome", "interval"], dtype="S")
    mdata = read_10x_h5(tmp_path / "arc.h5")
    assert list(mdata["atac"].var["interval"]) == intervals[3:6]
    assert list(mdata["rna"].var["interval"]) == intervals[:3]
    assert "_all_tag_keys" not in mdata["atac"].var.columns
    assert list(mdata["atac"].var.columns) == ["gene_ids", "feature_types", "genome", "interval"]
    np.testing.assert_array_equal(mdata["atac"].X.toarray(), X[:, 3:6])
