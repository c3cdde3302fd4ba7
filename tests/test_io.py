"""Tests for jae.io: readers, paired extraction and its errors, counts validation, atomic writes."""

from __future__ import annotations

import logging
import os
import warnings

import anndata as ad
import h5py
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.io import (
    check_batches,
    get_annotation,
    get_paired,
    join_annotations,
    make_mudata,
    read_10x_h5,
    read_competition,
    read_h5mu,
    validate_counts,
    write_atomic,
    write_embedding_h5ad,
)
from jae.io.mosaic import get_mosaic
from conftest import write_10x  # tests/ is on sys.path

STARTER = "neurips2021_starter"


def _counts(n_obs: int, n_vars: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    X = rng.poisson(0.8, size=(n_obs, n_vars)).astype(np.float32)
    X[:, 0] += 1  # no empty cells
    return sp.csr_matrix(X)


def _modality(kind: str, n_obs: int = 20, n_vars: int = 8, seed: int = 0, cells=None) -> ad.AnnData:
    cells = [f"c{i}" for i in range(n_obs)] if cells is None else list(cells)
    X = _counts(len(cells), n_vars, seed)
    obs = pd.DataFrame({"batch": pd.Categorical(["b1", "b2"] * (len(cells) // 2) + ["b1"] * (len(cells) % 2))},
                       index=cells)
    var = pd.DataFrame({"feature_types": kind}, index=[f"{kind}_{j}" for j in range(n_vars)])
    adata = ad.AnnData(X=X, obs=obs, var=var)
    adata.layers["counts"] = adata.X
    return adata


def _pair(**kwargs) -> dict[str, ad.AnnData]:
    return {"rna": _modality("GEX", seed=1, **kwargs), "atac": _modality("ATAC", seed=2, **kwargs)}


# --------------------------------------------------------------------------------------------- validate_counts


def test_validate_counts_accepts_raw_counts_sparse_and_dense():
    X = _counts(10, 5, 0)
    validate_counts(X, name="x")
    validate_counts(X.toarray(), name="x")
    validate_counts(X.astype(np.int64).tocsc(), name="x")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda X: X.__setitem__((0, 0), -1.0), ["negative", "raw counts", "layer='counts'"]),
        (lambda X: X.__setitem__((1, 1), np.nan), ["NaN", "raw counts"]),
        (lambda X: X.__setitem__((1, 1), np.inf), ["infinite", "raw counts"]),
        (lambda X: X.__setitem__((2, 2), 0.5), ["non-integer", "jae needs raw counts: pass layer=... naming where they are"]),
        (lambda X: X.__setitem__((slice(3, 5), slice(None)), 0.0), ["2 of 10 cells have zero total counts",
                                                                      "sc.pp.filter_cells(adata, min_counts=1)"]),
    ],
)
@pytest.mark.parametrize("sparse", [True, False])
def test_validate_counts_errors(edit, words, sparse):
    X = _counts(10, 5, 0).toarray()
    edit(X)
    X = sp.csr_matrix(X) if sparse else X
    with pytest.raises(ValueError) as err:
        validate_counts(X, name="mdata['rna'] layer 'counts'")
    for word in words:
        assert word in str(err.value)
    assert "mdata['rna']" in str(err.value)


@pytest.mark.parametrize("shape", [(0, 5), (5, 0)])
def test_validate_counts_empty(shape):
    with pytest.raises(ValueError, match="empty"):
        validate_counts(sp.csr_matrix(shape, dtype=np.float32), name="atac")


def test_zero_count_cells_of_one_modality_alone_are_not_told_to_leave_both():
    """A prediction's source or an RNA-only query (no modality named: one modality on its own) was told to "remove
    them from both modalities ... then mu.pp.intersect_obs(mdata)", a fix for paired data; a modality of paired data
    still is."""
    X = _counts(10, 5, 0).toarray()
    X[3] = 0
    with pytest.raises(ValueError, match=r"zero total counts in x; remove them first, e.g. "
                                         r"sc.pp.filter_cells\(adata, min_counts=1\) \(in a MuData"):
        validate_counts(sp.csr_matrix(X), name="x")
    with pytest.raises(ValueError, match=r"remove them from both modalities first"):
        validate_counts(sp.csr_matrix(X), name="x", modality="rna", kind="GEX")


def test_validate_counts_ignores_explicit_zeros_only_through_totals():
    # a stored explicit zero row is still a zero-count cell
    X = sp.csr_matrix((np.array([0.0, 3.0]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2))
    with pytest.raises(ValueError, match="1 of 2 cells have zero total counts"):
        validate_counts(X, name="x")


def test_validate_counts_counts_across_blocks(monkeypatch):
    import jae.io.count_fixes as scan  # where validate_counts' scan of the values lives (session 53)

    monkeypatch.setattr(scan, "_CHUNK", 4)
    X = _counts(10, 5, 0)
    X.data[[1, 9, len(X.data) - 1]] = 0.25
    with pytest.raises(ValueError, match="has 3 non-integer values"):
        validate_counts(X, name="x")


def test_normalised_values_in_the_counts_layer_are_refused_without_pointing_back_at_it():
    """layers['counts'] stored after normalising (e.g. adata.layers['counts'] = adata.X.copy() too late): the fix
    must not be "pass layer='counts'", the layer that was just read."""
    mods = _pair()
    mods["rna"].layers["counts"] = mods["rna"].layers["counts"] * 0.5
    with pytest.raises(ValueError, match="non-integer values") as err:
        get_paired(mods)
    message = str(err.value)
    assert "layer 'counts'" in message and "pass layer='counts'" not in message
    assert "pass layer=... naming where they are" in message


# --------------------------------------------------------------------------------------------- get_paired


def test_get_paired_dict_basic_no_copy():
    mods = _pair()
    paired = get_paired(mods)
    assert paired.names == ("rna", "atac")
    assert paired.kinds == ("GEX", "ATAC")
    assert paired.counts[0] is mods["rna"].layers["counts"]
    assert paired.counts[1] is mods["atac"].layers["counts"]
    assert list(paired.obs_names) == list(mods["rna"].obs_names)
    assert list(paired.var_names[1]) == list(mods["atac"].var_names)
    assert "batch" in paired.obs.columns and paired.n_obs == 20


def test_get_paired_puts_rna_first_and_converts_to_csr():
    mods = {"atac": _modality("ATAC", seed=2), "rna": _modality("GEX", seed=1)}
    mods["atac"].layers["counts"] = mods["atac"].layers["counts"].tocsc()
    paired = get_paired(mods, modalities=("atac", "rna"))
    assert paired.names == ("rna", "atac")
    assert all(c.format == "csr" for c in paired.counts)
    np.testing.assert_array_equal(paired.counts[1].toarray(), mods["atac"].X.toarray())


def test_get_paired_mudata_obs_columns_unprefixed():
    mods = _pair()
    mods["rna"].obs["size_factors"] = np.linspace(0.5, 1.5, 20)
    mdata = make_mudata(mods)
    mdata.obs["cell_type"] = pd.Categorical(["T", "B"] * 10)
    paired = get_paired(mdata)
    assert {"cell_type", "batch", "size_factors"} <= set(paired.obs.columns)
    assert not any(":" in c for c in paired.obs.columns)
    assert paired.obs.index.equals(paired.obs_names)
    np.testing.assert_array_equal(paired.obs["size_factors"], mods["rna"].obs["size_factors"])


def test_get_paired_on_plain_mudata_with_prefixed_columns():
    mdata = md.MuData(_pair())  # MuData 0.3 pulls 'rna:batch' and 'atac:batch' into mdata.obs
    paired = get_paired(mdata)
    assert paired.obs["batch"].tolist() == mdata["rna"].obs["batch"].tolist()


def test_get_paired_aligns_reordered_cells(caplog):
    mods = _pair()
    perm = np.random.default_rng(3).permutation(20)
    atac = mods["atac"][perm].copy()
    paired_ref = get_paired(mods)
    with caplog.at_level(logging.INFO, logger="jae.io.paired"):
        paired = get_paired({"rna": mods["rna"], "atac": atac})
    assert "aligning" in caplog.text
    assert list(paired.obs_names) == list(mods["rna"].obs_names)
    np.testing.assert_array_equal(paired.counts[1].toarray(), paired_ref.counts[1].toarray())
    # the row of cell 'c5' is the original one
    assert paired.counts[1][5].toarray().tolist() == mods["atac"].X[5].toarray().tolist()


def test_get_paired_different_cells():
    rna = _modality("GEX", cells=[f"c{i}" for i in range(10)])
    atac = _modality("ATAC", cells=[f"c{i}" for i in range(3, 14)])
    with pytest.raises(ValueError) as err:
        get_paired({"rna": rna, "atac": atac})
    msg = str(err.value)
    assert "3 only in 'rna'" in msg and "4 only in 'atac'" in msg
    assert "'c0'" in msg and "'c10'" in msg
    assert "mu.pp.intersect_obs(mdata)" in msg


def test_get_paired_duplicated_obs_names():
    cells = [f"c{i}" for i in range(9)] + ["c0"]
    with pytest.warns(UserWarning, match="not unique"):
        rna, atac = _modality("GEX", cells=cells), _modality("ATAC", cells=cells)
    with pytest.raises(ValueError, match="duplicated cell names?.*'c0'"):
        get_paired({"rna": rna, "atac": atac})


def test_get_paired_missing_layer_and_layer_none(caplog):
    mods = _pair()
    mods["atac"].layers["raw"] = mods["atac"].layers["counts"].copy()
    with pytest.raises(KeyError) as err:
        get_paired(mods, layer="umi")
    msg = str(err.value)
    assert "'rna'" in msg and "'umi'" in msg and "['counts']" in msg and "pass layer=" in msg
    assert "naming the layer with raw counts" in msg
    del mods["atac"].layers["counts"]
    with caplog.at_level(logging.INFO, logger="jae.io"):
        paired = get_paired(mods)  # the default layer 'counts' is missing: .X, as the file readers do
    assert paired.counts[1] is mods["atac"].X and "counts" not in mods["atac"].layers
    assert "modality 'atac' has no layer 'counts'; using .X as the raw counts (its layers ['raw']" in caplog.text
    assert get_paired(mods, layer=None).counts[1] is mods["atac"].X
    mods["atac"].X = mods["atac"].X.multiply(0.37).tocsr()  # normalised .X and no counts layer: refused with the fix
    with pytest.raises(ValueError, match=r"'atac'.*looks normalised.*pass layer=\.\.\. naming where they are"):
        get_paired(mods)
    for mosaic in (False, True):  # the message names what was read (.X), not the layer 'counts' the data lacks
        data = mods if not mosaic else {"rna": mods["rna"], "atac": mods["atac"][1:].copy()}
        with pytest.raises(ValueError, match=r"modality 'atac' \(X[,)].*looks normalised"):
            (get_mosaic if mosaic else get_paired)(data)


def test_get_paired_rejects_normalised_layer():
    mods = _pair()
    mods["rna"].layers["counts"] = mods["rna"].X.multiply(0.37).tocsr()
    with pytest.raises(ValueError, match="'rna'.*jae needs raw counts"):
        get_paired(mods)


def test_get_paired_modality_choice_errors():
    mods = _pair()
    mods["prot"] = _modality("ADT", seed=4)
    with pytest.raises(ValueError, match=r"3 modalities .*modalities=\("):
        get_paired(mods)
    paired = get_paired(mods, modalities=("rna", "prot"))
    assert paired.kinds == ("GEX", "ADT")
    with pytest.raises(KeyError, match="no modality 'adt'.*available modalities"):
        get_paired(mods, modalities=("rna", "adt"))


def test_get_paired_kind_errors():
    mods = _pair()
    mods["atac"].var["feature_types"] = "Spatial"
    with pytest.raises(ValueError, match="unknown modality .*Spatial.*kind="):
        get_paired(mods)
    # an explicit kind overrides the detection
    assert get_paired(mods, kinds=("GEX", "ATAC")).kinds == ("GEX", "ATAC")
    same = {"rna": _modality("GEX", seed=1), "rna2": _modality("GEX", seed=2)}
    with pytest.raises(ValueError, match="both GEX"):
        get_paired(same)
    no_rna = {"atac": _modality("ATAC"), "prot": _modality("ADT")}
    with pytest.raises(ValueError, match="is RNA"):
        get_paired(no_rna)


def test_get_annotation_and_check_batches():
    obs = pd.DataFrame({"batch": ["a", "a", "b", "b", "c"], "cell_type": list("xyzxy")})
    assert get_annotation(obs, "cell_type", what="cell type").tolist() == list("xyzxy")
    with pytest.raises(KeyError) as err:
        get_annotation(obs, "celltype", what="cell type")
    assert "'celltype'" in str(err.value) and "['batch', 'cell_type']" in str(err.value)
    with pytest.raises(KeyError, match=r"no batch column 'batch' in obs.*pass 'rna:batch' \(a modality's column"):
        get_annotation(obs.rename(columns={"batch": "rna:batch"}), "batch", what="batch")  # muon's global obs
    with pytest.raises(ValueError, match=r"fewer than 2 cells: 'c' \(1 cell\)"):
        check_batches(obs["batch"])
    check_batches(obs["batch"].iloc[:4])
    with pytest.raises(ValueError, match="1 of 4 cells have no batch"):
        check_batches(pd.Series(["a", "a", None, "b"], name="batch"), min_cells=1)
    # unused categories are no batches
    check_batches(pd.Series(pd.Categorical(["a", "a"], categories=["a", "z"])))


# --------------------------------------------------------------------------------------------- readers


def _starter(data_dir, task: str):
    base = data_dir / STARTER / "joint_embedding" / task / f"openproblems_bmmc_{task}_starter"
    return (base.with_name(base.name + ".mod1.h5ad"), base.with_name(base.name + ".mod2.h5ad"),
            base.with_name(base.name + ".solution.h5ad"))


@pytest.mark.parametrize(("task", "n_obs", "kinds", "other"),
                         [("multiome", 500, ("GEX", "ATAC"), "atac"), ("cite", 600, ("GEX", "ADT"), "prot")])
def test_read_competition_starter(data_dir, task, n_obs, kinds, other, caplog):
    mod1, mod2, solution = _starter(data_dir, task)
    with caplog.at_level(logging.INFO, logger="jae.io"):
        mdata = read_competition(mod1, mod2, annotations=solution)
    assert f"{n_obs} of {n_obs} cells matched" in caplog.text
    assert list(mdata.mod) == ["rna", other]
    assert mdata.n_obs == n_obs
    assert not any(":" in c for c in mdata.obs.columns)
    for col in ("batch", "cell_type"):
        assert col in mdata.obs.columns and not mdata.obs[col].isna().any()
    assert mdata.uns["organism"] == "human" and "dataset_id" in mdata.uns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the competition files use an old anndata format
        sol = ad.read_h5ad(solution, backed="r")
    sol_obs = sol.obs["cell_type"]
    sol.file.close()
    assert (mdata.obs["cell_type"].astype(str).values == sol_obs.loc[mdata.obs_names].astype(str).values).all()
    paired = get_paired(mdata)
    assert paired.kinds == kinds
    assert paired.counts[0].shape[0] == paired.counts[1].shape[0] == n_obs
    assert paired.counts[0].shape[1] == mdata["rna"].n_vars
    assert set(paired.obs["batch"]) == {"s1d1", "s1d2"}


@pytest.mark.parametrize("names, kind", [
    ([f"CD{j}_TotalSeqB" for j in range(14)], "ADT"),  # a protein panel: few features, no genomic intervals
    ([f"chr{1 + j % 3}-{1000 * j}-{1000 * j + 500}" for j in range(14)], "ATAC"),  # competition peak names
    ([f"chr1:{1000 * j}-{1000 * j + 500}" for j in range(14)], "ATAC"),  # Cell Ranger ARC peak names
])
def test_a_second_modality_without_feature_types_is_read_by_its_feature_names(tmp_path, names, kind, caplog):
    from jae.io import open_competition

    rna = _modality("GEX", seed=1)
    del rna.var["feature_types"]
    other = _modality(kind, n_vars=len(names), seed=2)
    del other.var["feature_types"]
    other.var_names = names
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    other.write_h5ad(tmp_path / "x.mod2.h5ad")
    with caplog.at_level(logging.INFO, logger="jae.io"):
        mdata = read_competition(tmp_path / "x.mod1.h5ad", tmp_path / "x.mod2.h5ad")
    assert list(mdata.mod) == ["rna", {"ADT": "prot", "ATAC": "atac"}[kind]]
    assert f"so the second modality is read as {kind}" in caplog.text
    assert open_competition(tmp_path / "x.mod1.h5ad", tmp_path / "x.mod2.h5ad").kinds == ("GEX", kind)
    # an explicit kind wins over the names
    other_kind = "ATAC" if kind == "ADT" else "ADT"
    forced = read_competition(tmp_path / "x.mod1.h5ad", tmp_path / "x.mod2.h5ad", mod2_kind=other_kind)
    assert list(forced.mod) == ["rna", {"ADT": "prot", "ATAC": "atac"}[other_kind]]


def test_a_second_modality_whose_names_do_not_tell_is_refused_with_the_fix(tmp_path):
    rna = _modality("GEX", seed=1)
    other = _modality("ATAC", n_vars=600, seed=2)  # 600 features named neither as peaks nor as a protein panel
    del other.var["feature_types"]
    other.var_names = [f"feature{j}" for j in range(600)]
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    other.write_h5ad(tmp_path / "x.mod2.h5ad")
    with pytest.raises(ValueError, match="cannot tell ATAC from ADT; pass mod2_kind='ATAC' or mod2_kind='ADT'"):
        read_competition(tmp_path / "x.mod1.h5ad", tmp_path / "x.mod2.h5ad")


def test_read_competition_counts_from_x_and_partial_annotations(data_dir, tmp_path, caplog):
    mod1, mod2, _ = _starter(data_dir, "multiome")
    rna = read_competition(mod1, mod2)["rna"].copy()
    rna.X = rna.layers.pop("counts")
    rna.write_h5ad(tmp_path / "rna.h5ad")
    ann = ad.AnnData(obs=pd.DataFrame({"label": "T", "batch": "zz"}, index=list(rna.obs_names[:10]) + ["extra"]))
    ann.write_h5ad(tmp_path / "ann.h5ad")
    with caplog.at_level(logging.INFO, logger="jae.io"):
        mdata = read_competition(tmp_path / "rna.h5ad", mod2, annotations=[tmp_path / "ann.h5ad"])
    assert "10 of 500 cells matched" in caplog.text
    assert mdata["rna"].layers["counts"] is mdata["rna"].X
    assert mdata.obs["label"].notna().sum() == 10
    # the annotation file's batch replaces the data's, as --annotations does: its cells get it, the others keep theirs
    assert (mdata.obs["batch"][:10] == "zz").all() and list(mdata.obs["batch"][10:]) == list(rna.obs["batch"][10:])
    with pytest.raises(ValueError, match="mod1 .* is ATAC and mod2 .* is ATAC"):
        read_competition(mod2, mod2)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_competition(tmp_path / "nope.h5ad", mod2)


def test_h5mu_round_trip_non_canonical_names(tmp_path):
    gex, peaks = _modality("GEX", seed=1), _modality("ATAC", seed=2)
    del gex.var["feature_types"], peaks.var["feature_types"]
    del peaks.layers["counts"]
    peaks.var_names = [f"chr1-{j}00-{j}50" if j % 2 else f"region{j}" for j in range(peaks.n_vars)]  # half intervals
    src = make_mudata({"gene_expr": gex, "chromatin": peaks, "extra": _modality("GEX", seed=5)})
    src.obs["cell_type"] = pd.Categorical(["T", "B"] * 10)
    src.obsm["X_umap"] = np.arange(40, dtype=np.float32).reshape(20, 2)
    src.uns["dataset_id"] = "toy"
    path = write_atomic(src, tmp_path / "toy.h5mu")
    with pytest.raises(KeyError, match=r"no modality 'rna'.*\['gene_expr', 'chromatin', 'extra'\]"):
        read_h5mu(path)
    with pytest.raises(ValueError, match="pass other=<name>"):
        read_h5mu(path, rna="gene_expr")
    with pytest.raises(ValueError, match=r"cannot tell what modality 'chromatin' holds.*var\['feature_types'\] of "
                       r"'chromatin'.*other_kind='ATAC' or 'ADT'"):
        read_h5mu(path, rna="gene_expr", other="chromatin")  # neither its name nor its feature names tell
    mdata = read_h5mu(path, rna="gene_expr", other="chromatin", other_kind="peaks")
    assert list(mdata.mod) == ["rna", "atac"]
    assert {"cell_type", "batch"} <= set(mdata.obs.columns)
    assert not any(":" in c for c in mdata.obs.columns)
    assert mdata.uns["dataset_id"] == "toy"
    np.testing.assert_array_equal(mdata.obsm["X_umap"], src.obsm["X_umap"])
    paired = get_paired(mdata, kinds={"atac": "ATAC", "rna": "GEX"})
    np.testing.assert_array_equal(paired.counts[0].toarray(), gex.layers["counts"].toarray())
    np.testing.assert_array_equal(paired.counts[1].toarray(), peaks.X.toarray())


@pytest.mark.parametrize("name", ["RNA", "GEX", "gex", "mRNA"])
def test_an_rna_modality_named_otherwise_is_found_in_memory_and_streamed(tmp_path, caplog, name):
    """Seurat files converted to MuData name it 'RNA' (with 'ADT'), the competition 'GEX': the default rna='rna'
    takes the one modality named like RNA, and says so; two such names are ambiguous and name the fix."""
    from jae.io import open_h5mu

    gex, adt = _modality("GEX", seed=1), _modality("ADT", seed=2)
    path = write_atomic(make_mudata({name: gex, "ADT": adt}), tmp_path / "seurat.h5mu")
    with caplog.at_level(logging.INFO, logger="jae"):
        mdata = read_h5mu(path)
    assert list(mdata.mod) == ["rna", "prot"]
    np.testing.assert_array_equal(mdata["rna"].layers["counts"].toarray(), gex.layers["counts"].toarray())
    assert any(f"reading {name!r} as the RNA" in r.getMessage() for r in caplog.records)
    files = open_h5mu(path)  # the streaming reader
    assert tuple(files.names) == ("rna", "prot") and tuple(files.kinds) == ("GEX", "ADT")
    np.testing.assert_array_equal(files.counts[0].read().toarray(), gex.layers["counts"].toarray())
    both = write_atomic(make_mudata({name: gex, "GEX" if name == "RNA" else "RNA": _modality("GEX", seed=3),
                                     "ADT": adt}), tmp_path / "two.h5mu")
    with pytest.raises(KeyError, match="no modality 'rna'.*pass rna=<name>"):
        read_h5mu(both)


@pytest.mark.parametrize("names", [("mRNA", "antibody"), ("gene_expression", "CITE"), ("rna", "chromatin")])
def test_modalities_named_otherwise_without_feature_types_are_read_by_name_or_features(tmp_path, names):
    """A MuData whose modalities carry no var['feature_types']: a known name ('mRNA', documented for .h5mu files)
    gives the kind, else the feature names do (genomic intervals: ATAC, a small panel: ADT), in memory, read whole
    and streamed; before, fit and the readers refused 'mRNA' and 'antibody' with a fix fit has no argument for."""
    from jae.io import open_h5mu

    rna, other = names
    second = "ATAC" if other == "chromatin" else "ADT"
    gex, mod2 = _modality("GEX", seed=1), _modality(second, seed=2)
    del gex.var["feature_types"], mod2.var["feature_types"]
    if second == "ATAC":
        mod2.var_names = [f"chr1:{j}00-{j}50" for j in range(mod2.n_vars)]
    else:
        mod2.var_names = [f"CD{j}" for j in range(mod2.n_vars)]
    mods = {rna: gex, other: mod2}
    assert get_paired(mods).kinds == ("GEX", second)
    path = write_atomic(make_mudata(mods), tmp_path / "x.h5mu")
    assert list(read_h5mu(path, rna=rna).mod) == ["rna", "atac" if second == "ATAC" else "prot"]
    assert tuple(open_h5mu(path, rna=rna).kinds) == ("GEX", second)


def test_modalities_whose_names_and_features_do_not_tell_are_refused_naming_feature_types():
    gex, prot = _modality("GEX", seed=1, n_vars=8), _modality("ADT", seed=2)
    del gex.var["feature_types"], prot.var["feature_types"]  # 'rna_subset': 8 genes, read as a panel like 'prot'
    with pytest.raises(ValueError, match=r"cannot tell what modality 'rna_subset' holds.*set var\['feature_types'\] "
                       r"of 'rna_subset' to 'GEX', 'ATAC' or 'ADT', or rename the modality$"):
        get_paired({"rna_subset": gex, "protein_x": prot})


@pytest.mark.parametrize(("second", "mod"), [("Peaks", "atac"), ("Antibody Capture", "prot")])
def test_read_10x_h5_round_trip(tmp_path, second, mod):
    rng = np.random.default_rng(7)
    X = rng.poisson(1.0, size=(6, 7))
    X[:, [0, 4]] += 1
    ftypes = ["Gene Expression"] * 4 + [second] * 3
    names = ["GAPDH", "CD4", "CD4", "ACTB", "f1", "f2", "f3"]  # a duplicated gene symbol, as in real files
    barcodes = [f"AAAC-{i}" for i in range(6)]
    write_10x(tmp_path / "filtered_feature_bc_matrix.h5", X, names, ftypes, barcodes)
    mdata = read_10x_h5(tmp_path / "filtered_feature_bc_matrix.h5")
    assert list(mdata.mod) == ["rna", mod]
    assert list(mdata.obs_names) == barcodes
    rna, other = mdata["rna"], mdata[mod]
    assert rna.X.format == "csr" and rna.layers["counts"] is rna.X
    np.testing.assert_array_equal(rna.X.toarray(), X[:, :4])
    np.testing.assert_array_equal(other.X.toarray(), X[:, 4:])
    assert rna.var_names.is_unique and list(rna.var["gene_ids"]) == ["ID0", "ID1", "ID2", "ID3"]
    paired = get_paired(mdata)
    assert paired.kinds[0] == "GEX" and paired.kinds[1] == {"atac": "ATAC", "prot": "ADT"}[mod]


def test_read_10x_h5_errors(tmp_path):
    X = np.ones((3, 4), dtype=int)
    write_10x(tmp_path / "a.h5", X, list("abcd"), ["Gene Expression"] * 2 + ["CRISPR Guide Capture"] * 2,
              list("xyz"))
    with pytest.raises(ValueError, match=r"only Gene Expression features \(and CRISPR Guide Capture, which jae does not"):
        read_10x_h5(tmp_path / "a.h5")
    write_10x(tmp_path / "b.h5", X, list("abcd"), ["Gene Expression"] * 4, list("xyz"))
    with pytest.raises(ValueError, match="only Gene Expression.*second modality"):
        read_10x_h5(tmp_path / "b.h5")
    with h5py.File(tmp_path / "c.h5", "w") as f:
        f.create_group("GRCh38")
    with pytest.raises(ValueError, match="not a Cell Ranger >= 3"):
        read_10x_h5(tmp_path / "c.h5")


# --------------------------------------------------------------------------------------------- writing


def test_write_atomic_protects_inputs_and_leaves_no_temp(tmp_path):
    adata = _modality("GEX")
    inp = tmp_path / "input.h5ad"
    adata.write_h5ad(inp)
    before = inp.read_bytes()
    with pytest.raises(ValueError, match="refusing to overwrite input file .*choose another output path"):
        write_atomic(adata[:5].copy(), inp, protect=[inp])
    link = tmp_path / "link.h5ad"
    os.symlink(inp, link)
    with pytest.raises(ValueError, match="refusing to overwrite input file"):
        write_atomic(adata, link, protect=[str(inp)])
    assert inp.read_bytes() == before
    out = write_atomic(adata, tmp_path / "sub" / "out.h5ad", protect=[inp])
    assert ad.read_h5ad(out).n_obs == 20
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_atomic(adata, out, overwrite=False)
    with pytest.raises(ValueError, match=r"\.h5mu"):
        write_atomic(make_mudata(_pair()), tmp_path / "m.h5ad")
    leftovers = [p.name for p in tmp_path.rglob("*") if ".tmp" in p.name]
    assert leftovers == []


def test_write_atomic_cleans_temp_on_failure(tmp_path):
    adata = _modality("GEX")
    out = tmp_path / "out.h5ad"
    write_atomic(adata, out)
    before = out.read_bytes()
    adata.uns["bad"] = object()  # cannot be written
    with pytest.raises(Exception):
        write_atomic(adata, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.h5ad"]


@pytest.mark.parametrize("inside", ["notes.txt/out", "notes.txt/sub/out"])
def test_atomic_write_under_a_file_names_that_file(tmp_path, inside):
    """A path under a file (a typo'd folder) raised "[Errno 17] File exists: '.../notes.txt'" from mkdir, or "Not a
    directory": now one line saying which part is a file and to choose another path."""
    from jae.io.atomic import atomic_write

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(NotADirectoryError, match=r"notes\.txt, a folder of .*out, is a file; choose another path"):
        atomic_write(tmp_path / inside, lambda p: p.write_text("x"))
    assert (tmp_path / "notes.txt").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_write_embedding_h5ad(tmp_path):
    emb = np.random.default_rng(0).normal(size=(5, 3))
    cells = [f"c{i}" for i in range(5)]
    path = write_embedding_h5ad(emb, cells, tmp_path / "emb.h5ad", dataset_id="ds1", protect=[tmp_path / "in.h5ad"])
    back = ad.read_h5ad(path)
    assert back.X.dtype == np.float32 and back.shape == (5, 3)
    np.testing.assert_allclose(back.X, emb.astype(np.float32))
    assert list(back.obs_names) == cells and back.obs.shape[1] == 0
    assert back.uns["dataset_id"] == "ds1" and back.uns["method_id"] == "jae"
    with pytest.raises(ValueError, match="5 rows but 4 cell names"):
        write_embedding_h5ad(emb, cells[:4], tmp_path / "x.h5ad", dataset_id="d")
    with pytest.raises(ValueError, match="refusing"):
        write_embedding_h5ad(emb, cells, tmp_path / "emb.h5ad", dataset_id="d", protect=[tmp_path / "emb.h5ad"])
    emb[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        write_embedding_h5ad(emb, cells, tmp_path / "y.h5ad", dataset_id="d")


def test_make_mudata_restores_user_mudata_options():
    from mudata._core.config import OPTIONS

    md.set_options(pull_on_update=True)
    try:
        mdata = make_mudata(_pair())
        assert OPTIONS["pull_on_update"] is True
    finally:
        md.set_options(pull_on_update=None)
    assert isinstance(mdata, md.MuData)
    assert list(mdata.obs.columns) == []


def test_an_h5ad_read_as_h5mu_names_the_readers_of_h5ad(tmp_path):
    """jae.read_h5mu on an .h5ad used to fail inside mudata (TypeError: ... unexpected keyword argument 'X')."""
    from jae.io import open_h5mu

    path = tmp_path / "x.h5ad"
    _modality("GEX").write_h5ad(path)
    for read in (read_h5mu, open_h5mu):
        with pytest.raises(ValueError, match=r"x.h5ad is not a MuData file.*jae.read_competition\(mod1, mod2\).*"
                           r"jae.io.read_paired_h5ad\(path\).*RNA alone.*pass anndata.read_h5ad\(path\)"):
            read(path)


def test_read_h5ad_names_a_missing_file_and_read_obs_closes_the_file(tmp_path):
    from jae.io import read_h5ad, read_obs

    with pytest.raises(FileNotFoundError, match="--prediction file .*nope.h5ad does not exist"):
        read_h5ad(tmp_path / "nope.h5ad", what="--prediction")
    path = tmp_path / "a.h5ad"
    ad.AnnData(np.ones((3, 2), np.float32), obs=pd.DataFrame({"cell_type": list("xyz")}, index=list("abc"))).write_h5ad(path)
    obs = read_obs(path)
    assert list(obs.index) == list("abc") and list(obs["cell_type"]) == list("xyz")
    with h5py.File(path, "a"):  # HDF5 refuses this while a read-only handle to the file is still open
        pass
    assert read_h5ad(path).shape == (3, 2)


def test_join_annotations_keeps_or_replaces_existing_columns(tmp_path):
    cells = pd.DataFrame(index=list("abcd"))
    rna = ad.AnnData(sp.csr_matrix(np.ones((4, 3), dtype=np.float32)), obs=cells, var=pd.DataFrame(index=["g1", "g2", "g3"]))
    prot = ad.AnnData(np.ones((4, 2), dtype=np.float32), obs=cells, var=pd.DataFrame(index=["p1", "p2"]))
    mdata = md.MuData({"rna": rna, "prot": prot})
    mdata.obs["cell_type"] = ["old"] * 4
    ann = ad.AnnData(obs=pd.DataFrame({"cell_type": ["T", "B"], "score": [1.0, 2.0]}, index=["b", "d"]))
    ann.write_h5ad(tmp_path / "ann.h5ad")
    join_annotations(mdata, tmp_path / "ann.h5ad", replace_existing=False)  # keeps what the data already has
    assert mdata.obs["cell_type"].tolist() == ["old"] * 4
    assert mdata.obs["score"].isna().tolist() == [True, False, True, False]
    join_annotations(mdata, [tmp_path / "ann.h5ad"])  # the default, as the CLI's --annotations: replaces (its cells')
    assert mdata.obs["cell_type"].tolist() == ["old", "T", "old", "B"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata warns about the duplicated names on purpose here
        ad.AnnData(obs=pd.DataFrame({"x": [1, 2]}, index=["a", "a"])).write_h5ad(tmp_path / "dup.h5ad")
        with pytest.raises(ValueError, match="repeated cell names.*one row per cell"):
            join_annotations(mdata, tmp_path / "dup.h5ad")
    with pytest.raises(FileNotFoundError, match="--annotations file .* does not exist"):
        join_annotations(mdata, tmp_path / "nope.h5ad", what="--annotations")


def test_cells_measured_in_one_modality_keep_the_annotations_of_its_obs():
    """Mosaic data whose modalities each hold 'batch' for their own cells: the joint obs took the first modality's
    column alone, so cells measured only in the second had no batch (and no label: fitted as unlabelled query)."""
    from jae.io.paired import cell_obs

    rna = _modality("GEX", cells=[f"c{i}" for i in range(0, 16)], seed=1)
    atac = _modality("ATAC", cells=[f"c{i}" for i in range(4, 20)], seed=2)
    rna.obs["label"] = pd.Categorical(["t1", "t2"] * 8)
    atac.obs["label"] = pd.Categorical(["t2", "t3"] * 8)
    expected = {f"c{i}": lab for i, lab in enumerate(["t1", "t2"] * 8)}
    expected.update({f"c{i + 4}": lab for i, lab in enumerate(["t2", "t3"] * 8) if i + 4 >= 16})
    for data in ({"rna": rna, "atac": atac}, md.MuData({"rna": rna, "atac": atac})):
        obs = get_mosaic(data).obs
        assert obs["batch"].notna().all() and obs["label"].notna().all()
        assert obs["label"].astype(str).to_dict() == expected  # the first modality's value wins where both have one
        assert cell_obs(data)["label"].astype(str).to_dict() == expected


def test_a_missing_value_a_modality_holds_is_not_filled_from_another():
    """Paired cells whose label the first modality's obs leaves missing (a query masked there) stay unlabelled, even
    when the second modality's obs still holds a label of the same name."""
    from jae.io.paired import cell_obs

    mods = _pair()
    mods["rna"].obs["cell_type"] = pd.Series(["t1", None] * 10, index=mods["rna"].obs_names, dtype=object)
    mods["atac"].obs["cell_type"] = pd.Series(["t1", "t2"] * 10, index=mods["atac"].obs_names, dtype=object)
    assert get_paired(mods).obs["cell_type"].isna().sum() == 10
    assert cell_obs(md.MuData(mods))["cell_type"].isna().sum() == 10


@pytest.mark.parametrize("dense", [False, True])
def test_counts_stored_with_rounding_error_are_shown_so_with_the_rounding_fix(dense):
    """Counts a conversion left a float32 step below their whole number (5.9999995) were refused as 'non-integer
    values (e.g. 6), so it looks normalised': the example read as a count. The value is now shown as stored, with the
    fix that rounds; normalised values keep the plain message."""
    rng = np.random.default_rng(0)
    counts = sp.random(40, 30, density=0.3, format="csr", random_state=1, dtype=np.float32)
    counts.data = np.round(counts.data * 10) + 1
    stored = counts.copy()
    stored.data = np.nextafter(stored.data, np.float32(0))  # one float32 step below each count
    matrix = stored.toarray() if dense else stored
    with pytest.raises(ValueError, match=r"non-integer values \(e\.g\. \d+\.9999\d*\).*all within 1e-06 of whole "
                                         r"numbers.*numpy\.round"):
        validate_counts(matrix, name="x")
    fixed = np.round(matrix) if dense else matrix.copy()
    if not dense:
        fixed.data = np.round(fixed.data)
    validate_counts(fixed, name="x")  # the fix given
    normalised = counts.multiply(rng.uniform(0.3, 0.7, size=(40, 1))).tocsr()
    with pytest.raises(ValueError, match=r"non-integer values \(e\.g\. \d\.\d+\), so it looks normalised") as err:
        validate_counts(normalised, name="x")
    assert "rounding error" not in str(err.value) and len(str(err.value).split("(e.g. ")[1].split(")")[0]) <= 8
