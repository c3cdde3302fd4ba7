"""``jae demo``: the whole pipeline on built-in simulated data, no download."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._inputs import path_arg, whole_number


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo", help="run pretrain -> fine-tune -> embed -> evaluate on built-in simulated data, with a report",
        description="Simulate paired RNA+ATAC (or RNA+protein) counts with cell types, batch effects and cell "
        "cycle; hide the labels of the last batch; pretrain JAE on the labelled batches, fine-tune on the hidden "
        "one, embed every cell, score the embedding against the SVD baseline and write everything to --out, with an "
        "evaluation report (UMAPs of jae beside the SVD baseline, a metrics chart, index.html) in --out/report.",
    )
    p.add_argument("--out", type=path_arg, default=Path("jae_demo_output"), help="output folder (default: jae_demo_output)")
    p.add_argument("--kind", choices=("multiome", "cite"), default="multiome",
                   help="multiome: RNA + ATAC; cite: RNA + protein (default: multiome)")
    p.add_argument("--n-cells", type=whole_number, default=3000, help="cells to simulate, at least 200 (default: 3000)")
    p.add_argument("--max-epochs", type=whole_number, default=None, help="cap on pretraining epochs; above 131,072 training cells an epoch is a round of that many "
                        "(JAEConfig.epoch_cells) (default: the seed's 500)")
    p.add_argument("--seed", type=whole_number, default=0, help="seed of every step (default: 0)")
    p.add_argument("--device", default="auto",
                   help="torch device: auto (cuda when available), cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--overwrite", action="store_true", help="replace the files of an earlier demo in --out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import run_demo

    result = run_demo(args.out, kind=args.kind, n_cells=args.n_cells, max_epochs=args.max_epochs, seed=args.seed,
                      device=args.device, overwrite=args.overwrite, progress_bar=not args.quiet)
    print(result.summary())
    return 0
