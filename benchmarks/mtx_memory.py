"""Peak memory and wall time of reading a Cell Ranger matrix folder (``matrix.mtx.gz``, ``features.tsv.gz``,
``barcodes.tsv.gz``) whole or in blocks of cells (session 52, ``jae.io.mtx_blocks``; recorded in
benchmarks/results/samples_memory.md).

    OMP_NUM_THREADS=1 python benchmarks/mtx_memory.py --folder /big/tmp --out mtx_memory.jsonl

Each route runs in its own process under ``/usr/bin/time -v``: ``whole`` opens the folder as ``jae fit --10x`` does
within the memory budget (read whole, ``jae.read_10x_mtx``); ``streamed`` as it does over the budget (copied into a
temporary ``.h5mu`` in blocks of cells, opened lazily); ``two_streamed`` the folder and its copy in the other order
(written by an earlier run with the other ``--order``) as two samples over the budget (combined on disk);
``fit_whole`` and ``fit_streamed`` run ``jae fit`` (unsupervised, two epochs, CPU) on the folder with
``--memory-budget 1T`` and ``1G``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from samples_memory import measure

OPEN = ("import sys; from jae.io import InputFiles; from jae.io.samples_files import removes_temporary_files; "
        "tenx = sys.argv[1] if len(sys.argv) == 3 else dict(a.split('=') for a in sys.argv[1:-1]); "
        "removes_temporary_files(lambda: InputFiles(tenx=tenx).open(memory_budget=sys.argv[-1], plan=False))()")
ROUTES = {"whole": ["-c", OPEN, "{folder}", "1T"], "streamed": ["-c", OPEN, "{folder}", "1K"],
          "two_streamed": ["-c", OPEN, "s1={folder}", "s2={other}", "1K"],
          "fit_whole": ["-m", "jae", "fit", "--10x", "{folder}", "--memory-budget", "1T"],
          "fit_streamed": ["-m", "jae", "fit", "--10x", "{folder}", "--memory-budget", "1G"]}
FIT = ["--batch-key", "none", "--mode", "unsupervised", "--max-epochs", "2", "--device", "cpu", "-q", "--overwrite"]


def write_folder(h5mu: Path, folder: Path, *, order: str) -> int:
    """The counts of ``h5mu`` (RNA, then ATAC) as a Cell Ranger ARC matrix folder: entries by cell, as Cell Ranger
    writes them (``order='cell'``), or by feature, as ``scipy.io.mmwrite`` writes a matrix built by cell
    (``'feature'``). Returns the stored counts."""
    import scipy.io
    import scipy.sparse as sp

    import jae

    mdata = jae.read_h5mu(h5mu)
    rna, atac = mdata["rna"], mdata["atac"]
    X = sp.hstack([rna.layers["counts"], atac.layers["counts"]], format="csr").astype(np.int64)
    folder.mkdir(parents=True, exist_ok=True)
    peaks = [p.split("-") for p in atac.var_names]
    with gzip.open(folder / "features.tsv.gz", "wt") as f:
        f.writelines(f"ENS{g}\t{g}\tGene Expression\t\t\t\n" for g in rna.var_names)
        f.writelines(f"{c}:{s}-{e}\t{c}:{s}-{e}\tPeaks\t{c}\t{s}\t{e}\n" for c, s, e in peaks)
    with gzip.open(folder / "barcodes.tsv.gz", "wt") as f:
        f.writelines(f"{b}\n" for b in mdata.obs_names)
    with gzip.open(folder / "matrix.mtx.gz", "wb", compresslevel=6) as f:
        f.write(b"%%MatrixMarket matrix coordinate integer general\n%metadata_json: {}\n")
        f.write(f"{X.shape[1]} {X.shape[0]} {X.nnz}\n".encode())
        if order == "feature":
            X = X.tocsc()  # walked by feature (cells x features CSC)
        for s in range(0, X.shape[0 if order == "cell" else 1], 500):
            part = (X[s:s + 500] if order == "cell" else X[:, s:s + 500]).tocoo()
            cells, feats = part.row + (s if order == "cell" else 0), part.col + (0 if order == "cell" else s)
            key = np.lexsort((feats, cells) if order == "cell" else (cells, feats))
            coo = sp.coo_matrix((part.data[key], (feats[key], cells[key])), shape=X.shape[::-1])
            text = io.BytesIO()
            scipy.io.mmwrite(text, coo, field="integer")  # the entries in their order, its header left out
            body = text.getvalue()
            at = 0
            while body[at:at + 1] == b"%":
                at = body.index(b"\n", at) + 1
            f.write(body[body.index(b"\n", at) + 1:])
    return int(X.nnz)


def main() -> None:
    p = argparse.ArgumentParser(description=(
        "Simulates --cells Multiome cells (jae simulate's competition preset: 13,431 genes, 116,490 peaks), writes "
        "them as a Cell Ranger ARC matrix folder into --folder, and measures each route's peak resident memory and "
        "wall time with /usr/bin/time -v; one JSON line per route, printed and written to --out. The routes: "
        + "; ".join(ROUTES) + "."))
    p.add_argument("--cells", type=int, default=10_000, help="cells (default: 10,000)")
    p.add_argument("--order", choices=["cell", "feature"], default="cell", help="the entries' order in matrix.mtx.gz")
    p.add_argument("--routes", nargs="+", choices=list(ROUTES), default=list(ROUTES), help="the routes to run")
    p.add_argument("--folder", type=Path, required=True, help="folder for the files (about 1 GB)")
    p.add_argument("--out", type=Path, required=True, help="JSON-lines file of the figures")
    p.add_argument("--overwrite", action="store_true", help="replace --out when it exists")
    p.add_argument("--reuse", action="store_true", help="use the matrix folder already in --folder")
    args = p.parse_args()
    if args.out.exists() and not args.overwrite:
        p.error(f"--out {args.out} exists; pass --overwrite to replace it")
    args.folder.mkdir(parents=True, exist_ok=True)
    h5mu, folder = args.folder / "sim.h5mu", args.folder / f"mtx_{args.order}"
    if not (args.reuse and (folder / "matrix.mtx.gz").exists()):
        if not h5mu.exists():
            subprocess.run([sys.executable, "-m", "jae", "simulate", "--n-cells", str(args.cells), "--format", "h5mu",
                            "--seed", "0", "-q", str(h5mu)], check=True)
        write_folder(h5mu, folder, order=args.order)
    rows = []
    for route in args.routes:
        other = args.folder / ("mtx_feature" if args.order == "cell" else "mtx_cell")
        argv = [a.format(folder=folder, other=other) for a in ROUTES[route]]
        if route.startswith("fit"):
            argv += ["--out", str(args.folder / f"model_{route}"), *FIT]
        row = {"route": route, "cells": args.cells, "order": args.order,
               **measure(argv, args.folder / f"{route}.log", command=())}
        print(json.dumps(row), flush=True)
        rows.append(row)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))


if __name__ == "__main__":
    main()
