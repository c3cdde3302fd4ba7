"""A GEX or ATAC training source of one cell (or one feature) failed with 'cannot fit an SVD to data of shape
(1, 40): need at least 2 cells and 2 features', naming neither the argument nor the fix; it now says train_source
(--train-mod1) and what to pass. An ADT source of one cell, which has no SVD, still trains the mean baseline."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.mark.parametrize("method", ["mean", "ridge"])
def test_one_training_cell_is_named(method):
    source, target = paired(1, seed=0)
    with pytest.raises(ValueError, match=r"^train_source has 1 cell x 40 features: its GEX encoding \(an SVD\) needs "
                                         r"at least 2 of each; pass more paired training cells$"):
        ModalityPredictor(method, seed=0, device="cpu").fit(source, target, progress_bar=False)


def test_one_source_feature_is_named():
    source, target = paired(20, seed=0)
    source = source[:, :1].copy()
    source.X = sp.csr_matrix(np.ones((20, 1), dtype=np.float32))  # no cell without counts
    source.layers["counts"] = source.X.copy()
    with pytest.raises(ValueError, match=r"^train_source has 20 cells x 1 feature: its GEX encoding \(an SVD\) needs "
                                         r"at least 2 of each; pass the source modality with more features$"):
        ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False)


def test_the_cli_names_its_flag(tmp_path, caplog, capsys):
    from jae.cli import main

    (source, target), (query, _) = paired(1, seed=0), paired(5, seed=1, prefix="q")
    for adata, name in ((source, "tr1"), (target, "tr2"), (query, "te1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    argv = ["predict", "--train-mod1", str(tmp_path / "tr1.h5ad"), "--train-mod2", str(tmp_path / "tr2.h5ad"),
            "--test-mod1", str(tmp_path / "te1.h5ad"), "--output", str(tmp_path / "p.h5ad"), "--method", "mean"]
    assert main(argv) == 1
    assert "--train-mod1 has 1 cell x 40 features" in caplog.text + capsys.readouterr().err
    assert not (tmp_path / "p.h5ad").exists()


def test_an_adt_source_of_one_cell_still_trains():
    protein, gex = paired(1, seed=0, target="GEX")[1], paired(1, seed=0)[0]
    protein.var["feature_types"] = "ADT"
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(protein, gex, progress_bar=False)
    assert np.isfinite(model.predict(protein).X).all()
