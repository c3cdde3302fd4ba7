"""``jae predict``: train on paired cells and predict the second modality of test cells (competition format)."""

from __future__ import annotations

import argparse

from ._inputs import Given, layer_arg, path_arg, whole_number


def add_parser(sub) -> None:
    from ..io.kinds import MAX_ADT_FEATURES
    from ..prediction import PredictConfig

    defaults = PredictConfig()
    p = sub.add_parser(
        "predict", help="predict one modality from another",
        description="Train on the paired cells of --train-mod1 (source) and --train-mod2 (target), or load a predictor "
        "saved by --save-model (--model FOLDER), predict the target modality of the cells in --test-mod1 and write the "
        "competition's prediction format (.h5ad: X = prediction in the competition's normalised convention, obs = the "
        "test cells' obs, var = the target's var, uns['dataset_id'], uns['method_id']). Source files (--train-mod1, "
        "--test-mod1) need raw counts, in the layer --layer names.",
    )  # fmt: skip
    p.add_argument("--train-mod1", type=path_arg, metavar="FILE", help="source modality of the training cells (.h5ad, or an AnnData zarr store)")
    p.add_argument("--train-mod2", type=path_arg, metavar="FILE", help="target modality of the same cells (.h5ad, or an AnnData zarr store)")
    p.add_argument("--model", type=path_arg, default=None, metavar="FOLDER",
                   help="predict with the predictor saved in FOLDER (by --save-model) instead of training: no "
                        "--train-mod1/--train-mod2; --method, --seed, --source-kind and --target-kind are the saved "
                        "model's")
    p.add_argument("--test-mod1", type=path_arg, required=True, metavar="FILE", help="source modality of the cells to predict (.h5ad, or an AnnData zarr store): the training source's features, in any order "
                        "(others are ignored)")
    p.add_argument("--output", "--out", dest="output", type=path_arg, required=True, metavar="FILE",  # --out: every other verb's name
                   help="prediction .h5ad to write (never an input file; a link: written through to its target)")
    p.add_argument("--method", default=None, choices=("jae", "mean", "knn", "ridge"), action=Given,
                   help="jae: the network; baselines: mean (per-feature training mean), knn (kNN regression on the "
                        "source encoding), ridge (ridge regression on it) (default: jae); not with --model (the saved "
                        "model's)")
    p.add_argument("--seed", type=whole_number, default=None, action=Given,
                   help="seed of every random step (default: 0); not with --model (the saved model's)")
    p.add_argument("--device", default="auto",
                   help="torch device: auto (cuda when available), cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--output-format", default="auto", choices=("auto", "dense", "sparse"),
                   help=f"X as dense or CSR; sparse: predictions below {defaults.sparse_below} dropped (meant for "
                        "ATAC, accessibilities in [0, 1]); auto: sparse for an ATAC prediction of more than "
                        f"{defaults.dense_limit:,} values (cells x peaks), dense otherwise (default: auto)")
    p.add_argument("--save-model", type=path_arg, default=None, metavar="FOLDER",
                   help="also save the fitted model to this folder (a link: written through to its target)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --output (and --save-model)")
    for side, flag in (("source", "--source-kind"), ("target", "--target-kind")):
        p.add_argument(flag, choices=("GEX", "ATAC", "ADT"), type=str.upper, default=None, action=Given,
                       help=f"kind of the {side} modality when its var has no 'feature_types' (default: from the "
                            f"feature names: genomic intervals are ATAC, up to {MAX_ADT_FEATURES} other names ADT, "
                            "the other side GEX); not with --model (the saved model's)")
    p.add_argument("--layer", default="counts",
                   help="layer with raw counts; 'X' for .X, 'raw' for the AnnData's .raw (scanpy, CELLxGENE) "
                        "(default: counts)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import predict_files

    fixed = sorted(set(getattr(args, "given", [])))  # what a saved model already fixed: refused, not ignored
    if args.model is not None and fixed:  # refused typed, whatever the value: the CLI never loads the model itself
        flags = " and ".join([", ".join(fixed[:-1]), fixed[-1]] if len(fixed) > 1 else fixed)
        raise ValueError(f"{flags} cannot change the predictor saved in --model {args.model} (it was trained with its "
                         f"own): drop {flags}, or train a new one with --train-mod1 and --train-mod2")
    result = predict_files(
        args.train_mod1, args.train_mod2, args.test_mod1, args.output, model=args.model, method=args.method,
        seed=args.seed, device=args.device, output_format=args.output_format, save_model=args.save_model,
        overwrite=args.overwrite, progress_bar=not args.quiet, source_kind=args.source_kind,
        target_kind=args.target_kind, layer=layer_arg(args),
    )
    pred, model = result.prediction, result.model
    print(
        f"predicted {pred.n_vars} {model.target_kind} feature{'s' * (pred.n_vars != 1)} for {pred.n_obs} "
        f"cell{'s' * (pred.n_obs != 1)} from {model.source_kind} "
        f"with {model.method}{'' if args.model is None else f' (saved in {args.model})'}\n"
        f"written to {args.output}" + ("" if args.save_model is None else f"; predictor saved in {args.save_model}")
    )
    return 0
