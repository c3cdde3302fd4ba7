"""Simulated peaks were named past their chromosome's end (chr21-52481077-52482003 on a 47 Mb chr21): for most seeds
with a few hundred peaks or fewer, for 8% of seeds at the default 4,000, and on every chromosome from about 700,000
peaks. A chromosome whose last peak ran past its end now has its gaps scaled down to fit (the same draws, so the
counts and the other chromosomes' names are unchanged), and more peaks than fit on the genome are refused."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae.datasets import SimulationParams, simulate
from jae.datasets.design import _CHROMS, make_design


def _peaks(n_peaks: int, organism: str, seed: int):
    design = make_design(20, kind="multiome", n_genes=200, n_peaks=n_peaks, n_proteins=2, n_cell_types=2, n_batches=1,
                         organism=organism, seed=seed, params=SimulationParams())
    return design.var_names["atac"]


@pytest.mark.parametrize("organism", ["human", "mouse"])
def test_every_peak_lies_inside_its_chromosome(organism):
    for n_peaks, seed in [(20, s) for s in range(10)] + [(300, s) for s in range(10)] + [(4000, 0), (4000, 5)]:
        names = _peaks(n_peaks, organism, seed)
        assert len(names) == n_peaks and names.is_unique
        chrom, start, end = (np.array(part) for part in zip(*(name.split("-") for name in names)))
        start, end = start.astype(np.int64), end.astype(np.int64)
        length = np.array([_CHROMS[organism][c] for c in chrom], dtype=np.int64) * 1_000_000
        assert (end <= length).all(), (n_peaks, seed, list(names[end > length]))
        assert ((end - start >= 300) & (end - start < 1500)).all()
        same = chrom[1:] == chrom[:-1]
        assert (start[1:][same] - end[:-1][same] >= 100).all()  # in order, apart, never overlapping


def test_more_peaks_than_fit_are_refused_before_any_work(tmp_path, monkeypatch, caplog):
    import jae.datasets.design as design
    from jae.cli import main

    monkeypatch.setattr(design, "available_memory", lambda: None)  # the design's memory is checked first
    with pytest.raises(ValueError, match=r"^n_peaks=3000000: more peaks than fit side by side on the human "
                                         r"chromosomes .*; pass n_peaks <= 2421600$"):
        simulate(20, n_genes=200, n_peaks=3_000_000)
    with pytest.raises(ValueError, match=r"pass n_peaks <= 2097600$"):
        simulate(20, n_genes=200, n_peaks=2_200_000, organism="mouse")
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "simulate", "sim", "--n-cells", "20", "--n-peaks", "3000000", "--preset", "none"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("--n-peaks 3000000: more peaks than fit")
    assert errors[0].endswith("pass --n-peaks <= 2421600"), errors
    assert not list(tmp_path.iterdir())
