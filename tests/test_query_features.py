"""Query data that lacks part of the reference's input (issue 15): other feature lists and RNA-only cells.

Figures on these seeded simulations (1,200 cells; 15-NN overlap with the full-feature embedding / correlation of
the embedding's entries): 20% of genes dropped 0.75 / 0.98 (the same genes read as zeros: 0.96 correlation); 20% of
peaks 0.79 / 0.99; 20% of proteins 0.93 / 0.995; RNA only, CITE 0.75 / 0.96 with 93% of labels unchanged.
"""

from __future__ import annotations

import copy

import logging
import re

import mudata as md
import numpy as np
import pytest
import scipy.sparse as sp

from jae import JAE, JAEConfig
from jae.datasets import simulate
from jae.io.features import MIN_FEATURE_FRACTION, examples

from conftest import knn_overlap  # tests/ is on sys.path

CFG = JAEConfig(max_epochs=30, n_svd=30)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.fixture(scope="module")
def multiome():
    m = simulate(1200, kind="multiome", n_genes=600, n_peaks=1000, n_cell_types=5, n_batches=3, seed=3)
    model = JAE(CFG, seed=0, device="cpu").fit(m, progress_bar=False)
    return m, model, model.embed(m, key_added=None)


@pytest.fixture(scope="module")
def cite():
    m = simulate(1200, kind="cite", n_genes=600, n_proteins=30, n_cell_types=5, n_batches=3, seed=3)
    model = JAE(CFG, seed=0, device="cpu").fit(m, progress_bar=False)
    return m, model, model.embed(m, key_added=None)


def _drop(m, mod: str, frac: float, seed: int = 0) -> dict:
    n = m[mod].n_vars
    keep = np.sort(np.random.default_rng(seed).choice(n, int(round(n * (1 - frac))), replace=False))
    return {k: (v[:, keep].copy() if k == mod else v) for k, v in m.mod.items()}


def test_missing_genes_give_an_embedding_close_to_the_full_one(multiome, caplog):
    m, model, full = multiome
    # the fitted cells without some of their genes cannot be told from new ones, which embed divides by the held-out
    # scale (jae.query.fit_cells): compared as a model keeping no fitted cells reads them, as the full embedding was
    model = copy.copy(model)
    model.fit_cells = None
    query = _drop(m, "rna", 0.2)
    with caplog.at_level(logging.INFO, logger="jae.io.features"):
        emb = model.embed(query, key_added=None)
    assert "modality 'rna': 480 of the model's 600 features present (80%), 120 missing" in caplog.text
    assert knn_overlap(emb, full) > 0.7 and _corr(emb, full) > 0.975
    # the same genes read as zeros (what a user padding the query would get) land farther off
    present = m["rna"].var_names.isin(query["rna"].var_names).astype(np.float32)
    zeros = m["rna"].copy()
    zeros.layers["counts"] = sp.csr_matrix(zeros.layers["counts"] @ sp.diags(present))
    emb_zeros = model.embed({"rna": zeros, "atac": m["atac"]}, key_added=None)
    assert _corr(emb, full) > _corr(emb_zeros, full) + 0.005


def test_missing_peaks_and_proteins(multiome, cite):
    for (m, model, full), mod, knn in ((multiome, "atac", 0.75), (cite, "prot", 0.9)):
        emb = model.embed(_drop(m, mod, 0.2), key_added=None)
        assert knn_overlap(emb, full) > knn and _corr(emb, full) > 0.98, mod


def test_too_few_features_are_refused_with_the_numbers(multiome):
    m, model, _ = multiome
    query = _drop(m, "rna", 1 - MIN_FEATURE_FRACTION + 0.05)
    with pytest.raises(ValueError, match=r"has 270 of the model's 600 features \(45%.*below the 50%.*refit"):
        model.embed(query, key_added=None)


