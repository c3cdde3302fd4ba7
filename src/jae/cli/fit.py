"""``jae fit``: pretrain JAE on annotated reference cells (and fine-tune on unannotated ones); save the model."""

from __future__ import annotations

import argparse
import logging

from ._inputs import Given, add_input_args, add_memory_budget_arg, batch_key, input_files, path_arg, whole_number


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fit", help="fit a JAE model and save it",
        description="Fit JAE: preprocessing on all cells, pretraining on cells with a cell-type label, fine-tuning "
        "on cells without one. Writes a model folder (model.json + weights.pt).",
    )
    add_input_args(p)
    add_memory_budget_arg(p)
    p.add_argument("--out", type=path_arg, required=True, metavar="FOLDER",
                   help="model folder to write (a link: written through to its target)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model folder")
    p.add_argument("--batch-key", default="batch", metavar="COLUMN",
                   help="obs column with batches; 'none': all cells are one batch, e.g. one sample (default: batch)")
    p.add_argument("--cell-type-key", default="cell_type", metavar="COLUMN", action=Given,
                   help="obs column with cell types; --mode unsupervised reads none (default: cell_type)")
    p.add_argument("--mode", choices=("supervised", "unsupervised"), default=None,  # None: not given (--set mode=)
                   help="unsupervised: no cell-type labels, no label transfer (default: supervised)")
    p.add_argument("--organism", choices=("human", "mouse"), default=None, help="for cell-cycle genes (default: detect)")
    p.add_argument("--max-epochs", type=whole_number, default=None, help="cap on pretraining epochs; above 131,072 training cells an epoch is a round of that many "
                        "(JAEConfig.epoch_cells) (default: the seed's 500)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
        help="any JAEConfig field, repeatable, e.g. --set lr=3e-4 --set decoder_batch=true",
    )
    p.add_argument("--seed", type=whole_number, default=0, help="seed of every random step (default: 0)")
    p.add_argument("--device", default="auto",
                   help="torch device: auto (cuda when available), cpu, cuda or cuda:N (default: auto)")
    p.set_defaults(func=run, fit_parser=p)  # its flags are read when it runs: -q / -v are added after this


def _set_arg(overrides, flags: dict, given: dict | None = None) -> None:
    """Refuse a ``--set`` of a setting that is no JAEConfig field but a flag of jae fit (``--set seed=1``,
    ``--set batch_key=sample``), naming the flag, before JAEConfig's unknown-field message (which lists the fields or
    suggests a field of a like name, ``batch_size`` for ``batch_key``). Refuse too a field set twice: by two ``--set``
    or by ``--set`` and the flag of jae fit that sets it (``given``: field -> value of ``--max-epochs``, ``--mode``
    where given), of which the last would win silently."""
    from dataclasses import fields

    from .. import JAEConfig

    names = {f.name for f in fields(JAEConfig)}
    seen: set[str] = set()
    for item in overrides:
        key, _, value = item.partition("=")
        key = key.strip().lstrip("-").replace("-", "_")
        if key not in names and key.lower() in flags:  # Seed=1 too: the flags are lower case, as the fields
            flag, takes_value = flags[key.lower()]
            given_value = f" {value.strip() or 'VALUE'}" if takes_value else ""
            raise ValueError(f"{flag} is a flag of jae fit, not a JAEConfig field for --set: pass {flag}{given_value}")
        if key in (given or {}):
            flag = flags[key][0]
            raise ValueError(f"{flag} {given[key]} and --set {item.strip()} both set {key}: give one of them")
        if key in seen:
            raise ValueError(f"--set {key}= is given more than once (the last would win): give each field once")
        seen.add(key)


def run(args: argparse.Namespace) -> int:
    from .. import JAEConfig, fit_files

    given = {k: v for k, v in (("max_epochs", args.max_epochs), ("mode", args.mode)) if v is not None}
    flags = {a.dest: (max(a.option_strings, key=len), a.nargs != 0)
             for a in args.fit_parser._actions if a.option_strings}
    _set_arg(args.overrides, flags, given)
    overrides = list(args.overrides) + ([] if args.max_epochs is None else [f"max_epochs={args.max_epochs}"])
    config = JAEConfig(mode=args.mode or "supervised").with_overrides(overrides)
    if config.mode == "unsupervised" and "--cell-type-key" in getattr(args, "given", []):  # it was silently unread
        logging.getLogger(__name__).warning(
            "--cell-type-key %s is not read: %s trains without cell-type labels (no label transfer); drop "
            "--cell-type-key, or the unsupervised mode to train on the labels", args.cell_type_key,
            "--mode unsupervised" if args.mode else "--set mode=unsupervised")
    result = fit_files(
        input_files(args), args.out, config=config, seed=args.seed,
        device=args.device, batch_key=batch_key(args.batch_key), cell_type_key=args.cell_type_key,
        organism=args.organism, memory_budget=args.memory_budget, overwrite=args.overwrite,
        progress_bar=not args.quiet,
    )
    if result.written:  # under torchrun, only the process that wrote the model says so
        print(f"fitted {result.model}\nmodel written to {args.out}")
    return 0
