"""Training settings that no fit can use are refused by JAEConfig in one line naming the field, before any data is
read: a negative ``weight_decay`` failed in torch after the preprocessing ("Invalid weight_decay value"), a negative
``n_free_unsupervised`` in the latent layout ("LatentLayout.n_free must be ..."), and a negative fine-tuning epoch
count was taken, so fine-tuning silently took no step."""

import pytest

from jae.config import JAEConfig


@pytest.mark.parametrize("field", ["weight_decay", "n_free_unsupervised", "finetune_epochs_atac", "finetune_epochs_adt"])
def test_a_negative_training_setting_is_refused_naming_its_field(field):
    value = -1.0 if field == "weight_decay" else -1
    with pytest.raises(ValueError, match=rf"^{field} must be >= 0, not -1"):
        JAEConfig(**{field: value})
    with pytest.raises(ValueError, match=rf"^{field} must be >= 0, not -1"):
        JAEConfig().with_overrides([f"{field}=-1"])


def test_zero_is_still_a_valid_training_setting():
    config = JAEConfig(weight_decay=0.0, n_free_unsupervised=0, finetune_epochs_atac=0, finetune_epochs_adt=0)
    assert (config.weight_decay, config.n_free_unsupervised, config.finetune_epochs_atac) == (0.0, 0, 0)
