"""jae map of a single-sample query without the batch column: a Cell Ranger file (s37 audit).

A Cell Ranger .h5 of one sample holds no obs column at all, so ``jae map --model REF --10x FILE`` was told "pass
--batch-key COLUMN or --annotations FILE with that column": no column exists to name, and nothing said how to write
the annotation file (an aggr file of several samples got that line; ``--batch-key none`` is refused by map). The
refusal now ends with the one line writing every cell's batch (query_1) to an annotation file, which then maps.
"""

from __future__ import annotations

import logging

import anndata as ad
import h5py
import numpy as np
import scipy.sparse as sp


def _write_10x(path, rna, prot) -> None:
    X = sp.hstack([sp.csr_matrix(rna.layers["counts"]), sp.csr_matrix(prot.layers["counts"])]).T.tocsc()
    names = list(rna.var_names) + list(prot.var_names)
    with h5py.File(path, "w") as f:
        g = f.create_group("matrix")
        g["data"], g["indices"], g["indptr"] = X.data.astype(np.int32), X.indices.astype(np.int64), X.indptr.astype(
            np.int64)
        g["shape"] = np.array(X.shape, dtype=np.int32)
        barcodes = ["".join("ACGT"[(i >> (2 * k)) & 3] for k in range(8)) + "-1" for i in range(rna.n_obs)]
        g["barcodes"] = np.array(barcodes, dtype="S")  # one sample: every barcode ends in -1
        feats = g.create_group("features")
        feats["id"] = feats["name"] = np.array(names, dtype="S")
        feats["feature_type"] = np.array(["Gene Expression"] * rna.n_vars + ["Antibody Capture"] * prot.n_vars,
                                         dtype="S")
        feats["genome"] = np.array(["GRCh38"] * len(names), dtype="S")


def test_the_refusal_writes_the_annotation_file_that_maps_a_single_sample_file(own_cite_model, monkeypatch, caplog):
    from jae.cli import main
    from jae.datasets import simulate

    folder, _ = own_cite_model("s37_one_sample")
    monkeypatch.chdir(folder)
    query = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=4)
    _write_10x(folder / "sample.h5", query["rna"], query["prot"])
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["map", "--model", "model", "--10x", "sample.h5", "--out", "mapped", "--quiet"]) == 1
    err = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"][-1]
    assert err.startswith("the query has no obs column 'batch' for --batch-key")
    assert err.endswith("(or pass --annotations FILE with that column)")  # session 53: after --10x NAME=FILE
    line = ("import anndata, jae, mudata, pandas; names = jae.read_10x_h5('sample.h5').obs_names; anndata.AnnData("
            "obs=pandas.DataFrame({'batch': 'query_1'}, index=names)).write_h5ad('samples.h5ad')")  # s37's recipe
    exec(line, {})
    written = ad.read_h5ad(folder / "samples.h5ad")
    assert written.n_obs == 80 and set(written.obs["batch"]) == {"query_1"}
    assert main(["map", "--model", "model", "--10x", "sample.h5", "--annotations", "samples.h5ad", "--out", "mapped",
                 "--epochs", "1", "--quiet"]) == 0
    assert (folder / "mapped" / "model.json").is_file()
