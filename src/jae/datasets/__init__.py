"""Built-in data: a seeded simulator of paired single-cell counts, in memory or streamed to disk."""

from __future__ import annotations

from .design import SimulationParams
from .simulate import simulate
from .write import PRESETS, write_simulated

__all__ = ["PRESETS", "SimulationParams", "simulate", "write_simulated"]
