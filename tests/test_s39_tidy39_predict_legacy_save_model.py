"""Session 39: 'jae predict ... --save-model FOLDER --overwrite', FOLDER a predictor saved by an older jae
(predictor.json + weights.pt, which 'jae predict --model FOLDER' still loads and ModalityPredictor.save replaces with
overwrite=True), was refused: "save_model FOLDER exists and is not a jae model folder (no model.json)". It is replaced
now, as save replaces it; without overwrite it is refused as an existing model, and a folder of other files still as
no model folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jae.workflows.predict import predict_files

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

LEGACY = Path(__file__).parent / "fixtures" / "predictor_v1"


@pytest.fixture
def files(tmp_path):
    (source, target), query = paired(40, seed=0), paired(5, seed=1, prefix="q")[0]
    for adata, name in ((source, "tr1"), (target, "tr2"), (query, "te1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    shutil.copytree(LEGACY, tmp_path / "legacy")
    return tmp_path


def _predict(d, save_model, **kwargs):
    return predict_files(d / "tr1.h5ad", d / "tr2.h5ad", d / "te1.h5ad", d / "p.h5ad", save_model=save_model,
                         method="mean", progress_bar=False, **kwargs)


def test_an_old_layout_predictor_folder_is_replaced_with_overwrite(files):
    assert (files / "legacy" / "predictor.json").is_file()
    with pytest.raises(FileExistsError, match=r"^save_model .*legacy exists; pass overwrite=True to replace it"):
        _predict(files, files / "legacy")
    written = _predict(files, files / "legacy", overwrite=True).written
    assert written == (files / "p.h5ad", files / "legacy")
    assert sorted(p.name for p in (files / "legacy").iterdir()) == ["model.json", "weights.pt"]


def test_a_folder_of_other_files_is_still_refused(files):
    (files / "notes").mkdir()
    (files / "notes" / "a.txt").write_text("x")
    with pytest.raises(FileExistsError, match=r"^save_model .*notes exists and is not a jae model folder \(no "
                                              r"model\.json\), which is never replaced; move it or choose another "
                                              r"save_model$"):
        _predict(files, files / "notes", overwrite=True)
