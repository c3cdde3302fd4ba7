"""The metrics table: one row per embedding, the six competition metrics and their mean; CSV and Markdown.

Beside it, when the results carry them, the diagnostics table (iLISI, cLISI, cc_cons's before/after shares, block
variance shares): explanations of the scores that do not enter ``overall``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .._flags import check_flags, is_whole
from ..metrics import DIAGNOSTICS, METRICS
from ..io.atomic import atomic_outputs, atomic_write

__all__ = ["metrics_table", "diagnostics_table", "table_markdown", "write_table", "COLUMNS", "DIAGNOSTICS_NOTE"]

#: Column order of the table: the six metrics, then their mean.
COLUMNS = (*METRICS, "overall")
#: What the diagnostics columns mean, shown under their table.
DIAGNOSTICS_NOTE = (
    "Diagnostics, not part of overall: ilisi / clisi = scib's graph LISI of batch / cell type scaled to [0, 1] "
    "(higher: batches better mixed / cell types better separated); cc_before / cc_after = share of the top-PC "
    "variance explained by the S and G2/M scores in the GEX / in the embedding, mean over batches (a batch's "
    "cc_cons is 0 once after >= 2 x before); share:<block> = the block's share of the embedding's total variance "
    "(when the column names are known)."
)


def metrics_table(results: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Stack :func:`jae.metrics.evaluate_embedding` results into a table.

    Parameters
    ----------
    results
        ``{embedding name: result Series}``.

    Returns
    -------
    DataFrame ``(n_embeddings, 7)`` indexed by embedding name, columns :data:`COLUMNS` (NaN = n/a), with
    ``attrs['averaged']`` and ``attrs['skipped']`` holding each embedding's notes and ``attrs['diagnostics']``
    each embedding's diagnostics ``{name: float}`` (for those evaluated with them; see :func:`diagnostics_table`),
    ``attrs['diagnostics_skipped']`` why some are n/a ``{name: reason}``.
    """
    if not results:
        raise ValueError("metrics_table: no results given; evaluate at least one embedding")
    table = pd.DataFrame({name: r.reindex(COLUMNS) for name, r in results.items()}).T
    if [str(n) for n in table.index] != [str(n) for n in results]:  # {1: Z, 0.5: Z2}: a float index read 1 as 1.0
        table.index = pd.Index(list(results), dtype=object)
    table.index.name = "embedding"
    table.attrs["averaged"] = {name: list(r.attrs.get("averaged", [])) for name, r in results.items()}
    table.attrs["skipped"] = {name: dict(r.attrs.get("skipped", {})) for name, r in results.items()}
    table.attrs["notes"] = {name: list(r.attrs.get("notes", [])) for name, r in results.items()}
    table.attrs["diagnostics"] = {
        name: {k: float(v) for k, v in r.attrs["diagnostics"].items()}
        for name, r in results.items() if r.attrs.get("diagnostics")
    }
    table.attrs["diagnostics_skipped"] = {
        name: dict(r.attrs.get("diagnostics_skipped", {})) for name, r in results.items() if r.attrs.get("diagnostics")
    }
    return table


def diagnostics_table(table: pd.DataFrame) -> pd.DataFrame | None:
    """The diagnostics of the embeddings in a metrics table, one row each.

    Parameters
    ----------
    table
        From :func:`metrics_table`.

    Returns
    -------
    DataFrame ``(n_embeddings, n_diagnostics)`` indexed by embedding name, columns ``ilisi, clisi, cc_before,
    cc_after`` then ``share:<block>`` in order of first appearance (NaN = n/a); None when no embedding has
    diagnostics.
    """
    found = table.attrs.get("diagnostics") or {}
    if not found:
        return None
    columns = list(DIAGNOSTICS)
    for values in found.values():
        columns += [k for k in values if k not in columns]
    out = pd.DataFrame.from_dict(found, orient="index").reindex(index=[n for n in table.index if n in found],
                                                                 columns=columns)
    out.index.name = "embedding"
    return out.astype(np.float64)