def test_extra_features_are_ignored_with_a_log_line(multiome, caplog):
    m, model, full = multiome
    rna = m["rna"]
    extra = sp.random(rna.n_obs, 7, density=0.3, format="csr", random_state=0, dtype=np.float32)
    extra.data = np.ceil(extra.data * 5)
    import anndata as ad

    wide = ad.AnnData(X=sp.hstack([extra, rna.layers["counts"]]).tocsr(), obs=rna.obs[[]].copy())
    wide.var_names = [f"new{i}" for i in range(7)] + list(rna.var_names)
    wide.layers["counts"] = wide.X
    with caplog.at_level(logging.INFO, logger="jae.io.features"):
        emb = model.embed({"rna": wide, "atac": m["atac"]}, key_added=None)
    assert "600 of the model's 600 features present (100%), 0 missing, 7 extra" in caplog.text
    assert np.allclose(emb, full, atol=1e-5)


def test_paired_embedding_is_unchanged_and_moments_are_saved(multiome, tmp_path):
    m, model, full = multiome
    assert model.moments is not None and model.moments.cov.shape == (60, 60)
    model.save(tmp_path / "m")
    back = JAE.load(tmp_path / "m", device="cpu")
    assert np.array_equal(back.moments.cov, model.moments.cov)
    assert np.array_equal(back.embed(m, key_added=None), full)
    assert np.array_equal(back.embed(m["rna"], key_added=None), model.embed(m["rna"], key_added=None))


def test_rna_only_cells_land_near_their_paired_embedding(cite, caplog):
    m, model, full = cite
    with caplog.at_level(logging.INFO, logger="jae.query.features"):
        emb = model.embed(m["rna"], key_added=None)
    assert "1200 of 1200 cells have no ADT measurements" in caplog.text
    assert knn_overlap(emb, full) > 0.65 and _corr(emb, full) > 0.94
    same = model.predict_cell_type(m)["cell_type"] == model.predict_cell_type(m["rna"])["cell_type"]
    assert same.mean() > 0.9
    # a mosaic MuData: the second modality measured in half the cells; paired cells keep their embedding
    import mudata as md

    half = m.obs_names[::2]
    mosaic = md.MuData({"rna": m["rna"].copy(), "prot": m["prot"][half].copy()})
    emb_mosaic = model.embed(mosaic, key_added=None)
    rows = mosaic.obs_names.get_indexer(half)
    assert np.allclose(emb_mosaic[rows], full[m.obs_names.get_indexer(half)], atol=1e-5)
    ref_rows = mosaic.obs_names.get_indexer(m.obs_names[1::2])
    assert np.allclose(emb_mosaic[ref_rows], emb[m.obs_names.get_indexer(m.obs_names[1::2])], atol=1e-5)


def test_rna_only_query_maps_onto_the_reference(cite):
    m, _, _ = cite
    last = sorted(m.obs["batch"].unique())[-1]
    q = (m.obs["batch"] == last).to_numpy()
    ref = JAE(CFG, seed=0, device="cpu").fit(m[~q].copy(), progress_bar=False)
    query = m[q].copy()
    rna_only = query["rna"].copy()
    rna_only.obs["batch"] = query.obs["batch"].to_numpy()
    mapped = ref.map_query(rna_only, batch_key="batch", progress_bar=False)
    paired = ref.map_query(query, batch_key="batch", progress_bar=False)
    truth = query.obs["cell_type"].astype(str).to_numpy()
    acc_rna = (mapped.predict_cell_type(rna_only)["cell_type"].to_numpy() == truth).mean()
    acc_paired = (paired.predict_cell_type(query)["cell_type"].to_numpy() == truth).mean()
    # 0.91 vs 0.97 here: the simulated proteins carry type information the sparse simulated RNA lacks (on the real
    # sets, benchmarks/results/mapping_rna_only.md)
    assert acc_rna >= acc_paired - 0.1
    assert np.array_equal(mapped.embed(m[~q].copy(), key_added=None), ref.embed(m[~q].copy(), key_added=None))


def test_old_models_without_moments_say_to_refit(multiome):
    import copy

    m, model, full = multiome
    old = copy.deepcopy(model)
    old.moments = None
    assert np.array_equal(old.embed(m, key_added=None), full)
    with pytest.raises(ValueError, match="refit it with this jae version"):
        old.embed(m["rna"], key_added=None)


