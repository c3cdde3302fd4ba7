"""The metrics' neighbours per cell and the fewest cells they score: the one source of both numbers for
:mod:`jae.metrics` (its graph and the functions that build it) and for ``jae.evaluate``'s floor
(:mod:`jae.evaluation.checks`), kept in a module of its own so that importing jae does not import the metrics."""

from __future__ import annotations

__all__ = ["N_NEIGHBORS", "MIN_SCORED_CELLS"]

N_NEIGHBORS = 15  # scanpy.pp.neighbors default
#: Fewest cells the metrics score: with fewer, a graph of ``N_NEIGHBORS`` neighbours per cell would join each cell to
#: (nearly) every other (scanpy then takes half the cells), so the scores say nothing.
MIN_SCORED_CELLS = N_NEIGHBORS + 1
