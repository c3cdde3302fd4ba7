"""``jae embed``: fine-tune a saved model on new cells and write their joint embedding."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ._inputs import add_input_args, add_memory_budget_arg, dataset_id, input_layer, input_paths, open_input
from ._outputs import check_outputs


def add_parser(sub) -> None:
    p = sub.add_parser(
        "embed", help="embed cells with a saved model",
        description="Embed cells with a fitted model. By default the model is first fine-tuned on these cells with "
        "the reconstruction loss (the seed's online step: 2 epochs for ATAC, 1 for ADT). Writes the competition "
        "format (.h5ad: X = embedding, obs = cells) or a copy of an .h5mu input with obsm['X_jae']. When the model "
        "has cell types, the output's obs also holds the predicted cell type ('jae_cell_type'), its confidence "
        "('jae_confidence', the softmax probability calibrated on held-out reference cells) and whether the cell is "
        "unlike every reference type ('jae_unknown').",
    )
    add_input_args(p, annotations=False)
    add_memory_budget_arg(p)
    p.add_argument("--model", type=Path, required=True, help="model folder written by 'jae fit'")
    p.add_argument("--out", type=Path, required=True, help="output .h5ad (competition format) or .h5mu")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--finetune-epochs", type=int, default=None, help="0 to skip fine-tuning (default: the seed's)")
    p.add_argument("--labels-out", type=Path, default=None, help="CSV of predicted cell types and confidences")
    p.add_argument("--method-id", default="jae", help="uns['method_id'] of the output (default: jae)")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=run)


#: obs columns of the output that hold the predicted cell type and its confidence (those of
#: ``JAE.predict_cell_type(..., key_added="jae")``).
LABEL_COLUMNS = {"cell_type": "jae_cell_type", "confidence": "jae_confidence", "unknown": "jae_unknown"}


def run(args: argparse.Namespace) -> int:
    from .. import JAE
    from ..io import write_atomic, write_embedding_h5ad
    from ..io.atomic import atomic_write

    out = Path(args.out)
    protect = input_paths(args)
    check_outputs(  # fail before the work, not after it
        [("--out", out), ("--labels-out", args.labels_out)], inputs=protect + [Path(args.model)],
        overwrite=args.overwrite, suffixes={"--out": (".h5ad", ".h5mu"), "--labels-out": (".csv",)},
    )
    if out.suffix == ".h5mu" and args.h5mu is None:
        raise ValueError("--out *.h5mu writes a copy of an --h5mu input; with --mod1/--mod2 or --10x use --out *.h5ad")
    model = JAE.load(args.model, device=args.device)
    if args.labels_out is not None and not model.layout.n_cell_type:
        raise ValueError(
            f"--labels-out needs a model fitted with cell types; {args.model} was fitted without (--mode "
            "unsupervised): drop --labels-out"
        )
    mdata = open_input(args, with_annotations=False)  # streamed from disk when over --memory-budget
    layer = input_layer(args)
    if model.adapter is not None and args.finetune_epochs is None:  # made by 'jae map': keep the frozen reference
        args.finetune_epochs = 0
        logging.getLogger(__name__).info("model made by 'jae map': embedding without fine-tuning")
    if args.finetune_epochs != 0:
        model.finetune(mdata, epochs=args.finetune_epochs, layer=layer, progress_bar=not args.quiet)
    Z = model.embed(mdata, key_added=None, layer=layer)
    labels = model.predict_cell_type(mdata, embedding=Z) if model.layout.n_cell_type else None
    if labels is not None and args.labels_out is not None:
        labels_csv = _csv_text(labels)
    columns = None if labels is None else {LABEL_COLUMNS[k]: labels[k].to_numpy() for k in LABEL_COLUMNS}
    if out.suffix == ".h5ad":
        write_embedding_h5ad(
            Z, mdata.obs_names, out, dataset_id=dataset_id(mdata), method_id=args.method_id, protect=protect,
            obs=columns, overwrite=args.overwrite,
        )
    else:
        cells = mdata.obs_names
        del mdata  # the copy written is the file as the user gave it, read again below
        source = _read_untouched(args.h5mu)
        order = cells.get_indexer(source.obs_names)
        source.obsm["X_jae"] = Z[order]
        source.uns["jae"] = model.provenance("X_jae")  # as JAE.embed records it
        for key, values in (columns or {}).items():
            source.obs[key] = values[order]
        write_atomic(source, out, protect=protect, overwrite=args.overwrite)
    if args.labels_out is not None and labels is not None:
        atomic_write(args.labels_out, lambda p: p.write_text(labels_csv), protect=protect, overwrite=args.overwrite)
    print(f"embedded {Z.shape[0]} cells into {Z.shape[1]} dimensions with {model}\nwritten to {out}"
          + (f" and {args.labels_out}" if args.labels_out is not None and labels is not None else ""))
    return 0


def _read_untouched(path: Path):
    """The MuData in ``path`` exactly as stored: the user's modality names and obs, nothing added."""
    import mudata as md

    from ..io.readers import _quiet_mudata

    with _quiet_mudata():
        return md.read_h5mu(path)


def _csv_text(labels) -> str:
    return labels.to_csv(index_label="cell")
