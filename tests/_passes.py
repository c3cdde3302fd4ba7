"""Shared by the streaming tests: count each file's passes over its counts and refuse any whole read."""

from __future__ import annotations

from collections import Counter

from jae.io.chunked import BackedCounts


def count_passes(monkeypatch, whole_reads, *, what: str = "a count matrix") -> Counter:
    """Patch ``BackedCounts.blocks`` to count the passes over each file (by name) and make ``BackedCounts.read``
    and every ``(class, method)`` in ``whole_reads`` fail the test; returns the counter."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"{what} was read whole into memory")

    for owner, name in [*whole_reads, (BackedCounts, "read")]:
        monkeypatch.setattr(owner, name, refuse)
    passes, blocks = Counter(), BackedCounts.blocks

    def counted(self, *args, **kwargs):
        passes[self.path.name] += 1
        return blocks(self, *args, **kwargs)

    monkeypatch.setattr(BackedCounts, "blocks", counted)
    return passes