def test_files_on_disk_with_other_features_stream_through_the_same_path(multiome, tmp_path):
    """Data opened lazily (jae embed's path for inputs over --memory-budget): the overlap is used there too."""
    from jae.io import open_competition

    m, model, _ = multiome
    query = _drop(m, "rna", 0.2)
    paths = []
    for name, mod in (("mod1", query["rna"]), ("mod2", query["atac"])):
        a = mod.copy()
        a.X = a.layers["counts"]
        paths.append(tmp_path / f"q.{name}.h5ad")
        a.write_h5ad(paths[-1])
    from_files = model.embed(open_competition(*paths), key_added=None)
    assert np.allclose(from_files, model.embed(query, key_added=None), atol=1e-5)


def test_a_query_modality_named_otherwise_is_matched_by_its_features(cite, caplog):
    """A query whose protein modality is called 'antibody' (no var['feature_types']): its proteins are used, not
    dropped for an RNA-only embedding (before: 'no ADT measurements ... imputed from their RNA')."""
    m, model, full = cite
    prot = m["prot"].copy()
    del prot.var["feature_types"]
    with caplog.at_level(logging.INFO, logger="jae.query.features"):
        emb = model.embed({"rna": m["rna"], "antibody": prot}, key_added=None)
    assert "no ADT measurements" not in caplog.text
    np.testing.assert_allclose(emb, full, rtol=1e-5, atol=1e-5)


def test_two_protein_modalities_are_refused_naming_the_mudata_that_picks_one(cite):
    """Two protein modalities, 'adt' beside a second panel 'adt2', neither named as in the model ('prot'). embed
    refused with "keep the one to embed", which names no way to do it in Python (embed takes no modalities=); the fix
    is now the MuData naming the one to use as the model does, and that MuData embeds as the paired data does.
    (Session 43: CITE-seq with cell hashing, hashtags 'hto' beside 'adt', is no longer refused: a modality of
    hashtags is set aside, jae.io.modality.hashtag_modalities, and the data embeds as the fix does.)"""
    m, model, full = cite
    panel = m["prot"][:, :4].copy()
    panel.var_names = [f"PANEL{i}" for i in range(4)]
    for feature_types in (True, False):
        adt = m["prot"].copy()
        if not feature_types:
            del adt.var["feature_types"], panel.var["feature_types"]
        data = md.MuData({"gex": m["rna"], "adt": adt, "adt2": panel})
        with pytest.raises(ValueError) as err:
            model.embed(data, key_added=None)
        message = str(err.value)
        assert message.startswith("the data has 2 ADT modalities ('adt', 'adt2') and none named 'prot' as in the model")
        assert "mudata.MuData({'rna': mdata['gex'], 'prot': mdata['adt']})" in message
        hashed = md.MuData({"gex": m["rna"], "adt": adt, "hto": panel})  # the second one hashtags: set aside
        np.testing.assert_allclose(model.embed(hashed, key_added=None), full, rtol=1e-5, atol=1e-5)
    fixed = md.MuData({"rna": data["gex"], "prot": data["adt"]})  # the fix, as the message writes it
    np.testing.assert_allclose(model.embed(fixed, key_added=None), full, rtol=1e-5, atol=1e-5)
    assert "keep the one" not in message


def test_duplicated_feature_names_are_refused_at_fit_not_first_at_the_query(cite):
    """A reference with a gene name twice used to fit and save fine, and only its queries with other features were
    refused ('make var_names unique first'); fit now refuses first, naming the names and the fix."""
    m, model, _ = cite
    rna = m["rna"].copy()
    rna.obs = m.obs.copy()
    rna.var_names = [rna.var_names[0], *rna.var_names[:-1]]
    data = {"rna": rna, "prot": m["prot"]}
    with pytest.raises(ValueError, match=r"modality 'rna' has 1 duplicated feature name \(e.g. '.+'\).*"
                       r"var_names_make_unique\(\)"):
        JAE(CFG, seed=0, device="cpu").fit(data, progress_bar=False)
    with pytest.raises(ValueError, match=r"modality 'rna' has 1 duplicated feature name.*var_names_make_unique"):
        model.embed(data, key_added=None)


