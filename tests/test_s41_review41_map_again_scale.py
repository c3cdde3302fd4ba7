"""Session 41 review of the held-out scale (issue 15): mapping a mapped model again keeps every earlier batch's
embedding, and a mapping trained with the scale keeps it, whatever the other mapping was.

``QueryAdapter.extended`` dropped the scale for every batch as soon as one of the two mappings had none: a model
mapped with the scale and then mapped again with ``epochs=0`` embedded its first batch's cells on the unscaled
shift (another embedding, silently), and a model mapped with ``epochs=0`` and then mapped with training embedded the
new batch without the scale it had just been trained on.
"""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig


@pytest.fixture(scope="module")
def parts():
    md = jae.datasets.simulate(n_cells=600, kind="cite", n_batches=3, seed=1)
    names = list(md.obs["batch"].unique())
    ref, q1, q2 = (md[md.obs["batch"] == b].copy() for b in names)
    reference = JAE(JAEConfig(max_epochs=2), seed=0, device="cpu").fit(
        ref, cell_type_key="cell_type", batch_key="batch", progress_bar=False)
    return reference, q1, q2


def test_mapping_again_with_epochs_zero_keeps_the_earlier_batches_embedding(parts, tmp_path):
    reference, q1, q2 = parts
    first = reference.map_query(q1, batch_key="batch", epochs=2, progress_bar=False)
    assert first.adapter.scale is not None
    before = first.embed(q1, key_added=None)
    labels_before = first.predict_cell_type(q1)
    again = first.map_query(q2, batch_key="batch", epochs=0, progress_bar=False)
    assert np.array_equal(again.embed(q1, key_added=None), before)  # the first batch: as the first mapping embeds it
    labels = again.predict_cell_type(q1)
    assert labels["cell_type"].equals(labels_before["cell_type"])
    assert np.array_equal(labels["unknown_score"].to_numpy(), labels_before["unknown_score"].to_numpy())
    # the epochs=0 batch: the reference model's own embedding, as documented
    assert np.array_equal(again.embed(q2, key_added=None), reference.embed(q2, key_added=None))
    loaded = JAE.load(again.save(tmp_path / "m"))
    assert np.array_equal(loaded.embed(q1, key_added=None), before)
    assert np.array_equal(loaded.embed(q2, key_added=None), reference.embed(q2, key_added=None))
    assert loaded.provenance()["weights"] == again.provenance()["weights"]
    assert again.provenance()["weights"] != first.map_query(q2, batch_key="batch", epochs=2,
                                                            progress_bar=False).provenance()["weights"]


def test_mapping_with_training_after_epochs_zero_embeds_the_new_batch_on_the_scale(parts, tmp_path):
    reference, q1, q2 = parts
    zero = reference.map_query(q1, batch_key="batch", epochs=0, progress_bar=False)
    later = zero.map_query(q2, batch_key="batch", epochs=2, progress_bar=False)
    alone = reference.map_query(q2, batch_key="batch", epochs=2, progress_bar=False)  # the same training, first
    assert np.array_equal(later.embed(q2, key_added=None), alone.embed(q2, key_added=None))
    assert np.array_equal(later.embed(q1, key_added=None), reference.embed(q1, key_added=None))
    loaded = JAE.load(later.save(tmp_path / "m"))
    assert np.array_equal(loaded.embed(q2, key_added=None), alone.embed(q2, key_added=None))
    assert np.array_equal(loaded.embed(q1, key_added=None), reference.embed(q1, key_added=None))


def test_a_model_file_naming_unmapped_unscaled_batches_is_refused(parts, tmp_path):
    import json

    reference, q1, q2 = parts
    again = reference.map_query(q1, batch_key="batch", epochs=2, progress_bar=False).map_query(
        q2, batch_key="batch", epochs=0, progress_bar=False)
    folder = again.save(tmp_path / "m")
    description = json.loads((folder / "model.json").read_text())
    assert description["adapter"]["unscaled"] == list(again.adapter.batches[1:])
    description["adapter"]["unscaled"] = ["not_a_batch"]
    (folder / "model.json").write_text(json.dumps(description))
    with pytest.raises(ValueError, match="adapter.unscaled"):
        JAE.load(folder)
