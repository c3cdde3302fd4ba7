"""Modality prediction reads the source counts where ``layer=`` names them, as the joint model does (session 48).

``jae.predict``, ``jae.ModalityPredictor`` and ``jae predict`` read the counts from ``layers['counts']`` or else
``.X`` and took no ``layer=`` (nor a ``--layer``): a scanpy user whose counts sit in ``.raw``, or in
``layers['raw_counts']`` beside log values in ``.X``, had to rewrite the file. They now take ``layer=`` /
``--layer`` with the joint model's default and rule (:mod:`jae.io.raw`), in memory and from ``.h5ad`` files, and
predict bit for bit what the same counts in ``.X`` give. A layer the data lacks is refused in one line naming its
layers, before any training.
"""

from __future__ import annotations

import json
import logging

import anndata as ad
import numpy as np
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


def _in_x(a: ad.AnnData) -> ad.AnnData:
    return ad.AnnData(a.layers["counts"].copy(), obs=a.obs.copy(), var=a.var.copy())


def _log(X):
    X = X.copy()
    X.data = np.log1p(X.data)
    return X


def _raw_counts(a: ad.AnnData) -> ad.AnnData:
    """Counts in layers['raw_counts'], log values in .X."""
    b = _in_x(a)
    b.layers["raw_counts"] = b.X.copy()
    b.X = _log(b.X)
    return b


def _in_raw(a: ad.AnnData) -> ad.AnnData:
    """Counts in .raw (scanpy's adata.raw = adata.copy() before normalising), log values in .X."""
    b = _in_x(a)
    b.raw = b.copy()
    b.X = _log(b.X)
    return b


LAYOUTS = {"X": (_in_x, None), "raw_counts": (_raw_counts, "raw_counts"), "raw": (_in_raw, "raw")}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s48_layer")
    m = simulate(120, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=3)
    train = np.arange(m.n_obs) < 80
    rna_train, rna_test, prot = m["rna"][train].copy(), m["rna"][~train].copy(), m["prot"][train].copy()
    prot.write_h5ad(folder / "train_mod2.h5ad")
    for name, (make, _) in LAYOUTS.items():
        make(rna_train).write_h5ad(folder / f"train_{name}.h5ad")
        make(rna_test).write_h5ad(folder / f"test_{name}.h5ad")
    expected = jae.predict(_in_x(rna_train), prot, _in_x(rna_test), method="ridge", progress_bar=False, layer=None).X
    return folder, rna_train, rna_test, prot, expected


@pytest.mark.parametrize("name", ["X", "raw_counts", "raw"])
def test_python_in_memory_and_from_files_predicts_as_counts_in_x(data, name):
    folder, rna_train, rna_test, prot, expected = data
    make, layer = LAYOUTS[name]
    got = jae.predict(make(rna_train), prot, make(rna_test), method="ridge", progress_bar=False, layer=layer)
    assert np.array_equal(got.X, expected)
    from_file = jae.predict(ad.read_h5ad(folder / f"train_{name}.h5ad"), prot, folder / f"test_{name}.h5ad",
                            method="ridge", progress_bar=False, layer=layer)  # the query streamed in row blocks
    assert np.array_equal(from_file.X, expected)
    model = jae.ModalityPredictor("ridge").fit(make(rna_train), prot, layer=layer, progress_bar=False)
    assert np.array_equal(model.predict(make(rna_test), layer=layer).X, expected)
    assert np.array_equal(model.predict(folder / f"test_{name}.h5ad", layer=layer).X, expected)


def test_default_layer_reads_x_without_counts_layer_as_before(data):
    folder, rna_train, rna_test, prot, expected = data
    got = jae.predict(_in_x(rna_train), prot, _in_x(rna_test), method="ridge", progress_bar=False)
    assert np.array_equal(got.X, expected)


