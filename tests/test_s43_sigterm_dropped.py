"""A SIGTERM whose exception Python dropped (it landed in a finalizer or a C extension's callback: "Exception ignored
in ...") still stops the run: the flag its handler sets keeps every output out of place and the CLI exits 143, as
for a SIGTERM raised where it can be (session 43: tests/test_s35_stream_sigterm.py saw exit 0 in two of seven full
suite runs)."""

from __future__ import annotations

import logging

import jae.io.atomic as atomic
from jae._stop import STOP_REQUESTED
from jae.cli import main


def test_a_dropped_sigterm_places_no_output_and_exits_143(tmp_path, monkeypatch, caplog):
    real = atomic.warn_leftovers

    def signal_dropped(path):  # as the handler does before its exception is lost
        STOP_REQUESTED.set()
        return real(path)

    monkeypatch.setattr(atomic, "warn_leftovers", signal_dropped)
    out = tmp_path / "sim.h5mu"
    with caplog.at_level(logging.ERROR, logger="jae"):
        code = main(["-q", "simulate", str(out), "--format", "h5mu", "--preset", "none", "--n-cells", "300"])
    assert code == 143
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # neither the output nor its temporary
    assert "terminated (SIGTERM)" in caplog.text
    assert not STOP_REQUESTED.is_set()  # cleared for the next command of the same process


def test_without_a_stop_the_same_command_writes(tmp_path):
    out = tmp_path / "sim.h5mu"
    assert main(["-q", "simulate", str(out), "--format", "h5mu", "--preset", "none", "--n-cells", "300"]) == 0
    assert out.is_file() and not STOP_REQUESTED.is_set()
