"""jae.evaluate: what `jae evaluate` computes, callable from Python."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(300, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=1)
    m.obsm["X_pca_like"] = np.random.default_rng(0).normal(size=(m.n_obs, 8)).astype(np.float32)
    return m


def test_evaluate_scores_obsm_keys_and_arrays_and_writes_the_table_on_request(data, tmp_path):
    arr = np.asarray(data.obsm["X_pca_like"])
    table = jae.evaluate(data, {"stored": "X_pca_like", "given": arr}, seed=0, progress_bar=False)
    assert list(table.index) == ["stored", "given"]
    np.testing.assert_allclose(table.loc["stored"].to_numpy(float), table.loc["given"].to_numpy(float), equal_nan=True)
    assert "report" not in table.attrs and not any(tmp_path.iterdir())
    out = jae.evaluate(data, ["X_pca_like"], seed=0, report_dir=tmp_path / "r", report=False, progress_bar=False)
    assert (tmp_path / "r" / "metrics.csv").is_file() and out.attrs["report"] == tmp_path / "r" / "metrics.md"


def test_evaluate_names_a_missing_embedding_and_a_missing_label_column(data):
    with pytest.raises(KeyError, match="'X_nope' not found.*X_pca_like"):
        jae.evaluate(data, ["X_nope"], progress_bar=False)
    with pytest.raises(KeyError, match="cell_type_key"):
        jae.evaluate(data, ["X_pca_like"], cell_type_key="nope", progress_bar=False)


def test_a_prediction_file_may_be_the_h5mu_jae_embed_writes(data, tmp_path):
    """``jae evaluate --prediction`` reads an embedding from the competition's .h5ad or from jae embed's .h5mu."""
    import anndata as ad

    from jae.evaluation import read_embedding
    from jae.io import make_mudata, write_atomic

    rng = np.random.default_rng(0)
    mdata = make_mudata({name: data.mod[name].copy() for name in data.mod})
    mdata.obsm["X_jae"] = rng.normal(size=(mdata.n_obs, 7)).astype(np.float32)
    write_atomic(mdata, tmp_path / "emb.h5mu")
    ad.AnnData(X=mdata.obsm["X_jae"], obs=mdata.obs[[]]).write_h5ad(tmp_path / "emb.h5ad")
    order = mdata.obs_names[::-1]  # rows come back in the order asked for
    _, from_h5mu = read_embedding(tmp_path / "emb.h5mu", order)
    _, from_h5ad = read_embedding(tmp_path / "emb.h5ad", order)
    np.testing.assert_array_equal(from_h5mu, mdata.obsm["X_jae"][::-1])
    np.testing.assert_array_equal(from_h5mu, from_h5ad)
    del mdata.obsm["X_jae"]
    write_atomic(mdata, tmp_path / "plain.h5mu")
    from jae.cli._messages import cli_message

    with pytest.raises(ValueError, match=r"MuData file without obsm\['X_jae'\] \(its obsm: \[\]\); give it as the data "
                                         r"and score one of those: embeddings=\[KEY\]") as err:
        read_embedding(tmp_path / "plain.h5mu", order)
    assert cli_message(str(err.value)).startswith("--prediction file ")  # the CLI names its flags
    assert cli_message(str(err.value)).endswith("score one of those with --h5mu FILE --obsm KEY")


def test_batch_key_none_is_one_batch_without_a_missing_column_warning(data, caplog, monkeypatch):
    """``batch_key=None`` (CLI ``--batch-key none``, as for jae fit) scores all cells as one batch; the default column
    missing is warned about, another named column missing (a typo) is refused."""
    with caplog.at_level("WARNING", logger="jae.evaluation.run"):
        table = jae.evaluate(data, ["X_pca_like"], batch_key=None, progress_bar=False)
    assert np.isnan(table.loc["X_pca_like", "asw_batch"])
    assert not [r for r in caplog.records if "no obs column" in r.getMessage()]
    with pytest.raises(KeyError, match=r"no batch column 'btch' in obs .*pass batch_key=<column>, or batch_key=None "):
        jae.evaluate(data, ["X_pca_like"], batch_key="btch", progress_bar=False)  # a typo is not one batch
    without = data.copy()
    del without.obs["batch"]
    with caplog.at_level("WARNING", logger="jae.evaluation.run"):  # the default column may be absent: one batch
        table = jae.evaluate(without, ["X_pca_like"], progress_bar=False)
    assert any("no obs column 'batch'" in r.getMessage() for r in caplog.records)
    assert np.isnan(table.loc["X_pca_like", "asw_batch"])

    from jae.cli import main

    seen = {}

    def evaluate_files(*args, **kwargs):
        seen.update(kwargs)
        raise ValueError("stop here")

    monkeypatch.setattr(jae, "evaluate_files", evaluate_files)
    assert main(["evaluate", "--h5mu", "x.h5mu", "--obsm", "X", "--batch-key", "none", "--out", "r"]) == 1
    assert seen["batch_key"] is None


def test_a_wrong_column_fails_before_the_baseline_reads_the_files_whole(data, tmp_path, monkeypatch):
    """``baseline=True`` on data opened from disk reads every modality's counts; a missing batch or pseudotime column
    must be refused first, not after that read."""
    from jae.io import open_h5mu, write_atomic

    write_atomic(data, tmp_path / "d.h5mu")
    files = open_h5mu(tmp_path / "d.h5mu")

    def no_read(self):
        raise AssertionError("read whole before the column checks")

    monkeypatch.setattr(type(files), "load", no_read)
    with pytest.raises(KeyError, match="no batch column 'donor'"):
        jae.evaluate(files, ["X_pca_like"], batch_key="donor", baseline=True, progress_bar=False)
    with pytest.raises(KeyError, match="pseudotime key 'pt' is not an obs column"):
        jae.evaluate(files, ["X_pca_like"], pseudotime_keys=["pt"], baseline=True, progress_bar=False)


def test_an_embedding_given_as_a_dataframe_is_read_by_its_cell_names(data):
    """A DataFrame indexed by obs_names (another cell order) is aligned by name, not read row by row."""
    import pandas as pd

    arr = np.asarray(data.obsm["X_pca_like"])
    order = np.random.default_rng(2).permutation(data.n_obs)
    frame = pd.DataFrame(arr[order], index=data.obs_names[order])
    table = jae.evaluate(data, {"array": arr, "frame": frame}, seed=0, progress_bar=False)
    np.testing.assert_allclose(table.loc["frame"].to_numpy(float), table.loc["array"].to_numpy(float), equal_nan=True)
    with pytest.raises(ValueError, match="index.*lacks 1 of the 300 cells"):
        jae.evaluate(data, {"frame": frame.iloc[1:]}, progress_bar=False)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(embeddings=np.zeros((300, 4))), TypeError,
     r"embeddings must be obsm keys or a \{name: value\} mapping, not one array; pass \{'jae': Z\} to score the "
     r"array Z"),
    (dict(embeddings=[np.zeros((300, 4)), "X_pca_like"]), TypeError,
     r"^embeddings as a list must hold obsm keys \(strings\), not a ndarray; pass \{'name': Z\} to score an array Z$"),
    (dict(pseudotime_keys="pseudotime_order_GEX"), TypeError,
     r"pseudotime_keys must be a list of obs columns, not one string; pass pseudotime_keys=\['pseudotime_order_GEX'\]"),
    (dict(cell_type_key=["cell_type"]), TypeError,
     r"cell_type_key must name one obs column \(a string\), not \['cell_type'\]"),
    (dict(batch_key=["batch"]), TypeError,
     r"batch_key must name one obs column \(a string\) or be None, not \['batch'\]"),
])
def test_evaluate_refuses_arguments_of_the_wrong_shape_naming_them(data, kwargs, error, message):
    """An array as embeddings was read row by row as obsm keys ("embedding '[ 0.1 ...]' not found"); one pseudotime
    column as a string letter by letter ("pseudotime key 'p'"); a list as a key failed in pandas (unhashable)."""
    kwargs = {"embeddings": ["X_pca_like"], **kwargs}
    with pytest.raises(error, match=message):
        jae.evaluate(data, progress_bar=False, **kwargs)


def test_evaluate_reads_columns_kept_in_a_modality_obs_as_fit_does(data):
    """mu.MuData({'rna': a, 'atac': b}) keeps the annotations as 'rna:cell_type' globally: fit found 'cell_type'
    there, evaluate refused it (and found no pseudotime column)."""
    import mudata as md

    mods = {name: data.mod[name].copy() for name in data.mod}
    mods["rna"].obs = data.obs.copy()
    built = md.MuData(mods)
    assert "cell_type" not in built.obs.columns
    arr = np.asarray(data.obsm["X_pca_like"])
    expected = jae.evaluate(data, {"a": arr}, seed=0, progress_bar=False)
    table = jae.evaluate(built, {"a": arr}, seed=0, progress_bar=False)
    np.testing.assert_allclose(table.to_numpy(float), expected.to_numpy(float), equal_nan=True)
    assert np.isfinite(table["ti_cons"]).all()


def test_evaluate_scores_an_embedding_of_one_modality_anndata(data):
    """An AnnData of RNA alone (cells embedded from RNA, or any scanpy AnnData with an embedding) was refused with
    "jae needs RNA and a second modality", though the metrics read only the annotations, the embedding and the RNA."""
    rna = data["rna"].copy()
    rna.obs = data.obs.copy()
    rna.obsm["X_pca_like"] = np.asarray(data.obsm["X_pca_like"])
    before = rna.copy()
    table = jae.evaluate(rna, ["X_pca_like"], seed=0, progress_bar=False)
    expected = jae.evaluate(data, ["X_pca_like"], seed=0, progress_bar=False)
    np.testing.assert_allclose(table.to_numpy(float), expected.to_numpy(float), equal_nan=True)
    assert rna.obs.equals(before.obs) and list(rna.obsm) == ["X_pca_like"] and rna.uns.keys() == before.uns.keys()


def test_evaluate_takes_a_dict_of_anndata_as_fit_does(data):
    """{'rna': a, 'atac': b}, which fit takes, failed with "'dict' object has no attribute 'mod'"."""
    mods = {name: data.mod[name].copy() for name in data.mod}
    mods["rna"].obs = data.obs.copy()
    arr = np.asarray(data.obsm["X_pca_like"])
    table = jae.evaluate(mods, {"a": arr}, seed=0, progress_bar=False)
    expected = jae.evaluate(data, {"a": arr}, seed=0, progress_bar=False)
    np.testing.assert_allclose(table.to_numpy(float), expected.to_numpy(float), equal_nan=True)


def test_an_embedding_with_nan_rows_is_refused_by_name_before_any_scoring(data, monkeypatch):
    """A NaN row in one of several embeddings: one line naming that embedding, its bad cells and the fix, raised
    before the cell-cycle reference is built; NaN rows of cells left out (no cell type) are fine."""
    import jae.metrics

    rng = np.random.default_rng(0)
    good = rng.normal(size=(data.n_obs, 5))
    bad = good.copy()
    bad[[3, 7]] = np.nan
    bad[11, 0] = np.inf

    def no_reference(*args, **kwargs):
        raise AssertionError("the cell-cycle reference was built before the embeddings were checked")

    with monkeypatch.context() as m:
        m.setattr(jae.metrics, "cell_cycle_reference", no_reference)
        with pytest.raises(ValueError, match=r"embedding 'other_tool' has NaN or infinite values in 3 of 300 cells "
                                             r"\(e\.g\. \['" + data.obs_names[3] + "'.*impute"):
            jae.evaluate(data, {"fine": good, "other_tool": bad}, progress_bar=False)
    left_out = data.copy()
    left_out.obs["cell_type"] = left_out.obs["cell_type"].astype(object)
    left_out.obs.iloc[[3, 7, 11], left_out.obs.columns.get_loc("cell_type")] = np.nan
    table = jae.evaluate(left_out, {"other_tool": bad}, progress_bar=False)
    assert np.isfinite(table.loc["other_tool", "overall"])


def test_a_batch_of_one_cell_scores_without_numpy_warnings(data):
    """A batch holding a single cell: its cell-cycle variance share is undefined (left out of cc_cons, as a batch
    without variance) instead of a numpy divide-by-zero RuntimeWarning, an error under warnings-as-errors."""
    one = data.copy()
    batch = one.obs["batch"].astype(str).to_numpy()
    batch[0] = "lonely"
    one.obs["batch"] = batch
    Z = np.asarray(data.obsm["X_pca_like"])
    table = jae.evaluate(one, {"z": Z}, progress_bar=False)  # warnings are errors in the test run
    assert np.isfinite(table.loc["z", ["cc_cons", "asw_batch", "overall"]].to_numpy(float)).all()
    assert table.attrs["description"].startswith(f"{one.n_obs} cells") and "3 batches" in table.attrs["description"]


def test_cells_without_a_batch_are_named_in_one_line_before_any_scoring(data, monkeypatch):
    """A batch column with missing entries crashed after the cell-cycle reference was built, in the middle of the
    scoring, with a message naming neither the column nor batch_key=None."""
    import jae.metrics

    holes = data.copy()
    batch = holes.obs["batch"].astype(object).to_numpy()
    batch[:4] = np.nan
    holes.obs["batch"] = batch

    def no_reference(*args, **kwargs):
        raise AssertionError("the cell-cycle reference was built before the batch labels were checked")

    monkeypatch.setattr(jae.metrics, "cell_cycle_reference", no_reference)
    with pytest.raises(ValueError, match=r"4 of the 300 cells have no batch in obs\['batch'\].*batch_key=None"):
        jae.evaluate(holes, ["X_pca_like"], progress_bar=False)


def test_a_sparse_embedding_scores_as_its_dense_values(data):
    """A scipy sparse matrix (in obsm or passed in) was read as a 0-d object array: "has shape (); pass one row per
    cell"."""
    import scipy.sparse as sp

    dense = np.asarray(data.obsm["X_pca_like"])
    held = data.copy()
    held.obsm["X_sparse"] = sp.csr_matrix(dense)
    table = jae.evaluate(held, {"dense": dense, "given": sp.csr_matrix(dense), "stored": "X_sparse"},
                         progress_bar=False)
    for name in ("given", "stored"):
        np.testing.assert_allclose(table.loc[name].to_numpy(float), table.loc["dense"].to_numpy(float), equal_nan=True)


