"""Session 37: jae evaluate --help listed the files a report writes as metrics.csv, metrics.md, the UMAPs, the bar chart
and index.html; the report also writes diagnostics.csv (iLISI, cLISI, the cell-cycle variance shares), which the help
never named. Every file of a report (jae.report.REPORT_FILES) is now named there."""

from __future__ import annotations

from jae.cli import build_parser
from jae.report import REPORT_FILES


def test_the_help_names_every_file_a_report_writes():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    text = " ".join(sub.choices["evaluate"].description.split())
    for name in REPORT_FILES:
        assert name.replace("*", "<name>") in text, name
