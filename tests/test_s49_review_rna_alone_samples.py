"""Several Cell Ranger files of Gene Expression alone (one per sample) are a query, as one such file is (session 49
review): jae embed / jae map read them as one MuData of RNA alone, cells BARCODE-SAMPLE, each sample a batch; jae fit
refuses them naming the files; a sample of RNA alone beside paired ones is refused in one line."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae.cli import main
from jae.io import InputFiles, combine_samples
from conftest import write_10x

GENES = [f"G{i}" for i in range(8)]


def _gex(path, n=5, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    X = np.random.default_rng(seed).poisson(1.0, (n, len(GENES))) + (np.arange(len(GENES)) == 0)
    return write_10x(path, X, GENES, ["Gene Expression"] * len(GENES)), X


def test_gex_only_samples_read_as_one_query(tmp_path):
    (a, Xa), (b, Xb) = _gex(tmp_path / "a" / "outs" / "f.h5"), _gex(tmp_path / "b" / "outs" / "f.h5", n=4, seed=1)
    mdata = InputFiles(tenx=[a, b]).read()  # refused before: 'f.h5 holds only Gene Expression features; ...'
    assert list(mdata.mod) == ["rna"] and mdata.n_obs == 9
    assert list(mdata.obs_names[[0, 5]]) == ["AAACCTGAGC000000-1-a", "AAACCTGAGC000000-1-b"]
    assert list(mdata.obs["batch"]) == ["a"] * 5 + ["b"] * 4
    np.testing.assert_array_equal(mdata["rna"].layers["counts"].toarray(), np.vstack([Xa, Xb]))
    with pytest.raises(ValueError, match=r"^2 Cell Ranger files \(a, b\) hold only Gene Expression features; "
                       r"fitting needs a second modality"):
        InputFiles(tenx=[a, b]).open(plan=False)  # fitting: refused, naming the files


def test_rna_alone_beside_paired_refused_in_one_line(tmp_path, caplog):
    a, _ = _gex(tmp_path / "a.h5")
    X = np.random.default_rng(2).poisson(1.0, (5, 11)) + 1
    b = write_10x(tmp_path / "b.h5", X, GENES + ["chr1:1-9", "chr1:20-29", "chr2:1-5"],
                  ["Gene Expression"] * 8 + ["Peaks"] * 3)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--10x", str(a), str(b), "--mode", "unsupervised", "--out", str(tmp_path / "M")]) == 1
    assert ("--10x: the samples' second modalities differ (a none (RNA alone), b ATAC); combine samples of one "
            "kind: RNA + ATAC, or RNA + ADT, or RNA alone (a query to embed or map)") in caplog.text
    with pytest.raises(ValueError, match=r"sample 'a' has no second modality \(RNA alone\)"):
        combine_samples({"a": InputFiles(tenx=a).read(), "b": InputFiles(tenx=b).read()})  # Python: paired samples


def test_jae_embed_of_gex_only_samples(own_cite_model):
    import anndata as ad

    import jae

    folder, _ = own_cite_model("s49_review_rna_alone")  # fitted on simulate(..., n_genes=200): the same genes
    cells = jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=5)
    genes = list(cells["rna"].var_names)
    paths = []
    for name, rows in (("s1", slice(0, 30)), ("s2", slice(30, 60))):
        (folder / name / "outs").mkdir(parents=True)
        paths.append(write_10x(folder / name / "outs" / "filtered_feature_bc_matrix.h5",
                               cells["rna"].layers["counts"][rows].toarray(), genes, ["Gene Expression"] * 200))
    out = folder / "e.h5ad"
    assert main(["-q", "embed", "--model", str(folder / "model"), "--10x", *map(str, paths), "--device", "cpu",
                 "--finetune-epochs", "0", "--out", str(out)]) == 0
    embedded = ad.read_h5ad(out)
    assert embedded.n_obs == 60 and embedded.obs_names[30] == "AAACCTGAGC000000-1-s2"
    assert list(embedded.obs["batch"].cat.categories) == ["s1", "s2"]
