"""One size of the scale benchmark, run in its own process: read -> normalise -> SVD -> pretrain -> fine-tune ->
embed -> write on a competition-layout pair of ``.h5ad`` files, streaming the counts in row blocks.

Prints one JSON line with wall time and peak RSS per stage. Peak RSS per stage is the kernel's high-water mark
(``VmHWM``), reset before each stage through ``/proc/self/clear_refs``; ``ru_maxrss`` gives the whole run's.
Used by ``benchmarks/scale.py``; run directly for one size:

    python benchmarks/_scale_run.py --prefix /tmp/jae_scale/multiome_10000_seed0 --out /tmp/emb.h5ad
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def _cpu_s() -> float:
    """User + system CPU seconds of this process (all threads); robust to other load on a shared machine."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class Stages:
    """Wall time and peak RSS of named stages, and time accumulated in sub-steps of streaming passes."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.acc: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        _reset_peak()
        t0, c0 = time.perf_counter(), _cpu_s()
        yield
        self.rows.append(
            {"stage": name, "wall_s": time.perf_counter() - t0, "cpu_s": _cpu_s() - c0,
             "peak_rss_gb": _status_kb("VmHWM") / 1e6}
        )
        print("STAGE " + json.dumps(self.rows[-1]), file=sys.stderr, flush=True)

    @contextmanager
    def part(self, name: str):
        t0 = time.perf_counter()
        yield
        self.acc[name] = self.acc.get(name, 0.0) + time.perf_counter() - t0


def timed_blocks(counts, stages: Stages, block_rows: int):
    """Raw count blocks, time spent reading them booked under 'read'."""
    it = counts.blocks(block_rows)
    while True:
        with stages.part("read"):
            block = next(it, None)
        if block is None:
            return
        yield block


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prefix", required=True, help="files <prefix>.mod1.h5ad and <prefix>.mod2.h5ad")
    p.add_argument("--out", required=True, help="embedding .h5ad to write")
    p.add_argument("--svd-fit-cells", type=int, default=20000, help="cells the SVD basis is fitted on (0: all)")
    p.add_argument("--n-iter", type=int, default=5, help="power iterations of the randomized SVD")
    p.add_argument("--n-svd", type=int, default=100)
    p.add_argument("--block-rows", type=int, default=4096)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-epochs", type=int, default=None, help="override the seed's 500 (with early stopping)")
    p.add_argument("--device", default="auto")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    import h5py
    from anndata.io import read_elem

    import jae
    from jae.io.chunked import BackedCounts
    from jae.io.write import write_embedding_h5ad
    from jae.preprocess import log_normalize
    from jae.preprocess.cell_cycle import cell_cycle_genes
    from jae.preprocess.streaming import fit_svd_streaming, project_blocks

    from _cell_cycle_stream import CellCycleScorer

    S = Stages()
    t_start = time.perf_counter()
    paths = [Path(f"{args.prefix}.mod1.h5ad"), Path(f"{args.prefix}.mod2.h5ad")]

    with S.stage("read annotations"):
        # obs / uns / var only, with h5py: anndata's backed mode would load every layer into memory
        with h5py.File(paths[0], "r") as f:
            obs = read_elem(f["obs"])
            uns = read_elem(f["uns"])
        kinds = []
        for path in paths:
            with h5py.File(path, "r") as f:
                kinds.append(jae.io.normalize_kind(str(read_elem(f["var"])["feature_types"].iloc[0])))
        mods = [BackedCounts(p) for p in paths]
        var_names = [m.var_names for m in mods]
    n_cells = mods[0].shape[0]
    input_bytes = sum(m.nnz * 8 + (m.shape[0] + 1) * 8 for m in mods)  # float32 data + int32 indices + indptr
    rng = np.random.default_rng(args.seed)
    fit_all = args.svd_fit_cells <= 0 or args.svd_fit_cells >= n_cells
    rows = None if fit_all else np.sort(rng.choice(n_cells, size=args.svd_fit_cells, replace=False))
    gex = kinds.index("GEX")
    s_genes, g2m_genes = cell_cycle_genes(uns.get("organism", "human"))
    scorer = CellCycleScorer(var_names[gex], s_genes, g2m_genes, seed=args.seed)

    # pass 1 per modality: read, normalise, keep the SVD-fit sample; gene means for cell-cycle scoring
    samples = {}
    with S.stage("pass 1: read + normalise + sample"):
        for i, (m, kind) in enumerate(zip(mods, kinds)):
            picked, pos = [], 0
            for block in timed_blocks(m, S, args.block_rows):
                with S.part("normalise"):
                    normed = log_normalize(block)
                if i == gex:
                    with S.part("cell-cycle"):
                        scorer.add_means(normed)
                if kind != "ADT" and not fit_all:
                    with S.part("sample"):
                        lo, hi = np.searchsorted(rows, [pos, pos + block.shape[0]])
                        picked.append(normed[rows[lo:hi] - pos].tocsc())  # CSC: ready for the SVD products
                pos += block.shape[0]
            samples[i] = picked

    bases = []
    with S.stage("SVD fit"):
        for i, (m, kind) in enumerate(zip(mods, kinds)):
            if kind == "ADT":
                bases.append(None)
                continue
            if fit_all:
                def source(m=m):
                    return (log_normalize(b) for b in m.blocks(args.block_rows))
            else:
                def source(i=i):
                    return iter(samples[i])
            bases.append(
                fit_svd_streaming(source, n_features=m.shape[1], n_components=args.n_svd, seed=args.seed,
                                  n_iter=args.n_iter)
            )
        samples.clear()

    # pass 2 per modality: read, normalise, project (and cell-cycle scores from GEX)
    X = np.empty((n_cells, sum(b.n_components if b is not None else m.shape[1] for b, m in zip(bases, mods))),
                 dtype=np.float32)
    phase = np.empty((n_cells, 2), dtype=np.float32)
    with S.stage("pass 2: read + normalise + project"):
        col = 0
        for i, (m, basis) in enumerate(zip(mods, bases)):
            pos = 0
            width = basis.n_components if basis is not None else m.shape[1]
            for block in timed_blocks(m, S, args.block_rows):
                with S.part("normalise"):
                    normed = log_normalize(block)
                with S.part("project"):
                    if basis is None:
                        X[pos : pos + block.shape[0], col : col + width] = normed.toarray()
                    else:
                        X[pos : pos + block.shape[0], col : col + width] = project_blocks([normed], basis)
                if i == gex:
                    with S.part("cell-cycle"):
                        phase[pos : pos + block.shape[0]] = scorer.score(normed)
                pos += block.shape[0]
            col += width
    obs["S_score"], obs["G2M_score"] = phase[:, 0], phase[:, 1]

    batches = sorted(obs["batch"].astype(str).unique())
    n_ref_batches = max(1, int(round(len(batches) * 2 / 3)))
    reference = obs["batch"].astype(str).isin(batches[:n_ref_batches]).to_numpy()
    config = jae.JAEConfig() if args.max_epochs is None else jae.JAEConfig(max_epochs=args.max_epochs)
    model = jae.JAE(config, seed=args.seed, device=args.device)
    pre = jae.Preprocessor.from_bases(tuple(kinds), tuple(var_names), tuple(bases))
    with S.stage("pretrain"):
        model.fit_transformed(X, obs, preprocessor=pre, batch_key="batch", cell_type_key="cell_type",
                              phase_keys=("S_score", "G2M_score"), reference=reference, finetune=False,
                              progress_bar=False)
    with S.stage("fine-tune"):
        model.finetune_transformed(X[~reference], progress_bar=False)
    with S.stage("embed"):
        Z = model.embed_transformed(X)
    with S.stage("write"):
        write_embedding_h5ad(Z, obs.index, args.out, dataset_id=str(uns.get("dataset_id", "simulated")),
                             protect=paths)
    total = time.perf_counter() - t_start
    hist = model.history
    epochs = {st: int((hist["stage"] == st).sum()) for st in ("pretrain", "finetune")} if "stage" in hist else {}
    result = {
        "n_cells": n_cells,
        "features": [m.shape[1] for m in mods],
        "kinds": kinds,
        "input_csr_gb": input_bytes / 1e9,
        "nnz": [m.nnz for m in mods],
        "svd_fit_cells": n_cells if fit_all else int(args.svd_fit_cells),
        "n_iter": args.n_iter,
        "threads": args.threads,
        "device": str(model.device),
        "n_reference": int(reference.sum()),
        "epochs": epochs,
        "stages": S.rows,
        "parts_s": S.acc,
        "total_s": total,
        "max_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        "cpu_s": _cpu_s(),
        "load_avg_end": list(os.getloadavg()),
        "embedding_shape": list(Z.shape),
    }
    print("RESULT " + json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
