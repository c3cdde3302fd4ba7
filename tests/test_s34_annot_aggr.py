"""A Cell Ranger aggr file holds several samples, its cells named AAAC-1, AAAC-2, ... (the suffix is the sample):
jae fit --10x without a batch column told its user only '--batch-key none to treat all cells as one batch', which
takes the samples for one batch; the refusal now names the samples and the line that gives each cell its sample as
its batch (an annotation file for files, the obs column in Python), tested to give that batch."""

from __future__ import annotations

import re

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.datasets import simulate
from jae.io.validate import check_fit_annotations


def _barcode(i: int) -> str:
    return "".join("ACGT"[(i >> (2 * k)) & 3] for k in range(16))


def _write_aggr(path, n_samples: int = 2):
    m = simulate(40, kind="multiome", n_genes=200, n_peaks=300, n_batches=2, seed=0)
    X = sp.hstack([m.mod["rna"].X, m.mod["atac"].X]).T.tocsc().astype(np.int32)  # features x cells, as Cell Ranger
    names = list(m.mod["rna"].var_names) + list(m.mod["atac"].var_names)
    types = ["Gene Expression"] * m.mod["rna"].n_vars + ["Peaks"] * m.mod["atac"].n_vars
    with h5py.File(path, "w") as f:
        g = f.create_group("matrix")
        g["data"], g["indices"], g["indptr"] = X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)
        g["shape"] = np.array(X.shape, dtype=np.int32)
        g["barcodes"] = np.array([f"{_barcode(i)}-{1 + i % n_samples}" for i in range(m.n_obs)], dtype="S")
        feats = g.create_group("features")
        feats["id"] = feats["name"] = np.array(names, dtype="S")
        feats["feature_type"] = np.array(types, dtype="S")
        feats["genome"] = np.array(["GRCh38"] * len(names), dtype="S")
        feats["_all_tag_keys"] = np.array([b"genome"])
    return path


def test_jae_fit_of_an_aggr_file_without_batches_names_the_samples_and_the_file_that_gives_them(tmp_path, caplog,
                                                                                                 monkeypatch):
    from jae.cli import main
    from jae.io import InputFiles

    monkeypatch.chdir(tmp_path)
    _write_aggr(tmp_path / "aggr.h5")
    assert main(["fit", "--10x", "aggr.h5", "--mode", "unsupervised", "--out", "m"]) != 0
    err = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"][-1]
    assert "its cell names end in -1, -2 (2 samples, as Cell Ranger aggr names them)" in err
    assert "pass it with --annotations FILE; else pass --batch-key COLUMN" in err
    assert not (tmp_path / "m").exists()
    line = re.search(r"in Python: (.*?), and pass it with", err).group(1)
    exec(line, {})  # the line the user is told writes samples.h5ad
    data = InputFiles(tenx=tmp_path / "aggr.h5", annotations=[tmp_path / "samples.h5ad"]).open(plan=False)
    names = pd.Index(data.obs_names)
    assert list(data.obs["batch"].astype(str)) == [n.rsplit("-", 1)[1] for n in names]
    assert set(data.obs["batch"].astype(str)) == {"1", "2"}


def test_model_fit_refusal_gives_the_obs_line_and_one_sample_names_keep_the_old_message():
    m = simulate(30, kind="cite", n_genes=200, n_proteins=8, n_batches=1, seed=1)
    del m.obs["batch"]
    m.obs_names = [f"{_barcode(i)}-{1 + i % 3}" for i in range(m.n_obs)]
    with pytest.raises(KeyError) as err:
        check_fit_annotations(m.obs, batch_key="batch", cell_type_key=None, supervised=False)
    text = err.value.args[0]
    assert "end in -1, -2, -3 (3 samples" in text
    line = re.search(r"e\.g\. (mdata\.obs\[.*?\.str\[-1\])", text).group(1)
    exec(line, {"mdata": m})
    assert list(m.obs["batch"]) == [str(1 + i % 3) for i in range(m.n_obs)]
    check_fit_annotations(m.obs, batch_key="batch", cell_type_key=None, supervised=False)  # now accepted
    del m.obs["batch"]
    for names in ([f"{_barcode(i)}-1" for i in range(m.n_obs)],  # one sample: nothing to take as batches
                  [f"cell-{i}" for i in range(m.n_obs)]):  # numbered cells, not barcodes of samples
        m.obs_names = names
        with pytest.raises(KeyError) as err:
            check_fit_annotations(m.obs, batch_key="batch", cell_type_key=None, supervised=False)
        assert "Cell Ranger aggr" not in err.value.args[0]
        assert "or batch_key=None to treat all cells as one batch" in err.value.args[0]


