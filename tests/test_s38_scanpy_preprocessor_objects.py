"""jae.Preprocessor.fit / transform given a scanpy user's objects in the list of count matrices (an AnnData per
modality, or the .X of an AnnData read with backed='r', still on disk) failed with numpy's "setting an array element
with a sequence. The requested array would exceed the maximum number of dimension of 64" or scipy's "does not
support dtype object". Each is now refused in one line, before any pass, naming the matrix to pass, as the
preprocessing's other public functions (log_normalize, SVDBasis) refuse them; matrices are read as before."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def cite(tmp_path_factory):
    m = jae.simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=9)
    path = tmp_path_factory.mktemp("s38_preprocessor") / "rna.h5ad"
    ad.AnnData(X=m["rna"].layers["counts"].copy(), var=m["rna"].var.copy()).write_h5ad(path)
    return m, path


def _fit(counts, m):
    return jae.Preprocessor.fit(counts, ["GEX", "ADT"], [m["rna"].var_names, m["prot"].var_names], n_components=5)


def test_anndata_refused(cite):
    m, _ = cite
    with pytest.raises(TypeError, match=r"^Preprocessor: counts\[0\] is an AnnData, not a matrix; pass its matrix"):
        _fit([m["rna"], m["prot"]], m)
    pre = _fit([m["rna"].layers["counts"], m["prot"].layers["counts"]], m)
    with pytest.raises(TypeError, match=r"^Preprocessor: counts\[1\] is an AnnData, not a matrix"):
        pre.transform([m["rna"].layers["counts"], m["prot"]])
    X = pre.transform([m["rna"].layers["counts"], m["prot"].layers["counts"]])
    assert X.shape == (80, pre.n_output) and np.isfinite(X).all()


def test_backed_matrix_refused(cite):
    m, path = cite
    backed = ad.read_h5ad(path, backed="r")
    try:
        with pytest.raises(TypeError, match=r"counts\[0\] is a CSRDataset, a sparse matrix still on disk .*"
                                            r"\.to_memory\(\)"):
            _fit([backed.X, m["prot"].layers["counts"]], m)
        pre = _fit([backed.X.to_memory(), m["prot"].layers["counts"]], m)  # the fix named
        with pytest.raises(TypeError, match=r"counts\[0\] is a CSRDataset"):
            pre.transform([backed.X, m["prot"].layers["counts"]])
    finally:
        backed.file.close()
