"""A report folder that is a link to a folder on another disk (results -> /scratch/...) is written into (session 34,
report audit)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jae.report as report
from jae.report import write_report

_OTHER_DISK = Path("/dev/shm")


@pytest.mark.skipif(not _OTHER_DISK.is_dir() or os.stat(_OTHER_DISK).st_dev == os.stat("/tmp").st_dev,
                    reason="needs a second file system (/dev/shm)")
def test_a_report_folder_linked_to_another_disk_is_written(tmp_path, monkeypatch):
    """write_report / jae evaluate --out LINK, LINK a folder on another disk, staged its files beside the link and
    failed once every UMAP was drawn: "[Errno 18] Invalid cross-device link"; they are now staged in the folder."""
    target = _OTHER_DISK / f"jae-test-{uuid.uuid4().hex[:8]}"
    target.mkdir()
    try:
        link = tmp_path / "results"
        link.symlink_to(target, target_is_directory=True)
        monkeypatch.setattr(report, "umap_coordinates", lambda E, **kw: np.asarray(E)[:, :2])
        table = pd.DataFrame({"nmi": [0.5], "overall": [0.5]}, index=["e"])
        E = np.random.default_rng(0).normal(size=(20, 3))
        write_report(table, {"e": E}, link, cell_type=np.repeat(list("ab"), 10), progress_bar=False)
        assert sorted(p.name for p in target.iterdir()) == ["index.html", "metrics.csv", "metrics.md", "metrics.png",
                                                            "umap_e.png"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # nothing left beside the link
    finally:
        for p in target.iterdir():
            p.unlink()
        target.rmdir()