@pytest.mark.parametrize("change, kwargs, flags", [
    ("batch_holes", {}, ["--batch-key none"]),
    (None, {"pseudotime_keys": ["pt_nope"]}, ["--pseudotime-key COLUMN"]),
])
def test_evaluate_errors_name_the_fix_in_cli_flags_for_the_cli(data, change, kwargs, flags):
    """jae evaluate prints the library's message through jae.cli's translation: each fix must read as a flag, once,
    with no Python argument left over."""
    from jae.cli._messages import cli_message

    held = data.copy()
    if change == "batch_holes":
        batch = held.obs["batch"].astype(object).to_numpy()
        batch[:2] = None
        held.obs["batch"] = batch
    with pytest.raises((KeyError, ValueError)) as err:
        jae.evaluate(held, ["X_pca_like"], progress_bar=False, **kwargs)
    text = cli_message(str(err.value.args[0]))
    for flag in flags:
        assert text.count(flag) == 1, text
    assert "_key" not in text and "CLI:" not in text, text


def test_an_embedding_file_path_given_as_a_string_is_read_or_named_as_missing(data, tmp_path):
    """A string path to jae embed's .h5mu was looked up as an obsm key, and a mistyped .h5ad path was reported as
    "embedding 'x.h5ad' not found in the data's obsm" instead of as a missing file."""
    from jae.io import make_mudata, write_atomic

    mdata = make_mudata({name: data.mod[name].copy() for name in data.mod})
    mdata.obsm["X_jae"] = np.asarray(data.obsm["X_pca_like"])
    write_atomic(mdata, tmp_path / "emb.h5mu")
    table = jae.evaluate(data, {"from_file": str(tmp_path / "emb.h5mu"), "stored": "X_pca_like"}, progress_bar=False)
    np.testing.assert_allclose(table.loc["from_file"].to_numpy(float), table.loc["stored"].to_numpy(float),
                               equal_nan=True)
    with pytest.raises(FileNotFoundError, match=r"embedding 'typo': no file .*emb_v2\.h5ad \(nor an obsm key of that "
                                                r"name\); check the path"):
        jae.evaluate(data, {"typo": str(tmp_path / "emb_v2.h5ad")}, progress_bar=False)


