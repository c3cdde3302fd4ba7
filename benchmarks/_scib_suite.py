"""Run the competition's six metrics with scib 1.1.7 on one dataset and print timings and values as JSON.

Run with the side environment's Python (scib is never a jae dependency), e.g.::

    /work/scibenv/bin/python benchmarks/_scib_suite.py DATA.h5ad EMBEDDING.npy

``DATA.h5ad`` holds the unintegrated log-normalised GEX in ``.X`` and ``obs`` columns ``batch``, ``cell_type`` and
``pseudotime_order_*`` (the competition's solution file layout); the embedding rows follow ``obs``. The calls are
those of the competition's metric scripts (see tests/fixtures/scib/README.md).
"""

from __future__ import annotations

import json
import time
import warnings


def main(data_path: str, embedding_path: str) -> None:
    warnings.simplefilter("ignore")
    import anndata as ad
    import numpy as np
    import scanpy as sc
    import scib
    from scib.metrics.clustering import opt_louvain

    solution = ad.read_h5ad(data_path)
    E = np.load(embedding_path)
    # warm-up (untimed): compile scanpy's numba code (UMAP connectivities, pynndescent) on random data of the same
    # code path, so scib is timed warm as jae is
    warm = ad.AnnData(np.random.default_rng(0).normal(size=(min(len(E), 5000), E.shape[1])).astype(np.float32))
    sc.pp.neighbors(warm, use_rep="X")
    times, values, cpu = {}, {}, {}
    start, cpu_start = time.perf_counter(), time.process_time()

    adata = ad.AnnData(E, obs=solution.obs[["batch", "cell_type"]].copy())
    adata.obsm["X_emb"] = adata.X

    t, c = time.perf_counter(), time.process_time()
    sc.pp.neighbors(adata, use_rep="X_emb")
    times["neighbors"], cpu["neighbors"] = time.perf_counter() - t, time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    opt_louvain(adata, label_key="cell_type", cluster_key="cluster", plot=False, inplace=True, force=True,
                verbose=False)
    values["nmi"] = scib.me.nmi(adata, "cluster", "cell_type")
    times["nmi"], cpu["nmi"] = time.perf_counter() - t, time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    values["asw_label"] = scib.me.silhouette(adata, label_key="cell_type", embed="X_emb")
    times["asw_label"], cpu["asw_label"] = time.perf_counter() - t, time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    values["cc_cons"] = scib.me.cell_cycle(adata_pre=solution, adata_post=adata, batch_key="batch", embed="X_emb",
                                           recompute_cc=True, organism=solution.uns["organism"])
    times["cc_cons"], cpu["cc_cons"] = time.perf_counter() - t, time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    scores = [
        scib.me.trajectory_conservation(adata_pre=solution, adata_post=adata, label_key="cell_type",
                                        batch_key="batch", pseudotime_key=c)
        for c in solution.obs.columns if c.startswith("pseudotime_order_")
    ]
    values["ti_cons"] = float(np.mean(scores))
    times["ti_cons"], cpu["ti_cons"] = time.perf_counter() - t, time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    values["asw_batch"] = scib.me.silhouette_batch(adata, batch_key="batch", label_key="cell_type", embed="X_emb",
                                                   verbose=False)
    times["asw_batch"], cpu["asw_batch"] = time.perf_counter() - t, time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    values["graph_conn"] = scib.me.graph_connectivity(adata, label_key="cell_type")
    times["graph_conn"], cpu["graph_conn"] = time.perf_counter() - t, time.process_time() - c

    times["total"] = time.perf_counter() - start
    cpu["total"] = time.process_time() - cpu_start
    print(json.dumps({"times": times, "cpu": cpu, "values": {k: float(v) for k, v in values.items()}}))


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="the solution-layout .h5ad (log-normalised GEX in .X)")
    ap.add_argument("embedding", help="the embedding as .npy, rows in the data's obs order")
    args = ap.parse_args()
    main(args.data, args.embedding)