def notes(table: pd.DataFrame) -> list[str]:
    """One sentence per embedding: what ``overall`` averages and why the rest is n/a."""
    out = []
    recorded = table.attrs.get("averaged", {})
    for name, row in table.iterrows():
        if name not in recorded:  # attrs lost (pd.concat of two tables, a metrics.csv read back): not "mean of nothing"
            na = [c for c in COLUMNS if c != "overall" and c in row.index and not np.isfinite(row[c])]
            out += [f"{name}: n/a: {', '.join(na)} (why is not recorded with this table)"] if na else []
            continue
        averaged = recorded[name]
        skipped = table.attrs.get("skipped", {}).get(name, {})
        line = f"{name}: overall = mean of {', '.join(averaged) if averaged else 'nothing'}"
        if skipped:
            line += "; n/a: " + "; ".join(f"{k} ({v})" for k, v in skipped.items())
        remarks = table.attrs.get("notes", {}).get(name, [])
        if remarks:
            line += "; note: " + "; ".join(remarks)
        out.append(line)
    return out


def diagnostics_notes(table: pd.DataFrame) -> list[str]:
    """One sentence per embedding with n/a diagnostics: which, and why (diagnostics sharing a reason named once)."""
    out = []
    for name, skipped in (table.attrs.get("diagnostics_skipped") or {}).items():
        by_reason: dict[str, list[str]] = {}
        for key, reason in skipped.items():
            by_reason.setdefault(reason, []).append(key)
        if by_reason:
            out.append(f"{name}: n/a: " + "; ".join(f"{', '.join(keys)} ({why})" for why, keys in by_reason.items()))
    return out


#: What GitHub's Markdown would swallow or reinterpret in a name or note: an HTML tag ('scvi <v2>' lost '<v2>') or
#: entity, emphasis ('a*b*', '_x_'; not the '_' inside 'asw_label'), strikethrough, code, a link ('[x](y)'); a '>'
#: or '[' that opens nothing ('>= 1', '[0, 1]') is left as it is.
_MD_SPECIAL = re.compile(r"[\\`*~]|<(?=[A-Za-z/!?])|&(?=#?\w+;)|\[(?=[^\]]*\]\()|(?<!\w)_|_(?!\w)")


