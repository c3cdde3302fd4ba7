"""A query whose features are the model's in part, with the rest named another way (half a panel's antibodies in
lower case, ``cd3`` for ``CD3``), was read with those features missing (re-solved from the present ones) and them
ignored as extra, with no more than an INFO line of the overlap: the labels and the embedding came from half the
panel without a word. It now warns, naming the renaming that reads them; the numbers are those of before."""

from __future__ import annotations

import logging

import mudata
import numpy as np
import pytest

import jae


@pytest.fixture(scope="module")
def fitted(own_cite_model):
    return own_cite_model("s52_mapreview_renamed")[1]


def _query(seed: int = 5):
    return jae.simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=seed)


def _renamed(query, rename):
    prot = query["prot"].copy()
    prot.var_names = [rename(i, n) for i, n in enumerate(prot.var_names)]
    out = mudata.MuData({"rna": query["rna"], "prot": prot})
    out.obs["batch"] = query.obs["batch"]
    return out


def test_features_in_another_case_are_named_with_the_fix(fitted, caplog):
    query = _query()
    lower = _renamed(query, lambda i, n: n.lower() if i % 2 else n)  # 8 of 15 as the model names them
    with caplog.at_level(logging.INFO, logger="jae"):
        emb = fitted.embed(lower, key_added=None)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "named another way" in r.getMessage()]
    assert len(warned) == 1, caplog.text
    text = warned[0].getMessage()
    assert text.startswith("modality 'prot': 7 of the model's 15 features are missing and read as such")
    assert "extra features include some of them named another way: 15 of them" in text
    assert "15 of them match the model's when case is ignored" in text
    assert "for n in model.preprocessor.var_names[1]}" in text  # the fix reads the model's own names
    # the fix as written reads them all, and the embedding of the cells as the model names them
    names = {n.upper(): n for n in fitted.preprocessor.var_names[1]}
    fixed = lower.copy()
    have = set(fixed["prot"].var_names)
    fixed.mod["prot"].var_names = [m if (m := names.get(n.upper(), n)) not in have else n
                                   for n in fixed["prot"].var_names]
    assert np.array_equal(fitted.embed(fixed, key_added=None), fitted.embed(query, key_added=None))
    assert not np.array_equal(emb, fitted.embed(query, key_added=None))  # as before: those 7 re-solved
    caplog.clear()  # other antibodies beside missing ones: the overlap's INFO line alone, as before
    with caplog.at_level(logging.INFO, logger="jae"):
        fitted.embed(_renamed(query, lambda i, n: n if i < 10 else f"OTHER{i}"), key_added=None)
    assert "10 of the model's 15 features present (67%), 5 missing" in caplog.text
    assert "named another way" not in caplog.text


def test_antibodies_with_another_tag_are_named_with_the_fix(fitted, caplog):
    query = _query()
    # the model's first 8 as they are, the other 7 with a barcode after the name (REAP-seq's naming)
    tagged = _renamed(query, lambda i, n: n if i < 8 else f"{n}_ACGTACGT")
    with caplog.at_level(logging.WARNING, logger="jae"):
        fitted.predict_cell_type(tagged, key_added=None)
    assert "modality 'prot': 7 of the model's 15 features are missing" in caplog.text
    assert "15 of them are the model's antibodies (the name before the first '_') with another tag" in caplog.text


def test_real_gene_panels_named_in_another_case(data_dir, caplog):
    """PBMC10k's genes (totalVI's filtering) spell 33 open reading frames 'C1ORF162' where REAP-seq's say 'C1orf162':
    a PBMC10k reference read REAP-seq's RNA with those 33 missing, said only as '523 missing'."""
    import anndata as ad

    from jae.io.features import feature_overlap
    from jae.query.transform import _overlap

    model_genes = ad.read_h5ad(data_dir / "pbmc10k_cite" / "rna.h5ad", backed="r").var_names
    query_genes = ad.read_h5ad(data_dir / "reapseq_pbmc" / "rna.h5ad", backed="r").var_names
    with caplog.at_level(logging.INFO, logger="jae"):
        overlap = _overlap(0, query_genes, model_genes, name="modality 'rna'", symbols=None, with_rna=True)
    assert "3477 of the model's 4000 features present (87%), 523 missing" in caplog.text
    assert ("modality 'rna': 523 of the model's 4000 features are missing and read as such (re-solved from the present "
            "ones), but the data's extra features include some of them named another way: 3510 of them match the "
            "model's when case is ignored") in caplog.text
    # the fix as named reads 33 more genes; REAP-seq holds C1orf220 beside C1ORF220 (the model's, already read), so a
    # renaming of every name (the fix named before) gave C1ORF220 twice, which the model refused as a repeated name
    assert "have = set(adata.var_names); adata.var_names = [m if (m := names.get(n.upper(), n)) not in have" in (
        caplog.text)
    names, have = {n.upper(): n for n in model_genes}, set(query_genes)
    renamed = [m if (m := names.get(n.upper(), n)) not in have else n for n in query_genes]
    assert len(feature_overlap(renamed, model_genes, name="r").present) == len(overlap.present) + 33 == 3510
    with pytest.raises(ValueError, match="1 duplicated feature name"):
        feature_overlap([names.get(n.upper(), n) for n in query_genes], model_genes, name="r")


def test_peaks_are_not_searched_for_renamings(caplog):
    """A model's peaks are not searched (8 s at 116,490 peaks): a sample's own peaks are other intervals, which
    jae.remap_peaks puts on the model's, not a renaming."""
    import pandas as pd

    from jae.query.transform import _overlap

    model = pd.Index([f"chr1-{100 * i}-{100 * i + 50}" for i in range(10)])
    data = model[:6].append(model[6:].str.upper())  # 'CHR1-...': a case renaming, were they genes
    with caplog.at_level(logging.INFO, logger="jae"):
        _overlap(1, data, model, name="modality 'atac'", symbols=None, with_rna=True, peaks=True)
        assert "6 of the model's 10 features present" in caplog.text and "named another way" not in caplog.text
        _overlap(1, data, model, name="modality 'atac'", symbols=None, with_rna=True)
    assert "4 of the model's 10 features are missing and read as such" in caplog.text
