"""JAEConfig.with_overrides (jae fit --set) of whole-number fields written with an exponent."""

import pytest

from jae import JAEConfig


def test_a_whole_number_with_an_exponent_is_read_for_an_integer_field():
    """--set epoch_cells=1e5 was refused 'write it as a whole number'; 1e5 is one (read exactly, as an int)."""
    config = JAEConfig().with_overrides(["epoch_cells=1e5", "max_epochs = 2E1 "])
    assert config.epoch_cells == 100000 and type(config.epoch_cells) is int
    assert config.max_epochs == 20 and type(config.max_epochs) is int


@pytest.mark.parametrize("value", ["1.5e0", "nan", "inf", "1e", "ten"])
def test_a_number_not_whole_is_still_refused_for_an_integer_field(value):
    with pytest.raises(ValueError, match=f"'epoch_cells={value}': .*write it as a whole number"):
        JAEConfig().with_overrides([f"epoch_cells={value}"])