@pytest.mark.parametrize("name", ["X", "raw_counts", "raw"])
def test_cli_layer_predicts_as_counts_in_x(data, name, tmp_path):
    folder, *_, expected = data
    out = tmp_path / "pred.h5ad"
    argv = ["-q", "predict", "--train-mod1", str(folder / f"train_{name}.h5ad"), "--train-mod2",
            str(folder / "train_mod2.h5ad"), "--test-mod1", str(folder / f"test_{name}.h5ad"), "--output", str(out),
            "--method", "ridge", "--layer", name]
    assert main(argv) == 0
    assert np.array_equal(ad.read_h5ad(out).X, expected)


def test_a_missing_layer_is_refused_naming_the_layers_before_training(data, tmp_path, caplog):
    folder, rna_train, rna_test, prot, _ = data
    with pytest.raises(KeyError, match=r"^\"train_source has no layer 'umi' \(layers: \['raw_counts'\]\), and "
                                       r"query_source has no layer 'umi' \(layers: \['raw_counts'\]\); pass layer="):
        jae.predict(_raw_counts(rna_train), prot, _raw_counts(rna_test), method="ridge", progress_bar=False,
                    layer="umi")  # both sources named in one line
    with pytest.raises(KeyError, match=r"^\"query_source has no layer 'umi' \(layers: \['raw_counts'\]\); pass"):
        jae.predict(ad.AnnData(_log(_in_x(rna_train).X), obs=rna_train.obs, var=rna_train.var,
                               layers={"umi": rna_train.layers["counts"]}),
                    prot, _raw_counts(rna_test), method="ridge", progress_bar=False, layer="umi")
    model = jae.ModalityPredictor("ridge").fit(_raw_counts(rna_train), prot, layer="raw_counts", progress_bar=False)
    with pytest.raises(KeyError, match=r"query_source has no layer 'umi' \(layers: \['raw_counts'\]\)"):
        model.predict(folder / "test_raw_counts.h5ad", layer="umi")
    caplog.clear()
    out = tmp_path / "pred.h5ad"
    with caplog.at_level(logging.INFO, logger="jae"):
        rc = main(["predict", "--train-mod1", str(folder / "train_raw_counts.h5ad"), "--train-mod2",
                   str(folder / "train_mod2.h5ad"), "--test-mod1", str(folder / "test_raw_counts.h5ad"), "--output",
                   str(out), "--method", "ridge", "--layer", "umi"])
    assert rc == 1 and not out.exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0], errors
    assert "has no layer 'umi' (layers: ['raw_counts'])" in errors[0] and "--layer NAME" in errors[0], errors
    assert "Traceback" not in caplog.text and "ridge baseline" not in caplog.text  # before any training


def test_normalised_values_in_the_layer_are_refused_as_the_joint_model_refuses_them(data):
    _, rna_train, rna_test, prot, _ = data
    train, test = _raw_counts(rna_train), _raw_counts(rna_test)
    train.layers["raw_counts"], test.layers["raw_counts"] = train.X, test.X  # log values in the layer named
    with pytest.raises(ValueError, match=r"^train_source\.layers\['raw_counts'\] has \d+ non-integer values .*"
                                         r"looks normalised, and query_source\.layers\['raw_counts'\] has .*layer="):
        jae.predict(train, prot, test, method="ridge", progress_bar=False, layer="raw_counts")
    with pytest.raises(ValueError, match=r"^train_source\.X has .* looks normalised.*layer='raw_counts' if that one"):
        jae.predict(_raw_counts(rna_train), prot, _raw_counts(rna_test), method="ridge", progress_bar=False)


def test_the_layer_is_not_saved_and_a_loaded_predictor_takes_it(data, tmp_path):
    folder, rna_train, rna_test, prot, expected = data
    model = jae.ModalityPredictor("ridge").fit(_in_raw(rna_train), prot, layer="raw", progress_bar=False)
    saved = model.save(tmp_path / "model")
    assert "layer" not in json.loads((saved / "model.json").read_text())
    loaded = jae.ModalityPredictor.load(saved)
    assert np.array_equal(loaded.predict(folder / "test_raw_counts.h5ad", layer="raw_counts").X, expected)
    assert np.array_equal(loaded.predict(_in_x(rna_test)).X, expected)
