"""Session 37: jae evaluate --obsm "$KEY" with KEY unset (or --prediction " =FILE") was refused with the Python fix
"give each embedding a name: {'name': Z}", which the command line has no way to give; it now names the flags."""

from __future__ import annotations

import numpy as np
import pytest

from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def h5mu(tmp_path_factory):
    from jae.io import write_atomic

    m = simulate(60, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=5)
    m.obsm["X_e"] = np.random.default_rng(0).normal(size=(m.n_obs, 4))
    path = tmp_path_factory.mktemp("d") / "d.h5mu"
    write_atomic(m, path)
    return path


@pytest.mark.parametrize("name", [" ", "  "])
def test_a_blank_prediction_name_names_the_flags(h5mu, tmp_path, caplog, name):
    # a blank --obsm key is refused at parsing since session 37 (test_s37_leftA_empty_obsm.py); a blank NAME in
    # --prediction NAME=FILE reaches the check of the names, whose Python fix the command line cannot give
    flags = ["--obsm", "X_e", "--prediction", f"{name}={h5mu}"]
    assert main(["-q", "evaluate", "--h5mu", str(h5mu), *flags, "--out", str(tmp_path / "r")]) == 1
    assert ("give each --obsm its key and each --prediction NAME=FILE a name (or --prediction FILE alone, named by "
            "its file)") in caplog.text
    assert "{'name': Z}" not in caplog.text and not (tmp_path / "r").exists()


def test_python_keeps_its_own_fix():
    import jae

    with pytest.raises(ValueError, match=r"an embedding is named ''; give each embedding a name: \{'name': Z\}$"):
        data = simulate(40, n_genes=250, n_peaks=300, n_cell_types=2, n_batches=1, seed=0)
        jae.evaluate(data, {"": np.zeros((40, 2))})
