"""Session 44 consistency review on a real starter set (BMMC CITE, the competition's layout: normalised .X, raw counts
in layers['counts'], annotations in a third file): a model keeping its fitted cells (70% of them) gets the same
embedding, labels and unknown call from the files read, opened (streamed), written as .h5mu, and in another order."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from test_s44_consist_forms import _results, _same  # (tests/ is on sys.path)


# mudata's copy of a subset warns that the genes and proteins share names (CD4, ...): not jae's
@pytest.mark.filterwarnings("ignore:Cannot join columns with the same name:UserWarning")
def test_starter_files_in_each_form_get_the_same_results(data_dir, tmp_path):
    stem = data_dir / "neurips2021_starter/joint_embedding/cite/openproblems_bmmc_cite_starter"
    mod1, mod2, solution = (f"{stem}.{part}.h5ad" for part in ("mod1", "mod2", "solution"))
    cells = jae.read_competition(mod1, mod2, annotations=solution)
    fit = np.random.default_rng(0).random(cells.n_obs) < 0.7
    model = jae.JAE(jae.JAEConfig(max_epochs=3), seed=0, device="cpu").fit(
        cells[fit].copy(), cell_type_key="cell_type", batch_key="batch", progress_bar=False)
    assert model.fit_cells is not None and len(model.fit_cells) == fit.sum()
    want = _results(model, cells)
    cells.write(tmp_path / "x.h5mu")
    perm = np.random.default_rng(1).permutation(cells.n_obs)
    for form in (jae.io.open_competition(mod1, mod2), jae.read_competition(mod1, mod2),
                 str(tmp_path / "x.h5mu"), cells[perm].copy()):
        _same(_results(model, form), want)

