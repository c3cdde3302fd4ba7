"""jae fit --set hidden=1e2,50 (or 128.0,64) was refused "write it as comma-separated whole numbers" while --set
n_svd=1e2 and max_epochs=100.0 were read as whole numbers; each width is now read as the whole-number fields are,
and a width that is no whole number (1.5, nan) is still refused so."""

from __future__ import annotations

import pytest

from jae import JAEConfig


@pytest.mark.parametrize("override, widths", [
    ("hidden=1e2,50", (100, 50)),
    ("hidden=128.0, 64", (128, 64)),
    ("hidden=[2e2, 1e2]", (200, 100)),
    ("hidden=150,120", (150, 120)),
])
def test_widths_in_the_forms_of_the_whole_number_fields_are_read(override, widths):
    assert JAEConfig().with_overrides([override]).hidden == widths


@pytest.mark.parametrize("override", ["hidden=1.5,2", "hidden=nan", "hidden=64;32", "hidden=inf,2"])
def test_widths_that_are_no_whole_numbers_are_refused_naming_the_form(override):
    with pytest.raises(ValueError, match=r"is not a valid list for hidden; write it as comma-separated whole numbers"):
        JAEConfig().with_overrides([override])
