"""``jae embed``: fine-tune a saved model on new cells and write their joint embedding."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._inputs import add_input_args, dataset_id, input_paths, load_input


def add_parser(sub) -> None:
    p = sub.add_parser(
        "embed", help="embed cells with a saved model",
        description="Embed cells with a fitted model. By default the model is first fine-tuned on these cells with "
        "the reconstruction loss (the seed's online step: 2 epochs for ATAC, 1 for ADT). Writes the competition "
        "format (.h5ad: X = embedding, obs = cells, with predicted cell types) or a copy of an .h5mu input with "
        "obsm['X_jae'].",
    )
    add_input_args(p, annotations=False)
    p.add_argument("--model", type=Path, required=True, help="model folder written by 'jae fit'")
    p.add_argument("--out", type=Path, required=True, help="output .h5ad (competition format) or .h5mu")
    p.add_argument("--finetune-epochs", type=int, default=None, help="0 to skip fine-tuning (default: the seed's)")
    p.add_argument("--labels-out", type=Path, default=None, help="CSV of predicted cell types and confidences")
    p.add_argument("--method-id", default="jae", help="uns['method_id'] of the output (default: jae)")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import JAE
    from ..io import write_atomic, write_embedding_h5ad

    out = Path(args.out)
    if out.suffix not in (".h5ad", ".h5mu"):
        raise ValueError(f"--out must end in .h5ad or .h5mu, not {out.name!r}")
    protect = input_paths(args)
    if any(out.resolve() == p.resolve() for p in protect):  # fail before the work, not after it
        raise ValueError(f"refusing to overwrite input file {out}; choose another --out")
    mdata = load_input(args, with_annotations=False)
    model = JAE.load(args.model, device=args.device)
    layer = None if args.layer == "X" else args.layer
    if args.finetune_epochs != 0:
        model.finetune(mdata, epochs=args.finetune_epochs, layer=layer, progress_bar=not args.quiet)
    Z = model.embed(mdata, layer=layer)
    labels = model.predict_cell_type(mdata, embedding=Z) if model.layout.n_cell_type else None
    if out.suffix == ".h5ad":
        write_embedding_h5ad(
            Z, mdata.obs_names, out, dataset_id=dataset_id(mdata), method_id=args.method_id, protect=protect,
        )
    else:
        if labels is not None:
            mdata.obs["jae_cell_type"] = labels["cell_type"].to_numpy()
            mdata.obs["jae_confidence"] = labels["confidence"].to_numpy()
        write_atomic(mdata, out, protect=protect)
    if args.labels_out is not None and labels is not None:
        if any(Path(args.labels_out).resolve() == p.resolve() for p in protect):
            raise ValueError(f"--labels-out {args.labels_out} is an input file; choose another path")
        tmp = Path(args.labels_out).with_name(f".{Path(args.labels_out).name}.tmp")
        labels.to_csv(tmp, index_label="cell")
        tmp.replace(args.labels_out)
    print(f"embedded {Z.shape[0]} cells into {Z.shape[1]} dimensions with {model}\nwritten to {out}")
    return 0
