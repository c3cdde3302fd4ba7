"""SimulationParams(n_bins=...) was left out of the simulator's memory check: the trajectory's programs take about
21 bytes per step and feature while they are built, so a large n_bins (a smoother trajectory) ran into numpy's
MemoryError, with a traceback, or the system's kill. It is now counted and named in one line before any work."""

from __future__ import annotations

import pytest

import jae.datasets.design as design
from jae.datasets import SimulationParams, simulate


def test_many_trajectory_steps_are_refused_in_one_line_naming_n_bins(monkeypatch):
    monkeypatch.setattr(design, "available_memory", lambda: 10**8)  # 100 MB
    with pytest.raises(ValueError, match=r"^SimulationParams n_bins=20000: the simulation's design needs about 0\.2 GB "
                                         r"of memory .* more than the 0\.1 GB available; pass fewer steps \(n_bins, "
                                         r"default 16\)$"):
        simulate(100, n_genes=200, n_peaks=300, params=SimulationParams(n_bins=20_000))
    # the sizes' own share is still named by its size, and the default steps need nothing more than before
    with pytest.raises(ValueError, match=r"^n_cells=1000000: the simulation's design needs about 0\.4 GB"):
        simulate(1_000_000, n_genes=200, n_peaks=300)
    assert simulate(100, n_genes=200, n_peaks=300, params=SimulationParams(n_bins=400)).n_obs == 100
