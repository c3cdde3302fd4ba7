"""Report figures: a UMAP of each embedding coloured by cell type and by batch, and a per-metric bar chart."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._threads import start_numba_pool
from ..metrics import neighbor_graph
from ..io.atomic import atomic_write
from .table import COLUMNS, check_free

__all__ = ["umap_coordinates", "plot_umaps", "plot_metric_bars"]

log = logging.getLogger(__name__)


def umap_coordinates(embedding, *, seed: int = 0, device: str | None = None) -> np.ndarray:
    """2-D UMAP layout of an embedding from its 15-neighbour graph (scanpy's ``tl.umap`` defaults).

    Parameters
    ----------
    embedding
        ``(n_cells, n_dims)`` array.
    seed
        Seed of the layout.
    device
        Torch device for the kNN search.

    Returns
    -------
    ``(n_cells, 2)`` float32 coordinates.
    """
    import anndata as ad
    import scanpy as sc
    import scipy.sparse as sp

    from ..config import as_seed

    seed = as_seed(seed)
    E = np.asarray(embedding, dtype=np.float32)
    graph = neighbor_graph(E, device=device)
    n = E.shape[0]
    rows = np.repeat(np.arange(n), graph.indices.shape[1] - 1)
    distances = sp.csr_matrix(
        (graph.distances[:, 1:].ravel(), (rows, graph.indices[:, 1:].ravel())), shape=(n, n)
    )
    adata = ad.AnnData(np.zeros((n, 1), dtype=np.float32))
    adata.obsm["X_emb"] = E
    adata.obsp["connectivities"] = graph.connectivities
    adata.obsp["distances"] = distances
    adata.uns["neighbors"] = {
        "connectivities_key": "connectivities",
        "distances_key": "distances",
        "params": {"n_neighbors": graph.indices.shape[1], "method": "umap", "metric": "euclidean",
                   "use_rep": "X_emb", "random_state": seed},
    }
    start_numba_pool()  # UMAP's kernels would start it, resetting torch's thread count
    # the spectral start needs 4 cells (2 or 3 failed in scipy's eigsh: "k >= N"); fewer start at seeded random places
    sc.tl.umap(adata, random_state=seed, **({"init_pos": "random"} if n < 4 else {}))
    return adata.obsm["X_umap"].astype(np.float32)


def _short(name, limit: int = 60) -> str:
    """A name cut to ``limit`` characters for a legend or title (the report's tables show it whole): a longer one
    leaves no room for the axes."""
    text = " ".join(str(name).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _shorts(names, limit: int) -> list[str]:
    """:func:`_short` of each name, but names that would read the same ('scvi_n_latent=30,...' differing only after
    the cut) keep their start and end around the cut, then, if still the same, get a number: no two legend entries
    read alike."""
    names = [" ".join(str(n).split()) for n in names]
    cut = [_short(n, limit) for n in names]
    out = list(cut)
    for i, n in enumerate(names):
        if cut.count(cut[i]) > 1 and len(n) > limit:
            head = (limit - 1) // 2
            out[i] = n[:head] + "\u2026" + n[len(n) - (limit - 1 - head):]
    seen: dict[str, int] = {}
    for i, label in enumerate(out):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            out[i] = f"{_short(label, limit - 4)} [{seen[label]}]"
    return out


def _palette(n: int, *, greys: bool = True) -> list:
    """``n`` distinct colours; ``greys=False``: none grey (grey marks the cells without a label)."""
    import matplotlib

    colours = []
    tab20 = matplotlib.colormaps["tab20"].colors
    # tab20's dark hues (tab10) first, then their light partners: 2 batches or a few types get two hues, not a dark
    # and a light blue; then tab20b, tab20c, Set3, Pastel1, a colour in two maps only once (79 distinct)
    maps = [tab20[0::2] + tab20[1::2]] + [matplotlib.colormaps[m].colors for m in ("tab20b", "tab20c", "Set3",
                                                                                    "Pastel1")]
    for cmap in maps:
        colours += [c for c in cmap if tuple(c) not in set(map(tuple, colours)) and (greys or np.ptp(c[:3]) > 0.05)]
    if n > len(colours):  # hues a golden-ratio turn apart, in three shades: neighbours in the legend look different
        # (hsv's i / n ramp gave the 200 clusters of a fine clustering neighbours, and a first and last, alike)
        from matplotlib.colors import hsv_to_rgb

        shades = ((0.85, 0.9), (0.55, 0.75), (0.9, 0.55))
        colours = [(*hsv_to_rgb(((i * 0.6180339887) % 1, *shades[i % 3])), 1.0) for i in range(n)]
    return colours[:n]


def _natural(label: str) -> list:
    """Sort key reading the numbers in a label as numbers ('CD4 T' before 'CD14 Mono', cluster '2' before '10')."""
    return [(0, int(part), part) if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", label)]


def _legend_layout(n: int) -> tuple[int, int]:
    """Columns and font size of a legend of ``n`` labels: one column up to 20, 2 up to 44, then 3 (the CITE data's 45
    cell types), and more beyond 75, at most 25 rows each: a longer column ran off the figure's foot."""
    return (1 if n <= 20 else 2 if n <= 44 else max(3, -(-n // _LEGEND_ROWS))), (6 if n > 20 else 7)


#: The most rows of a legend column (at font size 6) that fit the figure's height.
_LEGEND_ROWS = 25


def _scatter(ax, xy: np.ndarray, labels: Sequence, title: str, rng: np.random.Generator) -> None:
    from ..io.validate import missing_text

    labels_in = labels
    raw = np.asarray(labels, dtype=object)
    missing = np.asarray(pd.isna(raw), dtype=bool) | missing_text(raw)  # cells without a label: grey, named so
    labels = pd.Series(raw.astype(str))
    labels[missing] = _NO_LABEL
    cats = sorted(labels[~missing].unique(), key=_natural)  # clusters 0, 1, 2, ..., 10: not 0, 1, 10, 11, 2
    dtype = getattr(labels_in, "dtype", None)
    names = [] if not isinstance(dtype, pd.CategoricalDtype) else [str(c) for c in dtype.categories]
    if names and names != sorted(names):  # a Categorical's own order (lineages, stages), as the user set it; one in
        rank = {c: i for i, c in enumerate(names)}  # pandas' default text order (donor_0, donor_10, donor_2) is none
        cats.sort(key=lambda c: rank.get(c, len(rank)))  # stable: any other label after them, naturally sorted
    colours = dict(zip(cats, _palette(len(cats), greys=not missing.any())))
    if missing.any():
        cats.append(_NO_LABEL)
        colours[_NO_LABEL] = _NO_LABEL_COLOUR
    order = rng.permutation(len(xy))  # random drawing order: no category hides the others
    order = np.concatenate([order[missing[order]], order[~missing[order]]])  # the unlabelled beneath
    size = float(np.clip(4000 / max(len(xy), 1), 0.3, 12))
    ax.scatter(xy[order, 0], xy[order, 1], s=size, c=[colours[v] for v in labels.iloc[order]], linewidths=0,
               rasterized=True)
    ax.set_title(title, fontsize=11)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("UMAP 1", fontsize=8)
    ax.set_ylabel("UMAP 2", fontsize=8)
    handles = [ax.scatter([], [], s=20, color=colours[c], label=label)
               for c, label in zip(cats, _shorts(cats, _LABEL_CHARS))]
    ncol, fontsize = _legend_layout(len(cats))
    legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=fontsize,
                       frameon=False, ncol=ncol, markerscale=1.0, handletextpad=0.2, columnspacing=0.6)
    _as_typed(legend.get_texts())


def _as_typed(texts) -> None:
    """Show names as typed: a '$' pair in a name ('cost $5 vs $6', 'CD4$^+$') is no TeX formula (mathtext drew it in
    italics, or failed the whole report on one it could not parse)."""
    for text in texts:
        text.set_parse_math(False)


#: The legend entry and colour of cells without a label (NaN, None, '' or 'nan' text), drawn beneath the others.
_NO_LABEL = "(no label)"
_NO_LABEL_COLOUR = (0.85, 0.85, 0.85, 1.0)
#: Legend labels are cut to this many characters (the report's tables name every type whole).
_LABEL_CHARS = 40


def plot_umaps(
    coords: np.ndarray,
    cell_type: Sequence,
    batch: Sequence | None,
    path: Path,
    *,
    title: str,
    seed: int = 0,
    protect: Iterable = (),
    overwrite: bool = False,
) -> Path:
    """UMAP coloured by cell type (left) and by batch (right), saved as a PNG.

    Parameters
    ----------
    coords
        ``(n_cells, 2)`` layout from :func:`umap_coordinates`.
    cell_type, batch
        ``(n_cells,)`` labels (``batch`` may be ``None``: one panel).
    path
        Output ``.png``, written atomically.
    title
        Figure title (the embedding's name and score).
    seed
        Seed of the point drawing order.
    protect
        Paths that must not be written.
    overwrite
        Replace an existing ``path``; refused otherwise, before anything is drawn.

    Returns
    -------
    ``path``.
    """
    from ..config import as_seed

    rng = np.random.default_rng(as_seed(seed))
    panels = [("cell type", cell_type)] + ([("batch", batch)] if batch is not None else [])
    return _write_png(path, lambda: _umap_figure(coords, panels, title, rng), protect=protect, overwrite=overwrite)


def _write_png(path, draw, *, protect: Iterable, overwrite: bool) -> Path:
    """Check that ``path`` is free (or ``overwrite``), then draw the figure (``draw()``) and write it there as a PNG,
    atomically: the one writer of the report's figures."""
    from ..io.paths import user_path

    path = user_path(path)
    check_free([path], overwrite=overwrite)
    fig = draw()
    return atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"), protect=protect,
                        overwrite=overwrite)


def _umap_figure(coords: np.ndarray, panels: list, title: str, rng: np.random.Generator):
    """The UMAP figure, each panel as wide as its 5.4-inch plot and its legend (measured) need: 45 long cell-type
    names make a 3-column legend, which a fixed width cut off or laid over the batch panel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # not pyplot: the caller's backend and open figures stay as they are

    widths = []
    for what, labels in panels:  # each legend drawn once alone (no points) to measure it
        scratch = Figure(figsize=(7.2, 5.4))
        ax = scratch.subplots()
        _scatter(ax, np.zeros((0, 2)), pd.unique(np.asarray(labels).astype(str)), what, np.random.default_rng(0))
        widths.append(5.4 + ax.get_legend().get_window_extent(FigureCanvasAgg(scratch).get_renderer()).width
                      / scratch.dpi + 0.3)
    scratch = Figure(figsize=(sum(widths), 5.4))
    heading = scratch.suptitle(title, fontsize=13)
    _as_typed([heading])
    need = heading.get_window_extent(FigureCanvasAgg(scratch).get_renderer()).width / scratch.dpi + 0.4
    if need > sum(widths):  # a long name's title (one panel, no batch) was cut at both sides, its score lost
        widths = [w * need / sum(widths) for w in widths]
    fig = Figure(figsize=(sum(widths), 5.4), layout="constrained")
    for sub, (what, labels) in zip(fig.subfigures(1, len(panels), squeeze=False, width_ratios=widths)[0], panels):
        _scatter(sub.subplots(), coords, labels, f"coloured by {what}", rng)
    _as_typed([fig.suptitle(title, fontsize=13)])
    return fig


def plot_metric_bars(table: pd.DataFrame, path: Path, *, protect: Iterable = (), overwrite: bool = False) -> Path:
    """Grouped bar chart: one group per metric (and the overall mean), one bar per embedding; n/a marked.

    Parameters
    ----------
    table
        From :func:`jae.report.metrics_table`.
    path
        Output ``.png``, written atomically.
    protect
        Paths that must not be written.
    overwrite
        Replace an existing ``path``; refused otherwise, before anything is drawn.

    Returns
    -------
    ``path``.
    """
    return _write_png(path, lambda: _metric_bars_figure(table), protect=protect, overwrite=overwrite)


#: The most names of a column of the bar chart's legend (at font size 8) that fit its 6-inch height.
_BAR_LEGEND_ROWS = 28


def _metric_bars_figure(table: pd.DataFrame):
    """The bar chart of :func:`plot_metric_bars`."""
    from matplotlib.figure import Figure  # not pyplot: the caller's backend and open figures stay as they are

    cols = [c for c in COLUMNS if c in table.columns]
    n_emb = len(table)
    width = 0.8 / n_emb
    colours = _palette(n_emb) if n_emb > 2 else ["#4C72B0", "#DD8452"][:n_emb]
    # wider with more bars, up to a screen's width (20 embeddings: 2,200 x 660 pixels, not a 10,000-pixel strip)
    fig = Figure(figsize=(min(20.0, max(8.0, 1.3 * len(cols) * max(1, n_emb / 2))), 4.8 if n_emb <= 8 else 6.0))
    ax = fig.subplots()
    x = np.arange(len(cols))
    for i, ((name, row), label) in enumerate(zip(table.iterrows(), _shorts(table.index, 60))):
        pos = x - 0.4 + width * (i + 0.5)
        values = row[cols].to_numpy(dtype=float)
        ok = np.isfinite(values)
        bars = ax.bar(pos[ok], values[ok], width * 0.92, label=label, color=colours[i])
        for b, v in zip(bars, values[ok]):
            ax.text(b.get_x() + b.get_width() / 2, v + 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=7,
                    rotation=90 if n_emb > 3 else 0)
        for p in pos[~ok]:
            ax.text(p, 0.02, "n/a", ha="center", va="bottom", fontsize=7, rotation=90, color="0.4")
    if cols[-1:] == ["overall"] and len(cols) > 1:  # the metrics apart from their mean (none without it)
        ax.axvline(len(cols) - 1.5, color="0.7", lw=0.8, ls="--")
    ax.set_xticks(x)
    ax.set_xticklabels(cols)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("score (higher is better)")
    ax.set_title("Joint-embedding metrics (NeurIPS 2021 competition, scib definitions)")
    # at most _BAR_LEGEND_ROWS names a column: 40 embeddings' names ran off the figure's foot (and were lost)
    _as_typed(ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8,
                        ncol=-(-n_emb // _BAR_LEGEND_ROWS)).get_texts())
    fig.tight_layout()
    return fig
