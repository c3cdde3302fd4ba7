"""How long an unsupervised fit should train its network (tuning.md, round 53): stopping rules measured where the
network is read.

Without labels the default embedding (the principal components) does not read the network; ``latent``, ``impute``
and ``map_query`` do. For each set and seed: the reference is every batch but the last (a set of one batch: a seeded
half of its cells, the other half mapped as a new batch ``query``); the reference is fitted without labels by the
seed's any-decrease rule (``epoch_tolerance_unsupervised=0``), its per-epoch validation losses give the epoch at which
each candidate bar (``--tolerances``, patience 5) would have stopped, and the reference is refitted capped at that
epoch (the same draws up to there, and the same lowest-loss weights kept, so the capped fit is the rule's fit). Each
fit is then measured by:

- ``mapped``: overall score (the six competition metrics) of every labelled cell, the reference embedded by the model
  that ``map_query`` made for the held-out batch, the batch by that model too;
- ``latent``: overall score of the reference model's raw latent on the labelled reference cells;
- ``impute_r2``: R² of the held-out batch's second-modality input block (normalised proteins, or the ATAC SVD
  coordinates) decoded from its RNA alone (``jae.impute``'s decoder path) against its measured block.

Rows are appended to ``--jsonl``; ``--report`` prints the table of differences from the seed's rule.

    OMP_NUM_THREADS=1 python benchmarks/_unsupervised_stop.py --sets reapseq_pbmc pbmc10k_cite --seeds 0 1 2 3 4
    python benchmarks/_unsupervised_stop.py --report   # the recorded rows (results/unsupervised_stop.jsonl)
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import mudata
import numpy as np

import jae
from _quality_data import SIMULATED, check_sets, load_set, load_simulated
from _quality_score import Scorer
from jae.config import JAEConfig
from jae.imputation.run import _decoded
from jae.query import query_features

log = logging.getLogger("unsupervised_stop")

#: The rows behind tuning.md's round-53 table; what ``--report`` reads when no ``--jsonl`` is given.
RECORDED = Path(__file__).resolve().parent / "results" / "unsupervised_stop.jsonl"

BASE = JAEConfig(mode="unsupervised", epoch_tolerance_unsupervised=0.0)


def stop_epoch(val: np.ndarray, tolerance: float, patience: int = 5) -> int:
    """The epoch at which :func:`jae.train.loop.run_epochs`' bar ``tolerance`` stops a fit with these losses."""
    mark, bad = np.inf, 0
    for epoch, v in enumerate(val, start=1):
        if mark == np.inf or v < mark - max(1e-7, tolerance * abs(mark)):
            mark, bad = v, 0
        else:
            bad += 1
            if bad >= patience:
                return epoch
    return len(val)


def _split(qset, seed: int):
    obs = qset.obs
    batches = sorted(obs["batch"].astype(str).unique())
    if len(batches) >= 2:
        held = (obs["batch"].astype(str) == batches[-1]).to_numpy()
    else:
        held = np.random.default_rng(seed).random(len(obs)) < 0.5
    ref, query = qset.mdata[~held].copy(), qset.mdata[held].copy()
    if len(batches) < 2:
        query.obs["batch"] = "query"
    return held, ref, query


def _measure(model, qset, held, ref, query, scorers) -> dict:
    mapped = model.map_query(query, progress_bar=False)
    Z = np.zeros((qset.n_cells, len(mapped.column_names)), np.float32)
    Z[~held], Z[held] = mapped.embed(ref, key_added=None), mapped.embed(query, key_added=None)
    everyone, reference = scorers
    latent = model.latent(ref, key_added=None)
    ref_rows = np.flatnonzero(~held)
    out = {"mapped": everyone(Z[everyone.cells])["overall"],
           "latent": reference(latent[np.searchsorted(ref_rows, reference.cells)])["overall"]}
    X, cells = query_features(mapped, query, layer="counts")[:2]
    rna = mudata.MuData({"rna": query.mod["rna"].copy()})
    rna.obs["batch"] = query.obs["batch"].to_numpy()
    X_rna = query_features(mapped, rna, layer="counts").X
    w = mapped.preprocessor.widths[0]
    y, decoded = X[:, w:], _decoded(mapped, rna, X_rna, cells, np.arange(len(cells)))[:, w:]
    out["impute_r2"] = float(1 - ((y - decoded) ** 2).sum() / ((y - y.mean(0)) ** 2).sum())
    return out


