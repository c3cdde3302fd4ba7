"""Session 39: 'jae predict --model FOLDER --output FOLDER', FOLDER a predictor saved by an older jae (predictor.json +
weights.pt), said "--output FOLDER is an input file", though it is a folder: the model folder, as it says for a
predictor folder of today's layout. It names the model folder now."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jae.workflows.predict import predict_files

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("layout", ["predictor_v1", "predictor_v6/jae"])
def test_the_output_is_named_the_model_folder(tmp_path, layout):
    shutil.copytree(FIXTURES / layout, tmp_path / "m")
    with pytest.raises(ValueError, match=r"^output .*m is the model folder; choose another path for output$"):
        predict_files(None, None, FIXTURES / "predictor_v1_query.h5ad", tmp_path / "m", model=tmp_path / "m",
                      progress_bar=False)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == sorted(p.name for p in (FIXTURES / layout).iterdir())
