"""``jae embed``: fine-tune a saved model on new cells and write their joint embedding."""

from __future__ import annotations

import argparse

from ._inputs import (add_fragments_arg, per_sample, add_input_args, add_memory_budget_arg, add_remap_peaks_arg,
                      input_files, path_arg, whole_number)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "embed", help="embed cells with a saved model",
        description="Embed cells with a fitted model. By default the model is first fine-tuned on these cells with "
        "the reconstruction loss (the seed's online step: 2 epochs for ATAC, 1 for ADT). Writes the competition "
        "format (.h5ad: X = embedding, obs = the input's cells with their obs (--mod1's, then those only --mod2 "
        "holds) and --annotations columns) or a copy of an .h5mu input with obsm['X_jae'] (and the --annotations "
        "columns in obs), or with --out-copy-of such a copy of an .h5ad input (your AnnData back). When the model "
        "has cell types, the output's obs also holds the predicted cell type ('jae_cell_type'), its confidence "
        "('jae_confidence', its probability, calibrated on held-out reference cells: see below), whether the cell may "
        "be of a type the reference lacks ('jae_unknown') and the score that call thresholds ('jae_unknown_score').",
    )
    add_input_args(p)  # --annotations: e.g. the batch column a mapped model reads
    p.epilog = ("--mod1 may come alone (cells with RNA only): the second modality's input is filled in from RNA; "
                "--impute-out writes that modality, predicted. "
                "jae_confidence (0 to 1) is the probability the model gives the cell's predicted type: the equal "
                "mixture of a linear classifier on the embedding and a vote of the 15 nearest reference cells, its "
                "temperature fitted on reference cells held out of training, so that of the cells given 0.8, about "
                "80% were right on those reference cells (the model's calibration error there is logged when "
                "labels are predicted). It describes cells like the reference's; cells of a type the reference "
                "lacks may still get a high confidence in a related type, which is what jae_unknown flags: True "
                "when the network's cell-type head is less sure of the cell, or the cell lies farther from every "
                "reference type's centroid, on average over the cell and its 10 nearest cells among those embedded "
                "with it, than all but 5% of the held-out reference cells; jae_unknown_score is the larger of the two "
                "averages, each in units of its threshold (> 1: unknown), to rank cells.")
    add_memory_budget_arg(p)
    add_fragments_arg(p)
    add_remap_peaks_arg(p)
    p.add_argument("--model", type=path_arg, required=True, help="model folder written by 'jae fit' or 'jae map' "
                   "(or JAE.save)")
    p.add_argument("--out", type=path_arg, required=True, metavar="FILE",
                   help="output .h5ad (competition format; with --out-copy-of, a copy of that input) or .h5mu (a "
                   "link: written through to its target)")
    p.add_argument("--out-copy-of", choices=("mod1", "mod2", "h5ad"), default=None, metavar="INPUT",
                   help="write --out as a copy of the .h5ad input --mod1, --mod2 or --h5ad (INPUT: mod1, mod2 or "
                   "h5ad): all its X, layers, var, obs, obsm and uns, with the embedding in obsm['X_jae'], "
                   "uns['jae'] and the label and --annotations columns in obs, for scanpy's "
                   "sc.pp.neighbors(adata, use_rep='X_jae') (default: the competition format)")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--finetune-epochs", type=whole_number, default=None,
                   help="0 to skip fine-tuning (default: the model's JAEConfig.finetune_epochs_atac or _adt, the "
                   "seed's 2 for ATAC and 1 for ADT unless jae fit --set changed them; 0 for a model written by "
                   "'jae map')")
    p.add_argument("--seed", type=whole_number, default=None,
                   help="seed of the fine-tuning (default: the model's seed + 1, modulo 2**32); not with "
                   "--finetune-epochs 0 or a "
                   "model written by 'jae map' without --finetune-epochs N, which are not fine-tuned")
    p.add_argument("--labels-out", type=path_arg, default=None, metavar="FILE",
                   help="CSV of predicted labels: cell, cell_type, confidence, unknown, unknown_score (needs a model with cell types)")
    p.add_argument("--impute-out", type=path_arg, default=None, metavar="FILE",
                   help=".h5ad of the modality the cells lack (RNA-only input, or mosaic data: an --h5mu, or --mod1 / "
                   "--mod2 files holding different cells), predicted by the "
                   "model: cells x features, normalised as the model's input (log10(1 + 1e4 count / total); "
                   "proteins: centred log-ratio, for a model fitted with cell-type labels after scaling each cell to "
                   "the reference's median count; the scale is in uns['jae_imputed']; genes and peaks: a low-rank "
                   "reconstruction, which can fall below 0) "
                   "(jae.impute)")
    p.add_argument("--impute-modality", default=None, metavar="NAME",
                   help="the model's name of the modality to impute for the cells lacking it (e.g. prot, atac, rna; "
                   "needed when cells lack each); without --impute-out it is written as layers['jae_imputed'] of "
                   "that modality in the --out .h5mu copy of an --h5mu input lacking it (e.g. the proteins of RNA "
                   "alone: the modality is added holding the imputed cells; one measuring no cell is replaced so); "
                   "a modality holding other cells, as in a mosaic .h5mu, takes no layer: pass --impute-out "
                   "(default: none, or the one --impute-out writes)")
    p.add_argument("--method-id", default="jae", help="uns['method_id'] of an .h5ad output (default: jae)")
    p.add_argument("--device", default="auto",
                   help="torch device: auto (cuda when available), cpu, cuda or cuda:N (default: auto)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import embed_files

    result = embed_files(
        input_files(args, rna_only=True), args.model, args.out, labels_out=args.labels_out,
        finetune_epochs=args.finetune_epochs, seed=args.seed, method_id=args.method_id, device=args.device,
        memory_budget=args.memory_budget, overwrite=args.overwrite, progress_bar=not args.quiet,
        impute_out=args.impute_out, impute_modality=args.impute_modality,
        fragments=per_sample(args.fragments, what="fragments", noun="fragments file"),
        remap_peaks=args.remap_peaks, copy_of=args.out_copy_of,
    )
    (n, d) = result.embedding.shape
    print(f"embedded {n} cell{'s' if n != 1 else ''} into {d} dimension{'s' if d != 1 else ''} with {result.model}\n"
          f"written to {args.out}" + (f" (a copy of --{args.out_copy_of} with obsm['X_jae'])" if args.out_copy_of
                                      else "")
          + (f" and {args.labels_out}" if args.labels_out is not None else "")
          + (f"; imputed modality written to {args.impute_out}" if args.impute_out is not None else "")
          + (f"; {args.impute_modality} imputed in its layers['jae_imputed'] there"  # --impute-modality alone: the copy
             if args.impute_out is None and args.impute_modality is not None else ""))
    return 0
