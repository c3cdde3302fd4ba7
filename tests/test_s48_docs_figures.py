"""Figures the README and docs/ quote, checked against the results files they cite (session 48's docs pass).

Each test reads the figure from the page and the value from the newest record in ``benchmarks/results/``, so a rerun
that changes the record without the page (or the reverse) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
README = (REPO / "README.md").read_text()


def _prose(text: str) -> str:
    return " ".join(text.split())


def _table_rows(path: Path) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in path.read_text().splitlines() if line.startswith("| ")]


def test_benchmarks_page_counts_the_tuning_rounds_recorded():
    rounds = len(re.findall(r"^## Round \d+", (RESULTS / "tuning.md").read_text(), re.M))
    quoted = re.findall(r"`benchmarks/results/tuning\.md`, (\d+) rounds", _prose((REPO / "docs/benchmarks.md").read_text()))
    assert quoted and all(int(q) == rounds for q in quoted), (quoted, rounds)


def test_readme_walkthrough_fragments_timing_is_the_latest_record():
    text = _prose(README)
    m = re.search(r"the fragments gave the embedding of the model's own peaks exactly, counted in (\S+) s "
                  r"\(`jae map --fragments`: (\S+) s in all\)", text)
    assert m, "the README's walkthrough sentence no longer states the counting and `jae map` times"
    counted, mapped = float(m.group(1)), float(m.group(2))
    # the counting alone: the current reader's runs ("this tree") at the walkthrough's shape
    runs = [float(r[2]) for r in _table_rows(RESULTS / "fragments_speed_walk.md") if r[0] == "this tree"]
    assert runs and min(runs) - 0.5 <= counted <= max(runs) + 0.5, (counted, runs)
    # the whole `jae map --fragments` step of the latest walkthrough
    (row,) = [r for r in _table_rows(RESULTS / "new_sample_walkthrough.md") if r[0] == "jae map --fragments"]
    assert round(float(row[1])) == mapped, (mapped, row)


def test_readme_first_screen_says_what_jae_is_the_commands_and_where_to_go():
    """A newcomer's first screen (the title down to the contents list): what jae is, the install/demo and test
    commands, the two verbs that do the work on one's own data, and links to the quick starts that show them."""
    first = README.split("\nContents:", 1)[0]
    assert len(first.splitlines()) <= 30
    assert "joint embedding" in first and "bash install.sh && jae demo" in first and "pytest" in first
    assert "`jae fit`" in first and "`jae embed`" in first and "`jae --help`" in first
    links = set(re.findall(r"\]\(#([\w-]+)\)", first))
    assert {"quick-start-command-line", "quick-start-python"} <= links
    headings = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", README, re.M)}
    assert links <= headings