def test_jae_map_of_an_aggr_query_without_batches_names_the_samples_as_query_batches(tmp_path, caplog, monkeypatch):
    """jae map of a Cell Ranger aggr query without the batch column was told only '--batch-key COLUMN or
    --annotations FILE with that column'; it now names the samples and the line writing them as batches query_1,
    query_2 (not to be taken for the reference's batches 1, 2), which then map."""
    from jae.cli import main

    monkeypatch.chdir(tmp_path)
    _write_aggr(tmp_path / "aggr.h5")
    names = __import__("jae").read_10x_h5("aggr.h5").obs_names
    import anndata as ad

    ad.AnnData(obs=pd.DataFrame({"batch": names.str.rsplit("-", n=1).str[-1]}, index=names)).write_h5ad("ref.h5ad")
    assert main(["fit", "--10x", "aggr.h5", "--annotations", "ref.h5ad", "--mode", "unsupervised", "--out", "m",
                 "--max-epochs", "1", "--quiet"]) == 0
    caplog.clear()
    assert main(["map", "--model", "m", "--10x", "aggr.h5", "--out", "mapped", "--quiet"]) != 0
    err = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"][-1]
    assert err.startswith("the query has no obs column 'batch' for --batch-key")
    assert "; its cell names end in -1, -2 (2 samples, as Cell Ranger aggr names them)" in err
    line = re.search(r"in Python: (.*?), and pass it with --annotations FILE$", err).group(1)
    exec(line, {})
    assert sorted(ad.read_h5ad("samples.h5ad").obs["batch"].unique()) == ["query_1", "query_2"]
    assert main(["map", "--model", "m", "--10x", "aggr.h5", "--annotations", "samples.h5ad", "--out", "mapped",
                 "--epochs", "1", "--quiet"]) == 0


def test_jae_fit_of_an_aggr_file_with_batch_key_none_warns_once_that_its_samples_are_one_batch(tmp_path, caplog,
                                                                                                monkeypatch):
    """README tells --10x users '--batch-key none'; on a Cell Ranger aggr file that took its samples for one batch
    without a word. The fit still does so (the user asked), and a warning, once, names the samples and the route."""
    from jae.cli import main

    monkeypatch.chdir(tmp_path)
    _write_aggr(tmp_path / "aggr.h5", n_samples=3)
    assert main(["fit", "--10x", "aggr.h5", "--mode", "unsupervised", "--batch-key", "none", "--out", "m",
                 "--max-epochs", "1", "--quiet"]) == 0
    warned = [r.getMessage() for r in caplog.records if "taken for one batch" in r.getMessage()]
    assert len(warned) == 1
    assert warned[0].startswith("every cell is taken for one batch (--batch-key none), but its cell "  # s37: CLI words
                                "names end in -1, -2, -3 (3 samples, as Cell Ranger aggr names them)")
    assert warned[0].endswith("and pass it with --annotations FILE, with --batch-key batch")
    caplog.clear()
    _write_aggr(tmp_path / "one.h5", n_samples=1)
    assert main(["fit", "--10x", "one.h5", "--mode", "unsupervised", "--batch-key", "none", "--out", "m1",
                 "--max-epochs", "1", "--quiet"]) == 0
    assert not [r for r in caplog.records if "taken for one batch" in r.getMessage()]
