"""``jae evaluate``: score joint embeddings with the competition's metrics and write a visual report."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ._inputs import add_input_args, input_paths, load_input
from ._outputs import check_outputs

log = logging.getLogger(__name__)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate", help="score embeddings with the competition's metrics; write a table and a report",
        description="Score one or more joint embeddings with the NeurIPS 2021 joint-embedding metrics (scib 1.1.7 "
        "definitions: nmi, asw_label, cc_cons, ti_cons, asw_batch, graph_conn and their mean) and write "
        "metrics.csv, metrics.md, UMAPs by cell type and batch, a bar chart and index.html into --out. "
        "Embeddings: --obsm keys of an --h5mu, competition prediction files (--prediction), and the built-in "
        "SVD baseline (--baseline). Annotations (cell type, batch, pseudotimes) come from the data's obs or from "
        "--annotations files (e.g. the competition's *.solution.h5ad).",
    )
    add_input_args(p)
    e = p.add_argument_group("embeddings (at least one)")
    e.add_argument("--obsm", action="append", default=[], metavar="KEY",
                   help="embedding stored in the --h5mu's obsm (or a modality's obsm); repeatable")
    e.add_argument("--prediction", action="append", default=[], metavar="[NAME=]FILE",
                   help="competition output .h5ad (X = embedding, obs_names = cells); repeatable")
    e.add_argument("--baseline", action="store_true",
                   help="also score the seed's SVD-concat baseline (per-modality SVD, at most 100 dims)")
    a = p.add_argument_group("annotations")
    a.add_argument("--cell-type-key", default="cell_type", help="obs column of cell types (default: cell_type)")
    a.add_argument("--batch-key", default="batch", help="obs column of batches (default: batch)")
    a.add_argument("--pseudotime-key", action="append", default=None, metavar="KEY",
                   help="obs column(s) of reference pseudotime (default: every 'pseudotime_order_*' column)")
    a.add_argument("--organism", choices=("human", "mouse"), default=None,
                   help="for the cell-cycle genes (default: uns['organism'], else detected from the gene symbols' "
                   "case, as jae fit does)")
    o = p.add_argument_group("output")
    o.add_argument("--out", type=Path, required=True, help="output folder (created; files replaced atomically)")
    o.add_argument("--overwrite", action="store_true", help="replace the files of an earlier evaluation in --out")
    o.add_argument("--no-report", action="store_true", help="write only metrics.csv and metrics.md")
    o.add_argument("--umap-max-cells", type=int, default=50_000,
                   help="UMAPs of a seeded random subset of at most this many cells (default: 50000)")
    p.add_argument("--seed", type=int, default=0, help="seed of clustering, baseline SVD and UMAPs (default: 0)")
    p.add_argument("--device", default=None, help="torch device for distances (default: cuda if available)")
    p.set_defaults(func=run)


def _prediction_arg(text: str) -> tuple[str | None, Path]:
    if "=" in text and not Path(text).exists():
        name, path = text.split("=", 1)
        return name, Path(path)
    return None, Path(text)


def _read_prediction(path: Path, obs_names, *, name: str | None):
    """A competition prediction .h5ad as an ``(n_cells, n_dims)`` array in ``obs_names`` order."""
    import numpy as np

    from ..io import read_h5ad

    pred = read_h5ad(path, what="--prediction")
    label = name or str(pred.uns.get("method_id", path.name.split(".")[0]))
    missing = obs_names.difference(pred.obs_names)
    if len(missing):
        raise ValueError(
            f"--prediction {path} lacks {len(missing)} of the {len(obs_names)} cells (e.g. {list(missing[:3])}); "
            "embed every cell of the data"
        )
    X = pred.X.toarray() if hasattr(pred.X, "toarray") else np.asarray(pred.X)
    return label, X[pred.obs_names.get_indexer(obs_names)]


def _obsm(mdata, key: str):
    import numpy as np

    for holder in (mdata, *mdata.mod.values()):
        if key in holder.obsm:
            E = holder.obsm[key]
            if holder is not mdata and not holder.obs_names.equals(mdata.obs_names):
                E = np.asarray(E)[holder.obs_names.get_indexer(mdata.obs_names)]
            return np.asarray(E)
    raise KeyError(f"--obsm {key!r} not found in the data's obsm (nor in a modality's obsm); available: "
                   f"{sorted(set(mdata.obsm) | {k for m in mdata.mod.values() for k in m.obsm})}")


def _gex_lognorm(mdata, rna: str):
    """The unintegrated log-normalised GEX for cc_cons: ``.X`` when normalised, else log_normalize(counts)."""
    import numpy as np
    import scipy.sparse as sp

    from ..preprocess import log_normalize

    adata = mdata.mod[rna]
    X = adata.X
    sample = X[: min(200, X.shape[0])]
    values = sample.data if sp.issparse(sample) else np.asarray(sample).ravel()
    if values.size and np.allclose(values, np.round(values)):
        counts = adata.layers["counts"] if "counts" in adata.layers else X
        log.info("cc_cons: %s.X looks like raw counts; using log_normalize(counts)", rna)
        X = log_normalize(counts)
    if not adata.obs_names.equals(mdata.obs_names):
        X = X[adata.obs_names.get_indexer(mdata.obs_names)]
    return X, adata.var_names


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from ..baseline import svd_baseline_from
    from ..io import get_annotation
    from ..metrics import cell_cycle_reference, evaluate_embedding
    from ..preprocess.organism import infer_organism, organism_from_uns
    from ..report import metrics_table, table_markdown, write_report, write_table

    if not (args.obsm or args.prediction or args.baseline):
        raise ValueError("nothing to evaluate: give --obsm KEY, --prediction FILE and/or --baseline")
    predictions = [_prediction_arg(p) for p in args.prediction]
    protect = input_paths(args) + [p for _, p in predictions]
    out = Path(args.out)
    check_outputs([("--out", out)], inputs=protect, overwrite=args.overwrite, folders=("--out",))

    mdata = load_input(args)
    obs = mdata.obs
    if args.cell_type_key not in obs.columns:
        raise KeyError(
            f"no cell-type column {args.cell_type_key!r} in obs (columns: {[str(c) for c in obs.columns][:20]}); "
            "pass --cell-type-key COLUMN, or --annotations FILE (an .h5ad whose obs holds the labels)"
        )
    cell_type = get_annotation(obs, args.cell_type_key, what="cell type")
    batch = obs[args.batch_key] if args.batch_key in obs.columns else None
    if batch is None:
        log.warning("no obs column %r: asw_batch is n/a and cc_cons treats all cells as one batch", args.batch_key)
    pt_keys = args.pseudotime_key or [c for c in obs.columns if str(c).startswith("pseudotime_order_")]
    for key in pt_keys:
        if key not in obs.columns:
            raise KeyError(f"--pseudotime-key {key!r} is not an obs column; available: {list(obs.columns)}")
    pseudotime = obs[pt_keys].astype(float) if pt_keys else None
    rna = next((m for m in ("rna", getattr(args, "rna_mod", "rna")) if m in mdata.mod), None)
    organism = args.organism or (
        infer_organism(mdata, mdata.mod[rna].var_names) if rna is not None else organism_from_uns(mdata) or "human"
    )
    labelled = np.asarray(~pd.isna(cell_type))
    if not labelled.all():
        log.warning("%d cells have no cell type and are left out of the evaluation", int((~labelled).sum()))

    embeddings = {}
    for key in args.obsm:
        embeddings[key] = _obsm(mdata, key)
    for name, path in predictions:
        label, E = _read_prediction(path, mdata.obs_names, name=name)
        embeddings[label if label not in embeddings else f"{label} ({path.name})"] = E
    if args.baseline:
        embeddings["svd_baseline"] = svd_baseline_from(mdata, seed=args.seed, layer=None if args.layer == "X" else args.layer)

    cc_ref, cc_reason = None, "no RNA modality in the data"
    if rna is not None:
        gex, var_names = _gex_lognorm(mdata, rna)
        try:
            cc_ref = cell_cycle_reference(
                gex[labelled], var_names, np.asarray(batch)[labelled] if batch is not None else np.zeros(labelled.sum()),
                organism=organism, seed=args.seed,
            )
        except ValueError as err:
            cc_reason = f"cell-cycle scores unavailable: {err}"
            log.warning("cc_cons is n/a: %s", err)

    results = {}
    for name, E in embeddings.items():
        log.info("evaluating %s (%d cells x %d dims)", name, E.shape[0], E.shape[1])
        result = evaluate_embedding(
            E[labelled], cell_type=np.asarray(cell_type)[labelled],
            batch=None if batch is None else np.asarray(batch)[labelled],
            pseudotime=None if pseudotime is None else pseudotime[labelled], cell_cycle=cc_ref,
            organism=organism, seed=args.seed, device=args.device, progress_bar=not args.quiet,
        )
        if cc_ref is None:
            result.attrs["skipped"]["cc_cons"] = cc_reason
        results[name] = result
    table = metrics_table(results)
    description = (f"{int(labelled.sum())} cells, {len(np.unique(np.asarray(cell_type)[labelled]))} cell types, "
                   f"{'no' if batch is None else len(pd.unique(np.asarray(batch)[labelled]))} batches, "
                   f"pseudotimes: {', '.join(pt_keys) if pt_keys else 'none'}, organism: {organism}.")
    if args.no_report:
        write_table(table, out, protect=protect)
        index = None
    else:
        index = write_report(
            table, {k: v[labelled] for k, v in embeddings.items()}, out,
            cell_type=np.asarray(cell_type)[labelled],
            batch=None if batch is None else np.asarray(batch)[labelled],
            title="jae evaluation", description=description, max_cells=args.umap_max_cells, seed=args.seed,
            device=args.device, protect=protect, progress_bar=not args.quiet,
        )
    print(table_markdown(table), end="")
    print(f"written to {out}" + (f" (report: {index})" if index else ""))
    return 0
