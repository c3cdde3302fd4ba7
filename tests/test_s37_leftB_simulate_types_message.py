"""simulate(10, n_cell_types=11) was refused with '... most types would have no cell', though one of the eleven would
(with the same words at 45 types for 20 cells, where most would); it now says 'some types', as for batches."""

from __future__ import annotations

import pytest

from jae.datasets import simulate


def test_one_type_too_many_is_not_most():
    with pytest.raises(ValueError, match=r"^n_cell_types=11 is more than n_cells=10: some types would have no cell; "
                                         r"pass n_cell_types <= 10$"):
        simulate(10, kind="cite", n_genes=200, n_proteins=15, n_cell_types=11, n_batches=1)
