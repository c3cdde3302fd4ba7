"""Input options shared by the CLI verbs: competition files, a MuData file or a Cell Ranger file."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = [
    "add_input_args", "add_memory_budget_arg", "open_input", "load_input", "input_paths", "dataset_id", "CLI_FIXES",
    "batch_key", "input_layer",
]

#: How the library's annotation checks word each fix on the command line (see jae.io.check_fit_annotations).
CLI_FIXES: dict[str, str] = {
    "batch_key": "--batch-key COLUMN",
    "no_batch": "--batch-key none",
    "cell_type_key": "--cell-type-key COLUMN",
    "annotations": "--annotations FILE (an .h5ad whose obs holds the labels)",
    "unsupervised": "--mode unsupervised",
    "reference": "--cell-type-key COLUMN",
}


def batch_key(value: str | None) -> str | None:
    """``--batch-key``: 'none' (or '') means all cells are one batch."""
    return None if value is None or value.strip().lower() in ("", "none") else value


def add_input_args(parser: argparse.ArgumentParser, *, annotations: bool = True) -> None:
    g = parser.add_argument_group("input (one of: --mod1/--mod2, --h5mu, --10x)")
    g.add_argument("--mod1", type=Path, help="competition layout: GEX .h5ad (raw counts in layers['counts'])")
    g.add_argument("--mod2", type=Path, help="competition layout: ATAC or ADT .h5ad")
    g.add_argument("--h5mu", type=Path, help="MuData file with an RNA and an ATAC or protein modality")
    g.add_argument("--10x", dest="tenx", type=Path, help="Cell Ranger (ARC) filtered_feature_bc_matrix.h5")
    g.add_argument("--rna-mod", default="rna", help="RNA modality name in --h5mu (default: rna)")
    g.add_argument("--other-mod", default=None, help="second modality name in --h5mu (default: the other one)")
    g.add_argument("--layer", default="counts", help="layer with raw counts; 'X' for .X (default: counts)")
    g.add_argument("--mod2-kind", choices=("ATAC", "ADT"), type=str.upper, default=None,
                   help="kind of the second modality when its var has no 'feature_types' (default: detect)")
    if annotations:
        g.add_argument(
            "--annotations", type=Path, action="append", default=[],
            help=".h5ad whose obs holds cell annotations (e.g. *.solution.h5ad), joined by cell name; repeatable",
        )


def input_paths(args) -> list[Path]:
    """Every input file named on the command line (outputs must never be written over these)."""
    paths = [args.mod1, args.mod2, args.h5mu, args.tenx, *getattr(args, "annotations", [])]
    return [Path(p) for p in paths if p is not None]


def load_input(args, *, with_annotations: bool = True):
    """Read the data named by the input options into a MuData."""
    from ..io import join_annotations, read_10x_h5, read_competition, read_h5mu

    given = [x for x in (args.mod1 or args.mod2, args.h5mu, args.tenx) if x]
    if len(given) != 1:
        raise ValueError("give exactly one input: --mod1 and --mod2, or --h5mu, or --10x")
    annotations = getattr(args, "annotations", []) if with_annotations else []
    if args.mod1 or args.mod2:
        if not (args.mod1 and args.mod2):
            raise ValueError("the competition layout needs both --mod1 (GEX) and --mod2 (ATAC or ADT)")
        return read_competition(
            args.mod1, args.mod2, annotations=annotations or None, layer=input_layer(args), mod2_kind=args.mod2_kind
        )
    if args.h5mu:
        mdata = read_h5mu(args.h5mu, rna=args.rna_mod, other=args.other_mod, other_kind=args.mod2_kind)
    else:
        mdata = read_10x_h5(args.tenx)
    if annotations:
        join_annotations(mdata, annotations, replace_existing=True, what="--annotations")
    return mdata


def add_memory_budget_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory-budget", default=None, metavar="SIZE",
        help="memory that reading the input files whole may take, e.g. 8G; larger inputs are streamed from disk in "
        "row blocks, with the same result (default: half the available memory)",
    )


def open_input(args, *, with_annotations: bool = True, plan: bool = True):
    """The data named by the input options: read into memory when it fits ``--memory-budget``, else opened for
    streaming (:func:`jae.io.plan_input`; a Cell Ranger file is always read). ``plan=False`` returns the opened
    files undecided (for :meth:`jae.JAE.fit`, which decides itself given ``memory_budget``)."""
    from ..io.paired_files import open_competition, open_h5mu, plan_input

    given = [x for x in (args.mod1 or args.mod2, args.h5mu, args.tenx) if x]
    if len(given) != 1 or args.tenx or not (args.h5mu or (args.mod1 and args.mod2)):
        return load_input(args, with_annotations=with_annotations)  # and its errors
    annotations = getattr(args, "annotations", []) if with_annotations else []
    if args.h5mu:
        files = open_h5mu(args.h5mu, rna=args.rna_mod, other=args.other_mod,
                          other_kind=getattr(args, "mod2_kind", None), layer=input_layer(args))
        if annotations:
            files = files.with_annotations(annotations, replace_existing=True, what="--annotations")
    else:
        files = open_competition(args.mod1, args.mod2, annotations=annotations or None, layer=input_layer(args),
                                 mod2_kind=getattr(args, "mod2_kind", None))
    if not plan:
        return files
    budget, verb = getattr(args, "memory_budget", None), getattr(args, "verb", None) or "input"
    return plan_input(files, memory_budget=budget, what=verb)


def input_layer(args) -> str | None:
    """``--layer``: the layer of raw counts; ``X`` (or ``None``) means ``.X``. The one reading of the option."""
    return None if args.layer in ("X", "None") else args.layer


def dataset_id(mdata, default: str = "jae") -> str:
    for source in (mdata.uns, *(m.uns for m in getattr(mdata, "mod", {}).values())):
        if "dataset_id" in source:
            return str(source["dataset_id"])
    return default
