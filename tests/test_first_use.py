"""A computational biologist's first use of jae on their own files: the messages they meet name their situation and
the fix, and the paths they type work as a shell would read them."""

from __future__ import annotations

from pathlib import Path

import mudata as md
import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.cli._messages import cli_message
from jae.datasets import simulate
from jae.io import make_mudata, write_atomic

from test_cli_hostile import PYTHON_FIX


@pytest.fixture(scope="module")
def cite():
    return simulate(120, kind="cite", n_genes=200, n_cell_types=3, n_batches=2, seed=5)


@pytest.fixture(scope="module")
def rna_files(cite, tmp_path_factory):
    root = tmp_path_factory.mktemp("first_use")
    cite.mod["rna"].write_h5ad(root / "rna.h5ad")
    write_atomic(make_mudata({"rna": cite.mod["rna"].copy()}), root / "rna_only.h5mu")
    return root


# ------------------------------------------------------------------------------ fit on RNA alone


@pytest.mark.parametrize("how", ["open_rna", "mudata", "h5mu_file"])
def test_fit_on_rna_alone_says_it_needs_a_second_modality(cite, rna_files, how):
    """fit on an RNA file or a MuData holding only RNA said 'jae pairs exactly two: choose them with
    modalities=(...)', as if there were modalities to choose from."""
    data = {
        "open_rna": lambda: jae.io.open_rna(rna_files / "rna.h5ad"),
        "mudata": lambda: md.MuData({"rna": cite.mod["rna"].copy()}),
        "h5mu_file": lambda: str(rna_files / "rna_only.h5mu"),
    }[how]()
    with pytest.raises(ValueError) as info:
        JAE(JAEConfig(max_epochs=1)).fit(data, progress_bar=False)
    message = str(info.value)
    assert "modalities=" not in message and "other=" not in message
    assert "second modality" in message and "ATAC or ADT" in message
    assert "some" in message  # a mosaic fit needs it for some cells only
    cli = cli_message(message)
    assert not PYTHON_FIX.search(cli), cli


def test_fit_on_an_rna_only_h5mu_names_the_verbs_that_take_it_in_the_cli(rna_files):
    """The refusal names the calls that embed or map such a file; the CLI said 'in Python model.embed(path) or
    jae.embed_files / jae.map_files' and 'a MuData' to its users too."""
    with pytest.raises(ValueError) as info:
        JAE(JAEConfig(max_epochs=1)).fit(str(rna_files / "rna_only.h5mu"), progress_bar=False)
    message = str(info.value)
    assert "model.embed(path)" in message and "jae.map_files" in message  # Python users keep the Python calls
    cli = cli_message(message)
    assert "embeds or maps this .h5mu as it is (jae embed / jae map --model MODEL --h5mu FILE --out OUT)" in cli, cli
    assert "--mod1 and --mod2, or an --h5mu file with an 'atac' or 'prot' modality" in cli, cli
    for python in ("model.embed", "jae.embed_files", "jae.map_files", "in Python", "MuData", "read_competition"):
        assert python not in cli, cli


# -------------------------------------------------------------------- cells with no counts in one modality


def _zero_cells(m, name: str, n: int = 3):
    m = m.copy()
    for key in ("counts",):
        X = m.mod[name].layers[key].tolil()
        X[:n] = 0
        m.mod[name].layers[key] = X.tocsr()
    m.mod[name].X = m.mod[name].layers["counts"].copy()
    return m


@pytest.mark.parametrize("kind, other, said", [("multiome", "atac", "chromatin"), ("cite", "prot", "antibod")])
def test_cells_without_counts_in_one_modality_are_described_by_its_kind(kind, other, said, tmp_path):
    """The refusal always spoke of 'cells without antibody staining', odd for ATAC."""
    m = _zero_cells(simulate(80, kind=kind, n_genes=200, n_peaks=150, n_cell_types=2, n_batches=1, seed=1), other)
    messages = []
    with pytest.raises(ValueError) as info:
        jae.io.get_paired(m)
    messages.append(str(info.value))
    rna = m.mod["rna"].copy()
    rna.obs = m.obs[["batch", "cell_type"]].copy()
    rna.write_h5ad(tmp_path / "a.h5ad")
    m.mod[other].write_h5ad(tmp_path / "b.h5ad")
    files = jae.io.open_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad")  # streamed: checked block by block
    with pytest.raises(ValueError) as info:
        JAE(JAEConfig(max_epochs=1)).fit(files, memory_budget=1, progress_bar=False)
    messages.append(str(info.value))
    for message in messages:
        assert "3 of 80 cells have zero total counts" in message
        assert said in message
        assert ("antibod" in message) == (kind == "cite"), message


# ------------------------------------------------------------------------------------ '~' in a path


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home folder holding the user's files, and a working folder elsewhere (where a literal '~' would land)."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir(), work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    return home


