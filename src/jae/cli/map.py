"""``jae map``: map new samples onto a saved reference model; save the mapped model (the reference is unchanged)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._inputs import add_input_args, add_memory_budget_arg, input_layer, input_paths, open_input
from ._outputs import check_outputs


def add_parser(sub) -> None:
    p = sub.add_parser(
        "map", help="map new samples onto a saved reference model",
        description="Map query cells onto a reference model (JAE.map_query): a new model folder whose network, "
        "readout and label calibration are the reference's, frozen, plus one input shift per new query batch trained "
        "on these cells. Reference cells embed bit-identically with it; the reference model folder is never changed. "
        "Embed the query with 'jae embed --model NEW --finetune-epochs 0'.",
    )
    add_input_args(p)
    add_memory_budget_arg(p)
    p.add_argument("--model", type=Path, required=True, help="reference model folder written by 'jae fit'")
    p.add_argument("--out", type=Path, required=True, help="mapped model folder to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model folder at --out")
    p.add_argument("--batch-key", default="batch", help="obs column with the query cells' batches (default: batch)")
    p.add_argument("--epochs", type=int, default=None, help="passes over the query cells (default: 20; 0: no training)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import JAE

    out = Path(args.out)
    if out.resolve() == Path(args.model).resolve():
        raise ValueError("--out is the reference model folder; map_query never changes the reference: choose another "
                         "--out")
    check_outputs([("--out", out)], inputs=input_paths(args) + [Path(args.model)], overwrite=args.overwrite,
                  models={"--out": "model.json"})
    if args.epochs is not None and args.epochs < 0:
        raise ValueError(f"--epochs must be >= 0, not {args.epochs}")
    reference = JAE.load(args.model, device=args.device)
    mdata = open_input(args)
    if args.batch_key not in mdata.obs.columns:
        raise ValueError(f"the query has no obs column {args.batch_key!r} for --batch-key; pass --batch-key COLUMN or "
                         "--annotations FILE with that column")
    mapped = reference.map_query(mdata, batch_key=args.batch_key, epochs=args.epochs, layer=input_layer(args),
                                 progress_bar=not args.quiet)
    mapped.save(out, overwrite=args.overwrite)
    new = [] if mapped.adapter is None else list(mapped.adapter.batches)
    print(f"mapped {mdata.n_obs} cells onto {args.model} (new batches: {', '.join(new) or 'none'})\n"
          f"model written to {out}")
    return 0
