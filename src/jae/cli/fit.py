"""``jae fit``: pretrain JAE on annotated reference cells (and fine-tune on unannotated ones); save the model."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ._inputs import (
    CLI_FIXES, add_input_args, add_memory_budget_arg, batch_key, input_layer, input_paths, open_input,
)
from ._outputs import check_outputs

logger = logging.getLogger(__name__)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fit", help="fit a JAE model and save it",
        description="Fit JAE: preprocessing on all cells, pretraining on cells with a cell-type label, fine-tuning "
        "on cells without one. Writes a model folder (model.json + weights.pt).",
    )
    add_input_args(p)
    add_memory_budget_arg(p)
    p.add_argument("--out", type=Path, required=True, help="model folder to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model folder")
    p.add_argument("--batch-key", default="batch",
                   help="obs column with batches; 'none': all cells are one batch, e.g. one sample (default: batch)")
    p.add_argument("--cell-type-key", default="cell_type", help="obs column with cell types (default: cell_type)")
    p.add_argument("--mode", choices=("supervised", "unsupervised"), default="supervised")
    p.add_argument("--organism", choices=("human", "mouse"), default=None, help="for cell-cycle genes (default: detect)")
    p.add_argument("--max-epochs", type=int, default=None, help="cap on pretraining epochs (default: the seed's 500)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
        help="any JAEConfig field, repeatable, e.g. --set lr=3e-4 --set decoder_batch=true",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .. import JAE, JAEConfig
    from ..io import check_fit_annotations

    out = Path(args.out)
    # fail before the work, not after it
    check_outputs([("--out", out)], inputs=input_paths(args), overwrite=args.overwrite, models={"--out": "model.json"})
    config = JAEConfig(mode=args.mode).with_overrides(args.overrides)
    if args.max_epochs is not None:
        config = replace(config, max_epochs=args.max_epochs)
    mdata = open_input(args, plan=False)  # JAE.fit reads it whole when it fits --memory-budget, else streams it
    batch = batch_key(args.batch_key)
    if args.tenx is not None and config.mode == "supervised" and args.cell_type_key not in mdata.obs.columns:
        raise ValueError(
            f"a Cell Ranger file holds no cell-type labels (no obs column {args.cell_type_key!r}), so supervised "
            "mode cannot run: pass --mode unsupervised (and --batch-key none for a single sample), or --annotations "
            f"FILE with a {args.cell_type_key!r} column"
        )
    check_fit_annotations(
        mdata.obs, batch_key=batch, cell_type_key=args.cell_type_key, supervised=config.mode == "supervised",
        fixes=_fixes(args),
    )
    model = JAE(config, seed=args.seed, device=args.device)
    model.fit(
        mdata, batch_key=batch, cell_type_key=args.cell_type_key, organism=args.organism,
        layer=input_layer(args), progress_bar=not args.quiet,
        memory_budget=args.memory_budget,
    )
    model.save(out, overwrite=args.overwrite)
    print(f"fitted {model}\nmodel written to {out}")
    return 0


def _fixes(args) -> dict[str, str]:
    fixes = dict(CLI_FIXES)
    if args.tenx is not None:  # a Cell Ranger file holds no labels and no batches
        fixes["annotations"] = "--annotations FILE (a Cell Ranger file holds no cell-type labels)"
    return fixes
