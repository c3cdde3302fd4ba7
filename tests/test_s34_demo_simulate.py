"""Session 34 audit of jae simulate / jae.datasets: refusals that name the right fix."""

from __future__ import annotations

import pytest

from jae.cli import main
from jae.datasets import write_simulated


@pytest.mark.parametrize("name", ["x.mod1.h5ad", "x.mod2.h5ad"])
def test_a_competition_file_name_as_prefix_suggests_the_prefix(name, tmp_path, caplog):
    """``jae simulate x.mod1.h5ad`` suggested the prefix ``x.mod1`` (which writes x.mod1.mod1.h5ad); it now suggests
    ``x``, whose files are x.mod1.h5ad and x.mod2.h5ad."""
    with pytest.raises(ValueError, match=rf"pass e\.g\. {tmp_path / 'x'} to write x\.mod1\.h5ad and \.mod2\.h5ad$"):
        write_simulated(tmp_path / name, n_cells=50, preset=None, progress_bar=False)
    assert main(["-q", "simulate", str(tmp_path / name), "--n-cells", "50", "--preset", "none"]) == 1
    assert f"pass e.g. {tmp_path / 'x'} to write x.mod1.h5ad and .mod2.h5ad" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_an_h5ad_name_as_prefix_still_suggests_its_stem(tmp_path):
    with pytest.raises(ValueError, match=rf"pass e\.g\. {tmp_path / 'sim'} to write sim\.mod1\.h5ad and \.mod2\.h5ad$"):
        write_simulated(tmp_path / "sim.h5ad", n_cells=50, preset=None, progress_bar=False)
