"""Model files written by earlier format versions keep loading and give the same embedding."""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import numpy as np
import pytest
import pandas as pd
import scipy.sparse as sp

from jae import JAE

FIXTURES = Path(__file__).parent / "fixtures"


def _input(folder: Path, model: JAE) -> dict[str, ad.AnnData]:
    z = np.load(folder / "input.npz")
    mods = {}
    for i, name in enumerate(z["modalities"] if "modalities" in z else ("rna", "atac")):  # named from format 6 on
        X = sp.csr_matrix((z[f"{name}_data"], z[f"{name}_indices"], z[f"{name}_indptr"]), shape=tuple(z[f"{name}_shape"]))
        var = pd.DataFrame({"feature_types": model.preprocessor.kinds[i]}, index=model.preprocessor.var_names[i])
        mods[name] = ad.AnnData(X=X, obs=pd.DataFrame(index=z["obs_names"]), var=var, layers={"counts": X})
    return mods


def _embeds_and_predicts_as_saved(folder: Path, model: JAE, data=None) -> None:
    """The fixture's cells (``data``, else read from its input.npz) embed and get the labels and confidences the
    fixture was saved with."""
    data = _input(folder, model) if data is None else data
    np.testing.assert_allclose(model.embed(data, key_added=None), np.load(folder / "expected_embedding.npy"),
                               rtol=1e-5, atol=1e-5)
    expected = np.load(folder / "expected_labels.npz")
    pred = model.predict_cell_type(data)
    assert (pred["cell_type"].to_numpy().astype(str) == expected["cell_type"]).all()
    np.testing.assert_allclose(pred["confidence"].to_numpy(), expected["confidence"], atol=1e-5)


def _refused_once_edited(tmp_path: Path, version: int, edit, match: str) -> None:
    """A copy of the format-``version`` fixture whose tensors ``edit`` changes (in place) is refused, naming the fix."""
    import shutil

    import pytest
    import torch

    folder = tmp_path / f"model_v{version}"
    shutil.copytree(FIXTURES / f"model_v{version}" / "model", folder)
    tensors = torch.load(folder / "weights.pt", weights_only=True)
    edit(tensors)
    torch.save(tensors, folder / "weights.pt")
    with pytest.raises(ValueError, match=match):
        JAE.load(folder, device="cpu")


def test_format_v1_model_loads_and_embeds_identically():
    folder = FIXTURES / "model_v1"
    model = JAE.load(folder / "model", device="cpu")
    assert model.layout.dim == 3 + 2 + 7
    assert model.readout is None  # format 1: the embedding is the raw latent
    Z = model.embed(_input(folder, model), key_added=None)
    np.testing.assert_allclose(Z, np.load(folder / "expected_embedding.npy"), rtol=1e-5, atol=1e-5)


def test_format_v2_model_loads_and_embeds_identically():
    folder = FIXTURES / "model_v2"
    model = JAE.load(folder / "model", device="cpu")
    assert model.readout is not None and len(model.column_names) == 3 + 30  # 3 cell types + 30 free units
    Z = model.embed(_input(folder, model), key_added=None)
    np.testing.assert_allclose(Z, np.load(folder / "expected_embedding.npy"), rtol=1e-5, atol=1e-5)


def test_format_v2_model_without_voters_predicts_with_the_head_alone():
    from jae.model.readout import softmax

    folder = FIXTURES / "model_v2"
    model = JAE.load(folder / "model", device="cpu")
    assert model.voters is None
    data = _input(folder, model)
    pred = model.predict_cell_type(data)
    logits = model.latent(data)[:, model.layout.block("cell_type")]
    head = softmax(logits) if model.calibration is None else model.calibration.probabilities(logits)
    np.testing.assert_allclose(pred["confidence"].to_numpy(), head.max(axis=1), atol=1e-6)
    assert (pred["cell_type"].to_numpy() == np.asarray(model.cell_types)[head.argmax(axis=1)]).all()


def test_format_v3_model_loads_and_embeds_identically():
    folder = FIXTURES / "model_v3"
    model = JAE.load(folder / "model", device="cpu")
    assert model.readout is not None and not model.readout.free_units
    assert model.voters is not None and len(model.voters) == 108 and model.calibration.mixed
    Z = model.embed(_input(folder, model), key_added=None)
    np.testing.assert_allclose(Z, np.load(folder / "expected_embedding.npy"), rtol=1e-5, atol=1e-5)