def test_the_modality_masks_mudata_keeps_in_obsm_are_not_embeddings(data, tmp_path):
    """MuData keeps a boolean mask per modality in obsm ('rna', 'atac'): they were listed as available embeddings and
    obsm key 'rna' scored the mask as a one-column embedding."""
    from jae.io import open_h5mu, write_atomic

    write_atomic(data, tmp_path / "data.h5mu")
    for held in (data, open_h5mu(tmp_path / "data.h5mu")):
        with pytest.raises(KeyError) as err:
            jae.evaluate(held, ["rna"], progress_bar=False)
        assert err.value.args[0].endswith("available: ['X_pca_like']"), err.value.args[0]


def test_a_cell_type_column_without_values_is_named_with_the_fix(data, monkeypatch):
    """A column with no (or one) labelled cell failed inside the metrics with "embedding must be a 2-D array ... got
    shape (0, 8)", after the cell-cycle reference was built."""
    import jae.metrics

    empty = data.copy()
    empty.obs["cell_type"] = np.nan

    def no_reference(*args, **kwargs):
        raise AssertionError("the cell-cycle reference was built before the cell types were checked")

    monkeypatch.setattr(jae.metrics, "cell_cycle_reference", no_reference)
    with pytest.raises(ValueError, match=r"obs\['cell_type'\] gives a cell type to 0 of the 300 cells; at least 16 are "
                                         r"needed to score an embedding .*: pass cell_type_key=<column>"):
        jae.evaluate(empty, ["X_pca_like"], progress_bar=False)


