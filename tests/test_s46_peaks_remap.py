"""jae.remap_peaks (session 46): a query's own peak set put onto a model's peaks by genomic overlap, on hand-made
peaks whose assignment is known, and on simulated Multiome data against a fitted model."""

from __future__ import annotations

import copy
import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.io.features import feature_overlap
from jae.io.peaks import peak_assignment

from conftest import moved_peaks  # tests/ is on sys.path

MODEL = ["chr1:100-200", "chr1:300-400", "chr1:500-600", "chr1:700-800", "chr2:100-200"]
#: the data's peaks: 0 overlaps model peaks 0 (90 bases) and 1 (30): to 0; 1 overlaps none: dropped; 2 and 3 both in
#: model peak 2: summed; 4 in model peak 4 (chr2); model peak 3 receives none
DATA = ["chr1-110-330", "chr1-1000-1100", "chr1-510-540", "chr1-560-650", "chr2-150-170"]


def _counts(n_cells: int = 6, n_peaks: int = 5, seed: int = 0) -> sp.csr_matrix:
    return sp.csr_matrix(np.random.default_rng(seed).poisson(2.0, (n_cells, n_peaks)).astype(np.float32))


def _atac(names=DATA, seed: int = 0) -> ad.AnnData:
    X = _counts(n_peaks=len(names), seed=seed)
    a = ad.AnnData(X=X, obs=pd.DataFrame({"sample": list("aabbcc")}, index=[f"c{i}" for i in range(6)]),
                   var=pd.DataFrame({"feature_types": "Peaks"}, index=names), layers={"counts": X.copy()})
    a.obsm["X_pca"] = np.arange(12.0).reshape(6, 2)
    return a


def _expected(X) -> np.ndarray:
    X = X.toarray()
    return np.column_stack([X[:, 0], X[:, 2] + X[:, 3], X[:, 4]])


def test_each_data_peak_gives_its_counts_to_the_model_peak_it_overlaps_most():
    target, bare = peak_assignment(DATA, MODEL)
    assert target.tolist() == [0, -1, 2, 2, 4] and not bare
    # a tie (10 bases each side) goes to the first in the model's order; half-open ends: 200 touches 200, no overlap
    assert peak_assignment(["chr1:190-310", "chr1:200-300"], MODEL)[0].tolist() == [0, -1]
    assert peak_assignment(["chr1:110-330"], MODEL, min_overlap=91)[0].tolist() == [-1]


def test_an_anndata_is_remapped_into_a_new_integer_csr_and_left_unchanged(caplog):
    a = _atac()
    before = copy.deepcopy(a)
    with caplog.at_level(logging.INFO, logger="jae.io.peaks"):
        out = jae.remap_peaks(a, pd.Index(MODEL))
    # model peak 3 (chr1:700-800) received no data peak: left out of var, never a column of zeros
    assert out.var_names.tolist() == ["chr1:100-200", "chr1:500-600", "chr2:100-200"]
    assert sp.isspmatrix_csr(out.X) and out.layers["counts"] is out.X
    np.testing.assert_array_equal(out.X.toarray(), _expected(a.layers["counts"]))
    assert np.all(out.X.data == np.round(out.X.data))
    assert out.obs["sample"].tolist() == list("aabbcc") and "X_pca" in out.obsm
    assert (out.var["feature_types"] == "Peaks").all()
    assert "3 of the model's 5 peaks covered (60%" in caplog.text and "4 of the 5 peaks of the AnnData (1 overlapping none" \
        in caplog.text
    for key in ("X", "obs", "var", "obsm"):  # the user's object untouched
        got, was = getattr(a, key), getattr(before, key)
        if key == "X":
            np.testing.assert_array_equal(got.toarray(), was.toarray())
        elif key == "obsm":
            np.testing.assert_array_equal(got["X_pca"], was["X_pca"])
        else:
            pd.testing.assert_frame_equal(got, was)
    assert a.var_names.tolist() == DATA and list(a.layers) == ["counts"]


def test_counts_are_read_from_the_counts_layer_when_there_is_one():
    a = _atac()
    a.X = a.X * 0.5  # a normalised .X beside the counts
    out = jae.remap_peaks(a, MODEL)
    np.testing.assert_array_equal(out.X.toarray(), _expected(a.layers["counts"]))


def test_layer_raw_reads_the_raw_counts_with_the_peaks_stored_there():
    """scanpy's layout: .raw holds every peak's counts, .X a normalised subset of the peaks."""
    full = _atac()
    a = full[:, [0, 2]].copy()
    a.raw = full
    a.X = a.X * 0.5
    del a.layers["counts"]
    out = jae.remap_peaks(a, MODEL, layer="raw")
    np.testing.assert_array_equal(out.X.toarray(), _expected(full.layers["counts"]))


