"""jae simulate --help said --organism chose the cell-cycle genes' symbols alone; it also chooses the chromosomes
the peaks are named on (mouse: chr1 to chr19 and chrX, with their lengths), which the help now says."""

from __future__ import annotations

import re

import pytest

from jae.cli import main
from jae.datasets import simulate


def test_organism_help_names_the_peaks_chromosomes(capsys):
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    entry = re.search(r"--organism \{human,mouse\} (.*?)\(default: human\)", text).group(1)
    assert "cell-cycle" in entry and "chromosomes" in entry and "peaks" in entry and "chr19" in entry
    chroms = {name.split("-")[0] for name in simulate(30, n_genes=200, n_peaks=2000, organism="mouse")["atac"].var_names}
    assert "chr19" in chroms and "chr20" not in chroms and "chrX" in chroms
