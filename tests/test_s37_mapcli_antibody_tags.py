"""A query's protein panel named with another tag after each antibody's name (s37 audit).

REAP-seq names its antibodies by their oligo barcode (``CD3_CTCATTGTAACTCC``), 10x by the kit (``CD3_TotalSeqB``).
Mapping REAP-seq cells onto a PBMC10k reference (11 of its 14 antibodies are in REAP-seq's panel) was refused with
"none of its features is one of the model's (another gene panel, organism or peak set), so there is nothing to
subset to": untrue, and the renaming that places them was not said (the tags differ per antibody, so no shared
suffix). The refusal now counts them and gives the renaming, which then places the cells.
"""

from __future__ import annotations

import re

import anndata as ad
import numpy as np
import pandas as pd
import pytest

MODEL = pd.Index([f"{a}_TotalSeqB" for a in ("CD127", "CD14", "CD15", "CD16", "CD19", "CD25", "CD3", "CD45RA",
                                               "CD45RO", "CD4", "CD56", "CD8a", "PD-1", "TIGIT")])
_TAGS = iter(f"{i:04d}".translate(str.maketrans("0123", "ACGT")) * 3 for i in range(10_000))
QUERY = pd.Index([f"{a}_{next(_TAGS)}" for a in ("CD11b", "CD127", "CD14", "CD19", "CD20", "CD25", "CD3", "CD33",
                                                  "CD4", "CD4", "CD45RA", "CD45RO", "CD56", "CD8", "CD8a", "TIGIT",
                                                  "Blank", "Blank")]).map(str)


def test_the_refusal_names_the_antibodies_and_its_renaming_places_them():
    from jae.io.features import feature_overlap

    assert len(set(QUERY)) == len(QUERY)
    with pytest.raises(ValueError) as err:
        feature_overlap(QUERY, MODEL, name="modality 'prot'")
    said = str(err.value)
    assert "11 of them are the model's antibodies (the name before the first '_') with another tag" in said
    assert "nothing to subset to" not in said
    code = re.search(r"e\.g\. (ids = .*?adata\.var_names_make_unique\(\))", said).group(1)
    code = code.replace("<the model's features>", "model_features")

    adata = ad.AnnData(np.zeros((1, len(QUERY)), dtype=np.float32), var=pd.DataFrame(index=QUERY))
    exec(code, {"model_features": MODEL, "adata": adata})
    overlap = feature_overlap(adata.var_names, MODEL, name="modality 'prot'")
    assert len(overlap.present) == 11 and np.array_equal(MODEL[overlap.present].str.split("_").str[0],
                                                         pd.Index(adata.var_names)[overlap.columns].str.split("_").str[0])


def test_peaks_and_genes_are_not_taken_for_tagged_antibodies():
    from jae.io.features import feature_overlap

    peaks = pd.Index([f"chr1_{i * 1000}_{i * 1000 + 500}" for i in range(100)])
    other = pd.Index([f"chr1_{i * 1000 + 7}_{i * 1000 + 900}" for i in range(100)])  # other intervals, one chromosome
    with pytest.raises(ValueError, match="nothing to subset to"):
        feature_overlap(other, peaks, name="modality 'atac'")
    genes = pd.Index([f"GENE{i}" for i in range(100)])
    with pytest.raises(ValueError) as err:
        feature_overlap(pd.Index([f"OTHER{i}" for i in range(100)]), genes, name="modality 'rna'")
    assert "antibodies" not in str(err.value)