@pytest.mark.parametrize("shape, what", [((300, 0), "has no columns"), ((300, 6), "is the same point for every cell")])
def test_an_embedding_without_information_is_refused_not_scored(data, shape, what):
    """An all-zero embedding (a failed method's output) or one of 0 columns scored overall ~0.56 with asw_batch 1.0
    (all distances 0), above many real embeddings."""
    from jae.metrics import evaluate_embedding

    Z = np.zeros(shape)
    with pytest.raises(ValueError, match=f"embedding 'collapsed' {what}"):
        jae.evaluate(data, {"fine": np.asarray(data.obsm["X_pca_like"]), "collapsed": Z}, progress_bar=False)
    with pytest.raises(ValueError, match=f"embedding {what}"):
        evaluate_embedding(Z, cell_type=data.obs["cell_type"], progress_bar=False)


@pytest.mark.filterwarnings("ignore:Observation names are not unique:UserWarning")
def test_an_embedding_file_that_repeats_a_cell_is_refused_naming_it(data, tmp_path):
    """A prediction file with a cell twice (a concatenation gone wrong) failed in pandas: "Reindexing only valid with
    uniquely valued Index objects"."""
    import anndata as ad

    from jae.evaluation import read_embedding

    Z = np.asarray(data.obsm["X_pca_like"])
    cells = list(data.obs_names) + [data.obs_names[5]]
    ad.AnnData(X=np.vstack([Z, Z[5:6]]), obs=pd.DataFrame(index=cells)).write_h5ad(tmp_path / "twice.h5ad")
    with pytest.raises(ValueError, match=rf"embedding file .*twice\.h5ad repeats 1 cell name \(e\.g\. \['"
                                         rf"{data.obs_names[5]}'\]\); write one row per cell"):
        read_embedding(tmp_path / "twice.h5ad", data.obs_names)


