"""Session 33 audit of model files: hand-edited or damaged descriptions and weights are refused at load, in one line
naming model.json or weights.pt and the fix, instead of a traceback or a model that embeds or labels cells wrongly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jae import JAE

FIXTURE = Path(__file__).parent / "fixtures" / "model_v6" / "model"


def _edited(tmp_path: Path, edit) -> Path:
    """A copy of the format 6 fixture whose model.json ``edit`` changes in place."""
    folder = tmp_path / "model"
    shutil.copytree(FIXTURE, folder)
    d = json.loads((folder / "model.json").read_text())
    edit(d)
    (folder / "model.json").write_text(json.dumps(d))
    return folder


@pytest.mark.parametrize("value", [["jae"], {"kind": "jae"}])
def test_model_kind_that_is_not_a_string_is_refused_in_one_line(tmp_path, value):
    folder = _edited(tmp_path, lambda d: d.__setitem__("model_kind", value))
    with pytest.raises(ValueError, match=r"model\.json: model_kind .* is not a kind of jae model .*damaged"):
        JAE.load(folder, device="cpu")


def test_format_version_true_is_not_read_as_format_1(tmp_path):
    folder = _edited(tmp_path, lambda d: d.__setitem__("format_version", True))
    with pytest.raises(ValueError, match="format_version True is not supported"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("key, value", [("cell_type", "abc"), ("cell_type", ["A", "A", "B"]), ("batch", ["x", "x"]),
                                        ("cell_type", [1, 2, 3])])
def test_categories_that_are_not_distinct_names_are_refused(tmp_path, key, value):
    """A text "abc" loaded as the three cell types 'a', 'b', 'c'; a repeated name loaded and every prediction failed."""
    folder = _edited(tmp_path, lambda d: d["categories"].__setitem__(key, value))
    with pytest.raises(ValueError, match=rf"model\.json: categories\.{key} is not a list of distinct names"):
        JAE.load(folder, device="cpu")


def _weights_edited(tmp_path: Path, edit) -> Path:
    """A copy of the format 6 fixture whose weights.pt ``edit`` changes in place."""
    import torch

    folder = _edited(tmp_path, lambda d: None)
    tensors = torch.load(folder / "weights.pt", weights_only=True)
    edit(tensors)
    torch.save(tensors, folder / "weights.pt")
    return folder


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_type_scale_is_refused(tmp_path, value):
    """It loaded, and every embedding was NaN (or its type part NaN and predictions failed)."""
    folder = _edited(tmp_path, lambda d: d["readout"].__setitem__("type_scale", value))
    with pytest.raises(ValueError, match=r"model\.json: readout\.type_scale is (nan|inf), not a finite number"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("prefix", ["network.", "svd.", "readout.mean"])
def test_nan_weights_are_refused(tmp_path, prefix):
    def edit(tensors):
        name = next(k for k, v in tensors.items() if k.startswith(prefix) and v.is_floating_point() and v.numel())
        tensors[name].view(-1)[0] = float("nan")

    folder = _weights_edited(tmp_path, edit)
    with pytest.raises(ValueError, match=r"weights\.pt: tensor .* holds NaN or infinite values"):
        JAE.load(folder, device="cpu")


def test_minus_infinite_classifier_intercept_still_loads(tmp_path):
    """-inf marks a type the readout's linear classifier was not fitted on: a valid file."""
    folder = _weights_edited(tmp_path, lambda t: t["readout.type_intercept"].__setitem__(0, float("-inf")))
    assert JAE.load(folder, device="cpu").readout is not None


@pytest.mark.parametrize("part, code", [("voters", 99), ("voters", -1), ("calibration_cells", 3)])
def test_label_codes_outside_the_cell_types_are_refused(tmp_path, part, code):
    """Voters' code 99 loaded and every prediction failed with an IndexError; -1 voted silently for the last type."""
    folder = _weights_edited(tmp_path, lambda t: t[f"{part}.codes"].__setitem__(0, code))
    with pytest.raises(ValueError, match=rf"weights\.pt: tensor '{part}\.codes' holds label codes that are not "):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("value", ["25", 25.0])
