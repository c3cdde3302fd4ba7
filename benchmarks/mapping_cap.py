"""How long ``map_query`` trains a large query's shifts (``jae.mapping.train.ADAPTER_CELLS``), and what the cap changes.

A mapped batch gets one input shift (a vector as wide as the features), trained with Adam through the frozen
network for ``ADAPTER_EPOCHS`` passes over the query's cells. Without a cap the number of steps grows with the
query's cells (20 passes of 300,000 cells: 23,000 steps), and the shifts do not converge: their norm keeps growing
with the steps (``--sweep``). With the cap a query of more than ``ADAPTER_CELLS`` cells is trained for the steps of
20 passes over that many cells, drawing its minibatches from all its cells.

Rows (fidelity and cost only, no cell-type or batch metric, so nothing here chooses by query-cell quality):

- ``steps``, ``map s``: the shifts' training length and ``map_query``'s wall time;
- ``shift norm``: ||shift|| (Frobenius, over the mapped batches);
- ``shift diff``: ||shift - shift_full|| / ||shift_full|| against the uncapped training (``full``);
- ``emb diff``: RMS of the query cells' embedding difference over the RMS of the full run's embedding;
- ``knn``: mean overlap of each query cell's 15 nearest query neighbours in the two embeddings;
- ``full, seed +1``: the uncapped training with the next seed (the run-to-run spread);
- ``--sweep``: the uncapped training for 5-160 epochs, each against 160 epochs.

``--validation SETS``: where the training length stops helping, on reference cells only. For each shared or
simulated set and seed, the reference of the quality benchmark's split is divided by batch: a model is fitted
(labels) on all but its last batch and that batch, as a pseudo-query, is mapped with 0 (the reference model's own
embedding), 25, ..., 1,600 steps; the six metrics are scored on the pseudo-reference and pseudo-query cells
together, as ``benchmarks/mapping.py`` scores a mapping.

    OMP_NUM_THREADS=1 python benchmarks/mapping_cap.py --set sim --batch-cells 30000 --caps 2560
    OMP_NUM_THREADS=1 python benchmarks/mapping_cap.py --set sim --batch-cells 3000 --ref-cells 2000 \
        --max-epochs 20 --sweep
    OMP_NUM_THREADS=1 python benchmarks/mapping_cap.py --validation bmmc_cite bmmc_multiome snare_mouse_cortex \
        sim_multiome sim_cite_small --seeds 0 1 2 --json steps.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import jae.mapping.train  # noqa: E402
from _quality_data import check_sets  # noqa: E402
from jae import JAE, JAEConfig  # noqa: E402
from mapping import knn_overlap  # noqa: E402


def simulated(batch_cells: int, ref_cells: int, seed: int):
    """A CITE-seq simulation of four batches: a seeded ``ref_cells`` of the first two are the labelled reference,
    every cell of the last two (``batch_cells`` each) the query."""
    from jae.datasets import simulate

    m = simulate(4 * batch_cells, kind="cite", n_genes=2000, n_proteins=30, n_cell_types=8, n_batches=4, seed=seed)
    batches = sorted(m.obs["batch"].unique())
    ref_pool = np.flatnonzero(m.obs["batch"].isin(batches[:2]).to_numpy())
    ref = np.sort(np.random.default_rng(seed).choice(ref_pool, ref_cells, replace=False))
    query = np.flatnonzero(m.obs["batch"].isin(batches[2:]).to_numpy())
    return m[ref].copy(), m[query].copy(), "cell_type"


def shared(name: str, seed: int):
    """A shared real set split as ``benchmarks/mapping.py`` splits it (query: its held-out batch)."""
    from mapping import _setup, _with

    qset, query, labelled, label, ref_rows, _ = _setup(name, seed)
    return _with(qset, label.where(ref_rows))[ref_rows].copy(), qset.mdata[query].copy(), "ct"


def mapped(ref: JAE, query, cap: int | None, seed: int):
    """``ref.map_query`` with ``jae.mapping.train.ADAPTER_CELLS = cap`` (None: no cap) and the shifts' seed ``seed``
    (the default, the reference's seed + 2, for the first run)."""
    old_cap = jae.mapping.train.ADAPTER_CELLS
    jae.mapping.train.ADAPTER_CELLS = cap if cap is not None else 1 << 62
    try:
        t = time.perf_counter()
        out = ref.map_query(query, batch_key="batch", seed=seed, progress_bar=False)
        return out, time.perf_counter() - t
    finally:
        jae.mapping.train.ADAPTER_CELLS = old_cap


def steps(n_cells: int, cap: int | None, epochs: int) -> int:
    return epochs * -(-min(n_cells, cap or n_cells) // jae.mapping.train.ADAPTER_BATCH)


def _sweep(ref: JAE, query, args) -> int:
    """The uncapped shifts after 5-160 epochs, each against the 160-epoch shifts."""
    shifts = {}
    for epochs in (5, 10, 20, 40, 80, 160):
        old = jae.mapping.train.ADAPTER_CELLS
        jae.mapping.train.ADAPTER_CELLS = 1 << 62
        try:
            shifts[epochs] = ref.map_query(query, batch_key="batch", epochs=epochs, progress_bar=False).adapter.shift
        finally:
            jae.mapping.train.ADAPTER_CELLS = old
    last = shifts[160]
    for epochs, shift in shifts.items():
        print(json.dumps({"set": args.set, "epochs": epochs, "steps": steps(query.n_obs, None, epochs),
                          "shift norm": float(np.linalg.norm(shift)),
                          "diff to 160 epochs": float(np.linalg.norm(shift - last) / np.linalg.norm(last))}), flush=True)
    return 0


STEPS = (0, 25, 100, 200, 400, 800, 1600)


def validation(name: str, seed: int) -> dict:
    """One set and seed of ``--validation``: the mapped scores (overall and each metric) and the shift norm after each
    of STEPS."""
    import pandas as pd
    from dataclasses import replace

    from _quality_data import load_set, reference_mask
    from _quality_score import Scorer

    qset = load_set(name)
    ref = reference_mask(qset.name, qset.obs, seed=seed)
    batch = qset.obs["batch"].astype(str).to_numpy()
    if len(pd.unique(batch[ref])) < 2:
        raise SystemExit(f"{name}: its reference holds one batch, so it has no pseudo-query batch; leave it out")
    fit_rows = (batch != sorted(pd.unique(batch[ref]))[-1])[ref]  # the pseudo-reference: all but the last batch
    sub = qset.mdata[ref].copy()
    restricted = replace(qset, mdata=sub, obs=qset.obs.loc[ref], gex_lognorm=qset.gex_lognorm[np.flatnonzero(ref)])
    fit_data = sub[fit_rows].copy()
    fit_data.obs["ct"] = qset.obs.loc[ref, "label"].to_numpy()[fit_rows].astype(str)
    model = JAE(JAEConfig(), seed=seed, device="cpu").fit(fit_data, batch_key="batch", cell_type_key="ct",
                                                           organism=qset.organism, progress_bar=False)
    query = sub[~fit_rows].copy()
    scorer = Scorer(restricted, np.arange(sub.n_obs))
    row = {"set": name, "seed": seed, "n_ref": int(fit_rows.sum()), "n_query": query.n_obs,
           "default_steps": jae.mapping.train.adapter_steps(query.n_obs, jae.mapping.train.ADAPTER_EPOCHS)}
    old = jae.mapping.train.ADAPTER_CELLS
    jae.mapping.train.ADAPTER_CELLS = jae.mapping.train.ADAPTER_BATCH  # one step per epoch: epochs = steps
    try:
        for n in STEPS:
            m = model.map_query(query, batch_key="batch", epochs=n, progress_bar=False)
            s = scorer(m.embed(sub, key_added=None))
            row.update({f"s{n}": s["overall"], **{f"s{n}_{k}": v for k, v in s.items() if k != "overall"},
                        f"s{n}_norm": 0.0 if m.adapter is None else float(np.linalg.norm(m.adapter.shift))})
    finally:
        jae.mapping.train.ADAPTER_CELLS = old
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="sim", help="'sim' or a shared set name (e.g. reapseq_pbmc)")
    ap.add_argument("--batch-cells", type=int, default=30000, help="sim: cells per query batch")
    ap.add_argument("--ref-cells", type=int, default=5000, help="sim: reference cells")
    ap.add_argument("--caps", type=int, nargs="+", default=[2560],
                    help="values of jae.mapping.train.ADAPTER_CELLS to run")
    ap.add_argument("--seed", type=int, default=None, help="--set's seed (default 0; --validation takes --seeds)")
    ap.add_argument("--max-epochs", type=int, default=None,
                    help="--set: the reference's pretraining epochs (default 100; --validation fits with the "
                         "config's defaults)")
    ap.add_argument("--sweep", action="store_true", help="the uncapped training for 5-160 epochs instead of caps")
    ap.add_argument("--validation", nargs="+", metavar="SET", help="the step sweep on pseudo-queries of these sets")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="--validation's seeds")
    ap.add_argument("--json", type=Path, help="append the rows to this JSON-lines file (default: rows printed only)")
    args = ap.parse_args(argv)
    if args.validation:  # these were ignored without a word: a '--max-epochs 2' check fitted for up to 500 epochs
        given = [f for f, v in (("--max-epochs", args.max_epochs), ("--seed", args.seed)) if v is not None]
        if given:
            ap.error(f"{given[0]} does not apply to --validation (its fits use the config's defaults and --seeds); "
                     f"leave {given[0]} out")
        check_sets(ap, args.validation, None)
    elif args.set != "sim":
        check_sets(ap, [args.set], None)
    args.seed = 0 if args.seed is None else args.seed
    args.max_epochs = 100 if args.max_epochs is None else args.max_epochs
    logging.basicConfig(level=logging.ERROR)
    if args.validation:
        for name in args.validation:
            for seed in args.seeds:
                row = validation(name, seed)
                print(json.dumps(row), flush=True)
                if args.json:
                    with open(args.json, "a") as fh:
                        fh.write(json.dumps(row) + "\n")
        return 0

    ref_data, query, key = (simulated(args.batch_cells, args.ref_cells, args.seed) if args.set == "sim"
                            else shared(args.set, args.seed))
    config = JAEConfig(max_epochs=args.max_epochs)
    ref = JAE(config, seed=args.seed, device="cpu").fit(ref_data, cell_type_key=key, progress_bar=False)
    sizes = query.obs["batch"].value_counts().to_dict()
    print(f"[mapping_cap] {args.set}: {ref_data.n_obs} reference cells, query batches {sizes}", flush=True)

    if args.sweep:
        return _sweep(ref, query, args)
    full, t_full = mapped(ref, query, None, args.seed + 2)
    emb_full = full.embed(query, key_added=None)
    rms = float(np.sqrt(np.mean(emb_full ** 2)))
    rows = [{"set": args.set, "run": "full", "cap": None, "steps": steps(query.n_obs, None, 20), "map s": round(t_full, 2),
             "shift norm": float(np.linalg.norm(full.adapter.shift))}]
    print(json.dumps(rows[0]), flush=True)
    runs = [("full, seed +1", None, args.seed + 3)] + [(f"cap {c:,}", c, args.seed + 2) for c in args.caps]
    for label, cap, seed in runs:
        model, wall = mapped(ref, query, cap, seed)
        emb = model.embed(query, key_added=None)
        row = {
            "set": args.set, "run": label, "cap": cap, "steps": steps(query.n_obs, cap, 20), "map s": round(wall, 2),
            "shift norm": float(np.linalg.norm(model.adapter.shift)),
            "shift diff": float(np.linalg.norm(model.adapter.shift - full.adapter.shift)
                                / np.linalg.norm(full.adapter.shift)),
            "emb diff": float(np.sqrt(np.mean((emb - emb_full) ** 2)) / rms),
            "knn": knn_overlap(emb, emb_full),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "a") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