def test_an_obsm_key_of_data_without_embeddings_names_where_to_give_them(data):
    """--obsm X_pca on the competition's files (no obsm) said only "available: []"."""
    from jae.cli._messages import cli_message

    bare = data.copy()
    del bare.obsm["X_pca_like"]
    with pytest.raises(KeyError) as err:
        jae.evaluate(bare, ["X_pca"], progress_bar=False)
    text = err.value.args[0]
    assert text.endswith("the data holds no embeddings: pass embeddings={name: array or path of an embedding file}")
    assert cli_message(text).endswith("the data holds no embeddings: give them as --prediction FILE (an .h5ad: X = "
                                      "embedding, obs_names = cells)")


def test_a_modality_without_some_cells_is_never_read_as_another_cells_rows(data):
    """A MuData whose RNA lacks some of its cells: the RNA's obsm embedding and log-normalised GEX were indexed with
    -1 for those cells, silently giving them the last cell's row."""
    import mudata as md

    rna = data.mod["rna"][:250].copy()
    rna.obsm["X_part"] = np.random.default_rng(0).normal(size=(250, 5))
    partial = md.MuData({"rna": rna, "atac": data.mod["atac"].copy()})
    for column in ("cell_type", "batch"):
        partial.obs[column] = data.obs[column].reindex(partial.obs_names).to_numpy()
    with pytest.raises(ValueError, match=r"obsm\['X_part'\] of modality 'rna' lacks 50 of the data's 300 cells"):
        jae.evaluate(partial, ["X_part"], progress_bar=False)
    Z = np.random.default_rng(1).normal(size=(partial.n_obs, 5))
    table = jae.evaluate(partial, {"z": Z}, progress_bar=False)
    assert np.isnan(table.loc["z", "cc_cons"]) and "lacks 50" in table.attrs["skipped"]["z"]["cc_cons"]


