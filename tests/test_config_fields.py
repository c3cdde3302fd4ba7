"""JAEConfig's own checks of odd field values: one line naming the field, before any work."""

from __future__ import annotations

import numpy as np
import pytest

from jae import JAEConfig


@pytest.mark.parametrize("name", ["batch_norm", "decoder_batch", "pca_init", "type_linear"])
@pytest.mark.parametrize("value", ["false", "no", 0.0, None])
def test_a_switch_given_as_text_or_a_number_is_refused_naming_it(name, value):
    # "false" is truthy: it used to be kept and turn the setting on
    with pytest.raises(TypeError, match=rf"^{name} must be True or False, not "):
        JAEConfig(**{name: value})


def test_a_switch_from_numpy_or_an_edited_model_json_is_stored_as_a_python_bool():
    cfg = JAEConfig(batch_norm=np.bool_(False), decoder_batch=np.True_)
    assert cfg.batch_norm is False and cfg.decoder_batch is True
    with pytest.raises(TypeError, match=r"^decoder_batch must be True or False, not 'false'$"):
        JAEConfig.from_dict({**JAEConfig().to_dict(), "decoder_batch": "false"})


@pytest.mark.parametrize("n_phase", [1, 3, -1])
def test_a_phase_block_other_than_the_two_scores_is_refused_before_any_work(n_phase):
    # the phase block is trained on the S and G2M scores: 3 units failed in torch's loss after the preprocessing,
    # and 1 unit was trained on both scores by broadcasting, with no message
    with pytest.raises(ValueError, match=rf"^n_phase must be 2 \(the S and G2M scores\) or 0 .*, not {n_phase}$"):
        JAEConfig(n_phase=n_phase)
    assert JAEConfig(n_phase=0).n_phase == 0


@pytest.mark.parametrize("hidden", [(1.5,), (128, 64.9), ("256",), (None,), (True, 8)])
def test_hidden_widths_that_are_no_whole_numbers_are_refused_naming_hidden(hidden):
    # 64.9 was cut to 64 with no message; "256" and None failed with int()'s bare message
    with pytest.raises(TypeError, match=r"^hidden must hold whole numbers \(layer widths\), e.g. hidden=\(256, 128\)"):
        JAEConfig(hidden=hidden)


def test_hidden_widths_from_numpy_or_a_json_list_are_kept():
    assert JAEConfig(hidden=[np.int64(64), 32]).hidden == (64, 32)
    assert JAEConfig.from_dict({"hidden": [64, 32]}).hidden == (64, 32)


def test_hidden_edited_to_one_number_in_model_json_is_refused_naming_hidden():
    # from_dict failed with tuple()'s bare "'int' object is not iterable"
    with pytest.raises(TypeError, match=r"^hidden must be a sequence of layer widths, e.g. hidden=\(256, 128\), "
                                        r"not 100$"):
        JAEConfig.from_dict({**JAEConfig().to_dict(), "hidden": 100})


def test_from_dict_of_a_whole_model_json_or_json_text_names_the_fix():
    import json

    settings = JAEConfig(max_epochs=3).to_dict()
    whole = {"format_version": 5, "model_kind": "jae", "config": settings, "seed": 0}
    # was: "unknown JAEConfig fields ['config', 'format_version', ...]; this file was written by another jae version"
    with pytest.raises(ValueError, match=r"^this is a whole model.json .* JAEConfig.from_dict\(d\['config'\]\)$"):
        JAEConfig.from_dict(whole)
    # was: "unknown JAEConfig fields [' ', '"', ',', ...]", one per character of the text
    with pytest.raises(TypeError, match=r"not a str; JSON text: JAEConfig.from_dict\(json.loads\(text\)\)$"):
        JAEConfig.from_dict(json.dumps(settings))
    assert JAEConfig.from_dict(json.loads(json.dumps(settings))) == JAEConfig(max_epochs=3)


def test_from_dict_names_the_field_a_misspelt_key_is_close_to():
    with pytest.raises(ValueError, match=r"^unknown JAEConfig fields \['max_epoch'\] \(misspelt\? 'max_epoch' -> "
                                         r"'max_epochs'\); this file was written by another jae version or edited$"):
        JAEConfig.from_dict({"max_epoch": 5})