def test_n_input_that_is_not_a_whole_number_is_named_as_such(tmp_path, value):
    """'25' was refused as "its modalities give 25 input features, its network takes 25", a contradiction; 25.0 in
    torch's words ("empty(): argument 'size' failed to unpack")."""
    n = json.loads((FIXTURE / "model.json").read_text())["n_input"]
    folder = _edited(tmp_path, lambda d: d.__setitem__("n_input", type(value)(n)))
    with pytest.raises(ValueError, match=rf"give {n} input features, its network takes {type(value)(n)!r}; "):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("key", ["protein_norm", "pca_init", "type_linear"])
def test_a_format_6_config_without_a_field_every_such_file_has_is_refused(tmp_path, key):
    """Without protein_norm a format 6 file loaded with the 'log' normalisation of files before it and embedded its
    proteins otherwise, silently; without pca_init its weights were said to come from another model."""
    folder = _edited(tmp_path, lambda d: d["config"].pop(key))
    with pytest.raises(ValueError, match=rf"model\.json lacks the key 'config\.{key}'; the model folder is damaged"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("key, value", [("temperature", float("nan")), ("temperature", 0.0), ("temperature", -1.0),
                                        ("linear_temperature", -0.5)])
def test_a_calibration_temperature_no_fit_makes_is_refused(tmp_path, key, value):
    """They loaded and changed every confidence and unknown call, silently."""
    folder = _edited(tmp_path, lambda d: d["calibration"].__setitem__(key, value))
    with pytest.raises(ValueError, match=rf"model\.json: calibration\.{key} is {value}, not a positive number"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("prefix", ["network.", "svd.", "readout.mean"])
def test_integer_weights_where_jae_writes_floats_are_refused(tmp_path, prefix):
    """Weights converted to integers loaded as they were: every embedding changed, silently."""
    import torch

    def to_int(tensors):
        name = next(k for k, v in tensors.items() if k.startswith(prefix) and v.is_floating_point())
        tensors[name] = tensors[name].to(torch.int64)

    folder = _weights_edited(tmp_path, to_int)
    with pytest.raises(ValueError, match=r"weights\.pt: tensor .* holds int64 values where jae writes floating-point"):
        JAE.load(folder, device="cpu")


def test_a_format_5_config_without_type_linear_still_loads(tmp_path):
    """The first format 5 files were written before JAEConfig.type_linear (round 46): they load without it."""
    import shutil as sh

    folder = tmp_path / "v5"
    sh.copytree(FIXTURE.parent.parent / "model_v5" / "model", folder)
    d = json.loads((folder / "model.json").read_text())
    d["config"].pop("type_linear")
    (folder / "model.json").write_text(json.dumps(d))
    assert JAE.load(folder, device="cpu").config.type_linear is False


@pytest.mark.parametrize("value", ["0.5", [1.0], True])
def test_axes_carry_that_is_not_a_number_is_refused(tmp_path, value):
    """It loaded, and map_query (jae map) then failed with a traceback: "'<' not supported between 'str' and 'float'"."""
    folder = _edited(tmp_path, lambda d: d.__setitem__("axes_carry", value))
    with pytest.raises(ValueError, match=r"model\.json: axes_carry is .*, not a number; the model folder is damaged"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("value", ["false", 0, None])
def test_free_units_that_is_not_true_or_false_is_refused(tmp_path, value):
    """A hand-edited ``readout.free_units: "false"`` was read with bool(), so the free units were read all the same
    and the embedding was not what the file said; it is now refused as a malformed entry."""
    folder = _edited(tmp_path, lambda d: d["readout"].__setitem__("free_units", value))
    with pytest.raises(ValueError, match=r"model\.json has a malformed entry \(readout\.free_units is .*damaged"):
        JAE.load(folder, device="cpu")
    assert JAE.load(_edited(tmp_path / "ok", lambda d: None), device="cpu").readout.free_units in (True, False)
