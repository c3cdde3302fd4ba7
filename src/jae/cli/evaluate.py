"""``jae evaluate``: score joint embeddings with the competition's metrics and write a visual report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ._inputs import Given, add_input_args, batch_key, input_files, pseudotime_keys, path_arg, whole_number


def add_parser(sub) -> None:
    def _max_cells(text: str) -> int | None:
        """``--umap-max-cells``: a number of cells, or 'all' (no cap)."""
        if text.strip().lower() in ("all", "none"):
            return None
        try:
            return whole_number(text)  # 1e5 too, as the other whole-number flags
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(f"expected a number of cells or 'all', not {text!r}") from None

    def _obsm_key(text: str) -> str:
        """``--obsm``: a key, not blank (it was refused after reading the data, as Python's "{'name': Z}")."""
        if not text.strip():
            raise argparse.ArgumentTypeError("expected an obsm key (e.g. X_jae), got an empty one")
        return text

    p = sub.add_parser(
        "evaluate", help="score embeddings with the competition's metrics; write a table and a report",
        description="Score one or more joint embeddings with the NeurIPS 2021 joint-embedding metrics (scib 1.1.7 "
        "definitions: nmi, asw_label, cc_cons, ti_cons, asw_batch, graph_conn and their mean) and write "
        "metrics.csv, metrics.md, diagnostics.csv (iLISI, cLISI, cell-cycle variance shares: not in the mean), UMAPs "
        "by cell type and batch (umap_<name>.png), a bar chart (metrics.png) and index.html into --out. "
        "Embeddings: --obsm keys of an --h5mu, competition prediction files (--prediction), and the built-in "
        "SVD baseline (--baseline). Annotations (cell type, batch, pseudotimes) come from the data's obs or from "
        "--annotations files (e.g. the competition's *.solution.h5ad). Scoring stored embeddings needs only the RNA "
        "(for cc_cons): --mod1 alone, or an --h5mu or --h5ad of RNA alone, will do; cells without a cell type are "
        "left out.",
    )
    add_input_args(p)
    e = p.add_argument_group("embeddings (at least one)")
    e.add_argument("--obsm", action="append", default=[], metavar="KEY", type=_obsm_key,
                   help="embedding stored in the data's obsm: an --h5mu's (or a modality's), an --h5ad's (e.g. "
                   "scanpy's X_pca, X_scVI), --mod1's or --mod2's; repeatable")
    e.add_argument("--prediction", action="append", default=[], metavar="[NAME=]FILE",
                   help="competition output .h5ad (X = embedding, obs_names = cells), or the .h5mu jae embed "
                   "writes (its obsm['X_jae']); repeatable")
    e.add_argument("--baseline", action="store_true",
                   help="also score the seed's SVD-concat baseline (per-modality SVD, at most 100 dims)")
    a = p.add_argument_group("annotations")
    a.add_argument("--cell-type-key", default="cell_type", metavar="COLUMN", help="obs column of cell types (default: cell_type)")
    a.add_argument("--batch-key", default=None, metavar="COLUMN",
                   help="obs column of batches; 'none': all cells are one batch, asw_batch n/a (default: batch)")
    a.add_argument("--pseudotime-key", action="append", default=None, metavar="COLUMN",
                   help="obs column(s) of reference pseudotime; 'none' alone: no trajectory conservation (default: every "
                        "'pseudotime_order_*' column)")
    a.add_argument("--organism", choices=("human", "mouse"), default=None,
                   help="for the cell-cycle genes (default: uns['organism'], else detected from the gene symbols' "
                   "case, as jae fit does)")
    o = p.add_argument_group("output")
    o.add_argument("--out", type=path_arg, required=True, metavar="FOLDER",
                   help="output folder (created; files replaced atomically; a link: written through to its target)")
    o.add_argument("--overwrite", action="store_true", help="replace the files of an earlier evaluation in --out")
    o.add_argument("--no-report", action="store_true", help="write only metrics.csv and metrics.md")
    o.add_argument("--umap-max-cells", type=_max_cells, default=50_000, metavar="N", action=Given,
                   help="UMAPs of a seeded random subset of at most this many cells; 'all': every scored cell; not "
                   "with --no-report (default: 50000)")
    p.add_argument("--seed", type=whole_number, default=0,
                   help="seed of clustering, baseline SVD and UMAPs, from 0 to 2**32 - 1 (default: 0)")
    p.add_argument("--device", default=None,
                   help="torch device for distances: auto (cuda when available), cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--knn", choices=("auto", "exact", "approximate"), default="auto",
                   help="neighbour graph of the metrics: exact (O(n^2)), approximate (seeded; sampled "
                   "silhouettes), or auto: exact up to 100,000 cells (default: auto)")
    p.set_defaults(func=run)


def _prediction_arg(text: str) -> tuple[str | None, Path]:
    """``--prediction [NAME=]FILE``, with a leading ``~`` in FILE expanded (a shell leaves it in quotes and after
    ``NAME=``)."""
    from ..io.paths import user_path

    name, path = text.split("=", 1) if "=" in text and not user_path(text).exists() else (None, text)
    if not path.strip():  # '--prediction jae=$EMPTY': read as '.', "a folder, not a file", not naming the flag's text
        raise ValueError(f"--prediction {text!r} names no file; give --prediction FILE or --prediction NAME=FILE")
    return name, user_path(path)


def run(args: argparse.Namespace) -> int:
    from .. import evaluate_files

    if args.no_report and "--umap-max-cells" in getattr(args, "given", []):  # else read by nothing
        raise ValueError("--umap-max-cells sizes the report's UMAPs, which --no-report leaves out: drop one of them")
    pairs = [(key, key) for key in args.obsm] + [(name or str(path), path) for name, path in
                                                 map(_prediction_arg, args.prediction)]
    names = [name for name, _ in pairs]
    twice = [name for name in dict.fromkeys(names) if names.count(name) > 1]
    if twice and args.obsm.count(twice[0]) > 1:  # the same key twice: there is no --prediction to rename
        raise ValueError(f"--obsm {twice[0]} is given more than once; give each obsm key once")
    if twice:  # a dict would keep only the last of them
        raise ValueError(f"two embeddings are named {twice[0]!r}; give each --prediction its own NAME=FILE")
    embeddings = dict(pairs)
    table = evaluate_files(
        input_files(args, rna_only=True), embeddings, args.out, baseline=args.baseline,
        cell_type_key=args.cell_type_key, pseudotime_keys=pseudotime_keys(args.pseudotime_key),
        organism=args.organism, seed=args.seed, device=args.device, report=not args.no_report,
        umap_max_cells=args.umap_max_cells, overwrite=args.overwrite, progress_bar=not args.quiet, knn=args.knn,
        **({} if args.batch_key is None else {"batch_key": batch_key(args.batch_key)}),  # left out: the default's warning
    )
    from ..report import table_markdown  # the report's modules import numba (its metrics): not for a refusal

    print(table_markdown(table, escape=False), end="")  # a terminal: names as typed, no Markdown escapes
    print(f"written to {os.path.expanduser(args.out)}" + ("" if args.no_report else f" (report: {table.attrs['report']})"))
    return 0
