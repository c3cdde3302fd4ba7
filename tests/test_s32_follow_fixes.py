"""Follow-up fixes (session 32): defects earlier audits noticed and left."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def setup(own_cite_model):
    d, model = own_cite_model("s32_follow")  # the shared reference (conftest), copied: this module's own
    q = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    return model, q, d


def _imputed(cells, features):
    out = ad.AnnData(X=np.ones((len(cells), len(features)), np.float32), obs=pd.DataFrame(index=cells),
                     var=pd.DataFrame(index=features))
    out.uns["jae_imputed"] = {"modality": "prot"}
    return out


def test_an_imputed_layer_sharing_no_feature_with_the_modality_is_refused():
    """add_imputed_layer into a modality none of whose features the model predicts wrote an all-NaN layer without a
    word; it now refuses in one line naming both feature sets and the fix, the modality unchanged."""
    from jae.imputation import add_imputed_layer

    cells = [f"c{i}" for i in range(6)]
    prot = ad.AnnData(X=np.zeros((6, 4), np.float32), obs=pd.DataFrame(index=cells),
                      var=pd.DataFrame(index=["w", "x", "y", "z"]))
    mdata = md.MuData({"prot": prot})
    with pytest.raises(ValueError, match=r"^none of the 4 features predicted \(e\.g\. \['a', 'b', 'c'\]\) is a feature "
                                         r"of modality 'prot' \(e\.g\. \['w', 'x', 'y'\]\), so its layer would be all "
                                         r"NaN: write the prediction to its own file"):
        add_imputed_layer(mdata, _imputed(cells[:3], ["a", "b", "c", "d"]), "prot")
    assert "jae_imputed" not in mdata["prot"].layers
    add_imputed_layer(mdata, _imputed(cells[:3], ["a", "x"]), "prot")  # one shared feature: written
    assert np.isfinite(mdata["prot"].layers["jae_imputed"]).sum() == 3


def test_an_existing_imputed_layer_replaced_in_the_h5mu_copy_is_logged(setup, tmp_path, caplog):
    """An input .h5mu whose modality already had layers['jae_imputed'] got it replaced in the output's copy without
    a word (replaced obs columns and obsm['X_jae'] are logged); it is now named in the same log line."""
    model, q, d = setup
    prot = q["prot"][:0].copy()  # a modality measuring no cell (e.g. a subset to RNA-only cells), with an old layer
    prot.layers["jae_imputed"] = np.zeros(prot.shape, np.float32)
    path = tmp_path / "in.h5mu"
    md.MuData({"rna": q["rna"].copy(), "prot": prot}).write(path)
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.embed_files(InputFiles(h5mu=path), model, tmp_path / "out.h5mu", finetune_epochs=0,
                        impute_modality="prot", progress_bar=False)
    assert "mod['prot'].layers['jae_imputed'] is replaced in the output out.h5mu by jae's" in caplog.text
    written = md.read_h5mu(tmp_path / "out.h5mu")["prot"].layers["jae_imputed"]
    assert written.shape == (120, 15) and np.isfinite(written).all()


@pytest.mark.parametrize("swapped", [False, True])
def test_a_second_modality_file_of_no_cell_names_the_rna_file_alone(setup, tmp_path, caplog, swapped):
    """jae embed --mod1 RNA --mod2 B with B holding 0 cells was refused as 'B is empty ...: check the file', without
    the fix; it now names it (the RNA file alone as --mod1, without --mod2), also for files given swapped, and that
    fix embeds."""
    from jae.cli import main

    model, q, d = setup
    rna, prot = tmp_path / "rna.h5ad", tmp_path / "prot0.h5ad"
    q["rna"].write_h5ad(rna)
    q["prot"][:0].copy().write_h5ad(prot)
    pair = [prot, rna] if swapped else [rna, prot]
    with pytest.raises(ValueError, match=r"prot0\.h5ad is empty \(0 cells x 15 features\): no cell has that modality; "
                                         r"to place the cells from their RNA, give the RNA file alone as mod1= \(.*"
                                         r"rna\.h5ad\), without mod2=$"):
        jae.io.open_competition(*pair)
    out = tmp_path / "e.h5ad"
    assert main(["embed", "--model", str(d / "model"), "--mod1", str(pair[0]), "--mod2", str(pair[1]), "--out",
                 str(out), "--finetune-epochs", "0"]) == 1
    assert f"give the RNA file alone: --mod1 {rna} without --mod2" in caplog.text and not out.exists()
    assert main(["-q", "embed", "--model", str(d / "model"), "--mod1", str(rna), "--out", str(out),
                 "--finetune-epochs", "0"]) == 0


def test_the_demo_summary_says_1_epoch():
    """jae demo's summary printed 'pretrained 1 epochs ... fine-tuned 1 epochs'; one epoch is now '1 epoch'."""
    from types import SimpleNamespace

    from jae.workflows.demo import DemoResult

    mdata = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    mdata.obsm["X_jae"] = np.zeros((mdata.n_obs, 4), np.float32)
    history = pd.DataFrame({"stage": ["pretrain", "finetune", "finetune"]})
    result = DemoResult(mdata=mdata, model=SimpleNamespace(history=history), table=pd.DataFrame({"m": [0.5]}),
                        accuracy=0.9, kind="cite", query_batch=str(mdata.obs["batch"].iloc[0]),
                        files={k: "f" for k in ("data", "model", "embedding", "report")})
    assert "pretrained 1 epoch on " in result.summary() and "fine-tuned 2 epochs on the query" in result.summary()


