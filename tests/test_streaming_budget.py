"""The default memory budget of ``fit`` (half the available memory) is shared by the torchrun processes of a machine."""

import io

import pytest

from jae.io import plan


@pytest.fixture
def sixteen_gb(monkeypatch):
    meminfo = "MemTotal:       33554432 kB\nMemAvailable:   16000000 kB\n"
    monkeypatch.setattr(plan, "open", lambda path, *a, **k: io.StringIO(meminfo), raising=False)
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)


def test_one_process_may_read_half_the_available_memory(sixteen_gb):
    assert plan.default_memory_budget() == 16000000 * 1024 // 2


def test_each_of_four_torchrun_processes_may_read_an_eighth(sixteen_gb, monkeypatch):
    # each process read its inputs whole up to half the available memory: four processes of one machine (torchrun
    # --nproc-per-node=4) could take twice the memory there was, all measured before any had read
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    assert plan.default_memory_budget() == 16000000 * 1024 // 8


def test_a_budget_in_binary_units_is_read_in_powers_of_1024():
    # '8GiB' was read as 8 GB (8e9 bytes, 7% under 8 GiB), the 'i' dropped; '8I' as 8 bytes
    assert plan.parse_bytes("8GiB") == 8 * 2**30 and plan.parse_bytes("512Mi") == 512 * 2**20
    assert plan.parse_bytes("8G") == 8 * 10**9 and plan.parse_bytes("8 gb") == 8 * 10**9
    with pytest.raises(ValueError, match="is not a size"):
        plan.parse_bytes("8I")


def test_the_misordered_files_message_names_a_small_budget_in_its_own_unit(tmp_path):
    # 'pass --memory-budget SIZE large enough ... (about 0.6 GB; the budget is 0.0 GB)' of --memory-budget 40M
    import anndata as ad
    import numpy as np

    from jae.datasets import write_simulated
    from jae.io.paired_files import open_competition

    mod1, mod2 = write_simulated(tmp_path / "s", n_cells=60, kind="multiome", preset=None, seed=1, progress_bar=False,
                                 n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2)
    other = ad.read_h5ad(mod2)
    other[np.arange(other.n_obs)[::-1]].copy().write_h5ad(mod2)
    with pytest.raises(ValueError, match=r"different orders.* the budget is 40 MB\)$"):
        plan.plan_input(open_competition(mod1, mod2), memory_budget="40M")
    assert plan.format_bytes(1) == "1 byte" and plan.format_bytes(12) == "12 bytes"


def test_the_plan_names_both_files_of_a_mosaic_pair(tmp_path, caplog):
    # 'streaming path: reading MosaicFiles(s.mod1.h5ad: 40 cells: ...)' named the first file alone
    import logging

    import anndata as ad

    from jae.datasets import write_simulated
    from jae.io.paired_files import open_competition

    mod1, mod2 = write_simulated(tmp_path / "s", n_cells=50, kind="multiome", preset=None, seed=1, progress_bar=False,
                                 n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2)
    rna = ad.read_h5ad(mod1)
    rna[:40].copy().write_h5ad(mod1)  # ten cells with ATAC alone: mosaic
    with caplog.at_level(logging.INFO, logger="jae.io.plan"):
        files = plan.plan_input(open_competition(mod1, mod2, mosaic=True), memory_budget=1)
    assert type(files).__name__ == "MosaicFiles"
    assert "MosaicFiles(s.mod1.h5ad, s.mod2.h5ad: " in repr(files) and "s.mod2.h5ad" in caplog.text
