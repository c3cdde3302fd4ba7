"""Query features named otherwise than the reference's (session 34): peaks under other separators, the overlap log."""

from __future__ import annotations

import logging
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.io.features import feature_overlap


@pytest.fixture(scope="module")
def multiome():
    m = simulate(200, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=5)
    model = JAE(JAEConfig(max_epochs=3, n_svd=10), seed=0, device="cpu").fit(m, progress_bar=False)
    return m, model, model.embed(m, key_added=None)


def _renamed(m, sep: str, chrom=lambda c: c) -> dict:
    atac = m["atac"].copy()
    atac.var_names = [f"{chrom(c)}{sep}{a}-{b}" for c, a, b in atac.var_names.str.split("-")]
    return {"rna": m["rna"], "atac": atac}


@pytest.mark.parametrize("sep", [":", "_"])
def test_a_query_naming_the_peaks_with_other_separators_is_placed_by_their_intervals(multiome, sep, caplog):
    """A query whose peaks are the model's (chr1-100-200) written chr1:100-200 (Signac, ArchR) or chr1_100_200 was
    refused with advice to rename them or refit; the same intervals are now matched, with a log line, and the cells
    get the same embedding as under the model's names."""
    m, model, full = multiome
    query = _renamed(m, sep) if sep == ":" else _renamed(m, "_")
    if sep == "_":
        query["atac"].var_names = query["atac"].var_names.str.replace("-", "_")
    with caplog.at_level(logging.INFO, logger="jae.io.features"):
        emb = model.embed(query, key_added=None)
    assert "300 of the model's peaks matched by their interval (chromosome, start, end)" in caplog.text
    np.testing.assert_array_equal(emb, full)


def test_peaks_in_another_order_and_partly_renamed_are_matched_each_to_its_own_interval(multiome):
    m, model, full = multiome
    query = _renamed(m, ":")
    names = query["atac"].var_names.to_numpy().copy()
    names[:100] = m["atac"].var_names[:100]  # some under the model's own names
    order = np.random.default_rng(0).permutation(len(names))
    query["atac"] = query["atac"][:, order].copy()
    query["atac"].var_names = names[order]
    np.testing.assert_array_equal(model.embed(query, key_added=None), full)


def test_only_the_same_interval_of_the_same_chromosome_is_matched_and_only_for_peaks():
    """An interval the query names twice (under two separators) is not matched; chr1 is not taken for 1; gene names
    that merely look like intervals are matched by name only."""
    model = pd.Index([f"chr1-{100 * i}-{100 * i + 50}" for i in range(10)])
    data = pd.Index([f"chr1:{100 * i}-{100 * i + 50}" for i in range(10)] + ["chr1_0_50"])
    overlap = feature_overlap(data, model, name="modality 'atac'")
    assert overlap.missing.tolist() == [0] and overlap.columns.tolist() == list(range(1, 10))
    with pytest.raises(ValueError, match="modality 'atac' has 0 of the model's 10 features"):
        feature_overlap(data.str.replace("chr", ""), model, name="modality 'atac'")
    genes = pd.Index([f"GENE{i}-1-2" for i in range(20)] + [f"G{i}" for i in range(30)])
    assert feature_overlap(genes.str.replace("-", "_"), genes, name="modality 'rna'").missing.size == 20


def test_the_overlap_log_says_nothing_of_re_solving_when_nothing_is_missing(caplog):
    """'0 missing (re-solved from the present ones)': nothing is re-solved then."""
    genes = pd.Index([f"G{i}" for i in range(40)])
    with caplog.at_level(logging.INFO, logger="jae.io.features"):
        feature_overlap(genes.append(pd.Index(["EXTRA"])), genes, name="modality 'rna'")
    assert "40 of the model's 40 features present (100%), 0 missing, 1 extra (ignored)" in caplog.text
    assert "re-solved" not in caplog.text