def test_an_empty_list_of_pseudotime_keys_scores_no_trajectory(data):
    """pseudotime_keys=[] (no trajectory to score) was read as None: every pseudotime_order_* column was used."""
    Z = np.asarray(data.obsm["X_pca_like"])
    table = jae.evaluate(data, {"z": Z}, pseudotime_keys=[], progress_bar=False)
    assert np.isnan(table.loc["z", "ti_cons"]) and "pseudotimes: none" in table.attrs["description"]
    assert np.isfinite(jae.evaluate(data, {"z": Z}, progress_bar=False).loc["z", "ti_cons"])


@pytest.mark.parametrize("value", [0, -5, 3])
def test_too_few_umap_cells_are_refused_before_any_scoring(data, tmp_path, value):
    """--umap-max-cells 0 failed after every metric was computed, with "embedding must be a 2-D array ... with at
    least 2 cells; got shape (0, 8)" and no report."""
    from jae.cli._messages import cli_message

    with pytest.raises(ValueError) as err:
        jae.evaluate(data, ["X_pca_like"], report_dir=tmp_path / "r", umap_max_cells=value, progress_bar=False)
    assert err.value.args[0] == (f"umap_max_cells={value}: the UMAPs need at least 10 cells; pass a larger number, "
                                 "or None for no cap")
    assert cli_message(err.value.args[0]).startswith(f"--umap-max-cells {value}: ")
    assert cli_message(err.value.args[0]).endswith(", or 'all' for no cap")
    assert not (tmp_path / "r").exists()