def test_paths_with_a_tilde_are_read_from_the_home_folder(cite, home):
    write_atomic(cite, home / "x.h5mu")
    cite.mod["rna"].write_h5ad(home / "x.mod1.h5ad")
    cite.mod["prot"].write_h5ad(home / "x.mod2.h5ad")
    assert jae.read_h5mu("~/x.h5mu").n_obs == cite.n_obs
    assert jae.read_competition("~/x.mod1.h5ad", "~/x.mod2.h5ad").n_obs == cite.n_obs
    assert jae.io.open_competition("~/x.mod1.h5ad", "~/x.mod2.h5ad").n_obs == cite.n_obs
    assert jae.io.open_rna("~/x.mod1.h5ad").n_obs == cite.n_obs
    files = jae.io.InputFiles(mod1="~/x.mod1.h5ad", mod2="~/x.mod2.h5ad", annotations="~/x.mod1.h5ad")
    assert files.paths == [home / "x.mod1.h5ad", home / "x.mod2.h5ad", home / "x.mod1.h5ad"]
    assert files.read().n_obs == cite.n_obs


def test_file_workflows_write_outputs_given_with_a_tilde_in_the_home_folder(cite, home):
    write_atomic(cite, home / "x.h5mu")
    files = jae.io.InputFiles(h5mu="~/x.h5mu")
    fitted = jae.fit_files(files, "~/model", config=JAEConfig(max_epochs=1), progress_bar=False)
    assert (home / "model" / "model.json").is_file() and fitted.written == (home / "model",)
    embedded = jae.embed_files(files, "~/model", "~/emb.h5ad", labels_out="~/labels.csv", finetune_epochs=0,
                               progress_bar=False)
    assert embedded.written == (home / "emb.h5ad", home / "labels.csv")
    assert (home / "emb.h5ad").is_file() and (home / "labels.csv").is_file()
    renamed = cite.copy()
    renamed.obs["batch"] = ("query_" + cite.obs["batch"].astype(str)).to_numpy()  # new batches: a mapping to do
    write_atomic(renamed, home / "q.h5mu")
    query = jae.io.InputFiles(h5mu="~/q.h5mu")
    mapped = jae.map_files(query, "~/model", "~/mapped", epochs=1, progress_bar=False)
    assert (home / "mapped" / "model.json").is_file() and mapped.written == (home / "mapped",)
    with pytest.raises(FileExistsError):  # the existing output is found through the '~'
        jae.embed_files(files, "~/model", "~/emb.h5ad", finetune_epochs=0, progress_bar=False)
    cite.mod["rna"].write_h5ad(home / "x.mod1.h5ad")
    cite.mod["prot"].write_h5ad(home / "x.mod2.h5ad")
    predicted = jae.predict_files("~/x.mod1.h5ad", "~/x.mod2.h5ad", "~/x.mod1.h5ad", "~/pred.h5ad", method="mean",
                                  save_model="~/predictor")
    assert predicted.written == (home / "pred.h5ad", home / "predictor") and (home / "pred.h5ad").is_file()
    assert not Path("~").exists()  # nothing written to a folder literally named '~'


# ------------------------------------------------------------------------- an empty folder as model output


def test_an_existing_empty_folder_is_accepted_as_a_model_output(cite, tmp_path):
    """`mkdir models/ref && jae fit --out models/ref` was refused as 'not a jae model folder': an empty folder holds
    nothing to lose."""
    write_atomic(cite, tmp_path / "x.h5mu")
    files = jae.io.InputFiles(h5mu=tmp_path / "x.h5mu")
    for name in ("fit", "save", "map", "predictor"):
        (tmp_path / name).mkdir()
    fitted = jae.fit_files(files, tmp_path / "fit", config=JAEConfig(max_epochs=1), progress_bar=False)
    assert (tmp_path / "fit" / "model.json").is_file()
    fitted.model.save(tmp_path / "save")
    assert (tmp_path / "save" / "weights.pt").is_file()
    query = cite.copy()
    query.obs["batch"] = ("query_" + cite.obs["batch"].astype(str)).to_numpy()  # new batches: a mapping to do
    write_atomic(query, tmp_path / "q.h5mu")
    jae.map_files(jae.io.InputFiles(h5mu=tmp_path / "q.h5mu"), tmp_path / "fit", tmp_path / "map", epochs=1,
                  progress_bar=False)
    assert (tmp_path / "map" / "model.json").is_file()
    cite.mod["rna"].write_h5ad(tmp_path / "a.h5ad")
    cite.mod["prot"].write_h5ad(tmp_path / "b.h5ad")
    jae.predict_files(tmp_path / "a.h5ad", tmp_path / "b.h5ad", tmp_path / "a.h5ad", tmp_path / "p.h5ad",
                      method="mean", save_model=tmp_path / "predictor")
    assert (tmp_path / "predictor" / "model.json").is_file()
    # a folder holding anything else is still never replaced
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a jae model folder"):
        fitted.model.save(tmp_path / "busy")
    with pytest.raises(FileExistsError, match="not a jae model folder"):
        jae.fit_files(files, tmp_path / "busy", config=JAEConfig(max_epochs=1), progress_bar=False)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


