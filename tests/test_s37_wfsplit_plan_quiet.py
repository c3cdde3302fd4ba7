"""The memory plan's log lines that a user cannot act on are DEBUG (-v), the ones that say a choice made against the
memory budget stay INFO (session 37)."""

from __future__ import annotations

import logging

import jae
from jae.io import InputFiles, open_competition
from jae.io.plan import plan_input
from jae.datasets.write import write_simulated


def _plan_lines(caplog, level):
    return [r for r in caplog.records if r.name == "jae.io.plan" and r.levelno == level]


def test_embed_and_map_say_their_streaming_plan_at_debug_only(tmp_path, caplog):
    """Every jae embed / jae map logged at INFO 'streaming path: reading PairedFiles(...) once, in row blocks ... would
    save no time ...', which no budget changes; it is DEBUG now. fit's choice against the budget stays INFO."""
    mod1, mod2 = write_simulated(tmp_path / "sim", n_cells=120, kind="multiome", preset=None, seed=0,
                                 progress_bar=False, n_genes=200, n_peaks=300)[:2]
    files = open_competition(mod1, mod2)
    with caplog.at_level(logging.DEBUG, logger="jae.io.plan"):
        for what in ("embed", "map"):
            assert plan_input(files, what=what, once=True) is files
        assert not _plan_lines(caplog, logging.INFO)
        said = _plan_lines(caplog, logging.DEBUG)
        assert len(said) == 2 and all("streaming path: reading PairedFiles(" in r.getMessage() for r in said)
        caplog.clear()
        plan_input(files, what="fit", memory_budget="100G")  # within the budget: read whole, said at INFO
        plan_input(files, what="fit", memory_budget="1K")  # over it: streamed, said at INFO
    said = [r.getMessage() for r in _plan_lines(caplog, logging.INFO)]
    assert len(said) == 2 and "fit: in-memory path" in said[0] and "over the memory budget" in said[1], said


def test_embed_files_says_no_plan_line_at_info(tmp_path, caplog):
    """jae.embed_files (jae embed) of paired files: nothing from the plan at INFO."""
    sim = jae.simulate(120, kind="multiome", n_genes=200, n_peaks=300, seed=0)
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(sim, progress_bar=False)
    sim[:60].copy().write(tmp_path / "q.h5mu")
    with caplog.at_level(logging.INFO, logger="jae"):
        jae.embed_files(InputFiles(h5mu=tmp_path / "q.h5mu"), model, tmp_path / "e.h5ad", finetune_epochs=0,
                        progress_bar=False)
    assert not [r for r in caplog.records if r.name == "jae.io.plan"], caplog.text


def test_a_fit_of_data_in_memory_says_its_plan_at_debug_only(caplog):
    """Every Python fit of a MuData already in memory logged at INFO 'fit: data already in memory; preprocessing in
    row blocks' (no memory budget was weighed); it is DEBUG now."""
    mdata = jae.simulate(60, kind="multiome", n_genes=200, n_peaks=300, seed=0)
    with caplog.at_level(logging.DEBUG, logger="jae.io.plan"):
        assert plan_input(mdata, what="fit") is mdata
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "jae.io.plan"] == [
        (logging.DEBUG, "fit: data already in memory; preprocessing in row blocks")]
