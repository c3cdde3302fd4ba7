"""Session 33 (left): True/False arguments refused when given as text."""

import numpy as np
import pytest
import scipy.sparse as sp

from jae.preprocess.normalize import log_normalize


@pytest.mark.parametrize("copy", ["no", "", None])
def test_log_normalize_refuses_copy_not_true_or_false(copy):
    X = sp.csr_matrix(np.array([[1.0, 2.0], [3.0, 0.0]], dtype=np.float32))
    before = X.data.copy()
    with pytest.raises(TypeError, match=r"copy must be True or False, not "):
        log_normalize(X, copy=copy)
    np.testing.assert_array_equal(X.data, before)  # the caller's matrix untouched


def test_log_normalize_copy_false_still_in_place():
    X = sp.csr_matrix(np.array([[1.0, 2.0], [3.0, 0.0]], dtype=np.float32))
    out = log_normalize(X, copy=False)
    assert out is X
    assert log_normalize(np.array([[1.0, 1.0]]), copy=np.True_).shape == (1, 2)


def test_fit_refuses_bad_organism_before_reading_the_data(tmp_path, monkeypatch):
    import jae
    import jae.io.plan

    def no_read(*args, **kwargs):
        raise AssertionError("the data was read before organism= was checked")

    monkeypatch.setattr(jae.io.plan, "plan_input", no_read)
    with pytest.raises(ValueError, match=r"organism='zebrafsh': jae has the cell-cycle genes of human and mouse"):
        jae.JAE(seed=0).fit(tmp_path / "data.h5mu", organism="zebrafsh")


@pytest.mark.parametrize("argv", [[], ["-q"], ["-v"]])
def test_bare_jae_prints_its_help_to_stderr_with_status_2(argv, capsys):
    """Bare ``jae`` printed its help to stdout but exited 2, a usage error: ``jae > out.txt`` wrote the help into the
    file and a script read it as output. The help of a usage error goes to stderr (as argparse's own errors)."""
    from jae.cli import main

    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: jae") and "demo" in err and "evaluate" in err


def test_with_overrides_takes_one_assignment_given_as_a_string():
    """with_overrides('lr=3e-4') read the string's characters as overrides: "'l': write config overrides as
    FIELD=VALUE"."""
    from jae import JAEConfig

    assert JAEConfig().with_overrides("lr=3e-4") == JAEConfig(lr=3e-4)
    assert JAEConfig().with_overrides("hidden=256,128").hidden == (256, 128)
    with pytest.raises(ValueError, match=r"^'lr': write config overrides as FIELD=VALUE"):
        JAEConfig().with_overrides("lr")


@pytest.mark.parametrize("scale", [0, -1.0, float("nan"), float("inf"), "1e4", True])
def test_log_normalize_refuses_a_scale_not_positive(scale):
    """scale=-1 gave log10 of values below 1 (negative 'normalised' values), scale=0 all zeros, unsaid."""
    X = np.array([[1.0, 2.0], [3.0, 1.0]])
    for data in (X, sp.csr_matrix(X)):
        with pytest.raises(ValueError, match=r"^log_normalize: scale must be a positive number"):
            log_normalize(data, scale=scale)
    assert np.array_equal(log_normalize(X, scale=np.float32(1e4)), log_normalize(X))
