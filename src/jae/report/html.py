"""The report's ``index.html``: the metrics table, the diagnostics table, the bar chart and each embedding's UMAPs."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.atomic import atomic_write
from .table import DIAGNOSTICS_NOTE, check_free, diagnostics_notes, diagnostics_table, notes, shown_scores

__all__ = ["write_index"]

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.best { font-weight: bold; background: #eef5ee; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0 1.5em; }
.note { color: #555; font-size: 0.9em; }
"""


def _table_html(table: pd.DataFrame) -> str:
    cols, shown = shown_scores(table, digits=4)
    rows = ["<tr><th>embedding</th>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>"]
    for name, cells in shown:
        tds = "".join(('<td class="best">' if best else "<td>") + f"{text}</td>" for text, best in cells)
        rows.append(f"<tr><td>{html.escape(str(name))}</td>{tds}</tr>")
    return "<table>\n" + "\n".join(rows) + "\n</table>"


def _diagnostics_html(table: pd.DataFrame) -> list[str]:
    diag = diagnostics_table(table)
    if diag is None:
        return []
    rows = ["<tr><th>embedding</th>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in diag.columns) + "</tr>"]
    for name, row in diag.iterrows():
        cells = "".join(f"<td>{v:.4f}</td>" if np.isfinite(v) else "<td>n/a</td>" for v in row)
        rows.append(f"<tr><td>{html.escape(str(name))}</td>{cells}</tr>")
    why = diagnostics_notes(table)
    return ["<h2>Diagnostics</h2>", f'<p class="note">{html.escape(DIAGNOSTICS_NOTE)} Table file: '
            '<a href="diagnostics.csv">diagnostics.csv</a>.</p>',
            '<table class="diagnostics">\n' + "\n".join(rows) + "\n</table>",
            *(['<ul class="note">' + "".join(f"<li>{html.escape(n)}</li>" for n in why) + "</ul>"] if why else [])]


def write_index(
    out_dir: Path,
    table: pd.DataFrame,
    *,
    bar_chart: str,
    umaps: Mapping[str, str],
    title: str,
    description: str = "",
    umap_note: str = "",
    umap_batch: bool = True,
    protect: Iterable = (),
    overwrite: bool = False,
) -> Path:
    """Write ``out_dir/index.html`` (atomically) linking the figures by relative path.

    Parameters
    ----------
    out_dir
        Report folder.
    table
        From :func:`jae.report.metrics_table`.
    bar_chart
        File name of the bar chart in ``out_dir``.
    umaps
        ``{embedding name: UMAP PNG file name}``.
    title, description
        Page heading and a line about the data.
    umap_note
        A line above the UMAPs (which cells they show, when a random subset).
    umap_batch
        Whether the UMAPs have a panel coloured by batch (their alt text says what they show).
    protect
        Paths that must not be written.
    overwrite
        Replace an existing ``index.html``; refused otherwise, before anything is written.

    Returns
    -------
    Path of ``index.html``.
    """
    from ..io.paths import user_path

    path = user_path(out_dir) / "index.html"
    check_free([path], overwrite=overwrite)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if description:
        parts.append(f"<p>{html.escape(description)}</p>")
    parts += [
        "<h2>Metrics</h2>",
        "<p class=\"note\">NeurIPS 2021 joint-embedding metrics as defined by scib 1.1.7 (computed by jae.metrics): "
        "biology conservation nmi, asw_label, cc_cons, ti_cons; batch removal asw_batch, graph_conn; overall is "
        "their mean over the metrics defined on this data. Best value per column in bold. Table files: "
        "<a href=\"metrics.csv\">metrics.csv</a>, <a href=\"metrics.md\">metrics.md</a>.</p>",
        _table_html(table),
        "<ul class=\"note\">" + "".join(f"<li>{html.escape(n)}</li>" for n in notes(table)) + "</ul>",
        f'<img src="{html.escape(bar_chart)}" alt="bar chart of the metrics per embedding">',
        *_diagnostics_html(table),
        "<h2>UMAPs</h2>",
        *([f'<p class="note">{html.escape(umap_note)}</p>'] if umap_note else []),
    ]
    by = "cell type and batch" if umap_batch else "cell type"  # no batch panel: none said
    for name, png in umaps.items():
        parts += [f"<h3>{html.escape(str(name))}</h3>",
                  f'<img src="{html.escape(png)}" alt="UMAP of {html.escape(str(name))} by {by}">']
    parts.append("</body></html>")
    text = "\n".join(parts) + "\n"
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"), protect=protect, overwrite=overwrite)
