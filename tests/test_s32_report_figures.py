"""Report figures with many cell types, long names and missing labels (session 32)."""

from __future__ import annotations

import numpy as np

from jae.report.figures import _palette


def test_seventy_cell_types_get_seventy_different_colours():
    """With 69 to 81 cell types two types (e.g. the 60th and 69th) were drawn in the same grey, and two others in
    the same green: the palette joined colour maps that share colours."""
    for n in (45, 69, 75, 79):
        colours = _palette(n)
        assert len(colours) == n and len({tuple(np.round(c[:3], 6)) for c in colours}) == n, n
    assert _palette(45) == _palette(79)[:45]
