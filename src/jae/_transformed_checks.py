"""One-line refusals of the arguments of :meth:`jae.JAE.embed_transformed`, :meth:`jae.JAE.latent_transformed` and
:meth:`jae.JAE.finetune_transformed`, which take already-transformed features rather than data."""

from __future__ import annotations

import numpy as np

from ._flags import is_whole
from ._words import with_article

__all__ = ["check_batch_size", "refuse_data", "check_batch_labels"]


def check_batch_size(batch_size) -> None:
    """Refuse, in one line, a ``batch_size`` of ``JAE.embed_transformed`` / ``JAE.latent_transformed`` that is
    not a whole number >= 1."""
    if not is_whole(batch_size, 1):
        error = ValueError if is_whole(batch_size, -(2**63)) else TypeError  # a whole number below 1, or no number
        raise error(f"batch_size must be a whole number >= 1 (the cells encoded at a time), not {batch_size!r}")


def refuse_data(X) -> None:
    """Refuse, in one line, data (a MuData or AnnData) given as ``X`` to :meth:`jae.JAE.embed_transformed` /
    ``JAE.latent_transformed``, which take the transformed features: numpy read its row slices as objects, and the
    call ran without end, its memory growing (features of another width: the network's own refusal)."""
    if hasattr(X, "obs_names"):
        kind = type(X).__name__
        raise TypeError(f"X must be the already-transformed features (n_cells x preprocessor.n_output), not "
                        f"{with_article(kind)}: embed data with model.embed(data) "
                        "(model.latent(data): the latent)")


def check_batch_labels(batch, n_cells: int) -> None:
    """Refuse, in one line, ``batch`` labels of ``JAE.embed_transformed`` / ``JAE.latent_transformed`` that are
    not one per cell (a single text, or another number of labels), as :meth:`jae.JAE.finetune_transformed` does."""
    if batch is None:
        return
    if isinstance(batch, (str, bytes)) or np.ndim(batch) != 1:
        raise ValueError(f"batch must hold one label per cell ({n_cells} cells), not the single value {batch!r}: pass "
                         "e.g. data.obs['batch'], or batch=None")
    if len(batch) != n_cells:
        raise ValueError(f"batch has {len(batch)} labels for {n_cells} cells; pass one label per cell (e.g. "
                         "data.obs['batch']), or batch=None")