def test_data_whose_second_modality_is_another_kind_is_refused_in_memory_as_when_streamed(cite, multiome, tmp_path):
    """A Multiome MuData given to a CITE-seq model was embedded from its RNA alone, ATAC dropped with an info line,
    while the same data streamed from disk was refused; both now refuse with one line naming the kinds."""
    from jae.io import open_h5mu, write_atomic

    m, model, _ = cite
    rna = m["rna"].copy()
    atac = multiome[0]["atac"][: rna.n_obs].copy()
    atac.obs_names = rna.obs_names
    data = {"rna": rna, "atac": atac}
    with pytest.raises(ValueError, match=r"the data holds GEX \+ ATAC, the model was fitted on GEX \+ ADT; give "
                       r"GEX \+ ADT data \(or RNA alone\), or use a model fitted on GEX \+ ATAC"):
        model.embed(data, key_added=None)
    path = write_atomic(md.MuData(data), tmp_path / "multiome.h5mu")
    with pytest.raises(ValueError, match=r"the data holds GEX \+ ATAC, the model was fitted on GEX \+ ADT"):
        model.embed(open_h5mu(path), key_added=None)


def test_too_small_an_overlap_names_how_the_features_are_named():
    """Genes named another way (case, Ensembl IDs) are told apart from other genes in the refusal's fix."""
    import pandas as pd

    from jae.io.features import feature_overlap

    model = pd.Index([f"GENE{i}" for i in range(40)])
    with pytest.raises(ValueError, match=r"0 of the model's 40 .*named like 'gene0'.*40 of them match the model's when "
                                         r"case is ignored .*: give them its spelling"):
        feature_overlap(model.str.lower(), model, name="modality 'rna'")
    ids = pd.Index([f"ENSG{i:011d}" for i in range(40)])
    with pytest.raises(ValueError, match="the data names genes by Ensembl ID and the model by symbol"):
        feature_overlap(ids, model, name="modality 'rna'")
    with pytest.raises(ValueError, match="the data names genes by symbol and the model by Ensembl ID"):
        feature_overlap(model, ids, name="modality 'rna'")
    with pytest.raises(ValueError, match="nothing to subset to: give the data in the model's features"):  # none shared
        feature_overlap(pd.Index([f"OTHER{i}" for i in range(40)]), model, name="modality 'rna'")
    assert feature_overlap(model[:30], model, name="modality 'rna'").missing.size == 10  # 75%: placed, not refused


def test_peaks_written_with_other_separators_are_told_and_renamed_by_the_fix():
    """A query's peaks named chr1:100-200 (10x, Signac) against a model's chr1_100_200 were refused with 'fit a
    reference on features this data shares with it ... then refit': they are the same peaks, renamed in one line
    where the names must match (jae predict's source); a query is matched by interval (tests/test_s34_peaks_features)."""
    import pandas as pd

    from jae.io.features import feature_indexer, feature_overlap

    model = pd.Index([f"chr{c}_{1000 * i}_{1000 * i + 400}" for c in (1, 2) for i in range(20)])
    data = pd.Index([f"chr{c}:{1000 * i}-{1000 * i + 400}" for c in (1, 2) for i in range(20)])
    with pytest.raises(ValueError, match=r"40 of them are the model's peaks written with other separators") as err:
        feature_indexer(data, model, name="modality 'atac'")
    pattern, repl = re.search(r"str\.replace\(r'(.+?)', r'(.+?)', regex=True\)", str(err.value)).groups()
    assert data.str.replace(pattern, repl, regex=True).equals(model)  # the fix as written gives the model's names
    assert feature_overlap(data, model, name="modality 'atac'").complete  # a query: the same intervals matched
    with pytest.raises(ValueError, match="count the cells' fragments in the model's peaks"):  # other peaks, none shared
        feature_overlap(data.str.replace("chr", "chrX"), model, name="modality 'atac'")
    with pytest.raises(ValueError, match=r"40 of them are train_source's peaks written with other separators"):
        feature_indexer(data, model, name="query_source", reference="train_source")  # jae predict's ATAC source


