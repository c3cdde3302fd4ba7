"""JAEConfig as users write it: ``--set KEY=VALUE`` / ``with_overrides`` and keyword settings."""

from __future__ import annotations

import pytest

from jae import JAEConfig


@pytest.mark.parametrize("given, field", [("LR", "lr"), ("N_SVD", "n_svd"), ("BATCH_SIZE", "batch_size")])
def test_a_field_in_capitals_is_told_the_field_it_means(given, field):
    """--set LR=1e-3 listed all 38 fields ('fields: axes_carry_min, ...'), as difflib compares case; it now says
    "did you mean 'lr'?" as a misspelt field does."""
    with pytest.raises(KeyError) as err:
        JAEConfig().with_overrides([f"{given}=5"])
    assert f"JAEConfig has no field {given!r}; did you mean {field!r}" in err.value.args[0]
    with pytest.raises(TypeError, match=f"did you mean {field!r}"):
        JAEConfig(**{given: 5})


def test_a_text_setting_with_spaces_around_it_is_read_as_a_number_is():
    """--set 'lr = 1e-3' was read (float() strips spaces) but --set 'mode = unsupervised' was refused: "mode must be
    'supervised' or 'unsupervised', not ' unsupervised'"; texts are now read without the spaces around them too."""
    config = JAEConfig().with_overrides(["mode = unsupervised", "readout=latent ", "protein_norm=\tclr", "lr = 1e-3"])
    assert (config.mode, config.readout, config.protein_norm, config.lr) == ("unsupervised", "latent", "clr", 1e-3)
    assert config == JAEConfig(mode="unsupervised", readout="latent", protein_norm="clr", lr=1e-3)
    with pytest.raises(ValueError, match="mode must be 'supervised' or 'unsupervised', not 'unsupervised x'"):
        JAEConfig().with_overrides(["mode=unsupervised x"])


@pytest.mark.parametrize("given", [[("lr", 3e-4)], ["max_epochs=5", 5], {"lr": 3e-4}, None])
def test_overrides_that_are_not_field_value_strings_are_refused_naming_replace(given):
    """with_overrides([('lr', 3e-4)]) failed with "'tuple' object has no attribute 'partition'", a dict was read by
    its keys ("'lr': write config overrides as FIELD=VALUE"), None with "'NoneType' object is not iterable"; each is
    now refused in one line naming the strings it takes and dataclasses.replace for values."""
    with pytest.raises(TypeError) as err:
        JAEConfig().with_overrides(given)
    assert err.value.args[0].startswith("with_overrides takes FIELD=VALUE strings, e.g. ['lr=3e-4'], not ")
    assert "dataclasses.replace(config, lr=3e-4, ...)" in err.value.args[0]
    assert JAEConfig().with_overrides(iter(["lr=3e-4", "max_epochs=5"])) == JAEConfig(lr=3e-4, max_epochs=5)