def test_format_v3_model_predicts_identically():
    folder = FIXTURES / "model_v3"
    model = JAE.load(folder / "model", device="cpu")
    expected = np.load(folder / "expected_labels.npz")
    pred = model.predict_cell_type(_input(folder, model))
    assert (pred["cell_type"].to_numpy().astype(str) == expected["cell_type"]).all()
    np.testing.assert_allclose(pred["confidence"].to_numpy(), expected["confidence"], atol=1e-5)


def test_format_v4_model_loads_embeds_and_predicts_identically():
    folder = FIXTURES / "model_v4"
    model = JAE.load(folder / "model", device="cpu")
    assert model.readout.type_coef is None and not model.config.type_linear  # the head's type part (before round 46)
    assert model.readout.free_units and model.readout.cycle_axes.shape == (2, 3)  # the cell-cycle shrink (round 33)
    assert (0 < model.readout.cycle_keep).all() and (model.readout.cycle_keep <= 1).all()
    _embeds_and_predicts_as_saved(folder, model)


def test_a_v4_file_missing_its_cell_cycle_tensors_is_refused_with_the_fix(tmp_path):
    _refused_once_edited(tmp_path, 4, lambda t: t.pop("readout.cycle_axes"),
                         "cell-cycle tensors.*copy it again or refit")


def test_a_v4_file_with_misshapen_cell_cycle_tensors_is_refused_with_the_fix(tmp_path):
    def one_type_too_few(tensors):
        assert tensors["readout.cycle_axes"].shape[1] > 1
        tensors["readout.cycle_axes"] = tensors["readout.cycle_axes"][:, :-1]

    _refused_once_edited(tmp_path, 4, one_type_too_few, "readout tensors are misshapen.*copy it again or refit")


def test_format_v5_model_loads_embeds_and_predicts_identically():
    folder = FIXTURES / "model_v5"
    model = JAE.load(folder / "model", device="cpu")
    assert model.calibration.linear and len(model.calibration_cells) == model.calibration.n_heldout  # format 5
    assert model.config.type_linear and model.readout.type_coef.shape == (3, model.readout.dim(model.layout) - 3)
    _embeds_and_predicts_as_saved(folder, model)


def test_a_v5_file_missing_its_calibration_cells_or_type_classifier_is_refused_with_the_fix(tmp_path):
    _refused_once_edited(tmp_path / "a", 5, lambda t: t.pop("calibration_cells.codes"),
                         "lacks the calibration cells tensors.*damaged")
    _refused_once_edited(tmp_path / "b", 5, lambda t: t.pop("readout.type_coef"),  # round 46's classifier
                         "lacks the readout's classifier tensors.*damaged")


@pytest.mark.parametrize("name, edit", [
    ("readout.type_center", lambda t: t.update({"readout.type_center": t["readout.type_center"][:-1]})),
    ("calibration.centroids", lambda t: t.update({"calibration.centroids": t["calibration.centroids"][:-1]})),
    ("calibration.spreads", lambda t: t.update({"calibration.spreads": t["calibration.spreads"][:-1]})),
    ("svd.0", lambda t: t.pop("svd.0")),
])
def test_a_v6_file_with_a_missing_or_misshapen_tensor_is_refused_with_the_fix(tmp_path, name, edit):
    """A misshapen type centre loaded and then failed every embed with "operands could not be broadcast together";
    misshapen calibration centroids or spreads loaded silently; missing SVD components were refused without a fix."""
    _refused_once_edited(tmp_path, 6, edit, "(misshapen|missing).*damaged: copy it again or refit")


def test_format_v6_model_loads_embeds_and_predicts_identically():
    folder = FIXTURES / "model_v6"
    model = JAE.load(folder / "model", device="cpu")
    pre = model.preprocessor
    assert pre.kinds == ("GEX", "ADT") and pre.protein_norm == "clr_depth" and pre.protein_depth > 0  # format 6
    _embeds_and_predicts_as_saved(folder, model)


def test_format_v6_mapped_model_loads_embeds_and_predicts_identically():
    """tests/fixtures/mapped_v6: a model written by map_query, whose query adapter shifts its batch's cells."""
    import mudata as md

    folder = FIXTURES / "mapped_v6"
    model = JAE.load(folder / "model", device="cpu")
    assert model.adapter.batch_key == "batch" and model.adapter.shift.shape == (1, model.preprocessor.n_output)
    data = md.MuData(_input(folder, model))
    data.obs["batch"] = np.load(folder / "input.npz")["batch"]
    _embeds_and_predicts_as_saved(folder, model, data)
    data.obs["batch"] = model.batches[0]  # as a reference batch's cells: unshifted, so another embedding
    assert not np.allclose(model.embed(data, key_added=None), np.load(folder / "expected_embedding.npy"), atol=1e-3)


