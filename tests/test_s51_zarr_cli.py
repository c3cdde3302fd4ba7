"""Zarr stores on the command line (session 51): ``jae fit/embed --h5mu STORE.zarr`` and ``--mod1/--mod2``
stores give the model and embedding of the same data as files, read whole or (``--memory-budget 1``) copied and
streamed; a store given to the wrong flag names the right one; an output inside an input store is refused."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest

import jae
from jae.cli import main
from test_s51_zarr_read import fingerprint, write_store


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The same cells as an .h5mu and a MuData store (v3), and their RNA as an .h5ad and an AnnData store (v2)."""
    folder = tmp_path_factory.mktemp("s51_zarr_cli")
    cells = jae.simulate(200, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=2, seed=0)
    cells.write(folder / "cells.h5mu")
    write_store(cells, folder / "cells.zarr", 3)
    rna = ad.AnnData(X=cells["rna"].layers["counts"], obs=cells.obs, var=cells["rna"].var)
    rna.write_h5ad(folder / "rna.h5ad")
    write_store(rna, folder / "rna.zarr", 2)
    atac = ad.AnnData(X=cells["atac"].layers["counts"], obs=cells.obs, var=cells["atac"].var)
    atac.write_h5ad(folder / "atac.h5ad")
    write_store(atac, folder / "atac.zarr", 3)
    return folder


def _fit_embed(folder, tag, flag, data, *budget):
    model, emb = folder / f"model_{tag}", folder / f"emb_{tag}.h5ad"
    assert main(["-q", "fit", flag, str(data), "--mode", "unsupervised", "--max-epochs", "1", "--device", "cpu",
                 *budget, "--out", str(model)]) == 0
    assert main(["-q", "embed", "--model", str(model), flag, str(data), "--device", "cpu", *budget,
                 "--out", str(emb)]) == 0
    return ad.read_h5ad(emb)


def test_fit_and_embed_a_store_as_its_h5mu_whole_and_streamed(written, scratch):
    before = fingerprint(written / "cells.zarr")
    file = _fit_embed(written, "h5mu", "--h5mu", written / "cells.h5mu")
    store = _fit_embed(written, "zarr", "--h5mu", written / "cells.zarr")
    assert store.obs_names.equals(file.obs_names)
    np.testing.assert_array_equal(store.X, file.X)
    streamed = written / "emb_zarr_streamed.h5ad"  # over the budget: copied to an .h5mu, streamed as the file is
    assert main(["-q", "embed", "--model", str(written / "model_h5mu"), "--h5mu", str(written / "cells.zarr"),
                 "--device", "cpu", "--memory-budget", "1", "--out", str(streamed)]) == 0
    np.testing.assert_array_equal(ad.read_h5ad(streamed).X, file.X)  # embed streams the .h5mu whatever the budget
    assert not list(scratch.glob("jae-zarr-*"))  # the copies removed when each verb ended
    assert fingerprint(written / "cells.zarr") == before


def test_an_rna_store_is_embedded_as_its_h5ad(written):
    before = fingerprint(written / "rna.zarr")
    embedded = {}
    for name in ("rna.h5ad", "rna.zarr"):
        out = written / f"emb_{name}.h5ad"
        assert main(["-q", "embed", "--model", str(written / "model_h5mu"), "--mod1", str(written / name),
                     "--device", "cpu", "--out", str(out)]) == 0
        embedded[name] = ad.read_h5ad(out).X
    np.testing.assert_array_equal(embedded["rna.zarr"], embedded["rna.h5ad"])
    assert fingerprint(written / "rna.zarr") == before


def test_predict_from_stores_as_from_their_h5ad_files(written, scratch):
    before = fingerprint(written / "rna.zarr")
    predicted = {}
    for ext in ("h5ad", "zarr"):  # test_mod1 streamed: the store copied to an .h5ad first
        out = written / f"pred_{ext}.h5ad"
        assert main(["-q", "predict", "--train-mod1", str(written / f"rna.{ext}"), "--train-mod2",
                     str(written / f"atac.{ext}"), "--test-mod1", str(written / f"rna.{ext}"), "--method", "ridge",
                     "--device", "cpu", "--output", str(out)]) == 0
        predicted[ext] = ad.read_h5ad(out)
    assert predicted["zarr"].obs_names.equals(predicted["h5ad"].obs_names)
    np.testing.assert_array_equal(np.asarray(predicted["zarr"].X), np.asarray(predicted["h5ad"].X))
    assert not list(scratch.glob("jae-zarr-*")) and fingerprint(written / "rna.zarr") == before


def _error(caplog, argv):
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) != 0
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0], errors
    return errors[0]


def test_a_store_given_to_the_wrong_flag_names_the_right_one(written, tmp_path, caplog):
    out = ["--mode", "unsupervised", "--out", str(tmp_path / "M")]
    err = _error(caplog, ["fit", "--h5ad", str(written / "cells.zarr"), *out])
    assert err.endswith("cells.zarr is a MuData zarr store, not an AnnData one; pass it as --h5mu FILE"), err
    err = _error(caplog, ["fit", "--h5mu", str(written / "rna.zarr"), *out])
    assert err.endswith("rna.zarr is an AnnData zarr store, not a MuData one; pass it as --h5ad FILE (one holding both "
                        "modalities) or as --mod1 FILE (RNA) with the other modality's file as --mod2 FILE"), err
    err = _error(caplog, ["fit", "--10x", str(written / "cells.zarr"), *out])
    assert err.endswith("is a folder, not a file; it is a MuData zarr store, read as its .h5mu is: pass it as --h5mu "
                        "FILE"), err
    err = _error(caplog, ["predict", "--train-mod1", str(written / "rna.zarr"), "--train-mod2", str(written / "atac.zarr"),
                          "--test-mod1", str(written / "cells.zarr"), "--output", str(tmp_path / "p.h5ad")])
    assert err.endswith("cells.zarr is a MuData zarr store, not an AnnData one; prediction reads one .h5ad per "
                        "modality: save each modality as a store of its own first (mdata.mod['rna'].write_zarr(...))")
    not_a_store = tmp_path / "plain"
    not_a_store.mkdir()
    err = _error(caplog, ["fit", "--h5mu", str(not_a_store), *out])
    assert err.endswith("plain is a folder, not a file; pass the file itself"), err
    before = fingerprint(written / "cells.zarr")
    err = _error(caplog, ["embed", "--model", str(written / "model_h5mu"), "--h5mu", str(written / "cells.zarr"),
                          "--out", str(written / "cells.zarr" / "emb.h5ad")])
    assert "is inside the input zarr store" in err and "choose another path for --out, outside it" in err, err
    assert fingerprint(written / "cells.zarr") == before
