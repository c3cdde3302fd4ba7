"""The README named jae.predict and jae predict but never the model class behind them: how to fit once, save, load
and predict new cells in Python (ModalityPredictor, the folder jae predict --save-model writes) was in docstrings
only. The README names it now; each call it names exists as written."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import jae

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_names_the_predictor_calls_that_exist():
    text = " ".join(README.read_text(encoding="utf-8").split())
    for call in ("jae.ModalityPredictor(", ".fit(train_source, train_target)", ".predict(query_source)",
                 ".save(folder)", "jae.ModalityPredictor.load(folder)", "jae predict --save-model"):
        assert call in text, call
    for method in re.findall(r"`\.(\w+)\(", text[text.index("jae.ModalityPredictor("):][:600]):
        assert callable(getattr(jae.ModalityPredictor, method)), method
    params = inspect.signature(jae.ModalityPredictor).parameters
    assert {"method", "config", "seed"} <= set(params)
