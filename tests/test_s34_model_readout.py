"""Session 34: jae.model.readout.Readout refuses an array that is not its embedding, and names that do not fit."""

from __future__ import annotations

import numpy as np
import pytest

from jae.model import LatentLayout
from jae.model.readout import Readout, softmax


def _readout():
    rng = np.random.default_rng(0)
    layout = LatentLayout(3, 1, 2, 2)
    axes = np.linalg.qr(rng.normal(size=(6, 4)))[0].T.astype(np.float32)  # (4, 6) orthonormal rows
    readout = Readout(np.zeros(6, np.float32), axes, np.full(3, 1 / 3, np.float32), 2.0)
    X, Z = rng.normal(size=(5, 6)).astype(np.float32), rng.normal(size=(5, layout.dim)).astype(np.float32)
    return readout, layout, X, Z


def test_the_head_probabilities_come_back_from_the_embedding_as_before():
    readout, layout, X, Z = _readout()
    E = readout(X, Z, layout)
    assert E.shape == (5, readout.dim(layout)) == (5, 9)
    np.testing.assert_allclose(readout.probabilities(E, layout), softmax(Z[:, :3]), atol=1e-6)
    assert readout.column_names(layout, ["B", "T", "NK"])[:4] == ["cell_type:B", "cell_type:T", "cell_type:NK",
                                                                 "free:0"]


def test_the_latent_given_for_the_embedding_is_refused_not_read_as_its_type_part():
    readout, layout, X, Z = _readout()
    with pytest.raises(ValueError, match=r"embedding has shape \(5, 8\): expected this model's embedding, "
                                         r"\(n_cells, 9\) \(model.embed, not model.latent\)"):
        readout.probabilities(Z, layout)
    with pytest.raises(ValueError, match=r"embedding has shape \(9,\)"):
        readout.type_probabilities(readout(X, Z, layout)[0], layout)


def test_column_names_for_another_number_of_cell_types_are_refused_not_a_list_of_another_length():
    readout, layout, _, _ = _readout()
    with pytest.raises(ValueError, match="2 cell type names for the layout's 3 cell types"):
        readout.column_names(layout, ["B", "T"])


def test_principal_axes_of_rows_with_nan_are_refused_naming_the_rows_not_an_eigh_failure():
    from jae.model.readout import axes_carry, principal_axes

    X = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    mean, axes = principal_axes(X, 2)
    assert axes.shape == (2, 4) and np.isfinite(axes).all()
    X[3] = np.nan  # jae's mark of a cell not measured in a modality
    with pytest.raises(ValueError, match=r"X holds NaN or infinite values in the rows used: .*\(rows=\)"):
        principal_axes(X, 2)
    with pytest.raises(ValueError, match="X holds NaN or infinite values"):
        axes_carry(X, 2, rows=np.arange(12))
    assert principal_axes(X, 2, rows=np.arange(12) != 3)[1].shape == (2, 4)  # the cell left out


def test_a_rows_mask_of_another_length_is_refused_not_read_as_the_first_rows():
    from jae.model.moments import FeatureMoments
    from jae.model.readout import axes_carry, principal_axes

    X = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    short = np.ones(8, bool)  # a mask of another selection of cells
    for call in (lambda: principal_axes(X, 2, rows=short), lambda: axes_carry(X, 2, rows=short),
                 lambda: FeatureMoments.fit(X, short)):
        with pytest.raises(ValueError, match=r"rows is a mask of shape \(8,\) for the 12 rows of X"):
            call()
    mask = np.arange(12) % 3 > 0
    np.testing.assert_array_equal(principal_axes(X, 2, rows=mask)[1], principal_axes(X, 2, rows=np.flatnonzero(mask))[1])


def test_axes_carry_of_every_row_takes_rows_none_as_principal_axes_does():
    from jae.model.readout import axes_carry

    X = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
    assert axes_carry(X, 2, rows=None) == axes_carry(X, 2, rows=np.arange(40))


def test_a_latent_of_another_width_is_refused_not_read_as_a_narrower_embedding():
    readout, layout, X, Z = _readout()
    assert readout(X, Z, layout).shape == (5, 9)
    with pytest.raises(ValueError, match=r"features have shape \(5, 6\) and latent \(5, 6\): expected \(n_cells, 6\) "
                                         r"and \(n_cells, 8\), model.latent_transformed\(features\)"):
        readout(X, Z[:, :6], layout)  # the latent without its free units
    with pytest.raises(ValueError, match=r"features have shape \(4, 6\) and latent \(5, 8\)"):
        readout(X[:4], Z, layout)


@pytest.mark.parametrize("k", [2.5, -1, None, True])
def test_k_not_a_whole_number_of_axes_is_refused_in_one_line(k):
    from jae.model.readout import axes_carry, principal_axes

    X = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    assert principal_axes(X, np.int64(2))[1].shape == (2, 4)
    for call in (lambda: principal_axes(X, k), lambda: axes_carry(X, k, rows=None)):
        with pytest.raises(ValueError, match=rf"k must be a whole number of principal axes, at least 0, not {k!r}"):
            call()
