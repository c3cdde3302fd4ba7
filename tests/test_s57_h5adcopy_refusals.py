"""Session 57: what embed_files(copy_of=...) / jae embed --out-copy-of cannot copy is refused in one line naming the
fix (Python arguments, or the CLI's flags), before the model is loaded, and nothing is written."""

from __future__ import annotations

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import pytest

import jae
import jae.workflows.embed as jae_embed


@pytest.fixture()
def cells(tmp_path, monkeypatch):
    """A folder with rna.h5ad and adt.h5ad (no model: a refusal must come before one is loaded)."""
    def loaded(*args, **kwargs):
        raise AssertionError("the model was loaded before the refusal")

    monkeypatch.setattr(jae_embed, "_model_and_path", loaded)
    obs = pd.DataFrame(index=[f"c{i}" for i in range(6)])
    ad.AnnData(np.ones((6, 3), np.float32), obs=obs).write_h5ad(tmp_path / "rna.h5ad")
    ad.AnnData(np.ones((6, 2), np.float32), obs=obs).write_h5ad(tmp_path / "adt.h5ad")
    return tmp_path


CASES = [  # (inputs, copy_of, out, extra arguments, the Python message, the CLI's)
    (dict(mod1="rna.h5ad"), "mod2", "e.h5ad", {},
     r"^copy_of='mod2' copies the mod2= file, which this input lacks; the input is mod1= alone: pass copy_of='mod1'$",
     "--out-copy-of mod2 copies the --mod2 file, which this input lacks; the input is --mod1 alone: pass "
     "--out-copy-of mod1"),
    (dict(mod1="rna.h5ad", mod2="adt.h5ad"), "h5ad", "e.h5ad", {},
     r"^copy_of='h5ad' copies the h5ad= file, .*; the input is mod1= and mod2=: pass copy_of='mod1'$",
     "--out-copy-of h5ad copies the --h5ad file, which this input lacks; the input is --mod1 and --mod2: pass "
     "--out-copy-of mod1"),
    (dict(h5mu="x.h5mu"), "mod1", "e.h5ad", {},
     r"^copy_of='mod1' copies the mod1= file, .*; the input is h5mu=, whose copy out=FILE\.h5mu writes: pass "
     r"copy_of=None with out=FILE\.h5mu$",
     "the input is --h5mu, whose copy --out FILE.h5mu writes: drop --out-copy-of and pass --out FILE.h5mu"),
    (dict(tenx="x.h5"), "mod1", "e.h5ad", {},
     r"^copy_of='mod1' copies the mod1= file, .*; the input is tenx= \(Cell Ranger\): write it as one \.h5ad first, "
     r"scanpy\.read_10x_h5\(FILE, gex_only=False\)\.write_h5ad\('cells\.h5ad'\) .*, and pass h5ad='cells\.h5ad' "
     r"with copy_of='h5ad'$",
     "the input is --10x (Cell Ranger): write it as one .h5ad first, scanpy.read_10x_h5(FILE, gex_only=False)"
     ".write_h5ad('cells.h5ad') (a matrix folder: scanpy.read_10x_mtx(FOLDER, gex_only=False)), and pass --h5ad "
     "cells.h5ad with --out-copy-of h5ad"),
    (dict(mod1="rna.h5ad"), "mod1", "e.h5mu", {},
     r"^copy_of='mod1' writes a copy of the mod1= \.h5ad file: pass out=FILE\.h5ad$",
     "--out-copy-of mod1 writes a copy of the --mod1 .h5ad file: pass --out FILE.h5ad"),
    (dict(mod1="rna.h5ad"), "mod1", "e.h5ad", {"method_id": "mine"},
     r"^method_id='mine' is uns\['method_id'\] of the competition format; the copy of copy_of='mod1' has none: "
     r"leave method_id out$",
     "--method-id mine is uns['method_id'] of the competition format; the copy of --out-copy-of mod1 has none: "
     "drop --method-id"),
]


IDS = ["mod2-of-mod1-alone", "h5ad-of-a-pair", "h5mu", "tenx", "out-h5mu", "method-id"]


@pytest.mark.parametrize("given, copy_of, out, extra, message, _", CASES, ids=IDS)
def test_embed_files_refuses_what_it_cannot_copy_before_loading_the_model(cells, given, copy_of, out, extra, message,
                                                                          _):
    inputs = jae.io.InputFiles(**{k: cells / v for k, v in given.items()})
    with pytest.raises(ValueError, match=message):
        jae.embed_files(inputs, cells / "model", cells / out, copy_of=copy_of, **extra)
    assert not (cells / out).exists()


@pytest.mark.parametrize("given, copy_of, out, extra, _, said", CASES, ids=IDS)
def test_jae_embed_says_the_refusals_in_its_flags(cells, caplog, given, copy_of, out, extra, _, said):
    from jae.cli import main

    flags = [f"--{'10x' if k == 'tenx' else k}" if i == 0 else str(cells / v) for k, v in given.items()
             for i in (0, 1)]
    flags += [f"--{k.replace('_', '-')}={v}" for k, v in extra.items()]
    assert main(["embed", "--model", str(cells / "model"), *flags, "--out", str(cells / out), "--out-copy-of",
                 copy_of]) == 1
    assert said in caplog.text and "copy_of" not in caplog.text and "Traceback" not in caplog.text
    assert not (cells / out).exists()


def test_an_out_equal_to_the_input_and_an_unknown_input_name_are_refused(cells):
    inputs = jae.io.InputFiles(mod1=cells / "rna.h5ad")
    with pytest.raises(ValueError, match=r"rna\.h5ad is an input file; choose another path for out$"):
        jae.embed_files(inputs, cells / "model", cells / "rna.h5ad", copy_of="mod1", overwrite=True)
    with pytest.raises(ValueError, match=r"^copy_of='rna' names no \.h5ad input: pass copy_of='mod1', 'mod2' or "
                                         r"'h5ad' .*, or copy_of=None$"):
        jae.embed_files(inputs, cells / "model", cells / "e.h5ad", copy_of="rna")
    assert sorted(p.name for p in cells.iterdir()) == ["adt.h5ad", "rna.h5ad"]


def test_a_zarr_store_and_an_old_h5ad_are_refused_naming_how_to_write_them_again(cells):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's notice of its next zarr format
        ad.read_h5ad(cells / "rna.h5ad").write_zarr(cells / "rna.zarr")
    with pytest.raises(ValueError, match=r"^copy_of='mod1' copies an \.h5ad file and .*rna\.zarr is a zarr store: "
                                         r"write it as one first, anndata\.read_zarr\('.*rna\.zarr'\)\.write_h5ad\("
                                         r"'.*rna\.copy1\.h5ad'\), and pass that as mod1=$"):  # rna.h5ad is there
        jae.embed_files(jae.io.InputFiles(mod1=cells / "rna.zarr"), cells / "model", cells / "e.h5ad",
                        copy_of="mod1")
    with h5py.File(cells / "rna.h5ad", "r+") as f:  # obs as anndata 0.7 wrote it
        f["obs"].attrs["encoding-version"] = "0.1.0"
    with pytest.raises(ValueError, match=r"rna\.h5ad is not an \.h5ad file as anndata >= 0\.8 writes it .*: write it "
                                         r"again first, anndata\.read_h5ad\('.*rna\.h5ad'\)\.write_h5ad\('copy\.h5ad'"
                                         r"\), and pass that as mod1=$"):
        jae.embed_files(jae.io.InputFiles(mod1=cells / "rna.h5ad"), cells / "model", cells / "e.h5ad",
                        copy_of="mod1")
    assert not (cells / "e.h5ad").exists()
