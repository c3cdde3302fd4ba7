"""The ``obs`` column arguments of :meth:`jae.JAE.fit` (``batch_key``, ``cell_type_key``, ``phase_keys``): their shapes,
and that the batch and cell-type columns differ; checked before any data is read."""

from __future__ import annotations

from .._words import not_a_key

__all__ = ["check_fit_keys"]


def check_fit_keys(*, batch_key, cell_type_key, phase_keys=None, supervised: bool = True) -> None:
    """Refuse column names of the wrong shape in one line naming the argument (a list is unhashable to pandas; a string
    given as ``phase_keys`` would be read letter by letter), and, in supervised mode, one column named as both the batch
    and the cell type: the cell-type block would learn to keep the batches that the batch block learns to take out."""
    for name, key in (("batch_key", batch_key), ("cell_type_key", cell_type_key)):
        if key is not None and not isinstance(key, str):  # a Series (obs['batch']) named in words, not printed whole
            raise TypeError(f"{name} must name one obs column (a string) or be None, not {not_a_key(key, name)}")
    if phase_keys is not None and (isinstance(phase_keys, str) or not isinstance(phase_keys, (tuple, list))
                                   or len(phase_keys) != 2 or not all(isinstance(k, str) for k in phase_keys)):
        raise TypeError(
            "phase_keys must name two obs columns, the S and G2M scores (e.g. phase_keys=('S_score', 'G2M_score')), or "
            f"be None to score them from RNA, not {phase_keys!r}"
        )
    if supervised and batch_key is not None and batch_key == cell_type_key:
        raise ValueError(
            f"cell_type_key and batch_key both name the obs column {batch_key!r}: fit would learn the batches as cell "
            "types to keep and as batches to take out at once; pass cell_type_key=<column> naming the cell types, or "
            "batch_key=None to take all cells for one batch"
        )
