"""jae simulate --format h5mu logged two lines of MuData's own ('INFO root: Using custom MuData options in the new
context...', 'Returning to the previously defined options: {...}') between its progress and its summary; they are
gone, as every other reader and writer of .h5mu files in jae keeps them out."""

from __future__ import annotations

import logging

import mudata as md

from jae.cli import main


def test_simulate_h5mu_logs_only_jae_lines(tmp_path, caplog):
    out = tmp_path / "sim.h5mu"
    with caplog.at_level(logging.DEBUG):
        assert main(["simulate", str(out), "--format", "h5mu", "--preset", "none", "--n-cells", "60",
                     "--n-genes", "200", "--n-peaks", "50", "--n-cell-types", "3", "--n-batches", "2", "-q"]) == 0
    foreign = [f"{r.name}: {r.getMessage()}" for r in caplog.records if not r.name.startswith("jae")]
    assert not [m for m in foreign if "MuData options" in m or "previously defined options" in m], foreign
    mdata = md.read_h5mu(out)
    assert list(mdata.mod) == ["rna", "atac"] and mdata.n_obs == 60
    assert {"batch", "cell_type"} <= set(mdata.obs.columns)  # the global obs, as before
