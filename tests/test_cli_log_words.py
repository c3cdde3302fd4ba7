"""INFO lines a CLI user reads named Python arguments ('(mod2_kind overrides this)', 'pairing RNA with prot
(mod2_kind)'): they now name the flag, with the Python argument after it, or say what happened in plain words."""

from __future__ import annotations

import logging
import re

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae.datasets import simulate
from jae.io import InputFiles

IDENTIFIER = re.compile(r"(?<![-\w'\"\[])(mod2_kind|source_kind|target_kind|rna=|map_query|log_normalize|batch_key)\b")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("words")
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m.mod["rna"].copy(), m.mod["prot"].copy()
    del prot.var["feature_types"]
    rna.write_h5ad(d / "x.mod1.h5ad")
    prot.write_h5ad(d / "x.mod2.h5ad")
    atac = simulate(60, kind="multiome", n_genes=200, n_peaks=300, seed=0).mod["atac"]
    prot.var["feature_types"] = "Antibody Capture"
    joined = ad.concat([m.mod["rna"], prot, ad.AnnData(atac.X, obs=pd.DataFrame(index=m.obs_names), var=atac.var)],
                       axis=1, merge="first")
    joined.var["feature_types"] = np.concatenate([["Gene Expression"] * rna.n_vars, ["Antibody Capture"] * 10,
                                                  ["Peaks"] * atac.n_vars])
    joined.layers["counts"] = joined.X.copy()
    joined.write_h5ad(d / "three.h5ad")
    return d


def _info(caplog, read) -> list[str]:
    with caplog.at_level(logging.INFO, logger="jae"):
        read()
    return [r.getMessage() for r in caplog.records]


def test_reading_logs_the_flag_not_the_python_argument(files, caplog):
    lines = _info(caplog, lambda: InputFiles(mod1=files / "x.mod1.h5ad", mod2=files / "x.mod2.h5ad").read())
    said = [line for line in lines if "has no var['feature_types']" in line]
    assert said and "the second modality is read as ADT (name its kind to override this: --mod2-kind" in said[0]
    caplog.clear()
    lines = _info(caplog, lambda: InputFiles(h5ad=files / "three.h5ad", mod2_kind="ADT").read())
    said = [line for line in lines if "pairing RNA" in line]
    assert said and "pairing RNA with its ADT features as the second modality" in said[0]
    for line in lines:
        assert not IDENTIFIER.search(line.split("or mod2_kind= in Python")[0]), line
