"""jae map's summary and map_query's log line listed numeric batch names in text order ('0, 1, 10, 11, 12, ...' for
batches 0 to 12). Messages now show numeric-looking names in numeric order ('0, 1, 2, 3, 4, ...'); the adapter's
batch order and the saved records keep the order they had (text order)."""

from __future__ import annotations

import logging

import numpy as np

from jae.cli import main
from jae.datasets import simulate
from jae.mapping.batches import batch_names, shown_order


def test_shown_order():
    assert shown_order(["0", "1", "10", "2", "3"]) == ["0", "1", "2", "3", "10"]
    assert shown_order([3, 1.5, "-2"]) == ["-2", "1.5", "3"]
    assert shown_order(["b10", "b2", "1"]) == ["b10", "b2", "1"]  # not all numbers: as given
    assert batch_names([str(i) for i in sorted(map(str, range(13)))]) == "0, 1, 2, 3, 4, ... (13 in all)"


def test_map_summary_and_log_in_numeric_order(own_cite_model, capsys, caplog):
    folder, _ = own_cite_model("s38_followups_numeric_order")
    query = simulate(65, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=4)
    query.obs["batch"] = [str(i % 13) for i in range(query.n_obs)]  # 5 cells in each of batches 0..12
    query.write(folder / "q.h5mu")
    with caplog.at_level(logging.INFO, logger="jae.mapping.train"):
        assert main(["-q", "map", "--model", str(folder / "model"), "--h5mu", str(folder / "q.h5mu"), "--device",
                     "cpu", "--epochs", "1", "--out", str(folder / "m")]) == 0
    said = capsys.readouterr().out
    assert "13 new batches (0, 1, 2, 3, 4, ... (13 in all))" in said, said
    assert any("(0, 1, 2, 3, 4, ... (13 in all))" in r.getMessage() for r in caplog.records)
    from jae import JAE

    mapped = JAE.load(folder / "m", device="cpu")
    assert list(mapped.adapter.batches) == sorted(map(str, range(13)))  # text order, as before
    assert mapped.mappings[-1]["batches"] == sorted(map(str, range(13)))
    assert np.asarray(mapped.adapter.shift).shape[0] == 13


def test_known_batches_refusal_in_numeric_order():
    import pytest

    from jae.mapping.batches import check_new_batches

    names = [str(i) for i in range(12)]
    with pytest.raises(ValueError, match=r"\('0', '1', '2', '3', '4', \.\.\. \(12 in all\)\)"):  # the count since s40
        check_new_batches(names, set(names), "batch")


def test_embed_warning_lists_mapped_batches_in_numeric_order(caplog):
    """embed_files' warning that no cell is of a mapped batch listed the mapped batches in the adapter's text order
    ('0', '1', '10', '2'); it now shows them as the other mapping messages do."""
    import anndata as ad
    import pandas as pd

    from jae.mapping import QueryAdapter
    from jae.workflows._mapped_cells import check_mapped_cells

    class _Mapped:  # the attributes check_mapped_cells reads: the adapter, the reference's batches and column
        adapter = QueryAdapter("batch", tuple(sorted(map(str, range(11)))), np.zeros((11, 3), np.float32))
        batches = ("r1", "r2")
        batch_key = "batch"

    cells = ad.AnnData(np.zeros((4, 2), np.float32), obs=pd.DataFrame({"batch": ["x"] * 4}, index=list("abcd")))
    with caplog.at_level(logging.WARNING, logger="jae.workflows.joint"):
        check_mapped_cells(_Mapped(), cells)
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == 1 and "('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', in obs['batch']" in said[0], said
