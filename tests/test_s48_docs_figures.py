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


def _session_43_rows() -> dict[str, dict[str, str]]:
    """The first table of mapping.md's session 43 (seeds 0-2 and their means), row name -> set -> cell."""
    text = (RESULTS / "mapping.md").read_text().split("## Session 43: the rows after", 1)[1]
    lines = [line for line in text.split("\n\n")[2].splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip().strip("|").split("|")]
    return {cells[0]: dict(zip(header[1:], cells[1:]))
            for cells in ([c.strip() for c in line.strip().strip("|").split("|")] for line in lines[2:])}


def test_mapping_page_quotes_todays_mapped_rows():
    """docs/mapping.md's 'before -> after' of map_query: after = session 43's rows without the second shift (the
    "zero-shot" rows, which session 43 adopted as map_query's embedding), means over seeds 0-2."""
    rows = _session_43_rows()
    page = _prose((REPO / "docs/mapping.md").read_text())
    m = re.search(r"share of reference neighbours goes 0\.02 -> (\S+) on BMMC Multiome, 0\.23 -> (\S+) on BMMC CITE, "
                  r"0\.04 -> (\S+) on REAP-seq \(a refit: (\S+), (\S+), (\S+)\), and the overall score of reference "
                  r"and query cells 0\.644 -> (\S+) on BMMC Multiome \(refit (\S+)\), 0\.771 -> (\S+) on BMMC CITE "
                  r"\((\S+)\), 0\.867 -> (\S+) on REAP-seq \((\S+)\)", page)
    assert m, "docs/mapping.md's map_query before -> after sentence changed form"
    quoted = [float(g) for g in m.groups()]
    neighbours = {s: [float(v) for v in rows["query's reference neighbours: map_query / zero-shot / refit"][s].split(" / ")]
                  for s in ("BMMC Multiome", "BMMC CITE", "REAP-seq")}
    mean = {s: float(rows["overall, zero-shot"][s].split("(")[1].rstrip(")")) for s in neighbours}
    refit = {s: float(rows["overall, refit"][s].split("(")[1].rstrip(")")) for s in neighbours}
    expected = [neighbours["BMMC Multiome"][1], neighbours["BMMC CITE"][1], neighbours["REAP-seq"][1],
                neighbours["BMMC Multiome"][2], neighbours["BMMC CITE"][2], neighbours["REAP-seq"][2],
                mean["BMMC Multiome"], refit["BMMC Multiome"], mean["BMMC CITE"], refit["BMMC CITE"],
                mean["REAP-seq"], refit["REAP-seq"]]
    assert quoted == expected, (quoted, expected)


def test_command_line_page_quotes_the_distributed_record():
    """docs/command-line.md's one- and two-process scores are those of the record it cites, rounded to 3 digits."""
    page = _prose((REPO / "docs/command-line.md").read_text())
    m = re.search(r"two CPU processes score (\S+), (\S+), (\S+) overall at seeds 0, 1, 2 against (\S+), (\S+), (\S+) "
                  r"for one process \(session \d+, `benchmarks/results/([\w.]+)`", page)
    assert m, "docs/command-line.md's torchrun scores no longer cite a results file"
    rows = [r for r in _table_rows(RESULTS / m.group(7)) if r[0] in ("0", "1", "2")]
    two = [round(float(r[2]), 3) for r in rows]
    one = [round(float(r[1]), 3) for r in rows]
    assert [float(g) for g in m.groups()[:6]] == two + one, (m.groups(), two, one)


def test_command_line_page_quotes_the_memory_budget_record():
    """The streamed fit's peak at two budgets, as docs/command-line.md quotes it, is the cited record's (1 decimal)."""
    page = _prose((REPO / "docs/command-line.md").read_text())
    m = re.search(r"`--memory-budget 100M` and `400M` both peaked at (\S+) GB, `benchmarks/results/([\w.]+)`", page)
    assert m, "docs/command-line.md's budget check no longer cites a results file"
    peaks = {r[0]: float(r[4]) for r in _table_rows(RESULTS / m.group(2)) if r[0] in ("100M", "400M")}
    assert set(peaks) == {"100M", "400M"} and {round(p, 1) for p in peaks.values()} == {float(m.group(1))}, peaks


def test_mapping_page_quotes_the_fragment_reader_memory_of_its_record():
    """The memory over the interpreter's (peak minus before the call) of the current reader and of session 46's, as
    docs/mapping.md quotes them from fragments_speed.md: each a range rounded to 10 MB that holds every run."""
    page = _prose((REPO / "docs/mapping.md").read_text())
    m = re.search(r"with (\d+)-(\d+) MB of memory over the interpreter's \((\d+)-(\d+) MB before\)", page)
    assert m, "docs/mapping.md's fragment reader memory sentence changed form"
    low, high, old_low, old_high = (int(g) for g in m.groups())
    rows = [r for r in _table_rows(RESULTS / "fragments_speed.md") if r[1].isdigit()]  # the runs, not the header
    over = {kind: [float(r[5]) - float(r[6]) for r in rows if (r[0] == "this tree") == (kind == "now")]
            for kind in ("now", "before")}
    for (lo, hi), vals in (((low, high), over["now"]), ((old_low, old_high), over["before"])):
        assert vals and lo - 5 <= min(vals) and max(vals) <= hi + 5 and min(vals) < lo + 10 and max(vals) > hi - 10, (
            lo, hi, vals)
