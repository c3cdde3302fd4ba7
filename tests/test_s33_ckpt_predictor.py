"""Session 33 audit of saved prediction models: ModalityPredictor.load's refusals name the real problem."""

from __future__ import annotations

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
