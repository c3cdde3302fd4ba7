"""Session 42 review: a model file whose fitted cells' fingerprints (jae.query.fit_cells) are damaged loaded without a
word: a float32 tensor of the right length had its bits read as half as many hashes, and hashes out of order were
searched for by bisection in the wrong place, so fitted cells were read as new and their embedding changed. Both are
refused in one line now, as other damaged tensors are."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jae import JAE


@pytest.fixture(scope="module")
def saved(own_cite_model):
    folder, model = own_cite_model("s42_review_fit_cells_file")
    assert model.fit_cells is not None and len(model.fit_cells) > 2
    return folder / "model", model


@pytest.mark.parametrize("damage,match", [
    (lambda t: t.to(torch.float32), "lacks the fitted cells' tensors"),
    (lambda t: t.flip(0), "fitted cells' fingerprints are not sorted"),
    (lambda t: torch.cat([t[:1], t[:-1]]), "fitted cells' fingerprints are not sorted"),  # a repeated hash
])
def test_damaged_fingerprints_are_refused(saved, tmp_path, damage, match):
    import shutil

    folder, model = saved
    copy = tmp_path / "m"
    shutil.copytree(folder, copy)
    np.testing.assert_array_equal(JAE.load(copy, device="cpu").fit_cells, model.fit_cells)  # intact: as saved
    tensors = torch.load(copy / "weights.pt", weights_only=True)
    tensors["fit_cells"] = damage(tensors["fit_cells"])
    torch.save(tensors, copy / "weights.pt")
    with pytest.raises(ValueError, match=match) as err:
        JAE.load(copy, device="cpu")
    assert "the model folder is damaged" in str(err.value) and "\n" not in str(err.value)
