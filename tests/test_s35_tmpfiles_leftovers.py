"""A temporary that a killed jae run left beside an output is named by the next write of that output (session 35)."""

from __future__ import annotations

import logging
import os
import time

from jae.io.atomic import atomic_files, atomic_write


def _old(path, size=1000):
    path.write_bytes(b"x" * size)
    hour_ago = time.time() - 3600
    os.utime(path, (hour_ago, hour_ago))
    return path


def test_leftover_temporary_of_the_same_output_is_named_not_deleted(tmp_path, caplog):
    left = _old(tmp_path / ".out.h5mu.0123456789ab.tmp.h5mu", 5000)  # what a SIGKILLed write leaves
    aside = _old(tmp_path / ".out.h5mu.aaaaaaaaaaaa.old")  # an earlier output kept aside when it was killed
    users = [_old(tmp_path / ".out.h5mu.notes.tmp.h5mu"), _old(tmp_path / ".other.h5mu.0123456789ab.tmp.h5mu"),
             _old(tmp_path / ".out.h5mu.0123456789ab.tmp.h5ad")]  # not jae's temporaries of out.h5mu
    with caplog.at_level(logging.WARNING, logger="jae"):
        atomic_write(tmp_path / "out.h5mu", lambda p: p.write_text("new"))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    text = warnings[0]
    assert left.name in text and aside.name in text and "6.0 KB" in text
    assert f"rm -rf -- {left} {aside}" in text
    assert not any(p.name in text for p in users)
    assert all(p.exists() for p in [left, aside, *users])  # nothing deleted
    assert (tmp_path / "out.h5mu").read_text() == "new"


def test_temporary_younger_than_the_process_is_not_named(tmp_path, caplog):
    (tmp_path / ".out.h5ad.0123456789ab.tmp.h5ad").write_bytes(b"x")  # another run's, writing now
    with caplog.at_level(logging.WARNING, logger="jae"):
        atomic_write(tmp_path / "out.h5ad", lambda p: p.write_text("new"))
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


def test_leftover_staging_folder_of_a_report_is_named(tmp_path, caplog):
    report = tmp_path / "report"
    report.mkdir()
    staging = report / ".report.0123456789ab.tmp"
    staging.mkdir()
    _old(staging / "umap_cell_type.png", 2000)
    os.utime(staging, (time.time() - 3600,) * 2)
    with caplog.at_level(logging.WARNING, logger="jae"):
        with atomic_files(report, ["*.png"]) as stage:
            (stage / "umap_cell_type.png").write_bytes(b"png")
    text = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert staging.name in text and "2.0 KB" in text and staging.exists()


def test_leftover_is_named_before_the_work_and_once(tmp_path, caplog):
    """The output checks that run before any data is read (jae fit trains for hours before it writes) name the
    leftover; the write itself does not name it again."""
    from jae.io.outputs import check_outputs

    left = _old(tmp_path / ".model.0123456789ab.tmp")  # a model folder's temporary (a file will do)
    with caplog.at_level(logging.WARNING, logger="jae"):
        check_outputs([("--out", tmp_path / "model")], inputs=(), overwrite=False)
        early = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        atomic_write(tmp_path / "model", lambda p: p.mkdir())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(early) == 1 and left.name in early[0] and warnings == early
