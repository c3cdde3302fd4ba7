"""Session 57: a name of a lazy package (jae._lazy: ``jae.metrics.neighbor_graph`` is imported when first read) read
for the first time while a test had patched it in its submodule was bound in the package to the patched function, and
monkeypatch's undo left it there: every later test of the worker read the fake (tests/test_s33_metrics_args.py
failed when run alone, and whether it passed in the suite hung on the order of files). tests/conftest.py's
_keep_process_settings now unbinds such names after each test. The two tests run in this order (one file, one
process: --dist loadfile)."""

from __future__ import annotations

import jae.metrics
import jae.metrics._graph


def _fake(*args, **kwargs):
    raise AssertionError("the patched neighbor_graph")


def test_a_patched_name_read_through_the_package_for_the_first_time(monkeypatch):
    vars(jae.metrics).pop("neighbor_graph", None)  # not read yet in this process, as in a file run alone
    monkeypatch.setattr(jae.metrics._graph, "neighbor_graph", _fake)
    assert jae.metrics.neighbor_graph is _fake  # bound in the package now


def test_the_next_test_reads_the_function_itself():
    assert jae.metrics._graph.neighbor_graph is not _fake
    assert jae.metrics.neighbor_graph is jae.metrics._graph.neighbor_graph
