"""The preprocessing's public functions given values that are no raw counts: one line naming the problem and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from jae.datasets import simulate
from jae.preprocess import log_normalize, preprocess


@pytest.fixture(scope="module")
def cite():
    m = simulate(80, kind="cite", n_genes=200, n_proteins=6, n_cell_types=3, n_batches=2, seed=1)
    rna, prot = m.mod["rna"], m.mod["prot"]
    return [rna.layers["counts"], prot.layers["counts"]], [rna.var_names, prot.var_names]


def test_preprocess_refuses_counts_in_memory_that_are_no_raw_counts(cite):
    # a NaN failed after the first pass with numpy's "LinAlgError: Eigenvalues did not converge"; normalised values
    # were normalised a second time and fitted without a word (counts on disk were checked, those in memory not)
    (rna, prot), names = cite
    nan = rna.astype(np.float32)
    nan.data[0] = np.nan
    with pytest.raises(ValueError, match=r"^modality 'GEX' \(cells 0-79\) has 1 NaN or infinite values; preprocess "
                                         r"needs each modality's raw counts \(e\.g\. adata\.layers\['counts'\]\)$"):
        preprocess([nan, prot], ["GEX", "ADT"], names, n_components=5)
    with pytest.raises(ValueError, match=r"^modality 'GEX' \(cells 0-79\) has \d+ non-integer values .* looks "
                                         r"normalised; preprocess needs each modality's raw counts"):
        preprocess([log_normalize(rna), prot], ["GEX", "ADT"], names, n_components=5)
    assert np.isnan(nan.data[0])  # the user's matrix is kept as it was
    pre, X, _ = preprocess([rna, prot], ["GEX", "ADT"], names, n_components=5)
    pre2, X2, _ = preprocess([rna, prot], ["GEX", "ADT"], names, n_components=5, checked=True)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(TypeError, match=r"^checked must be True or False"):
        preprocess([rna, prot], ["GEX", "ADT"], names, n_components=5, checked="no")


def test_preprocessor_transform_refuses_counts_that_are_no_raw_counts(cite):
    # NaN counts gave NaN features and normalised values were normalised a second time, both without a word
    from jae import Preprocessor

    (rna, prot), names = cite
    pre = Preprocessor.fit([rna, prot], ["GEX", "ADT"], names, n_components=5)
    nan = rna.astype(np.float32)
    nan.data[3] = np.nan
    with pytest.raises(ValueError, match=r"^modality 'GEX' \(cells 0-79\) has 1 NaN or infinite values; "
                                         r"Preprocessor.transform needs each modality's raw counts"):
        pre.transform([nan, prot])
    with pytest.raises(ValueError, match=r"^modality 'ADT' \(cells 0-79\) has \d+ non-integer values .* looks "
                                         r"normalised; Preprocessor.transform needs"):
        pre.transform([rna, log_normalize(prot)], names)
    assert np.isfinite(pre.transform([rna, prot])).all()


@pytest.mark.parametrize("value", [np.nan, np.inf])
@pytest.mark.parametrize("dense", [False, True])
def test_log_normalize_refuses_nan_and_infinite_counts(cite, value, dense):
    # the cell's values all came out NaN (or 0 beside one NaN), without a word
    (rna, _), _ = cite
    X = rna.astype(np.float32)
    X.data[5] = value
    X = X.toarray() if dense else X
    before = X.copy()
    with pytest.raises(ValueError, match=r"^log_normalize: the matrix has 1 NaN or infinite values, so it holds no "
                                         r"raw counts; pass raw counts, e.g. adata.layers\['counts'\]$"):
        log_normalize(X, copy=False)
    np.testing.assert_array_equal(X if dense else X.toarray(), before if dense else before.toarray())


def test_log_normalize_names_negative_counts_that_bring_a_cell_total_to_zero_or_below():
    # sparse counts said "some cells have zero total counts; remove them first" (dense ones named the negatives)
    import scipy.sparse as sp

    X = np.array([[1.0, -2.0, 0.0], [1.0, 1.0, 3.0]], dtype=np.float32)
    for M in (sp.csr_matrix(X), sp.csc_matrix(X), X):
        with pytest.raises(ValueError, match=r"^log_normalize: the matrix has 1 negative values, so it holds no raw "
                                             r"counts"):
            log_normalize(M)


def test_log_normalize_takes_a_dtype_by_name_and_refuses_one_that_is_no_float(cite):
    # dtype='float32' failed on dense input with "TypeError: 'str' object is not callable"; an integer dtype in numpy
    # ("Cannot cast ufunc 'log1p' output from dtype('float64') to dtype('int32')")
    (rna, _), _ = cite
    dense = rna.toarray()
    for name, kind in (("float32", np.float32), ("float64", np.float64)):
        np.testing.assert_array_equal(log_normalize(dense, dtype=name), log_normalize(dense, dtype=kind))
    assert log_normalize(dense, dtype="float64").dtype == np.float64
    for M in (rna, dense):
        for bad in (np.int32, "int64", "counts"):
            with pytest.raises(ValueError, match=r"^log_normalize: dtype must be a floating point type"):
                log_normalize(M, dtype=bad)


def test_preprocessor_transform_refuses_one_matrix_or_one_var_names_index_naming_the_list(cite):
    # one sparse matrix: "sparse array length is ambiguous"; a dense one: its rows read as modalities ("expected 2
    # modalities, got 80", or with 2 cells "modality 'ADT' has 200 features"); one var_names index: pandas'
    # "Index(...) must be called with a collection of some kind", too few lists an IndexError
    from jae import Preprocessor

    (rna, prot), names = cite
    pre = Preprocessor.fit([rna, prot], ["GEX", "ADT"], names, n_components=5)
    for counts in (rna, rna.toarray(), rna.toarray()[:2]):
        with pytest.raises(TypeError, match=r"^Preprocessor.transform: counts must be a list with one count matrix "
                                            r"per modality \(GEX, ADT\), not a "):
            pre.transform(counts)
    for var_names in (names[0], names[:1]):
        with pytest.raises(TypeError, match=r"^Preprocessor.transform: var_names must be a list with one list of "
                                            r"feature names per modality \(GEX, ADT\), in the order of counts"):
            pre.transform([rna, prot], var_names)
    np.testing.assert_array_equal(pre.transform((rna, prot), tuple(names)), pre.transform([rna, prot]))
