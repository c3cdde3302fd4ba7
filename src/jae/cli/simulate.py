"""``jae simulate``: write a seeded simulated paired dataset of any size, streamed to disk in row chunks."""

from __future__ import annotations

import argparse
import time

from ._inputs import path_arg, whole_number


def add_parser(sub) -> None:
    p = sub.add_parser(
        "simulate", help="write simulated paired counts (competition layout or .h5mu), any number of cells",
        description="Simulate paired RNA+ATAC (multiome) or RNA+protein (cite) counts with cell types, a lineage "
        "with pseudotime, batch effects and cell-cycle phases, streamed to disk in chunks (a million cells fit in "
        "bounded memory). The competition preset copies the full NeurIPS 2021 data's shapes.",
    )
    p.add_argument("out", type=path_arg, nargs="?", help="file prefix for --format h5ad-pair (writes OUT.mod1.h5ad and "
                   "OUT.mod2.h5ad), or a .h5mu path for --format h5mu; or give it as --out, as the other verbs take it")
    p.add_argument("--out", type=path_arg, dest="out_flag", metavar="OUT", default=None, help="the same as OUT")
    p.add_argument("--n-cells", type=whole_number, required=True, help="number of cells to write")
    p.add_argument("--kind", choices=("multiome", "cite"), default="multiome",
                   help="multiome: RNA + ATAC; cite: RNA + protein (default: multiome)")
    p.add_argument("--preset", choices=("competition", "none"), default="competition",
                   help="competition: 13,431 genes + 116,490 peaks, 22 cell types, 13 batches (multiome) or 13,953 "
                   "genes + 134 proteins, 45 cell types, 12 batches (cite), so at least 22 or 45 cells; none: the "
                   "small defaults of jae.datasets.simulate (2,000 genes + 4,000 peaks or 30 proteins, 6 cell types, "
                   "3 batches) (default: competition)")
    p.add_argument("--format", choices=("h5ad-pair", "h5mu"), default="h5ad-pair",
                   help="h5ad-pair: OUT.mod1.h5ad + OUT.mod2.h5ad, the competition layout; h5mu: one MuData file "
                        "at OUT (default: h5ad-pair)")
    for name in ("n-genes", "n-peaks", "n-proteins", "n-cell-types", "n-batches"):
        p.add_argument(f"--{name}", type=whole_number, default=None, help=f"number of {name[2:].replace('-', ' ')} (default: the --preset's)")
    p.add_argument("--organism", choices=("human", "mouse"), default="human",
                   help="organism of the cell-cycle gene symbols and of the chromosomes the peaks are named on "
                   "(mouse: chr1-chr19, chrX) (default: human)")
    p.add_argument("--chunk-size", type=whole_number, default=4096,
                   help="cells generated and written at a time, rounded up to a multiple of 1024 (default: 4096)")
    p.add_argument("--seed", type=whole_number, default=0, help="seed of the simulation (default: 0)")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..datasets import write_simulated

    if (args.out is None) == (args.out_flag is None):  # one output: the positional OUT or --out, as every verb takes
        raise ValueError("give the output once: jae simulate OUT ... or jae simulate --out OUT ..."
                         if args.out is not None else "the following arguments are required: OUT (or --out OUT)")
    out = args.out if args.out is not None else args.out_flag
    other = {"multiome": ("n_proteins", "peaks"), "cite": ("n_peaks", "proteins")}[args.kind]
    if getattr(args, other[0]) is not None:  # it was ignored: the files had the preset's size
        raise ValueError(f"--{other[0].replace('_', '-')} does not apply to --kind {args.kind}, which simulates "
                         f"{other[1]}: pass --n-{other[1]} N instead, or --kind "
                         f"{'cite' if args.kind == 'multiome' else 'multiome'}")
    t0 = time.perf_counter()
    paths = write_simulated(
        out, n_cells=args.n_cells, kind=args.kind, preset=None if args.preset == "none" else args.preset,
        format=args.format, chunk_size=args.chunk_size, seed=args.seed, organism=args.organism,
        n_genes=args.n_genes, n_peaks=args.n_peaks, n_proteins=args.n_proteins, n_cell_types=args.n_cell_types,
        n_batches=args.n_batches, overwrite=args.overwrite, progress_bar=not args.quiet,
    )
    sizes = ", ".join(f"{p} ({b / 1e9:.2f} GB)" if (b := p.stat().st_size) >= 1e9 else f"{p} ({b / 1e6:.1f} MB)"
                      for p in paths)  # a test file of 3 MB read '0.00 GB'
    print(f"wrote {args.n_cells} simulated {args.kind} cells (seed {args.seed}) in {time.perf_counter() - t0:.1f} s: {sizes}")
    return 0
