"""Preprocessor.fit and preprocess given odd arguments: a correct result or one line naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

from jae import Preprocessor
from jae.datasets import simulate
from jae.preprocess import preprocess


@pytest.fixture(scope="module")
def cite():
    m = simulate(80, kind="cite", n_genes=200, n_proteins=6, n_cell_types=3, n_batches=2, seed=1)
    rna, prot = m.mod["rna"], m.mod["prot"]
    return [rna.layers["counts"], prot.layers["counts"]], [rna.var_names, prot.var_names]


def test_kinds_in_another_spelling_are_read_as_those_kinds(cite):
    # 'adt' was matched as no protein kind: the proteins were reduced by an SVD like peaks, with no message
    counts, names = cite
    expected = Preprocessor.fit(counts, ["GEX", "ADT"], names, n_components=5)
    for kinds in (["rna", "adt"], ["gex", "Protein"]):
        pre = Preprocessor.fit(counts, kinds, names, n_components=5)
        assert pre.kinds == ("GEX", "ADT") and pre.bases[1] is None
        np.testing.assert_array_equal(pre.transform(counts), expected.transform(counts))
    assert preprocess(counts, ["rna", "adt"], names, n_components=5)[0].kinds == ("GEX", "ADT")


@pytest.mark.parametrize("kinds", [["GEX", "RNA-seq"], "GEX"])
def test_a_kind_that_is_no_modality_is_refused_in_one_line(cite, kinds):
    counts, names = cite
    with pytest.raises((ValueError, TypeError), match=r"unknown modality 'RNA-seq'|^kinds must be a list"):
        Preprocessor.fit(counts, kinds, names, n_components=5)


def test_modalities_of_different_cells_are_refused_before_any_pass(cite):
    # a protein matrix of half the cells was fitted with no message (the SVD sample read the first modality's rows)
    (rna, prot), names = cite
    for fit in (Preprocessor.fit, preprocess):
        with pytest.raises(ValueError, match=r"^modality 'ADT' has 40 cells, 'GEX' 80: give the same cells"):
            fit([rna, prot[:40]], ["GEX", "ADT"], names, n_components=5)


def test_var_names_of_another_length_are_refused_before_the_svd(cite, monkeypatch):
    import jae.preprocess.pipeline as pipeline

    (rna, prot), (genes, proteins) = cite
    monkeypatch.setattr(pipeline, "_fit_bases", lambda *a, **k: pytest.fail("the SVD ran before the check"))
    with pytest.raises(ValueError, match=r"^modality 'GEX' has 200 features but 10 var_names; give the names"):
        Preprocessor.fit([rna, prot], ["GEX", "ADT"], [genes[:10], proteins], n_components=5)
    with pytest.raises(ValueError, match=r"^got 2 count matrices, 1 kinds and 2 var_names: give one of each"):
        Preprocessor.fit([rna, prot], ["GEX"], [genes, proteins], n_components=5)


def test_counts_given_as_one_matrix_are_refused_naming_the_list(cite):
    (rna, _), (genes, _) = cite
    with pytest.raises(TypeError, match=r"^counts must be a list with one count matrix per modality"):
        Preprocessor.fit(rna, ["GEX"], [genes], n_components=5)


@pytest.mark.parametrize("n_components", [0, 2.5, None, "10", True])
def test_svd_dimensions_that_are_no_whole_number_above_zero_are_refused_naming_them(cite, n_components):
    # 0 failed after the passes with "cannot fit an SVD to 80 cells x 200 features: need at least 2 of each", the
    # others in numpy or Python ("'float' object cannot be interpreted as an integer")
    counts, names = cite
    for fit in (Preprocessor.fit, preprocess):
        with pytest.raises(ValueError, match=r"^n_components must be a whole number >= 1 \(SVD dimensions per "):
            fit(counts, ["GEX", "ADT"], names, n_components=n_components)


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError)])
def test_a_seed_that_numpy_cannot_take_is_refused_naming_seed(cite, seed, error):
    counts, names = cite
    with pytest.raises(error, match=r"^seed must be an integer"):
        Preprocessor.fit(counts, ["GEX", "ADT"], names, n_components=5, seed=seed)
    assert Preprocessor.fit(counts, ["GEX", "ADT"], names, n_components=np.int64(5), seed=np.int64(3)).widths == (5, 6)


def test_matrices_that_are_no_counts_are_refused_naming_the_problem(cite):
    # negative values failed with log_normalize's "some cells have zero total counts", NaN with numpy's
    # "Eigenvalues did not converge"
    (rna, prot), names = cite
    dense = rna.toarray()
    negative, nan = -dense, dense.copy()
    nan[3, 4] = np.nan
    for bad, problem in ((negative, r"has \d+ negative values"), (nan, r"has 1 NaN or infinite values"),
                         (np.log1p(dense), r"has \d+ non-integer values")):
        with pytest.raises(ValueError, match=rf"^modality 'GEX' \(cells 0-79\) {problem}.*Preprocessor.fit needs "
                                             r"each modality's raw counts"):
            Preprocessor.fit([bad, prot], ["GEX", "ADT"], names, n_components=5)
    empty = rna.toarray()
    empty[7] = 0
    with pytest.raises(ValueError, match=r"^1 of 80 cells have zero total counts in modality 'GEX' \(cells 0-79\); "
                                         r"remove them first"):
        Preprocessor.fit([empty, prot], ["GEX", "ADT"], names, n_components=5)


@pytest.mark.parametrize("kw, error, message", [
    ({"n_components": 0}, ValueError, r"^n_components must be a whole number >= 1"),
    ({"n_components": 2.5}, ValueError, r"^n_components must be a whole number >= 1"),
    ({"seed": -1}, ValueError, r"^seed must be an integer >= 0"),  # was: "The 'random_state' parameter of ..."
])
def test_fit_svd_names_its_own_arguments(cite, kw, error, message):
    from jae.preprocess import fit_svd, log_normalize

    X = log_normalize(cite[0][0])
    with pytest.raises(error, match=message):
        fit_svd(X, **{"n_components": 5, **kw})
    assert fit_svd(X, np.int64(5), seed=np.int64(0)).n_components == 5


def test_an_organism_whose_cell_cycle_genes_are_absent_but_the_others_present_is_refused_naming_it(cite, caplog):
    # the fit went on without its cell-cycle block, one warning in its log ("the phase loss is skipped")
    from jae.cli._messages import cli_message

    counts, names = cite
    with pytest.raises(ValueError, match=r"^organism is 'mouse' \(given, or read from uns\['organism'\]\), but none "
                                         r"of its cell-cycle genes .* G2/M-phase genes of human are, as the names are "
                                         r"written: pass organism='human' to score") as err:
        preprocess(counts, ["GEX", "ADT"], names, n_components=5, organism="mouse")
    assert "pass --organism human to score the cell cycle with those, or --set n_phase=0 to fit" in cli_message(
        str(err.value))
    other = [[f"GENE{i}" for i in range(200)], names[1]]  # neither organism's genes: a warning, no scores, as before
    _, _, phase = preprocess(counts, ["GEX", "ADT"], other, n_components=5, organism="mouse")
    assert np.isnan(phase).all() and "the phase loss is skipped" in caplog.text


@pytest.mark.parametrize("sparse", [False, True])
def test_log_normalize_refuses_negative_values_instead_of_returning_nan(sparse):
    # a cell whose total stays positive (3 - 1 + 5) came back with NaN where the value was negative, with no message
    import scipy.sparse as sps

    from jae.preprocess import log_normalize

    X = np.array([[3.0, -1.0, 5.0], [1.0, 2.0, 0.0]])
    with pytest.raises(ValueError, match=r"^log_normalize: the matrix has 1 negative values, so it holds no raw "):
        log_normalize(sps.csr_matrix(X) if sparse else X)
    counts = np.abs(X)
    out = log_normalize(sps.csr_matrix(counts) if sparse else counts)
    assert np.isfinite(out.toarray() if sparse else out).all()


@pytest.mark.parametrize("svd_fit_cells", [0, -5, 1, 1.5, "all"])
def test_svd_fit_cells_that_cannot_fit_a_basis_is_refused_naming_it(cite, svd_fit_cells):
    # 0 failed with "fit_svd_streaming: the blocks are empty; pass a callable yielding row blocks", -5 with numpy's
    # "negative dimensions are not allowed", "all" with "'>=' not supported between instances of 'str' and 'int'"
    counts, names = cite
    for fit in (Preprocessor.fit, preprocess):
        with pytest.raises(ValueError, match=r"^svd_fit_cells must be None \(every cell\) or a whole number >= 2"):
            fit(counts, ["GEX", "ADT"], names, n_components=5, svd_fit_cells=svd_fit_cells)
    assert Preprocessor.fit(counts, ["GEX", "ADT"], names, n_components=5, svd_fit_cells=np.int64(40)).widths == (5, 6)


def test_an_unknown_protein_norm_is_refused_before_the_passes(cite, monkeypatch):
    import jae.preprocess.pipeline as pipeline

    counts, names = cite
    monkeypatch.setattr(pipeline, "_fit_bases", lambda *a, **k: pytest.fail("the passes ran before the check"))
    with pytest.raises(ValueError, match=r"^Preprocessor: protein_norm must be one of \('log', 'clr', 'clr_depth'\), "
                                         r"not 'CLR'$"):
        Preprocessor.fit(counts, ["GEX", "ADT"], names, n_components=5, protein_norm="CLR")


@pytest.mark.parametrize("rank, drawn", [("0", True), ("1", False)])
def test_under_torchrun_process_0_alone_draws_the_preprocessing_bar(cite, rank, drawn, monkeypatch, capsys):
    """A Python script under torchrun drew every process's preprocessing bar over process 0's on one terminal (the
    CLI ran the others as -q, and training's bar was process 0's alone); now only process 0 draws it."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    counts, names = cite
    preprocess(counts, ["GEX", "ADT"], names, n_components=5, progress_bar=True)
    assert ("preprocessing" in capsys.readouterr().err) == drawn
