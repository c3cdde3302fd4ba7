"""The metrics table: one row per embedding, the six competition metrics and their mean; CSV and Markdown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..metrics import METRICS
from ._atomic import atomic_write

__all__ = ["metrics_table", "table_markdown", "write_table", "COLUMNS"]

#: Column order of the table: the six metrics, then their mean.
COLUMNS = (*METRICS, "overall")


def metrics_table(results: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Stack :func:`jae.metrics.evaluate_embedding` results into a table.

    Parameters
    ----------
    results
        ``{embedding name: result Series}``.

    Returns
    -------
    DataFrame ``(n_embeddings, 7)`` indexed by embedding name, columns :data:`COLUMNS` (NaN = n/a), with
    ``attrs['averaged']`` and ``attrs['skipped']`` holding each embedding's notes.
    """
    if not results:
        raise ValueError("metrics_table: no results given; evaluate at least one embedding")
    table = pd.DataFrame({name: r.reindex(COLUMNS) for name, r in results.items()}).T
    table.index.name = "embedding"
    table.attrs["averaged"] = {name: list(r.attrs.get("averaged", [])) for name, r in results.items()}
    table.attrs["skipped"] = {name: dict(r.attrs.get("skipped", {})) for name, r in results.items()}
    table.attrs["notes"] = {name: list(r.attrs.get("notes", [])) for name, r in results.items()}
    return table


def notes(table: pd.DataFrame) -> list[str]:
    """One sentence per embedding: what ``overall`` averages and why the rest is n/a."""
    out = []
    for name in table.index:
        averaged = table.attrs.get("averaged", {}).get(name, [])
        skipped = table.attrs.get("skipped", {}).get(name, {})
        line = f"{name}: overall = mean of {', '.join(averaged) if averaged else 'nothing'}"
        if skipped:
            line += "; n/a: " + "; ".join(f"{k} ({v})" for k, v in skipped.items())
        remarks = table.attrs.get("notes", {}).get(name, [])
        if remarks:
            line += "; note: " + "; ".join(remarks)
        out.append(line)
    return out


def table_markdown(table: pd.DataFrame, *, digits: int = 4) -> str:
    """The table as GitHub Markdown (best value per column in bold, n/a for undefined), then the notes."""
    cols = [c for c in COLUMNS if c in table.columns]
    lines = ["| embedding | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    best = {c: table[c].max(skipna=True) for c in cols}
    for name, row in table.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if not np.isfinite(v):
                cells.append("n/a")
            else:
                text = f"{v:.{digits}f}"
                cells.append(f"**{text}**" if len(table) > 1 and v == best[c] else text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", *[f"- {n}" for n in notes(table)]]
    return "\n".join(lines) + "\n"


def write_table(table: pd.DataFrame, out_dir: Path, *, protect: Iterable = ()) -> tuple[Path, Path]:
    """Write ``metrics.csv`` and ``metrics.md`` into ``out_dir`` atomically.

    Returns
    -------
    ``(csv_path, markdown_path)``.
    """
    out_dir = Path(out_dir)
    csv = atomic_write(out_dir / "metrics.csv", lambda p: table.to_csv(p, float_format="%.6g", na_rep="NaN"), protect=protect)
    md = atomic_write(out_dir / "metrics.md", lambda p: p.write_text(table_markdown(table)), protect=protect)
    return csv, md
