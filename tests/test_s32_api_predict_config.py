"""jae.PredictConfig given numpy numbers in its tuple fields (knn_ks, hidden, ridge_rel_alphas, dropout)."""

from __future__ import annotations

import json

import numpy as np

import jae


def test_numpy_numbers_in_tuple_fields_become_python_numbers_the_saved_predictor_holds(tmp_path):
    cfg = jae.PredictConfig(knn_ks=(np.int64(5), np.int64(10)), hidden=(np.int64(16),), dropout=np.float32(0.25),
                            ridge_rel_alphas=[np.float32(0.5), 1.0], max_epochs=np.int64(2))
    assert cfg.knn_ks == (5, 10) and cfg.hidden == (16,) and cfg.ridge_rel_alphas == (0.5, 1.0) and cfg.dropout == 0.25
    values = [*cfg.knn_ks, *cfg.hidden, *cfg.ridge_rel_alphas, cfg.dropout, cfg.max_epochs]
    assert all(type(v) in (int, float) for v in values)
    assert json.loads(json.dumps(cfg.to_dict()))["knn_ks"] == [5, 10]
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, seed=0)
    folder = jae.ModalityPredictor("mean", config=cfg, seed=np.int64(1)).fit(m["rna"], m["prot"], progress_bar=False)\
        .save(tmp_path / "predictor")
    assert jae.ModalityPredictor.load(folder).config == cfg
