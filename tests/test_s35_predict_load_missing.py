"""ModalityPredictor.load of a folder that does not exist said to pass a folder 'written by jae fit, jae map or
JAE.save', the joint model's writers, whose folders the predictor refuses to load; it names the predictor's own
writers now. The joint model's message is unchanged."""

from __future__ import annotations

import pytest

import jae
from jae.prediction import ModalityPredictor


def test_a_missing_predictor_folder_names_the_predictor_writers(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist; pass the folder a model was saved to \(written by "
                                                r"ModalityPredictor\.save or jae predict --save-model\)$"):
        ModalityPredictor.load(tmp_path / "nowhere")


def test_a_missing_joint_model_folder_is_told_as_before(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"\(written by jae fit, jae map or JAE\.save\)$"):
        jae.JAE.load(tmp_path / "nowhere")