def test_one_repeated_name_is_counted_in_the_singular():
    """'has 1 duplicated cell names' / '1 duplicated feature names': one repeated name now reads in the singular."""
    import anndata as ad

    from jae.io.features import unique_cells, unique_features
    from jae.prediction.checks import pair_cells

    with pytest.raises(ValueError, match=r"^modality 'rna' has 1 duplicated cell name \(e\.g\. 'a'\); "):
        unique_cells(["a", "a", "b"], "modality 'rna'")
    with pytest.raises(ValueError, match=r"^modality 'rna' has 1 duplicated feature name \(e\.g\. 'g'\); "):
        unique_features(["g", "g", "h"], "modality 'rna'")
    with pytest.raises(ValueError, match=r"^modality 'rna' has 2 duplicated feature names "):
        unique_features(["g", "g", "h", "h"], "modality 'rna'")
    source = ad.AnnData(np.ones((3, 2), np.float32))
    source.obs_names = ["c", "c", "d"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's own on repeated names, on purpose here
        target = source.copy()
    with pytest.raises(ValueError, match=r"^train_source has 1 duplicated cell name \('c'\); "):
        pair_cells(source, target)


def test_the_plan_log_tells_the_data_apart_from_the_process_for_a_small_file(tmp_path, caplog):
    """A 120-cell file logged 'in row blocks (about 500 MB; reading it whole, about 500 MB, would save no time' (the
    process's own 500 MB in both); each line now gives the data's part, which differs, beside the process's."""
    from jae.io.plan import parse_bytes, plan_input

    m = simulate(120, kind="multiome", n_genes=200, n_peaks=300, seed=0)
    m.write(tmp_path / "q.h5mu")
    with caplog.at_level(logging.DEBUG, logger="jae.io.plan"):  # the once line is DEBUG (s37)
        plan_input(tmp_path / "q.h5mu", once=True, what="embed")
        plan_input(tmp_path / "q.h5mu", what="fit")
        plan_input(tmp_path / "q.h5mu", what="fit", memory_budget="100M")
    once, whole, streamed = (r.getMessage() for r in caplog.records if r.name == "jae.io.plan")  # not reading's lines
    streaming, reading = re.search(r"about (.+?) for the data; reading it whole, about (.+?), would", once).groups()
    assert streaming != reading and "kB" in reading and "beside the process's own 500 MB" in once, once
    # the fit's lines also hold the statistics' row chunk (120 cells x 256 x 24 bytes), which embed fits none of
    fit_reading = re.search(r"needs about 50\d MB \((.+?) for the data, 500 MB the process itself\), within", whole)
    fit_streaming = re.search(r"\(about (.+?) for the data\)", streamed)
    assert fit_reading and fit_streaming and f"({fit_reading[1]} for the data, 500 MB" in streamed, (whole, streamed)
    for fit, embed in ((fit_reading[1], reading), (fit_streaming[1], streaming)):
        assert abs(parse_bytes(fit) - parse_bytes(embed) - 120 * 256 * 24) < 60_000, (fit, embed)


@pytest.mark.parametrize("model_chr", [True, False])
def test_peaks_whose_chromosomes_are_named_otherwise_are_told_and_renamed_by_the_fix(model_chr):
    """A query naming chromosomes 1, 2 (Ensembl) against a model's chr1, chr2 (UCSC), or the reverse, was told to
    'fit a reference on features this data shares with it ... then refit'; the refusal now says the chromosomes are
    named otherwise and gives the rename (not done silently: chr1 is not taken for 1)."""
    ucsc = pd.Index([f"chr{c}-{1000 * i}-{1000 * i + 400}" for c in (1, 2, "X") for i in range(10)])
    ensembl = pd.Index([f"{c}:{1000 * i}-{1000 * i + 400}" for c in (1, 2, "X") for i in range(10)])
    model, data = (ucsc, ensembl) if model_chr else (ensembl, ucsc)
    told = r"30 of them are the model's peaks with the chromosomes named otherwise"
    with pytest.raises(ValueError, match=told) as err:
        feature_overlap(data, model, name="modality 'atac'")
    pattern, repl = re.search(r"str\.replace\(r'(.+?)', r'(.+?)', regex=True\)", str(err.value)).groups()
    assert data.str.replace(pattern, repl, regex=True).equals(model), (pattern, repl)


@pytest.mark.parametrize("data_versioned", [True, False])
def test_ensembl_ids_with_or_without_version_suffixes_are_told_and_renamed_by_the_fix(data_versioned):
    """A query of ENSG00000141510.17 (GENCODE, Cell Ranger) against a model's ENSG00000141510, or the reverse, was told
    to 'fit a reference on features this data shares with it ... then refit'; the refusal now names the version
    suffixes and a rename that gives the model's names."""
    from jae.io.features import feature_indexer

    bare = pd.Index([f"ENSG{i:011d}" for i in range(40)] + [f"ENSMUSG{i:011d}" for i in range(10)])
    versioned = pd.Index([f"{g}.{i % 9 + 1}" for i, g in enumerate(bare)])
    data, model = (versioned, bare) if data_versioned else (bare, versioned)
    for check in (feature_overlap, feature_indexer):
        with pytest.raises(ValueError, match=r"50 of them are the model's Ensembl IDs.*version suffixes") as err:
            check(data, model, name="modality 'rna'")
    message = str(err.value)
    if data_versioned:
        pattern, repl = re.search(r"str\.replace\(r'(.+?)', r'(.+?)', regex=True\)", message).groups()
        assert data.str.replace(pattern, repl, regex=True).equals(model)
    else:  # the fix as written, with the model's features where it says so
        code = re.search(r"e\.g\. (ids = .+); (adata\.var_names = .+) \(on a copy", message).groups()
        scope = {"adata": type("A", (), {"var_names": data})(), "model": model}
        exec(code[0].replace("<the model's features>", "model"), scope)
        exec(code[1], scope)
        assert pd.Index(scope["adata"].var_names).equals(model)


def test_a_query_file_of_more_modalities_names_a_fix_that_the_query_functions_take(multiome, tmp_path):
    """model.embed('q.h5mu') of a file holding rna, atac and prot said 'cannot tell which one to pair with 'rna':
    pass other=<name>', a keyword embed (map_query, predict_cell_type) lacks; it now names jae.io.open_h5mu(path,
    other=...) and the file in memory, which both give the embedding of the paired data."""
    import anndata as ad
    import mudata as md

    import jae

    m, model, full = multiome
    prot = ad.AnnData(np.ones((m.n_obs, 3), np.float32), obs=m["rna"].obs[[]])
    prot.var_names = ["CD3", "CD4", "CD8"]
    md.MuData({"rna": m["rna"], "atac": m["atac"], "prot": prot}).write(tmp_path / "q.h5mu")
    with pytest.raises(ValueError, match=r"call model\.embed\(jae\.io\.open_h5mu\(.*q\.h5mu', other=<name>\), "
                                         r"key_added=None\); or read the file into memory, where the model takes the "
                                         r"modality of its own kind: model\.embed\(mudata\.read_h5mu\(.*q\.h5mu'\), "
                                         r"key_added=None\)$"):  # with the arguments given
        model.embed(str(tmp_path / "q.h5mu"), key_added=None)
    opened = model.embed(jae.io.open_h5mu(tmp_path / "q.h5mu", other="atac"), key_added=None)
    np.testing.assert_allclose(opened, full, atol=1e-5)
    np.testing.assert_allclose(model.embed(md.read_h5mu(tmp_path / "q.h5mu"), key_added=None), full, atol=1e-5)


def test_genes_in_another_case_are_told_with_a_rename_that_works_where_names_must_match():
    """Mouse-style Actb against a model's ACTB: the query's refusal said to 'rename var_names to the model's, matched
    case-insensitively' (no code), and jae predict's source (names matched strictly) said only to refit or pass the
    model's features; both now give a rename that yields the model's names."""
    from jae.io.features import feature_indexer

    model = pd.Index([f"GENE{i}" for i in range(30)] + ["Hist1h1c", "mt-Co1"])
    data = pd.Index([n.capitalize() for n in model])
    for check, reference in ((feature_overlap, "the model"), (feature_indexer, "train_source")):
        with pytest.raises(ValueError, match=rf"32 of them match {reference}'s when case is ignored") as err:
            check(data, model, name="query_source", reference=reference)
        code = re.search(r"e\.g\. (names = .+); (adata\.var_names = .+) \(on a copy", str(err.value)).groups()
        scope = {"adata": type("A", (), {"var_names": data})(), "model": model}
        exec(code[0].replace(f"<{reference}'s features>", "model"), scope)
        exec(code[1], scope)
        assert pd.Index(scope["adata"].var_names).equals(model)


def test_features_missing_for_no_renaming_are_not_told_to_rename():
    """A source of 39 of the model's 40 genes (the 40th missing) was told '39 of them are the predictor's Ensembl IDs
    with version suffixes' (or 'match when case is ignored'): names that already match are no renaming."""
    from jae.io.features import feature_indexer

    for model in (pd.Index([f"g{i}" for i in range(40)]), pd.Index([f"ENSG{i:011d}" for i in range(40)])):
        with pytest.raises(ValueError, match=r"and 0 are extra; pass the features the model was fitted on"):
            feature_indexer(model[1:], model, name="query_source")


def test_peaks_missing_for_no_renaming_are_not_told_to_rename():
    """A source of 39 of the model's 40 peaks (the 40th missing, none renamed) was told '39 of them are the model's
    peaks written with other separators ... name them so', a rename that changes nothing."""
    from jae.io.features import feature_indexer

    model = pd.Index([f"chr1-{100 * i}-{100 * i + 50}" for i in range(40)])
    with pytest.raises(ValueError, match=r"and 0 are extra; pass the features the model was fitted on"):
        feature_indexer(model[1:], model, name="query_source")