def test_a_v6_file_without_its_median_protein_count_is_refused_with_the_fix(tmp_path):
    import json
    import shutil

    import pytest

    folder = tmp_path / "model_v6"
    shutil.copytree(FIXTURES / "model_v6" / "model", folder)
    desc = json.loads((folder / "model.json").read_text())
    desc["modalities"][1].pop("median_count")
    (folder / "model.json").write_text(json.dumps(desc))
    with pytest.raises(ValueError, match="lacks the median protein count.*damaged"):
        JAE.load(folder, device="cpu")


def test_finetuning_a_v4_model_keeps_its_calibration_and_says_why(caplog):
    """Format 4 files keep no held-out reference cells, so finetune cannot fit their calibration again: it is kept
    as it was, with a warning naming the fix."""
    import logging

    folder = FIXTURES / "model_v4"
    model = JAE.load(folder / "model", device="cpu")
    assert model.calibration_cells is None
    kept = model.calibration.describe()
    with caplog.at_level(logging.WARNING, logger="jae"):
        model.finetune(_input(folder, model), epochs=1, progress_bar=False)
    assert model.calibration.describe() == kept
    assert any("keeps no held-out reference cells" in r.getMessage() and "refit the model" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("device, message", [
    ("gpu", r"^device='gpu' is not a device torch knows; pass 'auto', 'cpu', 'cuda' or 'cuda:N'$"),
    ("cuda", r"^device='cuda', but torch sees no CUDA GPU here"),
])
def test_load_names_a_device_torch_cannot_use_not_a_damaged_folder(small_cite_model, device, message, monkeypatch):
    """JAE.load(folder, device='cuda') on a machine without a GPU said "model.json has a malformed entry (...); the
    model folder is damaged: copy it again or refit the model": the folder was sound, the argument was not."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=message):
        JAE.load(small_cite_model, device=device)
    assert JAE.load(small_cite_model, device="cpu").device.type == "cpu"


@pytest.mark.parametrize("edit, match", [
    (lambda m: m[1].update(var_names=m[1]["var_names"][:-3]), "modalities give 17 input features, its network takes 20"),
    (lambda m: m[1].update(kind="ATAC"), "modality 'prot' \\(ATAC\\) lacks SVD components"),
    (lambda m: m.pop(), "not a list of two modalities"),
    (lambda m: m[1].update(name="rna"), "both modalities are named 'rna'"),
    (lambda m: m.reverse(), "the modalities are 'ADT' \\+ 'GEX'"),
    (lambda m: m[0]["var_names"].__setitem__(1, m[0]["var_names"][0]), "features of modality 'rna' are not .* distinct"),
])
def test_a_description_whose_modalities_do_not_match_its_weights_is_refused_on_load(tmp_path, edit, match):
    """A model.json whose modalities were edited (fewer proteins, ADT called ATAC, one modality, ...) loaded, then
    every embed failed with "mat1 and mat2 shapes cannot be multiplied" or "list index out of range", or a duplicate
    gene name embedded silently."""
    import json
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(FIXTURES / "model_v6" / "model", folder)
    desc = json.loads((folder / "model.json").read_text())
    edit(desc["modalities"])
    (folder / "model.json").write_text(json.dumps(desc))
    with pytest.raises(ValueError, match=f"^{folder / 'model.json'}: .*{match}.*damaged: copy it again or refit"):
        JAE.load(folder, device="cpu")


def test_a_description_that_is_not_text_is_refused_naming_the_file_and_the_fix(tmp_path):
    """weights.pt copied over model.json gave "'utf-8' codec can't decode byte 0x80 in position 64" (no file named,
    no fix; the CLI printed the same line). A description saved with a byte-order mark by an editor loads."""
    import json
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(FIXTURES / "model_v6" / "model", folder)
    text = (folder / "model.json").read_text()
    (folder / "model.json").write_bytes((folder / "weights.pt").read_bytes())
    with pytest.raises(ValueError, match=f"^{folder / 'model.json'} is not UTF-8 text; the model folder is damaged: "
                                         "copy it again or refit the model$"):
        JAE.load(folder, device="cpu")
    (folder / "model.json").write_text("{" + text[1:100])
    with pytest.raises(ValueError, match=r"model\.json is not valid JSON \(.*\); the model folder is damaged: copy it"):
        JAE.load(folder, device="cpu")
    (folder / "model.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(json.loads(text)).encode())
    assert JAE.load(folder, device="cpu").preprocessor.kinds == ("GEX", "ADT")


@pytest.mark.parametrize("part", ["readout", "calibration", "adapter", "moments", "voters", "calibration_cells"])
def test_a_description_that_nulls_a_part_its_weights_hold_is_refused_on_load(tmp_path, part):
    """A mapped model's model.json with e.g. "adapter": null (or "readout": null, "moments": false) loaded as another
    model, silently: without the query shift, with the raw latent as embedding, or labels without calibration."""
    import json
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(FIXTURES / "mapped_v6" / "model", folder)
    desc = json.loads((folder / "model.json").read_text())
    desc[part] = False if part == "moments" else None
    (folder / "model.json").write_text(json.dumps(desc))
    with pytest.raises(ValueError, match=rf"^{folder / 'weights.pt'} holds {part} tensors that {folder / 'model.json'} "
                                         rf"does not describe \('{part}' is missing, null or false\); the model folder "
                                         "is damaged: copy it again or refit the model$"):
        JAE.load(folder, device="cpu")


@pytest.mark.parametrize("gone, kept", [("weights.pt", "model.json"), ("model.json", "weights.pt")])
@pytest.mark.parametrize("kind", ["model_v6/model", "predictor_v6/jae"])
def test_a_model_folder_missing_one_file_names_that_file(tmp_path, gone, kept, kind):
    """A model folder that lost one of its two files (an interrupted copy) was "not a jae model folder: expected
    model.json and weights.pt in it", as if the user had given the wrong folder."""
    import shutil

    from jae.checkpoint import read_model_folder

    folder = tmp_path / "m"
    shutil.copytree(FIXTURES / kind, folder)
    (folder / gone).unlink()
    with pytest.raises(FileNotFoundError) as err:
        read_model_folder(folder, kind="jae" if kind.startswith("model") else "predictor")
    assert str(err.value) == (f"{folder / gone} is missing (the folder holds only the other file of a model, {kept}); "
                              "copy the whole model folder again"), err.value


def test_model_json_is_json_any_reader_takes_and_loads_the_history_as_saved(tmp_path):
    """A fit with query cells (fine-tuned, no validation loss) wrote its history's NaN as ``NaN``, which Python's json
    alone reads: JavaScript's JSON.parse, R's jsonlite and every reader of the JSON standard refuse model.json."""
    import json

    import jae

    m = jae.datasets.simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    query = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    m.obs["ct"] = m.obs["cell_type"].astype(object).where(~query)
    model = JAE(jae.JAEConfig(max_epochs=2, n_svd=20), seed=0, device="cpu").fit(m, cell_type_key="ct",
                                                                                   progress_bar=False)
    assert model.history["val_total"].isna().any()  # the fine-tuning epoch's
    path = model.save(tmp_path / "m")

    def refuse(constant):
        raise AssertionError(f"model.json holds {constant}, which is not JSON")

    description = json.loads((path / "model.json").read_text(), parse_constant=refuse)
    assert description["history"]["val_total"][-1] is None
    pd.testing.assert_frame_equal(JAE.load(path, device="cpu").history, model.history)
    # the calibration's thresholds are infinite when it has no held-out cells to set them: they load as they were
    # (written as null they were lost: float(None) failed the load as a damaged folder)
    import dataclasses

    model.calibration = dataclasses.replace(model.calibration, distance_threshold=np.inf)
    model.save(path, overwrite=True)
    assert JAE.load(path, device="cpu").calibration.distance_threshold == np.inf


@pytest.mark.parametrize("damage", ["weights", "json", "newer"])
@pytest.mark.parametrize("kind", ["model_v6/model", "predictor_v6/jae"])
def test_a_damaged_folder_names_the_verb_that_refits_its_kind(tmp_path, damage, kind):
    """jae predict --model of a damaged predictor folder said "copy it again or refit it with jae fit": jae fit makes
    joint models, never predictors (those are jae predict --save-model's)."""
    import json
    import shutil

    from jae.checkpoint import read_model_folder
    from jae.cli._messages import cli_message

    folder = tmp_path / "m"
    shutil.copytree(FIXTURES / kind, folder)
    if damage == "weights":
        (folder / "weights.pt").write_bytes((folder / "weights.pt").read_bytes()[:100])
    elif damage == "json":
        (folder / "model.json").write_text("{")
    else:
        description = json.loads((folder / "model.json").read_text())
        (folder / "model.json").write_text(json.dumps({**description, "format_version": 99}))
    predictor = kind.startswith("predictor")
    with pytest.raises(ValueError) as err:
        read_model_folder(folder, kind="predictor" if predictor else "jae")
    said = cli_message(str(err.value))
    assert said.endswith("refit it with jae predict --save-model" if predictor else "refit it with jae fit"), said
