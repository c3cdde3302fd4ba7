"""Session 37: a saved predictor's model.json held the token 'Infinity' (a target var column with an infinite value,
written by Python's json), which no standard JSON reader accepts (jq, jsonlite, JSON.parse). Infinite values are
now written as the number 1e999 (-1e999), standard JSON that Python's json reads back as infinity: the folder loads
as before, and a text 'Infinity' (a feature's name) is kept as text."""

from __future__ import annotations

import json

import numpy as np

from jae.datasets import simulate
from jae.prediction import ModalityPredictor


def _strict(text: str) -> dict:
    def refuse(token):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def test_a_saved_predictor_is_standard_json_and_loads_the_same(tmp_path):
    m = simulate(80, kind="cite", n_genes=200, n_proteins=6, n_batches=2, seed=0)
    rna, prot = m.mod["rna"], m.mod["prot"].copy()
    prot.var["score"] = [np.inf, -np.inf, 1.0, np.nan, 2.0, 3.0]
    prot.var["note"] = ["Infinity", "-Infinity", "NaN", "a", "b", "c"]  # text: kept as text
    model = ModalityPredictor(method="mean").fit(rna, prot, progress_bar=False)
    model.save(tmp_path / "p")
    d = _strict((tmp_path / "p" / "model.json").read_text())  # raised on 'Infinity' before
    assert d["target_var"]["score"][:2] == [np.inf, -np.inf]
    assert d["target_var"]["note"][:3] == ["Infinity", "-Infinity", "NaN"]
    var = ModalityPredictor.load(tmp_path / "p").target_var
    assert var["score"].tolist()[:3] == [np.inf, -np.inf, 1.0] and np.isnan(var["score"].iloc[3])
    assert var["note"].tolist()[:3] == ["Infinity", "-Infinity", "NaN"]
