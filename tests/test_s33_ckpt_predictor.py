"""Session 33 audit of saved prediction models: ModalityPredictor.load's refusals name the real problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae.prediction import ModalityPredictor

FIXTURE = Path(__file__).parent / "fixtures" / "predictor_v6"


@pytest.mark.parametrize("device", ["tpu", "cuda:7"])
def test_an_unusable_device_is_blamed_on_the_argument_not_the_folder(device):
    """It said "model.json has a malformed entry (device=...); the model folder is damaged: copy it again or refit"."""
    import torch

    if device.startswith("cuda") and torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    with pytest.raises(ValueError, match=r"^device=") as err:
        ModalityPredictor.load(FIXTURE / "knn", device=device)
    assert "model.json" not in str(err.value) and "damaged" not in str(err.value)


def _edited(tmp_path: Path, which: str, edit_json=None, edit_tensors=None) -> Path:
    """A copy of the format 6 ``which`` predictor fixture with its model.json and/or weights.pt edited in place."""
    import torch

    folder = tmp_path / which
    shutil.copytree(FIXTURE / which, folder)
    if edit_json is not None:
        d = json.loads((folder / "model.json").read_text())
        edit_json(d)
        (folder / "model.json").write_text(json.dumps(d))
    if edit_tensors is not None:
        tensors = torch.load(folder / "weights.pt", weights_only=True)
        edit_tensors(tensors)
        torch.save(tensors, folder / "weights.pt")
    return folder


def test_a_jae_predictor_of_no_network_is_refused(tmp_path):
    """n_members 0 (and its networks' tensors removed) loaded; every predict failed with 'list index out of range'."""
    def drop(tensors):
        for name in [k for k in tensors if k.startswith("net")]:
            del tensors[name]

    folder = _edited(tmp_path, "jae", lambda d: d.__setitem__("n_members", 0), drop)
    with pytest.raises(ValueError, match=r"model\.json: its n_members is 0, where a 'jae' predictor holds 1 network "
                                         r"or more; the model folder is damaged"):
        ModalityPredictor.load(folder, device="cpu")


@pytest.mark.parametrize("which, name", [("jae", "codec.mean"), ("knn", "baseline.train_S"),
                                         ("jae", "net0.")])
def test_nan_in_a_predictors_weights_is_refused(tmp_path, which, name):
    """codec.mean NaN loaded and every prediction came back NaN, silently."""
    def poison(tensors):
        key = next(k for k, v in tensors.items() if k.startswith(name) and v.is_floating_point() and v.numel())
        tensors[key].view(-1)[0] = float("nan")

    folder = _edited(tmp_path, which, edit_tensors=poison)
    with pytest.raises(ValueError, match=r"weights\.pt does not match .*holds NaN or infinite values"):
        ModalityPredictor.load(folder, device="cpu")


@pytest.mark.parametrize("k", [0, 10**6, 2.5])
def test_a_knn_predictor_with_an_impossible_k_is_refused(tmp_path, k):
    """k 0 or past its training cells loaded, and every predict failed in scikit-learn's words."""
    import torch

    folder = _edited(tmp_path, "knn", edit_tensors=lambda t: t.__setitem__("baseline.k", torch.tensor(k)))
    with pytest.raises(ValueError, match=r"the kNN baseline's k .* is not a whole number from 1 to its 150 training"):
        ModalityPredictor.load(folder, device="cpu")


def _legacy(tmp_path: Path, text: bytes) -> Path:
    """A copy of the predictor format 1 fixture (predictor.json + weights.pt) whose predictor.json holds ``text``."""
    legacy = Path(__file__).parent / "fixtures" / "predictor_v1"
    folder = tmp_path / "legacy"
    folder.mkdir()
    shutil.copy(legacy / "weights.pt", folder / "weights.pt")
    (folder / "predictor.json").write_bytes(text)
    return folder


def test_a_legacy_predictor_json_that_is_not_text_is_refused_in_one_line(tmp_path):
    """It failed with Python's "'utf-8' codec can't decode byte 0xff", naming no file."""
    folder = _legacy(tmp_path, b"\xff\xfe\x00 not text")
    with pytest.raises(ValueError, match=r"predictor\.json is not UTF-8 text; the model folder is damaged"):
        ModalityPredictor.load(folder, device="cpu")


def test_a_legacy_predictor_json_with_a_bom_loads_as_model_json_does(tmp_path):
    """An editor's byte-order mark was refused as "not valid JSON (Unexpected UTF-8 BOM)"; model.json reads it."""
    text = (Path(__file__).parent / "fixtures" / "predictor_v1" / "predictor.json").read_bytes()
    model = ModalityPredictor.load(_legacy(tmp_path, b"\xef\xbb\xbf" + text), device="cpu")
    assert model.method == "jae" and len(model.nets) >= 1


def test_a_damaged_predictor_description_names_its_file_and_the_predictors_refit(tmp_path):
    """A key missing from a predictor's model.json said "refit the model", which the CLI gives as "refit it with jae
    fit" (a predictor is refit with jae predict --save-model); an old folder's was blamed on a model.json it lacks."""
    from jae.cli._messages import cli_message

    folder = _edited(tmp_path, "knn", lambda d: d.pop("source_kind"))
    with pytest.raises(ValueError, match=r"model\.json lacks the key 'source_kind'; .*or refit the predictor$") as err:
        ModalityPredictor.load(folder, device="cpu")
    assert "jae predict --save-model" in cli_message(str(err.value)) and "jae fit" not in cli_message(str(err.value))
    meta = json.loads((Path(__file__).parent / "fixtures" / "predictor_v1" / "predictor.json").read_text())
    meta.pop("source_kind")
    with pytest.raises(ValueError, match=r"/legacy/predictor\.json lacks the key 'source_kind'; .*refit the predictor$"):
        ModalityPredictor.load(_legacy(tmp_path, json.dumps(meta).encode()), device="cpu")


def test_a_legacy_predictor_of_an_unknown_format_names_the_formats_this_jae_reads(tmp_path):
    """It said "this jae reads predictor format 1 and model format 2", stale since model format 3."""
    from jae.checkpoint import FORMAT_VERSION

    meta = json.loads((Path(__file__).parent / "fixtures" / "predictor_v1" / "predictor.json").read_text())
    meta["format_version"] = 2
    with pytest.raises(ValueError, match=rf"predictor format 2; this jae reads predictor\.json of format 1 and "
                                         rf"model\.json of formats 1 to {FORMAT_VERSION}: refit the predictor"):
        ModalityPredictor.load(_legacy(tmp_path, json.dumps(meta).encode()), device="cpu")


@pytest.mark.parametrize("key", ["source_kind", "target_kind"])
def test_the_cli_names_a_missing_description_key_as_the_file_holds_it(tmp_path, key):
    """jae predict --model said "model.json lacks the key '--source-kind'", a flag no model.json holds."""
    from jae.cli._messages import cli_message

    folder = _edited(tmp_path, "knn", lambda d: d.pop(key))
    with pytest.raises(ValueError) as err:
        ModalityPredictor.load(folder, device="cpu")
    assert f"model.json lacks the key '{key}';" in cli_message(str(err.value))
