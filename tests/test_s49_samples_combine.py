"""jae.io.combine_samples (session 49): several samples, each its own Cell Ranger (ARC) output, as one MuData:
cells named BARCODE-SAMPLE with the sample as the batch, the genes and proteins every sample has, and differing peak
sets merged into one by overlap (half-open intervals), each sample's counts summed onto it; refusals in one line."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.io import InputFiles, combine_samples
from jae.io.readers import make_mudata
from jae.io.samples import merge_peaks, sample_name
from conftest import write_10x

GEX, PEAKS, ADT = "Gene Expression", "Peaks", "Antibody Capture"


def _counts(n: int, m: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).poisson(1.0, (n, m)) + (np.arange(m) == 0)  # every cell holds counts


def _sample(path, genes, other, kind=PEAKS, n=6, seed=0):
    """A Cell Ranger file of ``n`` cells (barcodes AAACCTGAGC000000-1, ... as every sample's), ``genes`` then
    ``other`` features of ``kind``; returns ``(path, counts)``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    X = _counts(n, len(genes) + len(other), seed)
    write_10x(path, X, list(genes) + list(other), [GEX] * len(genes) + [kind] * len(other))
    return path, X


def _mdata(genes, other, kind="atac", n=5, seed=0, barcodes=None):
    import anndata as ad

    cells = pd.Index(barcodes or [f"B{i}-1" for i in range(n)])
    mods = {}
    for name, names, s in (("rna", genes, seed), (kind, other, seed + 100)):
        X = sp.csr_matrix(_counts(len(cells), len(names), s).astype(np.float32))
        mods[name] = ad.AnnData(X=X, obs=pd.DataFrame(index=cells), var=pd.DataFrame(index=pd.Index(names)))
        mods[name].layers["counts"] = X
    return make_mudata(mods)


GENES = [f"G{i}" for i in range(8)]
PEAKS1 = ["chr1:100-200", "chr1:300-400", "chr2:50-60"]


def test_cells_are_barcode_sample_and_the_sample_is_the_batch(tmp_path, caplog):
    p1, _ = _sample(tmp_path / "s1" / "outs" / "filtered_feature_bc_matrix.h5", GENES, PEAKS1, n=4)
    p2, _ = _sample(tmp_path / "s2" / "outs" / "filtered_feature_bc_matrix.h5", GENES, PEAKS1, n=3, seed=1)
    with caplog.at_level(logging.INFO, logger="jae"):
        mdata = combine_samples({"s1": p1, "s2": p2})
    assert list(mdata.obs_names[:2]) == ["AAACCTGAGC000000-1-s1", "AAACCTGAGC000001-1-s1"]
    assert list(mdata.obs_names[4:]) == [f"AAACCTGAGC{i:06d}-1-s2" for i in range(3)]
    assert mdata.obs["batch"].dtype == "category" and list(mdata.obs["batch"].cat.categories) == ["s1", "s2"]
    assert list(mdata.obs["batch"]) == ["s1"] * 4 + ["s2"] * 3
    assert "combined 2 samples: 7 cells (s1 4, s2 3), obs['batch'] = the sample" in caplog.text
    for mod in mdata.mod.values():
        assert sp.isspmatrix_csr(mod.X) and mod.X.dtype == np.float32 and mod.layers["counts"] is mod.X
    # the same through InputFiles, each file named by the folder above outs/, the batch column chosen
    read = InputFiles(tenx=[p1, p2], sample_key="sample").read()
    assert list(read.obs_names) == list(mdata.obs_names) and list(read.obs["sample"]) == list(mdata.obs["batch"])
    assert sample_name(tmp_path / "run" / "pbmc.h5") == "pbmc"


def test_one_file_in_a_list_is_read_as_before(tmp_path):
    p1, _ = _sample(tmp_path / "s1" / "outs" / "filtered_feature_bc_matrix.h5", GENES, PEAKS1, n=4)
    files = InputFiles(tenx=[p1])
    assert files.tenx == p1 and files.samples is None
    assert list(files.read().obs_names) == list(jae.read_10x_h5(p1).obs_names)  # no sample suffix


def test_genes_every_sample_has_in_the_first_order(tmp_path, caplog):
    p1, X1 = _sample(tmp_path / "a.h5", GENES, PEAKS1, n=4)
    genes2 = GENES[::-1] + ["X1", "X2", "X3"]  # another order, three more
    p2, X2 = _sample(tmp_path / "b.h5", genes2, PEAKS1, n=3, seed=1)
    with caplog.at_level(logging.INFO, logger="jae"):
        mdata = combine_samples({"a": p1, "b": p2})
    assert list(mdata["rna"].var_names) == GENES
    assert "rna: 8 genes in every sample (b had 3 more, dropped)" in caplog.text
    rna = mdata["rna"].X.toarray()
    np.testing.assert_array_equal(rna[:4], X1[:, :8])
    np.testing.assert_array_equal(rna[4:], X2[:, [genes2.index(g) for g in GENES]])


def test_proteins_every_panel_has_named_when_dropped(tmp_path, caplog):
    p1, _ = _sample(tmp_path / "a.h5", GENES, ["CD3", "CD4", "CD8", "CD19"], kind=ADT, n=4)
    p2, X2 = _sample(tmp_path / "b.h5", GENES, ["CD4", "CD3", "CD8", "CD19", "CD56"], kind=ADT, n=3, seed=1)
    with caplog.at_level(logging.INFO, logger="jae"):
        mdata = combine_samples({"a": p1, "b": p2})
    assert list(mdata.mod) == ["rna", "prot"] and list(mdata["prot"].var_names) == ["CD3", "CD4", "CD8", "CD19"]
    assert "prot: 4 proteins in every sample (b had 1 more: 'CD56', dropped)" in caplog.text
    np.testing.assert_array_equal(mdata["prot"].X.toarray()[4:, :2], X2[:, [9, 8]])


def test_differing_peaks_merged_by_overlap_half_open(tmp_path, caplog):
    p1, X1 = _sample(tmp_path / "a.h5", GENES, ["chr1-100-200", "chr1-300-400", "chr2-50-60"], n=4)
    peaks2 = ["chr1:150-250",  # overlaps chr1-100-200
              "chr1:400-500",  # touches chr1-300-400 (end == start): no shared base, kept apart
              "chr1:120-130",  # inside chr1-100-200
              "chr3:1-10"]  # a chromosome the first sample lacks
    p2, X2 = _sample(tmp_path / "b.h5", GENES, peaks2, n=3, seed=1)
    with caplog.at_level(logging.INFO, logger="jae"):
        mdata = combine_samples({"a": p1, "b": p2})
    # the first sample's separators, chromosomes in the order first seen, then by start
    assert list(mdata["atac"].var_names) == ["chr1-100-250", "chr1-300-400", "chr1-400-500", "chr2-50-60",
                                             "chr3-1-10"]
    assert ("atac: the samples' peak sets differ (a 3, b 4 peaks); merged into 5 common peaks (overlapping peaks "
            "joined; median width 100 bp, widest 150 bp)") in caplog.text
    atac = mdata["atac"].X.toarray()
    A1, A2 = X1[:, 8:], X2[:, 8:]
    np.testing.assert_array_equal(atac[:4], np.c_[A1[:, 0], A1[:, 1], 0 * A1[:, 0], A1[:, 2], 0 * A1[:, 0]])
    np.testing.assert_array_equal(atac[4:], np.c_[A2[:, 0] + A2[:, 2], 0 * A2[:, 0], A2[:, 1], 0 * A2[:, 0],
                                                  A2[:, 3]])
    np.testing.assert_array_equal(atac.sum(axis=1), np.r_[A1.sum(axis=1), A2.sum(axis=1)])  # every count kept
    assert (mdata["atac"].var["feature_types"] == "ATAC").all()


def test_merge_chains_and_maps_each_peak_to_its_one_merged_peak():
    names, maps = merge_peaks({"a": pd.Index(["chr1_10_20", "chr1_30_40", "chr1_5_6"]),
                               "b": pd.Index(["chr1_15_35", "chr1_40_41"])})
    assert list(names) == ["chr1_5_6", "chr1_10_40", "chr1_40_41"]  # 10-20, 15-35 and 30-40 chain into one
    np.testing.assert_array_equal(maps["a"], [1, 1, 0])
    np.testing.assert_array_equal(maps["b"], [1, 2])


def test_identical_peaks_concatenated_as_they_are(caplog):
    a = _mdata(GENES, PEAKS1)
    b = _mdata(GENES, PEAKS1[::-1], seed=3)  # the same peaks in another order
    with caplog.at_level(logging.INFO, logger="jae"):
        mdata = combine_samples({"a": a, "b": b})
    assert list(mdata["atac"].var_names) == PEAKS1
    assert "atac: 3 peaks, the same in every sample" in caplog.text
    np.testing.assert_array_equal(mdata["atac"].X.toarray()[5:], b["atac"].X.toarray()[:, ::-1])


def test_inputs_left_unchanged():
    a = _mdata(GENES, PEAKS1)
    a.obs["donor"] = "d1"
    b = _mdata(GENES + ["X"], ["chr1:150-250", "chr5:1-2"], seed=2)
    before = [(m.obs.copy(), {k: (v.obs.copy(), v.var.copy(), v.X.copy()) for k, v in m.mod.items()}) for m in (a, b)]
    mdata = combine_samples({"a": a, "b": b})
    assert list(mdata.obs["donor"][:5]) == ["d1"] * 5 and mdata.obs["donor"][5:].isna().all()  # outer join
    for m, (obs, mods) in zip((a, b), before):
        pd.testing.assert_frame_equal(m.obs, obs)
        for k, (o, v, X) in mods.items():
            pd.testing.assert_frame_equal(m[k].obs, o)
            pd.testing.assert_frame_equal(m[k].var, v)
            assert (m[k].X != X).nnz == 0 and m[k].layers["counts"] is m[k].X


def test_refusals():
    a = _mdata(GENES, PEAKS1)
    with pytest.raises(ValueError, match=r"second modalities differ \(a ATAC, b ADT\)"):
        combine_samples({"a": a, "b": _mdata(GENES, ["CD3", "CD4"], kind="prot")})
    with pytest.raises(ValueError, match="sample names must be non-empty text"):
        combine_samples({"a": a, " ": _mdata(GENES, PEAKS1)})
    with pytest.raises(ValueError, match="at least one sample"):
        combine_samples({})
    with pytest.raises(ValueError, match=r"1 peak name of sample 'b' is no genomic interval \(like 'peak1'\).*"
                                         r"jae\.count_fragments"):
        combine_samples({"a": a, "b": _mdata(GENES, ["chr1:1-5", "peak1"])})
    with pytest.raises(ValueError, match=r"rna: only 3 genes are in every sample, 30% of the 10 of sample 'b' .*below "
                                         "the 50%"):
        combine_samples({"a": a, "b": _mdata(GENES[:3] + [f"Y{i}" for i in range(7)], PEAKS1)})
    a.obs["batch"] = "x"
    with pytest.raises(ValueError, match=r"sample 'a' already has an obs column 'batch'.*batch_key="):
        combine_samples({"a": a, "b": _mdata(GENES, PEAKS1)})
    with pytest.raises(ValueError, match=r"sample 'b' has no second modality \(RNA alone\)"):
        combine_samples({"a": _mdata(GENES, PEAKS1), "b": md.MuData({"rna": a["rna"].copy()})})
    with pytest.raises(ValueError, match=r"name each sample: tenx=\{'NAME': FILE"):
        InputFiles(tenx=["x/s1/outs/filtered_feature_bc_matrix.h5", "y/s1/outs/filtered_feature_bc_matrix.h5"])


def test_missing_file_refused_before_any_is_read(tmp_path, monkeypatch):
    p1, _ = _sample(tmp_path / "a.h5", GENES, PEAKS1)
    import jae.io.cellranger as readers

    monkeypatch.setattr(readers, "read_10x_h5", lambda *a, **k: pytest.fail("read before every path was checked"))
    with pytest.raises(FileNotFoundError, match="sample 'b' file .*missing.h5 does not exist"):
        combine_samples({"a": p1, "b": tmp_path / "missing.h5"})


def test_merged_peaks_wider_than_10_kb_kept_and_said(caplog):
    a = _mdata(GENES, ["chr1:100-5000", "chr1:6000-9000", "chr2:1-10"])
    b = _mdata(GENES, ["chr1:4000-7000", "chr1:8000-12000"], seed=2)  # chains a's two peaks into 100-12000
    with caplog.at_level(logging.INFO, logger="jae"):
        mdata = combine_samples({"a": a, "b": b})
    assert list(mdata["atac"].var_names) == ["chr1:100-12000", "chr2:1-10"]
    inside = sum(float(m["atac"].X[:, :2].sum()) for m in (a, b))
    total = sum(float(m["atac"].X.sum()) for m in (a, b))
    assert f"atac: 1 of the 2 merged peaks is wider than 10 kb ({100 * inside / total:.1f}% of the counts)" in caplog.text
    assert [r.levelname for r in caplog.records if "wider than" in r.getMessage()] == ["WARNING"]


def test_chromosomes_named_otherwise_refused():
    with pytest.raises(ValueError, match=r"samples 'a' and 'b' name the chromosomes otherwise \(like 'chr1', 'chr2' "
                                         r"and '1', '2'\)"):
        combine_samples({"a": _mdata(GENES, PEAKS1), "b": _mdata(GENES, ["1:100-200", "2:5-9"])})