def run(name: str, seed: int, tolerances, jsonl: str) -> None:
    qset = load_simulated(name, 0) if name in SIMULATED else load_set(name)
    held, ref, query = _split(qset, seed)
    labelled = qset.labelled
    scorers = (Scorer(qset, np.flatnonzero(labelled)), Scorer(qset, np.flatnonzero(labelled & ~held)))

    def fit(max_epochs: int):
        start = time.perf_counter()
        model = jae.JAE(replace(BASE, max_epochs=max_epochs), seed=seed, device="cpu")
        model.fit(ref, cell_type_key=None, progress_bar=False)
        return model, time.perf_counter() - start

    full, seconds = fit(BASE.max_epochs)
    val = full.history["val_total"].dropna().to_numpy()
    rows = [dict(set=name, seed=seed, epochs=len(val), fit_s=seconds, val=val.tolist(),
                 **_measure(full, qset, held, ref, query, scorers))]
    for tol in tolerances:
        epochs = stop_epoch(val, tol)
        if epochs >= len(val):
            rows.append(dict(set=name, seed=seed, tol=tol, epochs=epochs, same_as_full=True))
            continue
        model, seconds = fit(epochs)
        rows.append(dict(set=name, seed=seed, tol=tol, epochs=epochs, fit_s=seconds,
                         **_measure(model, qset, held, ref, query, scorers)))
    with open(jsonl, "a") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
            log.info("%s", {k: v for k, v in row.items() if k != "val"})


def report(jsonl: str) -> None:
    with open(jsonl) as fh:
        rows = [json.loads(line) for line in fh]
    full = {(r["set"], r["seed"]): r for r in rows if "tol" not in r}
    table = collections.defaultdict(list)
    for r in rows:
        if "tol" in r:
            f = full[(r["set"], r["seed"])]
            d = {k: 0.0 if r.get("same_as_full") else r[k] - f[k] for k in ("mapped", "latent", "impute_r2")}
            table[(r["set"], r["tol"])].append((f["epochs"], r["epochs"], d))
    print("| set | bar | epochs per seed (seed's rule > bar) | mapped | latent | imputation R² |")
    print("|---|---|---|---|---|---|")
    for (name, tol), entries in sorted(table.items()):
        cells = [f"{sum(d[k] for *_, d in entries) / len(entries):+.4f} ({min(d[k] for *_, d in entries):+.4f})"
                 for k in ("mapped", "latent", "impute_r2")]
        epochs = " ".join(f"{a}>{b}" for a, b, _ in entries)
        print(f"| {name} | {tol:g} | {epochs} | " + " | ".join(cells) + " |")
    print("\nDifferences from the seed's rule: mean over seeds (lowest seed).")


def main() -> None:
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--sets", nargs="+", default=["bmmc_cite", "bmmc_multiome", "reapseq_pbmc", "pbmc10k_cite"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--tolerances", nargs="+", type=float, default=[1e-3, 3e-3, 1e-2])
    ap.add_argument("--jsonl", default=None,
                    help="rows appended here (default: unsupervised_stop.jsonl in the working folder); with --report, "
                         f"read from here (default: the recorded rows, {RECORDED.relative_to(RECORDED.parents[2])})")
    ap.add_argument("--report", action="store_true", help="print the table of --jsonl and stop")
    args = ap.parse_args()
    if args.report:
        jsonl = Path(args.jsonl) if args.jsonl else RECORDED
        if not jsonl.is_file():
            ap.error(f"--report: no {jsonl}; pass the --jsonl of an earlier run")
    else:
        jsonl = Path(args.jsonl or "unsupervised_stop.jsonl")
        check_sets(ap, args.sets, None)  # a mistyped set or missing data: one line before the first fit
        if not jsonl.resolve().parent.is_dir():
            ap.error(f"--jsonl {jsonl}: folder {jsonl.parent} does not exist")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("jae").setLevel(logging.WARNING)
    if args.report:
        report(str(jsonl))
        return
    for seed in args.seeds:
        for name in args.sets:
            run(name, seed, args.tolerances, str(jsonl))


if __name__ == "__main__":
    main()