def test_a_scanpy_file_given_as_a_prediction_is_not_scored_by_its_expression(data, tmp_path):
    """A scanpy/scvi-tools .h5ad (X = expression, the embeddings in obsm['X_scVI'], ...) given as --prediction had its
    expression matrix scored as if it were the embedding, silently."""
    from jae.evaluation import read_embedding
    from jae.io import write_embedding_h5ad

    rna = data.mod["rna"].copy()
    rna.obsm["X_scVI"] = np.asarray(data.obsm["X_pca_like"])
    rna.write_h5ad(tmp_path / "scvi.h5ad")
    with pytest.raises(ValueError, match=r"embedding file .*scvi\.h5ad looks like a data file: its X has 250 columns "
                                         r"\(var: .*\) and its obsm holds \['X_scVI'\]; a prediction file's X is the "
                                         r"embedding: write one with anndata\.AnnData\(X=adata\.obsm\['X_scVI'\]"):
        read_embedding(tmp_path / "scvi.h5ad", data.obs_names)
    # the competition's format, and jae's own, keep reading
    write_embedding_h5ad(np.asarray(data.obsm["X_pca_like"]), data.obs_names, tmp_path / "pred.h5ad", dataset_id="d")
    assert read_embedding(tmp_path / "pred.h5ad", data.obs_names)[1].shape == (data.n_obs, 8)


def test_a_pseudotime_column_of_text_reads_missing_spellings_as_nan_and_names_other_text(data):
    """A pseudotime column exported from R with 'NA' strings off the trajectory failed in pandas: "could not convert
    string to float: 'NA'", naming no column. Text spelling a missing value ('NA', 'nan', '', 'None') now reads as
    NaN, scoring as the NaN it stands for; other text is refused naming the column and the fix."""
    Z = np.asarray(data.obsm["X_pca_like"])
    original = data.obs["pseudotime_order_GEX"].to_numpy(dtype=float)
    off = np.zeros(data.n_obs, dtype=bool)
    off[::3] = True
    off[1::7] = True
    nan = data.copy()
    nan.obs["pseudotime_order_GEX"] = np.where(off, np.nan, original)
    expected = jae.evaluate(nan, {"z": Z}, progress_bar=False).loc["z", "ti_cons"]
    assert np.isfinite(expected)
    held = data.copy()
    values = original.astype(str).astype(object)  # numbers as text, and 'nan' where the trajectory had none
    values[::3] = "NA"
    values[1::7] = ["", " None ", "<NA>", "nan"] * (len(values[1::7]) // 4) + ["NA"] * (len(values[1::7]) % 4)
    held.obs["pseudotime_order_GEX"] = values
    np.testing.assert_allclose(jae.evaluate(held, {"z": Z}, progress_bar=False).loc["z", "ti_cons"], expected)
    values[2] = "early"
    held.obs["pseudotime_order_GEX"] = values
    with pytest.raises(ValueError, match=r"^pseudotime column 'pseudotime_order_GEX' holds values that are not "
                                         r"numbers \(e\.g\. 'early'\); store numbers \(NaN off the trajectory\)"):
        jae.evaluate(held, {"z": Z}, progress_bar=False)


def test_one_pluralisation_for_the_evaluation_and_the_latent_layout():
    """evaluation._count took both forms from its caller and LatentLayout.describe spelt its own endings: one helper,
    jae._words.count, now says both."""
    from jae._words import count
    from jae.model.layout import LatentLayout

    assert [count(1, "batch"), count(3, "batch"), count(0, "cell type"), count(2, "cell type")] == [
        "1 batch", "3 batches", "0 cell types", "2 cell types"]
    assert count(2, "index", "indices") == "2 indices"
    layout = LatentLayout(n_cell_type=1, n_batch=2, n_phase=2, n_free=4)
    assert layout.describe() == "1 cell type + 2 batches + 2 phase + 4 free"
    import jae.evaluation.run

    assert not hasattr(jae.evaluation.run, "_count")
