"""The README's 'What jae stores where' row for obsm['X_jae'] names the pc:<i> columns as the code does."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from jae import JAEConfig
from jae.model import LatentLayout
from jae.model.readout import Readout

README = Path(__file__).resolve().parents[1] / "README.md"


def _names(types: list[str], *, free_units: bool) -> list[str]:
    cfg = JAEConfig()
    n_tail = cfg.n_principal - (cfg.n_free if free_units else 0)
    readout = Readout(mean=np.zeros(4), tail_axes=np.zeros((n_tail, 4)), type_center=np.zeros(len(types)),
                      type_scale=1.0, free_units=free_units)
    return readout.column_names(LatentLayout(n_cell_type=len(types), n_batch=1, n_free=cfg.n_free), types)


def test_readme_says_pc_names_go_on_from_the_free_units():
    """The row said only '`pc:<i>` (principal components of the input)', which reads as pc:0, pc:1, ... after the
    free units; the default's columns are pc:30 ... pc:49 after free:0 ... free:29 (each component's own index).
    It now says so, and the names it gives are the code's (with labels, and without: the components alone)."""
    row = next(line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith('| `obsm["X_jae"]`'))
    names = _names(["B", "T"], free_units=True)
    free = [n for n in names if n.startswith("free:")]
    pcs = [n for n in names if n.startswith("pc:")]
    said = re.search(r"`(free:\d+)` … `(free:\d+)`, then `(pc:\d+)` … `(pc:\d+)` by default", row)
    assert said, row
    assert said.groups() == (free[0], free[-1], pcs[0], pcs[-1])
    alone = _names([], free_units=False)  # without labels: the "components" readout, no cell-type part
    said = re.search(r"without labels only the (\d+) `pc:<i>` \(`(pc:\d+)` … `(pc:\d+)`\)", row)
    assert said, row
    assert said.groups() == (str(len(alone)), alone[0], alone[-1])