def test_chromosomes_without_chr_are_compared_bare_with_a_log_line(caplog):
    a = _atac([n.replace("chr", "") for n in DATA])
    with caplog.at_level(logging.INFO, logger="jae.io.peaks"):
        out = jae.remap_peaks(a, MODEL)
    assert "compared without 'chr'" in caplog.text
    np.testing.assert_array_equal(out.X.toarray(), _expected(a.layers["counts"]))


def test_a_mudata_keeps_its_other_modalities_obs_and_uns_and_is_left_unchanged():
    rna = ad.AnnData(X=_counts(n_peaks=4, seed=1), obs=pd.DataFrame(index=[f"c{i}" for i in range(6)]),
                     var=pd.DataFrame({"feature_types": "Gene Expression"}, index=list("ABCD")))
    m = md.MuData({"rna": rna, "peaks": _atac()})
    m.obs["batch"] = list("xxyyzz")
    m.uns["note"] = {"kept": 1}
    before = m.copy()
    out = jae.remap_peaks(m, MODEL)
    assert isinstance(out, md.MuData) and out is not m and set(out.mod) == {"rna", "peaks"}
    assert out["peaks"].n_vars == 3 and out["rna"].var_names.tolist() == list("ABCD")
    assert out.obs["batch"].tolist() == list("xxyyzz") and out.uns["note"] == {"kept": 1}
    out.uns["note"]["kept"] = 2
    out["rna"].obs["new"] = 1
    assert m["peaks"].n_vars == 5 and m.uns["note"] == {"kept": 1} and "new" not in m["rna"].obs
    np.testing.assert_array_equal(m["peaks"].X.toarray(), before["peaks"].X.toarray())
    pd.testing.assert_frame_equal(m.obs, before.obs)


def test_too_few_model_peaks_covered_is_refused_in_one_line_with_the_fix():
    a = _atac(["chr1-110-130", "chr9-1-50", "chr9-60-90", "chr9-100-150", "chr9-200-250"])
    with pytest.raises(ValueError, match=r"overlap 1 of the model's 5 peaks \(20%.*below the 50% jae needs.*count "
                                         r"the cells' fragments in the model's peaks \(jae\.count_fragments\), or "
                                         r"fit a reference") as err:
        jae.remap_peaks(a, MODEL)
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="no genomic intervals"):
        jae.remap_peaks(ad.AnnData(X=_counts(), var=pd.DataFrame(index=list("ABCDE"))), MODEL)
    with pytest.raises(ValueError, match="min_overlap must be a whole number"):
        jae.remap_peaks(_atac(), MODEL, min_overlap=0.5)


# ------------------------------------------------------------------------------------- against a fitted model
@pytest.fixture(scope="module")
def fitted():
    m = simulate(200, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=5)
    model = JAE(JAEConfig(max_epochs=3, n_svd=10), seed=0, device="cpu").fit(m, progress_bar=False)
    return m, model, model.embed(m, key_added=None)


def _shifted(m, by: int = 7) -> md.MuData:
    """The same cells and counts with each peak moved ``by`` bases (a per-sample peak call of the same sites)."""
    q = m.copy()
    atac = q["atac"]
    atac.var_names = moved_peaks(atac.var_names, by)
    return md.MuData({"rna": q["rna"], "atac": atac})


def test_a_query_on_shifted_peaks_is_refused_naming_remap_peaks_and_embeds_as_the_original_after_it(fitted):
    m, model, full = fitted
    query = _shifted(m)
    with pytest.raises(ValueError, match=r"overlap one of them\): put its counts on the model's peaks, each peak's "
                                         r"on the one it overlaps most, with jae\.remap_peaks\(data, model\)") as err:
        model.embed(query, key_added=None)
    assert "\n" not in str(err.value) and "fragments" in str(err.value)
    before = query.copy()
    remapped = jae.remap_peaks(query, model)
    assert remapped["atac"].var_names.equals(m["atac"].var_names)
    np.testing.assert_allclose(model.embed(remapped, key_added=None), full, atol=1e-5)
    assert query["atac"].var_names.equals(before["atac"].var_names)


def test_peaks_that_do_not_overlap_the_models_are_not_told_to_remap(fitted):
    """Another organism's or a random peak set: the refusal names the fragments or a new reference, not remap_peaks."""
    m, model, _ = fitted
    other = _shifted(m, by=10_000_000)  # nowhere near the model's peaks
    with pytest.raises(ValueError, match="jae needs to place its cells") as err:
        model.embed(other, key_added=None)
    assert "remap_peaks" not in str(err.value)
    mouse = pd.Index([f"chrZ-{100 * i}-{100 * i + 50}" for i in range(300)])
    with pytest.raises(ValueError) as err:
        feature_overlap(mouse, m["atac"].var_names, name="modality 'atac'")
    assert "remap_peaks" not in str(err.value)
