"""The mitochondrion's names (session 47): UCSC's chrM, Ensembl's MT, and chrMT or M, matched by count_fragments and
remap_peaks whichever the fragments, the data's peaks and the model's peaks use, as chr1 and 1 are, and logged; with
the other chromosomes named with ``chr`` on one side and without it on the other, or mixed on one side."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.io.fragments import count_fragments

MITO = ["chrM", "chrMT", "MT", "M"]


@pytest.mark.parametrize("peaks_name", MITO)
@pytest.mark.parametrize("file_name", MITO)
def test_fragments_on_the_mitochondrion_count_in_its_peaks(tmp_path, caplog, file_name, peaks_name):
    peaks = [f"{peaks_name}-100-200", "chr1-100-200", f"{peaks_name}-500-600"]
    path = tmp_path / "f.tsv"
    path.write_text(f"chr1\t150\t300\tA\t1\n{file_name}\t120\t199\tA\t1\n{file_name}\t550\t700\tB\t1\n"
                    "chrY\t100\t150\tB\t1\n")
    with caplog.at_level(logging.INFO, logger="jae.io.fragments"):
        a = count_fragments(path, peaks, progress_bar=False)
    np.testing.assert_array_equal(a.X.toarray(), [[2, 1, 0], [0, 0, 1]])
    said = "(the mitochondrion as chrM, chrMT, MT or M)" in caplog.text
    assert said == (file_name != peaks_name)
    if file_name != peaks_name:
        assert f"({file_name!r} for {peaks_name!r}): 1 contig matched" in caplog.text
    assert "1 fragment of contigs without peaks skipped (chrY)" in caplog.text


def test_contigs_named_with_and_without_chr_on_both_sides_are_each_matched(tmp_path, caplog):
    """Peaks named chr1, 2 and chrM (a mix); the file names them 1, chr2 and MT: every one matched."""
    peaks = ["chr1-0-100", "2-0-100", "chrM-0-100", "chr3-0-100"]
    path = tmp_path / "f.tsv"
    path.write_text("1\t10\t20\tA\t1\nchr2\t10\t20\tA\t1\nMT\t10\t200\tA\t1\nchr3\t10\t20\tA\t1\n")
    with caplog.at_level(logging.INFO, logger="jae.io.fragments"):
        a = count_fragments(path, peaks, progress_bar=False)
    np.testing.assert_array_equal(a.X.toarray(), [[2, 2, 1, 2]])
    assert "('1' for 'chr1'): 3 contigs matched without or with 'chr' (the mitochondrion as" in caplog.text


def _atac(names) -> ad.AnnData:
    X = sp.csr_matrix(np.arange(1, 1 + 3 * len(names)).reshape(3, len(names)))
    a = ad.AnnData(X=X, var=pd.DataFrame({"feature_types": "Peaks"}, index=names))
    a.layers["counts"] = X.copy()
    return a


@pytest.mark.parametrize("model_name, data_name", [("chrM", "MT"), ("MT", "chrM"), ("chrM", "chrMT"),
                                                   ("M", "chrM"), ("chrM", "chrM")])
def test_remap_puts_the_mitochondrion_peaks_on_the_model_ones(caplog, model_name, data_name):
    model = [f"{model_name}:100-300", "chr1:100-300", "chr2:100-300"]
    bare = model_name.startswith("chr") != data_name.startswith("chr")
    chrom = "1" if bare else "chr1"
    data = [f"{chrom}:150-250", f"{data_name}:120-200", f"{chrom}:5000-5100", f"{'2' if bare else 'chr2'}:90-110"]
    a = _atac(data)
    with caplog.at_level(logging.INFO, logger="jae.io.peaks"):
        out = jae.remap_peaks(a, model)
    assert out.var_names.tolist() == model  # all three covered, in the model's order
    X = a.layers["counts"].toarray()
    np.testing.assert_array_equal(out.X.toarray(), np.c_[X[:, 1], X[:, 0], X[:, 3]])
    assert ("(the mitochondrion as chrM, chrMT, MT or M)" in caplog.text) == (model_name != data_name)
    assert ("compared without 'chr'" in caplog.text) == (model_name != data_name)


def test_peak_assignment_matches_a_mixed_naming():
    """The data's peaks name chromosome 1 with chr and the mitochondrion MT; the model's chr1 and chrM."""
    target, bare = jae.io.peaks.peak_assignment(["chr1-10-50", "MT-10-50", "chr1-900-950"],
                                                ["chrM-0-100", "chr1-0-100"])
    assert target.tolist() == [1, 0, -1] and bare


def test_the_renaming_fix_counts_the_mitochondrion_peaks_named_otherwise():
    """Peaks that are the model's with Ensembl's names (1, MT for chr1, chrM): all of them counted as the model's."""
    from jae.io.features import _interval_fix

    fix = _interval_fix(pd.Index(["1-1-2", "MT-5-9"]), pd.Index(["chr1-1-2", "chrM-5-9"]), "the model", 1.0)
    assert fix is not None and fix.startswith("2 of them are the model's peaks with the chromosomes named otherwise")