def _md_text(text, *, escape: bool = True) -> str:
    """Text of metrics.md with what Markdown would swallow backslash-escaped; ``escape=False`` (the table the CLI
    prints to a terminal): as it is."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), str(text)) if escape else str(text)


def _md_name(name, *, escape: bool = True) -> str:
    """A name as one Markdown table cell (a '|' would split it, in a terminal too; a line break would end the row)."""
    return _md_text(" ".join(str(name).split()), escape=escape).replace("|", "\\|")


def shown_scores(table: pd.DataFrame, *, digits: int = 4) -> tuple[list[str], list[tuple[object, list]]]:
    """What the report's tables (metrics.md, index.html) show of ``table``: the metric columns present (in
    :data:`COLUMNS` order), and per row its name and per column ``(text, best)``: the value with ``digits`` decimals
    ('n/a' when undefined) and whether it is the column's best as shown (0.99996 and 1.0 both read 1.0000, both the
    best; no best in a table of one row)."""
    cols = [c for c in COLUMNS if c in table.columns]
    best = {c: table[c].max(skipna=True) for c in cols}
    rows = []
    for name, row in table.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if not np.isfinite(v):
                cells.append(("n/a", False))
            else:
                text = f"{v:.{digits}f}"
                cells.append((text, len(table) > 1 and text == f"{best[c]:.{digits}f}"))
        rows.append((name, cells))
    return cols, rows


def table_markdown(table: pd.DataFrame, *, digits: int = 4, escape: bool = True) -> str:
    """The ``table`` as GitHub Markdown (best value per column in bold, n/a for undefined, ``digits`` decimals), the
    notes, then the diagnostics table when there is one.

    ``escape=False``: names and notes as they are (for a terminal; only a '|' in a name stays escaped), not what
    GitHub shows of them ('scvi <v2>' as 'scvi', 'a*b*' in italics).
    """
    check_flags(escape=escape)  # a text 'no' is truthy: it escaped the names
    if not is_whole(digits, 0):  # -1: "missing precision"
        raise ValueError(f"digits must be a whole number >= 0 (decimals shown), not {digits!r}")
    cols, rows = shown_scores(table, digits=digits)
    lines = ["| embedding | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for name, cells in rows:
        lines.append(f"| {_md_name(name, escape=escape)} | "
                     + " | ".join(f"**{text}**" if best else text for text, best in cells) + " |")
    lines += ["", *[f"- {_md_text(n, escape=escape)}" for n in notes(table)]]
    diag = diagnostics_table(table)
    if diag is not None:
        lines += ["", "Diagnostics (not in overall):", "",
                  "| embedding | " + " | ".join(_md_name(c, escape=escape) for c in diag.columns) + " |",
                  "|---|" + "---:|" * len(diag.columns)]
        for name, row in diag.iterrows():
            cells = [f"{v:.{digits}f}" if np.isfinite(v) else "n/a" for v in row]
            lines.append(f"| {_md_name(name, escape=escape)} | " + " | ".join(cells) + " |")
        why = diagnostics_notes(table)
        lines += ["", *[f"- {_md_text(n, escape=escape)}" for n in why], *([""] if why else []),
                  _md_text(DIAGNOSTICS_NOTE, escape=escape)]
    return "\n".join(lines) + "\n"


def check_free(paths: Iterable[Path], *, overwrite: bool) -> None:
    """Refuse, before anything is drawn or written, an output of the report writers that exists (a link to nothing
    too) unless ``overwrite``: one line naming the file and ``overwrite=True``."""
    check_flags(overwrite=overwrite)  # a text 'False' is truthy: it replaced the file
    if not overwrite:
        for path in paths:
            if path.exists() or path.is_symlink():
                raise FileExistsError(f"{path} exists; pass overwrite=True to replace it or choose another output "
                                      "path")


def write_table(table: pd.DataFrame, out_dir: Path, *, protect: Iterable = (),
                overwrite: bool = False) -> tuple[Path, Path]:
    """Write ``table`` as ``metrics.csv`` and ``metrics.md`` into ``out_dir`` atomically (both or neither);
    ``overwrite``: replace those of an earlier table (refused otherwise, before anything is written); ``protect``: paths
    that must not be written (the inputs). ``metrics.md`` is :func:`table_markdown` after the table's
    ``attrs['description']`` (what :func:`jae.evaluate` scored, and how).

    Returns
    -------
    ``(csv_path, markdown_path)``.
    """
    from ..io.paths import user_path

    out_dir = user_path(out_dir)
    check_free([out_dir / "metrics.csv", out_dir / "metrics.md"], overwrite=overwrite)
    with atomic_outputs():  # both or neither: a failed metrics.md left a new metrics.csv beside the old .md
        csv = atomic_write(out_dir / "metrics.csv", lambda p: table.to_csv(p, na_rep="NaN"),
                           protect=protect, overwrite=overwrite)
        described = table.attrs.get("description")  # what was scored, how (jae.evaluate's): --no-report's only record
        text = (f"{_md_text(described)}\n\n" if isinstance(described, str) and described.strip() else "") + \
            table_markdown(table)
        md = atomic_write(out_dir / "metrics.md", lambda p: p.write_text(text, encoding="utf-8"),
                          protect=protect, overwrite=overwrite)  # utf-8 whatever the locale: 'scVI β' failed on an ASCII or cp1252 locale
    return csv, md
