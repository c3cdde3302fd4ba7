"""One 10x-like AnnData whose ``var['feature_types']`` mixes modalities: the messages name the feature types found
(with their counts) and the flag or argument that chooses."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.cli._messages import cli_message
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """``two.h5ad``: Gene Expression + Antibody Capture; ``three.h5ad``: those and Peaks; ``prot.h5ad``: proteins."""
    d = tmp_path_factory.mktemp("mixed")
    m = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=2, n_batches=1, seed=2)
    rna, prot = m["rna"], m["prot"]
    peaks = sp.random(m.n_obs, 12, density=0.2, format="csr", random_state=0)
    peaks.data[:] = 1
    parts = [(rna.layers["counts"], "Gene Expression", list(rna.var_names)),
             (prot.layers["counts"], "Antibody Capture", list(prot.var_names)),
             (peaks, "Peaks", [f"chr1-{i * 100}-{i * 100 + 50}" for i in range(12)])]
    for name, k in (("two", 2), ("three", 3)):
        X = sp.hstack([p[0] for p in parts[:k]]).tocsr().astype(np.float32)
        var = pd.DataFrame({"feature_types": sum(([t] * len(n) for _, t, n in parts[:k]), [])},
                           index=sum((n for _, _, n in parts[:k]), []))
        a = ad.AnnData(X=X, var=var, obs=pd.DataFrame(index=m.obs_names))
        a.layers["counts"] = X
        a.write_h5ad(d / f"{name}.h5ad")
    prot.copy().write_h5ad(d / "prot.h5ad")
    return d


def test_three_feature_types_in_one_h5ad_name_them_and_the_flag(files):
    with pytest.raises(ValueError) as info:
        InputFiles(h5ad=files / "three.h5ad").read()
    message = str(info.value)
    assert ("holds the feature types 'Gene Expression' (200 features), 'Antibody Capture' (15), 'Peaks' (12)"
            in message), message
    assert "--mod2-kind ATAC or ADT" in cli_message(message) and "np.str_" not in message
    assert list(InputFiles(h5ad=files / "three.h5ad", mod2_kind="ADT").read().mod) == ["rna", "prot"]
    assert list(InputFiles(h5ad=files / "three.h5ad", mod2_kind="ATAC").read().mod) == ["rna", "atac"]
    with pytest.raises(ValueError, match="holds no ATAC features"):
        InputFiles(h5ad=files / "two.h5ad", mod2_kind="ATAC").read()


@pytest.mark.parametrize("reader", ["read_competition", "open_competition"])
def test_a_mixed_mod1_file_names_its_feature_types_and_h5ad(files, reader):
    with pytest.raises(ValueError) as info:
        getattr(jae.io, reader)(files / "two.h5ad", files / "prot.h5ad")
    message = str(info.value)
    assert message.startswith("mod1 file two.h5ad mixes the feature types 'Gene Expression' (200 features), "
                              "'Antibody Capture' (15)"), message
    assert "pass it alone as --h5ad FILE" in cli_message(message) and "modality ''" not in message


def test_a_mixed_file_given_alone_as_rna_is_refused(files):
    with pytest.raises(ValueError) as info:
        InputFiles(mod1=files / "two.h5ad").open()
    assert "holds the feature types 'Gene Expression' (200 features), 'Antibody Capture' (15)" in str(info.value)
    assert "pass it alone as --h5ad FILE" in cli_message(str(info.value))


def test_missing_text_is_vectorised_with_the_same_answers():
    """missing_text looped over every entry in Python (0.2 s per million cells); it now works on the distinct values
    (pandas.factorize), with the per-element rule's answers on a mixed column, a categorical and a plain array."""
    import time

    from jae.io.validate import MISSING_TEXT, missing_text

    def per_element(values):
        out = np.zeros(len(values), dtype=bool)
        for i, v in enumerate(np.asarray(values, dtype=object)):
            if isinstance(v, (str, bytes)):
                out[i] = (v.decode(errors="replace") if isinstance(v, bytes) else v).strip().lower() in MISSING_TEXT
        return out

    mixed = ["T", " NaN ", "", None, np.nan, 1.0, 3, b"null", b"B", "n/a", "<NA>", "None", pd.NA, "x", "NULL "]
    for values in (mixed, np.array(mixed, dtype=object), pd.Series(mixed), pd.Categorical(["a", "nan", None, "b"]),
                   pd.Series(pd.Categorical(["a", " NA", None])), np.array(["a", "nan", ""]), [], np.arange(3.0)):
        np.testing.assert_array_equal(missing_text(values), per_element(values))
    labels = pd.Series(np.random.default_rng(0).choice(["T", "B", "nan", "NK"], 400_000)).astype("category")
    start = time.perf_counter()
    found = missing_text(labels)
    assert time.perf_counter() - start < 0.08 and found.sum() == (labels == "nan").sum()
