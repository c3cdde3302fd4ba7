"""The one progress bar of a :func:`jae.evaluate` call (``jae evaluate``): one step for the SVD baseline, one for
the cell-cycle reference, :func:`jae.metrics.suite.metric_steps` for each embedding scored and one for each UMAP of
the report, the current step in its postfix. :func:`jae.metrics.evaluate_embedding` and
:func:`jae.report.write_report` advance it (their ``bar=``) instead of drawing bars of their own."""

from __future__ import annotations

__all__ = ["evaluate_steps", "open_bar", "Named"]


def evaluate_steps(n_embeddings: int, *, baseline: bool, cell_cycle: bool, umaps: bool) -> int:
    """The steps of one :func:`jae.evaluate` call scoring ``n_embeddings`` (the baseline among them): the baseline's
    SVD, the cell-cycle reference, each embedding's metrics and diagnostics, and each embedding's UMAP."""
    from ..metrics.suite import metric_steps

    return int(baseline) + int(cell_cycle) + n_embeddings * (metric_steps(True) + int(umaps))


def open_bar(total: int, progress_bar: bool):
    """The call's bar over ``total`` steps, drawn as :func:`jae.train.distributed.draws_bar` says (``progress_bar``
    False, ``TQDM_DISABLE`` set, or a process other than 0 under torchrun: a disabled bar, drawing nothing)."""
    from tqdm.auto import tqdm

    from ..train.distributed import draws_bar

    return tqdm(total=total, desc="evaluate", unit="step", disable=not draws_bar(progress_bar), leave=False)


class Named:
    """The call's bar as one embedding's steps see it: each postfix they set is prefixed by the embedding's name."""

    def __init__(self, bar, name: str) -> None:
        self.bar, self.name = bar, name

    def update(self, n: int = 1) -> None:
        self.bar.update(n)

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.bar.set_postfix_str(f"{self.name}: {s}" if s else self.name, refresh=refresh)