@pytest.mark.parametrize("budget, said", [(" ", "--memory-budget ' ' is not a size"),
                                          ("1 2", "--memory-budget '1 2' is not a size"),
                                          ("abc", "--memory-budget abc is not a size")])
def test_a_blank_memory_budget_is_quoted_in_the_cli_message(setup, tmp_path, caplog, budget, said):
    """jae embed --memory-budget ' ' printed "--memory-budget ' is not a size" (the translation cut the value at the
    blank); the value is now given whole, quoted when blank or spaced."""
    from jae.cli import main

    model, q, d = setup
    q["rna"].write_h5ad(tmp_path / "rna.h5ad")
    assert main(["embed", "--model", str(d / "model"), "--mod1", str(tmp_path / "rna.h5ad"), "--out",
                 str(tmp_path / "e.h5ad"), "--memory-budget", budget]) == 1
    assert said in caplog.text and not (tmp_path / "e.h5ad").exists()


def test_a_non_numeric_local_world_size_is_named(setup, tmp_path, caplog, monkeypatch):
    """LOCAL_WORLD_SIZE=abc in the environment made the memory budget fail with int()'s bare "invalid literal for
    int() with base 10: 'abc'" (a traceback in Python); it is now one line naming the variable and the fix."""
    from jae.cli import main
    from jae.io.plan import default_memory_budget

    model, q, d = setup
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "abc")
    with pytest.raises(ValueError, match=r"^the environment variable LOCAL_WORLD_SIZE='abc' is not a number of "
                                         r"processes: unset it, or set it to a whole number"):
        default_memory_budget()
    q["rna"].write_h5ad(tmp_path / "rna.h5ad")
    assert main(["embed", "--model", str(d / "model"), "--mod1", str(tmp_path / "rna.h5ad"), "--out",
                 str(tmp_path / "e.h5ad")]) == 1
    assert "LOCAL_WORLD_SIZE='abc' is not a number of processes" in caplog.text
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    assert default_memory_budget() > 0


