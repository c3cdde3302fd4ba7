"""The unknown call is the head's test OR the distance's (session 35, unknown_selection.md): a cell the head labels
confidently but that lies farther from every reference type's centroid than the held-out reference cells is called
unknown; before, only the head's confidence decided, so such cells (a missing type the head takes for a relative)
were never flagged."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from jae.datasets import simulate
from jae.labels import unknown_scores


@pytest.fixture(scope="module")
def cite(own_cite_model):
    return own_cite_model("s35_unknown_far")[1]


@pytest.fixture(scope="module")
def cells():
    return simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=5)


def test_confident_cells_far_from_every_type_are_called_unknown(cite, cells):
    # a model keeping its fitted cells calls new cells from their features as they are, not from a given embedding
    # (jae.query.fit_cells): one that keeps none calls them from the embedding given, moved here
    cite = copy.deepcopy(cite)
    cite.fit_cells = None
    emb = cite.embed(cells, key_added=None)
    n_ct = cite.layout.n_cell_type
    before = cite.predict_cell_type(cells, embedding=emb)
    # a group of cells moved far from every type along the columns after the type part
    moved = emb.copy()
    group = np.arange(len(emb)) < 40
    moved[group, n_ct:] += 50 * cite.calibration.spreads.max()
    scores = unknown_scores(cite, moved)
    after = cite.predict_cell_type(cells, embedding=moved)
    assert after["unknown"].to_numpy()[group].all()
    assert not before["unknown"].to_numpy()[group].all()
    # the distance calls them, where the head alone (the call before) does not call all of them
    assert (scores["far"][group] > 1).all() and (scores["far"][group] > scores["head"][group]).all()
    assert (scores["head"][group] <= 1).any()
    np.testing.assert_allclose(after["unknown_score"].to_numpy()[group], scores["far"][group], rtol=1e-5)
    # labels and confidences are the head's and the classifiers': the distance changes only the call
    assert (after["cell_type"] == cite.predict_cell_type(cells, embedding=emb)["cell_type"])[~group].all()


def test_the_calls_units_of_one_modality_cells_survive_save_and_load(cite, tmp_path):
    from jae import JAE

    cal = cite.calibration
    assert np.isfinite([cal.far_threshold_rna_alone, cal.far_threshold_other_alone]).all()
    loaded = JAE.load(cite.save(tmp_path / "m"), device="cpu").calibration
    assert (loaded.far_threshold_rna_alone, loaded.far_threshold_other_alone) == (
        cal.far_threshold_rna_alone, cal.far_threshold_other_alone)
