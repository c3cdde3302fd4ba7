"""Session 53 review of writes that run out of room. A file whose write filled the disk (as jae predict's .h5ad on
a full tmpfs) or outgrew the process's file size limit (ulimit -f) printed 160 lines of h5py tracebacks around jae's
one line, and the process then crashed as it exited (segmentation fault, status 139): HDF5 flushed the file it could
not write once more. A file of
an evaluation report was said to fill 'the disk of /out/.rep.3f2a....tmp/...', its hidden staging folder; a user's
quota running out (EDQUOT, a disk with room) was not said at all."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from jae.io.atomic import DiskFullError, atomic_files, atomic_write

resource = pytest.importorskip("resource")


def _file_size_limit(limit: int):
    def limited() -> None:
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


@pytest.mark.parametrize("limit, said", [(100_000, "100 kB"), (1_000_000, "1.0 MB")])
def test_an_output_past_the_file_size_limit_ends_in_one_line_and_status_1(tmp_path, limit, said):
    """As a disk filling: HDF5 fails the write, then its metadata's (main: 163 lines, then SIGSEGV or SIGBUS)."""
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "jae", "-q", "simulate", "--n-cells", "300", "--preset", "none", "--kind", "cite",
         "--format", "h5mu", "--out", str(out / "s.h5mu")],
        capture_output=True, text=True, preexec_fn=_file_size_limit(limit), timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"})
    lines = run.stderr.strip().splitlines()
    assert (run.returncode, len(lines)) == (1, 1), run.stderr[-2000:]
    assert lines[0].endswith(f"ERROR jae: s.h5mu grew past the largest file this process may write (the shell's "
                             f"ulimit -f: {said}); nothing was written: raise it (ulimit -f unlimited) and run again")
    assert list(out.iterdir()) == []


def test_a_file_of_a_report_filling_the_disk_names_the_report_folder(tmp_path):
    def full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DiskFullError, match=rf"^the disk of {tmp_path} ran out of space while report was written"):
        with atomic_files(tmp_path / "report", ["*.csv"]) as staging:
            atomic_write(staging / "metrics.csv", full)
    assert list(tmp_path.iterdir()) == []


def test_a_quota_running_out_is_said_as_such(tmp_path):
    def over_quota(path):
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    with pytest.raises(DiskFullError, match=rf"^your disk quota on {tmp_path} ran out while labels\.csv was written; "
                                            "nothing was written"):
        atomic_write(tmp_path / "labels.csv", over_quota)
    assert list(tmp_path.iterdir()) == []
