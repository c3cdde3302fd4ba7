"""Session 49: ``jae.combine_samples`` also takes a sample as one AnnData holding both modalities (as
``scanpy.read_10x_h5(path, gex_only=False)`` reads a Cell Ranger file: ``var['feature_types']``) or as the path of
such an ``.h5ad``, combined as the same sample's Cell Ranger file is; the AnnData is left unchanged."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.io import combine_samples
from conftest import write_10x

GEX, PEAKS = "Gene Expression", "Peaks"
GENES = [f"G{i}" for i in range(8)]


def _file_and_anndata(folder, peaks, n, seed):
    """A Cell Ranger file and the same sample as scanpy reads it with ``gex_only=False``."""
    X = np.random.default_rng(seed).poisson(1.0, (n, len(GENES) + len(peaks))) + 1
    folder.mkdir(parents=True, exist_ok=True)
    write_10x(folder / "filtered_feature_bc_matrix.h5", X, GENES + peaks, [GEX] * len(GENES) + [PEAKS] * len(peaks))
    barcodes = [f"AAACCTGAGC{i:06d}-1" for i in range(n)]
    var = pd.DataFrame({"feature_types": [GEX] * len(GENES) + [PEAKS] * len(peaks)}, index=GENES + peaks)
    adata = ad.AnnData(X=sp.csr_matrix(X.astype(np.float32)), obs=pd.DataFrame(index=barcodes), var=var)
    return folder / "filtered_feature_bc_matrix.h5", adata


def _same(a, b):
    assert list(a.obs_names) == list(b.obs_names) and list(a.obs["batch"]) == list(b.obs["batch"])
    for mod in ("rna", "atac"):
        assert list(a[mod].var_names) == list(b[mod].var_names)
        assert (a[mod].layers["counts"] != b[mod].layers["counts"]).nnz == 0


def test_anndata_and_h5ad_samples_combine_as_their_cell_ranger_files(tmp_path):
    p1, a1 = _file_and_anndata(tmp_path / "s1", ["chr1:100-200", "chr1:300-400"], 4, 0)
    p2, a2 = _file_and_anndata(tmp_path / "s2", ["chr1:150-250", "chr2:10-90"], 3, 1)  # peaks of its own
    before = a1.copy()
    from_files = combine_samples({"s1": p1, "s2": p2})
    _same(combine_samples({"s1": a1, "s2": a2}), from_files)
    a2.write_h5ad(tmp_path / "s2.h5ad")
    _same(combine_samples({"s1": p1, "s2": tmp_path / "s2.h5ad"}), from_files)
    assert list(from_files["atac"].var_names) == ["chr1:100-250", "chr1:300-400", "chr2:10-90"]
    assert (a1.X != before.X).nnz == 0 and a1.var.equals(before.var) and a1.obs.equals(before.obs)


def test_an_anndata_of_one_modality_is_refused_naming_the_sample(tmp_path):
    _, a1 = _file_and_anndata(tmp_path / "s1", ["chr1:100-200"], 3, 0)
    rna_alone = a1[:, a1.var["feature_types"] == GEX].copy()
    with pytest.raises(ValueError) as err:
        combine_samples({"s1": a1, "s2": rna_alone})
    assert "\n" not in str(err.value) and str(err.value).startswith("combine_samples: sample 's2': the AnnData holds one")
    with pytest.raises(TypeError, match="must be a MuData, an AnnData holding both modalities or a file path"):
        combine_samples({"s1": a1, "s2": 3})
