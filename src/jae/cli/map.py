"""``jae map``: map new samples onto a saved reference model; save the mapped model (the reference is unchanged)."""

from __future__ import annotations

import argparse
import re

from ._inputs import (add_fragments_arg, per_sample, add_input_args, add_memory_budget_arg, add_remap_peaks_arg,
                      input_files, path_arg, whole_number)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "map", help="map new samples onto a saved reference model",
        description="Map query cells onto a reference model (JAE.map_query): a new model folder whose network, "
        "readout and label calibration are the reference's, frozen, plus an input shift per new query batch trained "
        "on these cells, read by the unknown call; the embedding and labels read them put back on the reference "
        "cells' spread, as the reference model reads new cells (see README, mapping). Reference cells "
        "embed bit-identically with it; the reference model folder is never changed. "
        "Embed the query with 'jae embed --model NEW' (a mapped model is not fine-tuned unless --finetune-epochs N "
        "asks). Query cells may have RNA only (--mod1 alone); the second modality's input is then filled in from "
        "RNA and left out of the training loss. A query "
        "whose batches the model already knows (reference batches, or mapped before) is refused: embed it with "
        "'jae embed --model MODEL --finetune-epochs 0', or rename new samples that reuse a known batch's name.",
    )
    add_input_args(p)
    add_memory_budget_arg(p)
    add_fragments_arg(p)
    add_remap_peaks_arg(p)
    p.add_argument("--model", type=path_arg, required=True, help="reference model folder written by 'jae fit', or by 'jae map' "
                   "(its mapped batches are kept, and this query's are added)")
    p.add_argument("--out", type=path_arg, required=True, metavar="FOLDER",
                   help="mapped model folder to write (a link: written through to its target)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model folder at --out")
    p.add_argument("--batch-key", default=None, metavar="COLUMN",
                   help="obs column with the query cells' batches; each new batch gets its own shift, so 'none' is "
                   "refused (default: for a model made by 'jae map', the column its mapping read, which is the only "
                   "one it takes; else the column the reference model was fitted with, else batch)")
    p.add_argument("--epochs", type=whole_number, default=None,
                   help="passes over the query cells, each at most 10 minibatches of 256 cells (default: 20, so at most "
                   "200 steps; 0: no training)")
    p.add_argument("--seed", type=whole_number, default=None,
                   help="seed of the shifts' training; not with --epochs 0 (default: the reference model's seed + 2, "
                   "modulo 2**32)")
    p.add_argument("--device", default="auto",
                   help="torch device: auto (cuda when available), cpu, cuda or cuda:N (default: auto)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import map_files

    result = map_files(
        input_files(args, rna_only=True), args.model, args.out, batch_key=args.batch_key, epochs=args.epochs,
        seed=args.seed, device=args.device, memory_budget=args.memory_budget, overwrite=args.overwrite,
        progress_bar=not args.quiet, fragments=per_sample(args.fragments, what="fragments", noun="fragments file"),
        remap_peaks=args.remap_peaks,
    )
    done = result.model.mappings[-1]  # this mapping (map_query refuses a query without a new batch)
    rest, cells, new, steps = result.n_cells - done["n_cells"], done["n_cells"], done["batches"], done["steps"]
    if all(re.fullmatch(r"[+-]?\d+(\.\d*)?", str(b).strip()) for b in new):  # batches 0, 1, 2, 10: not '0, 1, 10, 2'
        new = sorted(new, key=lambda b: float(b))  # (the words only; the adapter keeps its order)
    shown = ", ".join(new[:5]) + (f", ... ({len(new)} in all)" if len(new) > 5 else "")  # as the log line names them
    print(f"mapped {cells} cell{'s' if cells != 1 else ''} of {len(new)} new batch{'es' if len(new) != 1 else ''} "
          f"({shown}) onto {args.model}: "  # --epochs 0 trains nothing, so no seed was used (--seed is refused)
          + (f"{steps} step{'s' if steps != 1 else ''}, seed {done['seed']}" if steps else "no training (--epochs 0)")
          + (f"; {rest} cell{'s' if rest != 1 else ''} of batches the model already knew "
             f"{'are' if rest != 1 else 'is'} placed as before" if rest else "")
          + f"\nmodel written to {args.out}")
    return 0