# ------------------------------------------------------------------ jae predict keeps the test cells' obs


def test_predict_files_output_keeps_the_test_cells_obs(cite, tmp_path):
    """jae predict wrote obs = cell names only: the test cells' batch (and other columns) were lost, so the prediction
    could not be split or coloured by them without joining files by hand."""
    rna = cite.mod["rna"].copy()
    rna.obs = cite.obs[["batch", "cell_type"]].copy()
    rna[:80].copy().write_h5ad(tmp_path / "train_rna.h5ad")
    cite.mod["prot"][:80].copy().write_h5ad(tmp_path / "train_prot.h5ad")
    rna[80:].copy().write_h5ad(tmp_path / "test_rna.h5ad")
    result = jae.predict_files(tmp_path / "train_rna.h5ad", tmp_path / "train_prot.h5ad", tmp_path / "test_rna.h5ad",
                               tmp_path / "pred.h5ad", method="mean")
    import anndata as ad

    pred = ad.read_h5ad(tmp_path / "pred.h5ad")
    assert list(pred.obs.columns) == ["batch", "cell_type"]
    expected = rna.obs.iloc[80:]
    assert (pred.obs["batch"].astype(str).to_numpy() == expected["batch"].astype(str).to_numpy()).all()
    assert list(result.prediction.obs.columns) == ["batch", "cell_type"]


# ----------------------------------------------------------------------------- mod1 and mod2 swapped


@pytest.mark.parametrize("reader", ["read_competition", "open_competition"])
def test_swapped_mod1_and_mod2_are_named_as_swapped(tmp_path, reader):
    """--mod1 ADT --mod2 RNA (files without feature_types) said 'cannot tell ATAC from ADT; pass mod2_kind=...', a fix
    that does not help: the files were swapped."""
    cite = simulate(60, kind="cite", n_genes=600, n_cell_types=2, n_batches=1, seed=3)  # more genes than a panel
    rna, prot = cite.mod["rna"].copy(), cite.mod["prot"].copy()
    for a in (rna, prot):
        del a.var["feature_types"]
    rna.write_h5ad(tmp_path / "rna.h5ad")
    prot.write_h5ad(tmp_path / "prot.h5ad")
    with pytest.raises(ValueError) as info:
        getattr(jae.io, reader)(tmp_path / "prot.h5ad", tmp_path / "rna.h5ad")
    message = str(info.value)
    assert "swapped" in message and "prot.h5ad" in message and "rna.h5ad" in message, message
    assert "mod2_kind" not in message
    assert "--mod1" in cli_message(message) and not PYTHON_FIX.search(cli_message(message))


# ------------------------------------------------------------- read_h5mu leaves no stale modality masks


def test_read_h5mu_keeps_no_mask_of_a_renamed_or_dropped_modality(cite, tmp_path):
    """A file with modalities 'rna' and 'adt' came back with 'adt' renamed 'prot' but obsm['adt'] (MuData's boolean
    mask of the old modality) still there, listed beside the embeddings and written back into the user's files."""
    hto = cite.mod["prot"][:, :3].copy()
    hto.var_names = ["hto1", "hto2", "hto3"]
    src = make_mudata({"rna": cite.mod["rna"].copy(), "adt": cite.mod["prot"].copy(), "hto": hto})
    src.obsm["X_umap"] = np.zeros((src.n_obs, 2))
    write_atomic(src, tmp_path / "x.h5mu")
    assert {"adt", "hto"} <= set(md.read_h5mu(tmp_path / "x.h5mu").obsm)  # (as mudata stores them)
    mdata = jae.read_h5mu(tmp_path / "x.h5mu", other="adt")
    assert list(mdata.mod) == ["rna", "prot"]
    assert "adt" not in mdata.obsm and "hto" not in mdata.obsm
    assert "X_umap" in mdata.obsm  # the user's own obsm is kept


def test_predict_writes_its_feature_types_without_anndata_converting_them(cite, tmp_path, caplog):
    """jae predict printed anndata's "... storing 'feature_types' as categorical" while writing its output."""
    import logging

    cite.mod["rna"][:80].copy().write_h5ad(tmp_path / "a.h5ad")
    cite.mod["prot"][:80].copy().write_h5ad(tmp_path / "b.h5ad")
    cite.mod["rna"][80:].copy().write_h5ad(tmp_path / "c.h5ad")
    with caplog.at_level(logging.INFO):
        result = jae.predict_files(tmp_path / "a.h5ad", tmp_path / "b.h5ad", tmp_path / "c.h5ad",
                                   tmp_path / "p.h5ad", method="mean")
    assert "storing 'feature_types' as categorical" not in caplog.text
    assert isinstance(result.prediction.var["feature_types"].dtype, __import__("pandas").CategoricalDtype)
    assert set(result.prediction.var["feature_types"]) == {"ADT"}
