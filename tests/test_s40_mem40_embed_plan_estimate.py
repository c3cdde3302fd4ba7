"""jae embed / map's debug line (plan_input(..., once=True)) gave the streamed fit's estimates, which since session 40
hold the row chunk of the statistics fitted after training (up to 65,536 cells x 256 values x 24 bytes, 0.4 GB):
embed and map fit none, so both of its figures read up to 0.4 GB high. They now leave that chunk out; fit's lines
keep it."""

from __future__ import annotations

import logging
import re

from jae.datasets.write import write_simulated
from jae.io import open_competition
from jae.io.paired_files import STATS_BYTES_PER_VALUE, STATS_ROWS
from jae.io.plan import _data, plan_input


def test_the_embed_line_leaves_out_the_statistics_chunk(tmp_path, caplog):
    mod1, mod2 = write_simulated(tmp_path / "sim", n_cells=3000, kind="cite", preset=None, seed=0,
                                 progress_bar=False, n_genes=200, n_proteins=10)[:2]
    files = open_competition(mod1, mod2)
    chunk = min(files.n_obs, STATS_ROWS) * 256 * STATS_BYTES_PER_VALUE  # 18 MB for 3,000 cells
    with caplog.at_level(logging.DEBUG, logger="jae.io.plan"):
        plan_input(files, once=True, what="embed")
        plan_input(files, what="fit", memory_budget="1M")  # streamed: the fit's line keeps the chunk
    once, fit = (r.getMessage() for r in caplog.records if r.name == "jae.io.plan")
    streaming, whole = re.search(r"about (.+?) for the data; reading it whole, about (.+?), would", once).groups()
    assert streaming == _data(files.memory_needed(in_memory=False) - chunk), once
    assert whole == _data(files.memory_needed(in_memory=True) - chunk), once
    assert f"(about {_data(files.memory_needed(in_memory=False))} for the data)" in fit, fit
