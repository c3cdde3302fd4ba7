"""Peak memory and wall time of ``jae embed --remap-peaks`` on a large query on peaks of its own, by jae source tree.

Builds, under WORK (never in the repository): ``sim.h5mu``, Multiome cells written by ``jae simulate`` in chunks;
``model``, a reference fitted on the first cells of the same simulation (its genes and peaks); and
``query_own_peaks.h5mu``, every simulated cell with its ATAC counts put on peaks of the sample's OWN
(``new_sample_walkthrough.own_peaks``: the model's peaks shifted, merged, split, dropped, with extra ones), each
model peak's counts given to the own peak it overlaps most, written in row blocks (bounded memory). Then it runs
``jae embed --model WORK/model --h5mu WORK/query_own_peaks.h5mu --remap-peaks`` under ``/usr/bin/time -v`` once per
``--source LABEL=SRC`` (``PYTHONPATH=SRC``: e.g. an export of main's ``src`` beside the branch's), prints wall time,
peak RSS and whether the embeddings, labels and obs written are identical to the first source's, and writes that
table as markdown to ``--out`` when given (refused over an existing file without ``--overwrite``).

    git archive main src | tar -x -C /tmp/jae_main
    nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/remap_stream.py /tmp/jae_remap_stream \\
        --source main=/tmp/jae_main/src --source branch=src --out /tmp/remap_stream.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_text  # noqa: E402
from new_sample_walkthrough import own_peaks, timed  # noqa: E402

ROWS = 8192  # rows per block written


def build(work: Path, args) -> dict:
    """The simulated cells, the reference model and the query on its own peaks (see the module's text)."""
    import subprocess

    import h5py

    import jae
    from jae.io.chunked import BackedCounts
    from jae.io.elems import write_elem

    work.mkdir(parents=True, exist_ok=True)
    sim, query = work / "sim.h5mu", work / "query_own_peaks.h5mu"
    shape = ["--n-genes", str(args.genes), "--n-peaks", str(args.peaks), "--n-batches", "3", "--seed", str(args.seed)]
    subprocess.run([sys.executable, "-m", "jae", "-q", "simulate", str(sim), "--format", "h5mu", "--preset", "none",
                    "--n-cells", str(args.cells), *shape, "--overwrite"], check=True)
    ref = jae.simulate(args.ref_cells, kind="multiome", n_genes=args.genes, n_peaks=args.peaks, n_batches=3,
                       seed=args.seed)  # the same seed: the same genes and peaks as the file's
    model = jae.JAE(jae.JAEConfig(max_epochs=args.max_epochs), seed=0, device="cpu").fit(ref, progress_bar=False)
    model.save(work / "model", overwrite=True)
    model_peaks = ref["atac"].var_names
    own = own_peaks(model_peaks, np.random.default_rng(args.seed))
    target, _ = jae.io.peaks.peak_assignment(model_peaks, own)  # each model peak's counts: to one own peak
    used = np.flatnonzero(target >= 0)
    to_own = sp.csr_matrix((np.ones(len(used), np.float32), (used, target[used])), shape=(len(model_peaks), len(own)))
    counts = BackedCounts(sim, modality="atac", layer=None)
    with h5py.File(sim, "r") as src, h5py.File(query, "w", userblock_size=src.userblock_size) as dst:
        dst.attrs.update(dict(src.attrs))
        for key in src:
            if key != "mod":
                src.copy(src[key], dst, key)
        mod = dst.create_group("mod")
        mod.attrs.update(dict(src["mod"].attrs))
        src.copy(src["mod/rna"], mod, "rna")
        atac = mod.create_group("atac")
        atac.attrs.update(dict(src["mod/atac"].attrs))
        for key in src["mod/atac"]:
            if key not in ("X", "var", "layers"):
                src.copy(src["mod/atac"][key], atac, key)
        var = pd.DataFrame({"feature_types": pd.Categorical(["Peaks"] * len(own))}, index=pd.Index(own))
        write_elem(atac, "var", var)
        X = atac.create_group("layers").create_group("counts")
        X.attrs.update({"encoding-type": "csr_matrix", "encoding-version": "0.1.0", "shape": (args.cells, len(own))})
        data = X.create_dataset("data", (0,), np.float32, maxshape=(None,), chunks=(1 << 20,))
        indices = X.create_dataset("indices", (0,), np.int32, maxshape=(None,), chunks=(1 << 20,))
        indptr, nnz = [np.zeros(1, np.int64)], 0
        for block in counts.blocks(ROWS):
            block = (block @ to_own).tocsr()
            block.sort_indices()
            n = block.nnz
            data.resize((nnz + n,))
            indices.resize((nnz + n,))
            data[nnz:] = block.data
            indices[nnz:] = block.indices
            indptr.append(block.indptr[1:].astype(np.int64) + nnz)
            nnz += n
        X.create_dataset("indptr", data=np.concatenate(indptr))
        atac["X"] = X  # .X the same counts, as jae simulate writes them
    with open(sim, "rb") as src, open(query, "r+b") as dst:  # MuData's header, in the file's user block
        dst.write(src.read(h5py.File(sim, "r").userblock_size))
    return {"cells": args.cells, "genes": args.genes, "model peaks": args.peaks, "own peaks": len(own),
            "reference cells": args.ref_cells, "query MB": round(query.stat().st_size / 1e6, 1), "ATAC nnz": nnz}


def run(work: Path, sources: list[tuple[str, str]], plain: bool = False) -> list[dict]:
    """``jae embed --remap-peaks`` of the query by each source, and its outputs compared with the first's; ``plain``:
    then the plain route's, ``jae embed`` of the same cells on the model's own peaks (``sim.h5mu``) by the first."""
    import anndata as ad

    rows = []
    if plain:
        argv = ["env", f"PYTHONPATH={Path(sources[0][1]).resolve()}", sys.executable, "-m", "jae", "-q", "embed",
                "--model", str(work / "model"), "--h5mu", str(work / "sim.h5mu"), "--device", "cpu", "--out",
                str(work / "emb_plain.h5ad"), "--overwrite"]
        own = timed(f"jae embed, model's own peaks ({sources[0][0]})", argv, work / "embed_plain.log")
        own["command"] = own["command"].replace(str(Path(sources[0][1]).resolve()), sources[0][1])
    for label, src in sources:
        out = work / f"emb_{label}.h5ad"
        argv = ["env", f"PYTHONPATH={Path(src).resolve()}", sys.executable, "-m", "jae", "-q", "embed", "--model",
                str(work / "model"), "--h5mu", str(work / "query_own_peaks.h5mu"), "--remap-peaks", "--device", "cpu",
                "--out", str(out), "--labels-out", str(work / f"labels_{label}.csv"), "--overwrite"]
        row = timed(f"jae embed --remap-peaks ({label})", argv, work / f"embed_{label}.log")
        row["command"] = row["command"].replace(str(Path(src).resolve()), src)
        rows.append(row)
    first = ad.read_h5ad(work / f"emb_{sources[0][0]}.h5ad")
    labels = pd.read_csv(work / f"labels_{sources[0][0]}.csv", index_col=0)
    for row, (label, _) in zip(rows, sources):
        other = ad.read_h5ad(work / f"emb_{label}.h5ad")
        row["same as " + sources[0][0]] = bool(
            np.array_equal(np.asarray(other.X), np.asarray(first.X)) and other.obs.equals(first.obs)
            and pd.read_csv(work / f"labels_{label}.csv", index_col=0).equals(labels))
    if plain:
        rows.append({**own, "same as " + sources[0][0]: "(other counts)"})
    return rows


def markdown(facts: dict, rows: list[dict]) -> str:
    lines = ["| " + " | ".join(facts) + " |", "|" + "---|" * len(facts), "| " + " | ".join(map(str, facts.values()))
             + " |", "", "| step | wall s | peak GB | same |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['step']} | {r['wall s']} | {r['peak GB']} | {list(r.values())[-1]} |")
    lines += ["", "Commands:", ""] + [f"    /usr/bin/time -v {r['command']}" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    p.add_argument("work", type=Path, help="scratch folder for the files it writes (not in the repository)")
    p.add_argument("--cells", type=int, default=100_000, help="query cells (default: 100,000)")
    p.add_argument("--genes", type=int, default=2_000, help="genes (default: 2,000)")
    p.add_argument("--peaks", type=int, default=20_000, help="the model's peaks (default: 20,000)")
    p.add_argument("--ref-cells", type=int, default=3_000, help="reference cells fitted (default: 3,000)")
    p.add_argument("--max-epochs", type=int, default=5, help="the reference's epochs (default: 5)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--source", action="append", default=[], metavar="LABEL=SRC",
                   help="a jae source tree to run (PYTHONPATH), repeatable; the first is the yardstick "
                        "(default: branch=src)")
    p.add_argument("--plain", action="store_true", help="also time jae embed of the cells on the model's own peaks "
                   "(sim.h5mu), without --remap-peaks, by the first --source")
    p.add_argument("--reuse", action="store_true", help="use the files an earlier run wrote in WORK")
    p.add_argument("--out", type=Path, default=None, help="markdown file it writes the figures to (default: it only "
                   "prints them)")
    p.add_argument("--overwrite", action="store_true", help="replace --out")
    args = p.parse_args(argv)
    if args.out is not None and args.out.exists() and not args.overwrite:
        p.error(f"--out {args.out} exists; pass --overwrite to replace it or choose another --out")
    sources = [tuple(s.split("=", 1)) for s in args.source] or [("branch", "src")]
    if any(len(s) != 2 for s in sources):
        p.error("--source takes LABEL=SRC, e.g. main=/tmp/jae_main/src")
    if args.reuse:
        facts = json.loads((args.work / "facts.json").read_text())
    else:
        facts = build(args.work, args)
        (args.work / "facts.json").write_text(json.dumps(facts))
    text = markdown(facts, run(args.work, sources, args.plain))
    print(text)
    if args.out is not None:
        write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