@pytest.mark.parametrize("verb", ["fit", "embed", "map"])
def test_the_memory_budget_help_says_which_inputs_are_streamed(capsys, verb):
    """--memory-budget's help said 'larger inputs are streamed', but --h5ad and --10x inputs are always read whole
    (jae.io.InputFiles.open); the help now says which inputs are streamed and which are read whole."""
    from jae.cli import main

    with pytest.raises(SystemExit):
        main([verb, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert ("larger --mod1/--mod2 and --h5mu inputs are streamed from disk in row blocks, with the same result (zarr "
            "stores copied once into a temporary .h5mu or .h5ad under TMPDIR first; --h5ad inputs are always read whole; "
            "--10x files over the budget, one or several samples, are copied in blocks of cells into a temporary .h5mu "
            "under TMPDIR and streamed from it)") in text


def _predicted_only(q):
    """What jae embed --impute-modality writes for RNA-only cells: 'prot' holding layers['jae_imputed'] alone."""
    prot = ad.AnnData(obs=pd.DataFrame(index=q["rna"].obs_names.copy()), var=q["prot"].var[[]].copy(),
                      layers={"jae_imputed": np.ones((q.n_obs, q["prot"].n_vars), np.float32)})
    return md.MuData({"rna": q["rna"].copy(), "prot": prot})


def test_a_modality_without_counts_in_memory_is_named(setup):
    """Embedding data whose second modality has no .X (jae embed's .h5mu copy read back: a predicted modality alone)
    crashed with numpy's 'IndexError: tuple index out of range' in is_mosaic, which read .X directly; is_mosaic now
    reads the matrix get_mosaic reads, and a modality without one is refused in one line naming the fix."""
    model, q, d = setup
    with pytest.raises(ValueError, match=r"^modality 'prot' holds no counts: its \.X is empty \(its layers: "
                                         r"\['jae_imputed'\]\), as in the \.h5mu copy jae embed writes"):
        model.embed(_predicted_only(q), key_added=None)


def test_is_mosaic_reads_the_counts_get_mosaic_reads():
    """is_mosaic looked for rows of NaN in .X when the layer asked for was missing, while get_mosaic and get_paired
    read the counts by jae.io.raw's rule (no 'counts' layer beside a .raw: no counts there, refused with the fix): a
    normalised .X with NaN rows made it say 'mosaic' of data whose counts it never read; it now decides from the
    same matrix (a layer of counts: its NaN rows), so both readers agree."""
    from jae.io.mosaic import is_mosaic

    q = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    mods = {}
    for name in ("rna", "prot"):
        a = q[name].copy()
        a.raw = a.copy()
        a.X = np.log1p(np.asarray(a.layers.pop("counts").todense(), dtype=np.float32))
        mods[name] = a
    mods["prot"].X[:5] = np.nan  # normalised values; the counts (in .raw) have no row of NaN
    assert not is_mosaic(mods, layer="counts") and not is_mosaic(mods, layer="raw")
    for name in ("rna", "prot"):
        mods[name].layers["counts"] = np.asarray(q[name].layers["counts"].todense(), dtype=np.float32)
    mods["prot"].layers["counts"][:5] = np.nan
    assert is_mosaic(mods, layer="counts")


def test_jae_embed_of_its_own_h5mu_copy_with_a_predicted_modality_is_one_line(setup, tmp_path, caplog):
    """jae embed --h5mu of the .h5mu copy jae embed --impute-modality wrote (its predicted modality has no .X, stored
    null) crashed with a traceback, "TypeError: 'NoneType' object is not iterable"; it is now one line naming the
    fix, and no output is written."""
    from jae.cli import main

    model, q, d = setup
    path = tmp_path / "copy.h5mu"
    _predicted_only(q).write(path)
    out = tmp_path / "e.h5ad"
    assert main(["embed", "--model", str(d / "model"), "--h5mu", str(path), "--out", str(out),
                 "--finetune-epochs", "0"]) == 1
    assert ("modality 'prot' holds no counts: its .X is empty (its layers: ['jae_imputed']), as in the .h5mu copy "
            "jae embed writes") in caplog.text and "pass --layer NAME" in caplog.text and not out.exists()


def test_the_nan_rows_refusal_of_embed_does_not_offer_a_memory_budget_that_cannot_help(setup, tmp_path):
    """An .h5mu whose 'prot' holds unmeasured cells as rows of NaN, embedded, was refused with the fix 'or read it
    into memory: memory_budget=<bytes> above what it needs', but embed (and map) stream files whatever the budget,
    so that fix failed the same way; the line now says the budget is fit's and how embed reads it into memory."""
    model, q, d = setup
    prot = q["prot"].copy()
    prot.layers["counts"] = np.asarray(prot.layers["counts"].todense(), dtype=np.float32)
    prot.layers["counts"][:40] = np.nan
    prot.X = prot.layers["counts"].copy()
    path = tmp_path / "nan_rows.h5mu"
    mdata = md.MuData({"rna": q["rna"].copy(), "prot": prot})
    mdata.write(path)
    with pytest.raises(ValueError, match=r"memory_budget=<bytes> above what it needs \(fit; embed and map stream files "
                                         r"whatever the budget: in Python, "
                                         r"model\.embed\(mudata\.read_h5mu\('.*nan_rows\.h5mu'\)\)\)$"):
        jae.embed_files(InputFiles(h5mu=path), model, tmp_path / "e.h5ad", finetune_epochs=0, memory_budget="100G",
                        progress_bar=False)
    assert model.embed(md.read_h5mu(path), key_added=None).shape[0] == 120  # the fix named works
