"""QueryAdapter in a module of its own (session 43): the batches with a shift of their own, which jae.query.fit_cells
leaves to the adapter, and the old import path kept."""

import numpy as np

import jae.mapping
from jae.mapping.adapter import QueryAdapter


def test_shifted_marks_cells_of_batches_with_a_shift_of_their_own():
    shift = np.zeros((3, 4), np.float32)
    shift[0, 1] = 0.5  # 'q1' trained; 'q2' mapped with epochs=0 (no shift); 3 (a number) trained
    shift[2, 0] = -1.0
    adapter = QueryAdapter("batch", ("q1", "q2", "3"), shift)
    batch = np.array(["q1", "q2", "ref", "q1", 3], dtype=object)
    assert adapter.shifted(batch).tolist() == [True, False, False, True, True]
    assert not adapter.shifted(np.array(["ref", "q2"])).any()


def test_old_import_path_is_the_same_class():
    assert jae.mapping.QueryAdapter is QueryAdapter
    assert jae.mapping.held_out_scale_of is jae.mapping.adapter.held_out_scale_of