def test_antibodies_named_with_another_suffix_are_told_and_renamed_by_the_fix():
    """A panel named CD3, CD4 against a model's CD3_TotalSeqB, CD4_TotalSeqB (10x's TotalSeq names, or ADT- prefixes)
    was refused with 'fit a reference on features this data shares with it': the fix now renames them in one line."""
    import pandas as pd

    from jae.io.features import feature_indexer, feature_overlap

    bare = pd.Index(["CD3", "CD4", "CD8a", "CD14", "PD-1", "TIGIT"])
    for model, data in ((bare + "_TotalSeqB", bare), (bare, "ADT-" + bare), ("ADT-" + bare, bare + "_TotalSeqB")):
        for check in (feature_overlap, feature_indexer):
            with pytest.raises(ValueError, match=r"6 of them are the model's named with another prefix or suffix "
                                                 r".* adata\.var_names = \[(.+) for n in adata\.var_names\]") as err:
                check(data, model, name="modality 'prot'")
        renamed = re.search(r"adata\.var_names = \[(.+) for n in adata\.var_names\]", str(err.value)).group(1)
        assert pd.Index([eval(renamed, {"n": n}) for n in data]).equals(model)  # the fix as written
    with pytest.raises(ValueError, match="nothing to subset to"):  # another panel, none shared
        feature_overlap(pd.Index(["CD19", "CD20", "CD56"]), bare + "_TotalSeqB", name="modality 'prot'")


def test_examples_quote_distinct_names_as_text():
    """One helper words every message's examples: distinct values, quoted as plain text (numpy strings included),
    with ', ...' only when more distinct values exist than are shown."""
    assert examples(np.array(["CD3", "CD3", "CD4", "CD8", "CD19"])) == "'CD3', 'CD4', 'CD8', ..."
    assert examples(["b", "a", "b"]) == "'b', 'a'"
    assert examples(["x"] * 5, 1) == "'x'"
    assert examples([]) == ""


def test_a_feature_mismatch_lists_examples_only_of_what_there_is():
    """'jae predict --test-mod1' with a subset of the training genes said '... and 0 are extra (e.g. ); ...'."""
    from jae.io.features import feature_indexer

    expected = [f"g{i}" for i in range(10)]
    with pytest.raises(ValueError) as err:
        feature_indexer(expected[:6], expected, name="--test-mod1", reference="--train-mod1")
    text = str(err.value)
    assert "4 of --train-mod1's 10 features are missing (e.g. 'g6', 'g7', 'g8', ...) and 0 are extra;" in text
    assert "(e.g. )" not in text
    with pytest.raises(ValueError, match=r"0 of the model's 10 features are missing and 1 is extra \(e.g. 'x'\)"):
        feature_indexer([*expected, "x"], expected, name="data")


def test_one_anndata_of_the_second_modality_alone_is_read_as_that_modality(multiome, cite):
    """mdata['atac'] given alone was taken for RNA: "modalities 'rna' and 'rna' are both ATAC"; it is embedded as the
    same cells given as {'atac': ...}, and a protein AnnData given to a Multiome model is named as the mix-up it is."""
    m, model, _ = multiome
    atac = m["atac"][:100].copy()
    np.testing.assert_array_equal(model.embed(atac, key_added=None), model.embed({"atac": atac}, key_added=None))
    with pytest.raises(ValueError, match=r"the data holds ADT, the model was fitted on GEX \+ ATAC; .*a model fitted "
                                         r"on GEX \+ ADT$"):  # proteins alone: no RNA said (session 38)
        model.embed(cite[0]["prot"][:50].copy(), key_added=None)


def test_a_query_whose_modalities_share_no_cell_names_is_warned_about_with_the_rename(cite, caplog):
    """A MuData whose protein cells carry a suffix ('AAAC-1_adt') holds no cell with both modalities: embed and
    predict_cell_type embedded every cell from one modality alone, the other imputed, with only an info line; fit
    refuses such data naming the rename. Embedding it now warns with the same rename."""
    m, model, full = cite
    prot = m["prot"].copy()
    prot.obs_names = [f"{n}_adt" for n in prot.obs_names]
    renamed = md.MuData({"rna": m["rna"].copy(), "prot": prot})
    with caplog.at_level(logging.WARNING, logger="jae"):
        emb = model.embed(renamed, key_added=None)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert emb.shape[0] == 2 * m.n_obs and len(warned) == 1
    assert warned[0].startswith(f"no cell has both modalities ({2 * m.n_obs} cells: 0 with both modalities, ")
    assert "adata.obs_names = [n.removesuffix('_adt') for n in adata.obs_names]" in warned[0]
    caplog.clear()
    some = md.MuData({"rna": m["rna"][:900].copy(), "prot": m["prot"][300:].copy()})  # a mosaic with paired cells
    with caplog.at_level(logging.WARNING, logger="jae"):
        model.embed(some, key_added=None)
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]
