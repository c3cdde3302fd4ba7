"""Integration quality on real data: jae against the seed's SVD baseline, in both competition settings.

Sets (every real set in ``../shared/data``, ``$JAE_DATA_DIR`` overrides): BMMC starter CITE and Multiome (the
``common`` files, with phase and pseudotime), SNARE-seq mouse cortex, PBMC10k CITE, REAP-seq PBMC. See
``_quality_data.py`` for the reference/query splits.

Settings:

- ``pretrained``: cell-type labels are used on the reference cells only; jae is pretrained there and fine-tuned
  on the unannotated query cells; jae and the SVD baseline (its SVD fitted on all cells, as jae's preprocessing)
  are scored on the labelled query cells. jae's predicted cell types on those cells give the label-transfer
  accuracy.
- ``online``: no annotations; jae's unsupervised mode on all cells, scored on all (labelled) cells.

Peer tools (scvi-tools totalVI / MultiVI) join when ``scvi`` is importable (never required).

Usage::

    python benchmarks/quality.py --overwrite           # full run -> benchmarks/results/quality.{md,json,csv}
    python benchmarks/quality.py --sets bmmc --seeds 0 --stem look  # quick look (sets whose name contains 'bmmc')
    python benchmarks/quality.py --tune                # validation-split tuning on reference cells only
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jae  # noqa: E402
import jae.baseline  # noqa: E402
from _quality_data import SETS, SIMULATED, SUBSAMPLED, QualitySet, load_set, missing_data, reference_mask  # noqa: E402
from _quality_peers import peer_embeddings  # noqa: E402
from _quality_score import METRICS, Scorer, label_accuracy  # noqa: E402
from jae.config import JAEConfig  # noqa: E402
from _results import write_text  # noqa: E402

log = logging.getLogger("quality")

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SEEDS = (0, 1, 2, 3, 4)
#: the comparators jae must beat: the competition's SVD baseline (100 columns in all) and SVD100-concat (100 SVD
#: columns per modality, as jae's own input; a small ADT panel is used whole)
BASELINES = ("svd_baseline", "svd100_concat")
SETTINGS = ("pretrained", "online")
COLUMNS = (*METRICS, "overall")


def fit_embed(
    qset: QualitySet, cells_fit: np.ndarray, *, config: JAEConfig, seed: int, reference: np.ndarray | None
) -> tuple[np.ndarray, object]:
    """Fit jae on the cells ``cells_fit`` (bool mask); returns the embedding of those cells and the model.

    ``reference`` (bool, same length as ``qset``) marks the reference cells whose labels jae may see; None runs the
    unsupervised mode.
    """
    mdata = qset.mdata if cells_fit.all() else qset.mdata[cells_fit].copy()
    obs = qset.obs.loc[cells_fit]
    if reference is None:
        model = jae.JAE(replace(config, mode="unsupervised"), seed=seed, device="cpu")
        model.fit(mdata, batch_key="batch", cell_type_key=None, organism=qset.organism, progress_bar=False)
    else:
        ref = reference[cells_fit]
        mdata.obs["label_reference"] = obs["label"].where(ref).to_numpy()  # query labels are never shown
        model = jae.JAE(config, seed=seed, device="cpu")
        model.fit(
            mdata, batch_key="batch", cell_type_key="label_reference", reference=ref, organism=qset.organism,
            progress_bar=False,
        )
    return model.embed(mdata, key_added=None), model


class ScorerCache:
    """One :class:`Scorer` per distinct set of scored cells (the cell-cycle reference is the slow part)."""

    def __init__(self, qset: QualitySet) -> None:
        self.qset, self._cache = qset, {}

    def get(self, cells: np.ndarray) -> Scorer:
        key = hash(np.asarray(cells).tobytes())
        if key not in self._cache:
            self._cache[key] = Scorer(self.qset, cells)
        return self._cache[key]


def run_set(
    qset: QualitySet, *, seeds, settings, config: JAEConfig, peers: bool = True
) -> list[dict]:
    """Every method x setting x seed on one set; one row per run with its metrics and timings."""
    rows = []
    scorers = ScorerCache(qset)
    everything = np.ones(qset.n_cells, dtype=bool)
    for seed in seeds:
        t0 = time.perf_counter()
        base = jae.baseline.svd_baseline_from(qset.mdata, seed=seed)
        t_base = time.perf_counter() - t0
        concat = jae.baseline.svd_baseline_from(qset.mdata, seed=seed, n_dims=100 * len(qset.mdata.mod))
        others = peer_embeddings(qset, seed=seed) if peers else {}
        for setting in settings:
            if setting == "pretrained":
                ref = reference_mask(qset.name, qset.obs, seed=seed)
                scored = np.flatnonzero(~ref & qset.labelled)
            else:
                ref = None
                scored = np.flatnonzero(qset.labelled)
            scorer = scorers.get(scored)
            t0 = time.perf_counter()
            Z, model = fit_embed(qset, everything, config=config, seed=seed, reference=ref)
            t_jae = time.perf_counter() - t0
            extra = {"seconds": t_jae, "dim": Z.shape[1], "epochs": int((model.history["stage"] == "pretrain").sum())}
            if ref is not None:
                pred = model.predict_cell_type(qset.mdata, embedding=Z)["cell_type"].to_numpy()
                truth = qset.obs["label"].to_numpy()
                extra["label_acc"] = label_accuracy(pred[scored], truth[scored])
                extra["knn15_svd_acc"] = knn_vote_accuracy(base, ref, scored, truth)
                extra["n_reference"] = int(ref.sum())
            extra["n_scored"] = len(scored)
            runs = {"jae": (Z, extra), "svd_baseline": (base, {"seconds": t_base, "dim": base.shape[1]}),
                    "svd100_concat": (concat, {"dim": concat.shape[1]})}
            runs.update({k: (v, {"dim": v.shape[1]}) for k, v in others.get(setting, {}).items()})
            for method, (emb, info) in runs.items():
                scores = scorer(emb[scored], column_names=model.column_names if method == "jae" else None)
                row = {"set": qset.name, "setting": setting, "method": method, "seed": seed, **scores, **info}
                rows.append(row)
                log.info(
                    "%s %s %s seed %d: overall %.4f (%s)%s", qset.name, setting, method, seed, scores["overall"],
                    " ".join(f"{k} {scores[k]:.3f}" for k in METRICS),
                    f" label_acc {info['label_acc']:.3f}" if "label_acc" in info else "",
                )
    return rows


def knn_vote_accuracy(embedding: np.ndarray, reference: np.ndarray, scored: np.ndarray, truth: np.ndarray,
                      k: int = 15) -> float:
    """Label transfer by a ``k``-nearest-neighbour majority vote from the reference cells, scored on ``scored``."""
    from sklearn.neighbors import KNeighborsClassifier

    labels = np.asarray(truth).astype(str)
    clf = KNeighborsClassifier(n_neighbors=k).fit(embedding[reference], labels[reference])
    return float(np.mean(clf.predict(embedding[scored]) == labels[scored]))


def summarise(rows: list[dict]) -> pd.DataFrame:
    """Mean and sd over seeds per set x setting x method (columns ``<metric>_mean`` / ``<metric>_sd``)."""
    df = pd.DataFrame(rows)
    cols = [c for c in (*COLUMNS, "label_acc", "knn15_svd_acc", "seconds") if c in df]
    g = df.groupby(["set", "setting", "method"], sort=False)[cols]
    mean, sd = g.mean(), g.std(ddof=1)
    out = pd.concat({"mean": mean, "sd": sd}, axis=1)
    out.columns = [f"{c}_{s}" for s, c in out.columns]
    out["n_seeds"] = g.size()
    return out.reset_index()


def diagnostics_table(rows: list[dict]) -> list[str]:
    """Markdown lines: the diagnostics outside ``overall`` (mean over seeds) per set x setting x method."""
    df = pd.DataFrame(rows)
    cols = [c for c in df.columns if c.startswith("diag_")]
    if not cols:
        return []
    mean = df.groupby(["set", "setting", "method"], sort=False)[cols].mean()
    names = [c[len("diag_"):] for c in cols]
    lines = ["## Diagnostics (not in overall; mean over seeds)", "",
             "iLISI / cLISI: graph LISI as scib, scaled to [0, 1]; cc_before / cc_after: the variance share of the S/G2M "
             "scores in the GEX and in the embedding (cc_cons = 1 - |after - before| / before); share:<block>: a block's "
             "share of the embedding's variance (jae only).", "",
             "| set | setting | method | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 3)]
    for (name, setting, method), r in mean.iterrows():
        lines.append(f"| {name} | {setting} | {method} | " + " | ".join(_num(r[c], ".3f") for c in cols) + " |")
    return [*lines, ""]


def _num(value, fmt: str) -> str:
    return "n/a" if value is None or not np.isfinite(value) else format(value, fmt)


def _cell(mean: float, sd: float) -> str:
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean:.3f} ± {sd:.3f}" if np.isfinite(sd) else f"{mean:.3f}"


def markdown_table(summary: pd.DataFrame) -> str:
    """One markdown table: set, setting, method, mean ± sd of each metric, overall and label-transfer accuracy."""
    cols = list(COLUMNS) + [c for c in ("label_acc", "knn15_svd_acc") if f"{c}_mean" in summary]
    head = "| set | setting | method | " + " | ".join(cols) + " | seeds |"
    lines = [head, "|" + "---|" * (len(cols) + 4)]
    for _, r in summary.iterrows():
        cells = [_cell(r[f"{c}_mean"], r[f"{c}_sd"]) for c in cols]
        lines.append(f"| {r['set']} | {r['setting']} | {r['method']} | " + " | ".join(cells) + f" | {r['n_seeds']} |")
    return "\n".join(lines)


def margins(rows: list[dict]) -> pd.DataFrame:
    """The issue's targets per set x setting, from the per-seed rows.

    ``jae_minus_best``: jae's mean overall minus the better comparator's mean (:data:`BASELINES`); ``per_seed``:
    the same difference seed by seed; ``cc_ratio_min``: the smallest ratio over seeds of jae's cell-cycle
    conservation to the SVD baseline's; ``label_gain``: jae's label transfer minus a 15-NN vote on the SVD baseline
    (pretrained only). Targets: margin >= +0.02 pretrained / >= 0 online, no seed's cc ratio below 0.5, label gain
    >= +0.03.
    """
    df = pd.DataFrame(rows)
    out = []
    for (name, setting), g in df.groupby(["set", "setting"], sort=False):
        by = {m: g[g.method == m].set_index("seed") for m in ("jae", *BASELINES) if (g.method == m).any()}
        if "jae" not in by or not any(b in by for b in BASELINES):
            continue
        jae_, bases = by["jae"], [by[b] for b in BASELINES if b in by]
        best_mean = max(b["overall"].mean() for b in bases)
        best_seed = pd.concat([b["overall"] for b in bases], axis=1).max(axis=1)
        per_seed = (jae_["overall"] - best_seed).dropna()
        target = 0.02 if setting == "pretrained" else 0.0
        row = {"set": name, "setting": setting, "jae_minus_best": jae_["overall"].mean() - best_mean,
               "per_seed": " ".join(f"{v:+.3f}" for v in per_seed), "target": target}
        if "svd_baseline" in by and jae_["cc_cons"].notna().any():
            ratio = jae_["cc_cons"] / by["svd_baseline"]["cc_cons"].replace(0, np.nan)
            row["cc_ratio_min"] = float(ratio.min())
        if "label_acc" in jae_ and jae_["label_acc"].notna().any():
            row["label_gain"] = float((jae_["label_acc"] - jae_["knn15_svd_acc"]).mean())
        row["met"] = bool(row["jae_minus_best"] >= target and row.get("cc_ratio_min", 1.0) >= 0.5
                          and row.get("label_gain", 0.03) >= 0.03)
        out.append(row)
    return pd.DataFrame(out)


def write_results(
    rows: list[dict], *, stem: str, config: JAEConfig, argv: list[str], wall: float, parts: list[str] | None = None
) -> Path:
    """``<stem>.md``, ``<stem>.json`` and ``<stem>.csv`` under ``benchmarks/results`` (atomic writes)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary = summarise(rows)
    marg = margins(rows)
    md = [
        f"# Integration quality: jae vs the SVD baseline (`{' '.join(['python benchmarks/quality.py', *argv])}`)",
        "",
        "Metrics: the NeurIPS 2021 joint-embedding suite (`jae.metrics`); `overall` = mean of the defined metrics "
        "(n/a: no pseudotime (SNARE, PBMC) or one batch (PBMC)). Mean ± sd over seeds. pretrained = scored on the "
        "labelled query cells; online = unsupervised, scored on all labelled cells. label_acc = jae's label "
        "transfer on the scored query cells.",
        "",
        markdown_table(summary),
        "",
        "## Targets (issue 12): jae against the better of the SVD baseline and SVD100-concat",
        "",
        "margin = jae's mean overall minus the better comparator's; per seed = the same seed by seed; cc ratio = the "
        "smallest jae / SVD-baseline cell-cycle conservation over seeds (target >= 0.5); label gain = jae's label "
        "transfer minus a 15-NN vote on the SVD baseline embedding (target >= +0.03).",
        "",
        "| set | setting | margin | per seed | target | cc ratio (min) | label gain | met |",
        "|---|---|---|---|---|---|---|---|",
        *[f"| {r['set']} | {r['setting']} | {r['jae_minus_best']:+.3f} | {r['per_seed']} | ≥ {r['target']:+.2f} | "
          f"{_num(r.get('cc_ratio_min'), '.2f')} | {_num(r.get('label_gain'), '+.3f')} | {'yes' if r['met'] else 'no'} |"
          for r in marg.to_dict(orient="records")],
        "",
        *diagnostics_table(rows),
        *(["Merged from:", "", *parts] if parts else [f"Config: `{json.dumps(config.to_dict())}`"]),
        "",
        f"Wall time {wall / 60:.1f} min{' (summed over the merged runs, several in parallel)' if parts else ''} on {platform.machine()} ({os.cpu_count()} cores shared, torch threads "
        f"{torch.get_num_threads()}), torch {torch.__version__}.",
        "",
    ]
    payload = {
        "command": ["python", "benchmarks/quality.py", *argv],
        "config": config.to_dict(),
        "wall_seconds": wall,
        "rows": rows,
        "summary": summary.to_dict(orient="records"),
        "margins": marg.to_dict(orient="records"),
        "parts": parts or [],
    }
    for suffix, text in (
        (".md", "\n".join(md)),
        (".json", json.dumps(payload, indent=1, default=float)),
        (".csv", pd.DataFrame(rows).to_csv(index=False)),
    ):
        path = RESULTS / f"{stem}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)  # a --stem in a folder of its own
        write_text(path, text)
    return RESULTS / f"{stem}.md"


def merge(specs: list[str], *, stem: str) -> int:
    """Combine earlier runs: each spec is ``STEM`` (all its rows), ``STEM:SETTING`` (that setting's rows only) or
    ``STEM:SETTING:METHOD`` (one method's rows of that setting, e.g. a peer tool's from a run whose jae rows were
    superseded).

    Runs may use different configs (e.g. an online rerun after tuning a field the pretrained setting never reads);
    every part's command and config are listed under the table.
    """
    rows, notes, wall = [], [], 0.0
    for spec in specs:
        part_stem, _, rest = spec.partition(":")
        setting, _, method = rest.partition(":")
        part = json.loads((RESULTS / f"{part_stem}.json").read_text())
        rows += [r for r in part["rows"] if (not setting or r["setting"] == setting) and (not method or r["method"] == method)]
        wall += part["wall_seconds"]
        notes.append(f"- `{spec}`: `{' '.join(part['command'])}`, config `{json.dumps(part['config'])}`")
    method_order = ("jae", *BASELINES)
    rows.sort(key=lambda r: (SETTINGS.index(r["setting"]), SETS.index(r["set"]) if r["set"] in SETS else len(SETS),
                             method_order.index(r["method"]) if r["method"] in method_order else 2, r["seed"]))
    config = JAEConfig.from_dict(json.loads((RESULTS / f"{specs[-1].partition(':')[0]}.json").read_text())["config"])
    path = write_results(rows, stem=stem, config=config, argv=["--merge", *specs], wall=wall, parts=notes)
    print(path.read_text())
    return 0


def _checked(p: argparse.ArgumentParser, args) -> tuple[list[str], JAEConfig]:
    """The sets to run and the config; a bad argument or missing data stops here with one line, before any run."""
    if args.threads < 1:
        p.error(f"--threads must be a positive number, got {args.threads}")
    try:
        config = JAEConfig().with_overrides(args.overrides)
    except (KeyError, ValueError, TypeError) as exc:
        p.error(f"--set: {exc.args[0] if exc.args else exc}")
    taken = [RESULTS / f"{args.stem}{x}" for x in (".md", ".json", ".csv")]
    if not args.tune and not args.overwrite and any(f.exists() for f in taken):
        p.error(f"{next(f for f in taken if f.exists())} exists; pass --overwrite to replace it or choose another --stem")
    if args.merge:
        absent = [s for s in args.merge if not (RESULTS / f"{s.partition(':')[0]}.json").is_file()]
        if absent:
            p.error(f"--merge: no {RESULTS / (absent[0].partition(':')[0] + '.json')}; name the stem of an earlier run")
        return [], config
    names = [s for s in SETS if not args.sets or any(k in s for k in args.sets)]
    # the selection protocol's simulated and subsampled shapes run only when named in full
    names += [s for s in (*SIMULATED, *SUBSAMPLED) if args.sets and s in args.sets]
    if not names:
        p.error(f"--sets {' '.join(args.sets)} matches no set; sets: {', '.join((*SETS, *SIMULATED, *SUBSAMPLED))}")
    # a mistyped entry beside one that matches was dropped without a word, its set missing from the results
    unmatched = [k for k in args.sets or () if not any(k in s for s in SETS) and k not in (*SIMULATED, *SUBSAMPLED)]
    if unmatched:
        p.error(f"--sets {unmatched[0]} matches no set; sets: {', '.join((*SETS, *SIMULATED, *SUBSAMPLED))}")
    if not args.seeds:
        p.error("--seeds needs at least one seed")
    if not args.settings:
        p.error(f"--settings needs at least one of {', '.join(SETTINGS)}")
    problem = missing_data(names)
    if problem:
        p.error(problem)
    return names, config


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", nargs="*", default=None, help="substrings of set names to run (default: all)")
    p.add_argument("--seeds", type=int, nargs="*", default=list(SEEDS))
    p.add_argument("--settings", nargs="*", default=list(SETTINGS), choices=SETTINGS)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a JAEConfig default (repeatable)")
    p.add_argument("--no-peers", action="store_true", help="skip scvi-tools even when installed")
    p.add_argument("--stem", default="quality",
                   help="writes benchmarks/results/<STEM>.md, .json and .csv (default: quality)")
    p.add_argument("--tune", action="store_true", help="run the validation-split tuning grid instead (rows appended to "
                   "benchmarks/results/tuning_runs.jsonl, a summary printed)")
    p.add_argument("--merge", nargs="+", default=None, metavar="STEM",
                   help="combine the rows of earlier runs' <STEM>.json files into --stem (no new runs)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the machine is shared)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run's <STEM>.md/.json/.csv")
    args = p.parse_args(argv)
    names, config = _checked(p, args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("jae").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    torch.set_num_threads(args.threads)
    if args.tune:
        from _quality_tune import tune

        return tune(names, seeds=args.seeds, base=config, argv=argv)
    if args.merge:
        return merge(args.merge, stem=args.stem)
    t0 = time.perf_counter()
    rows = []
    for name in names:
        qset = load_set(name)
        rows += run_set(qset, seeds=args.seeds, settings=args.settings, config=config, peers=not args.no_peers)
    wall = time.perf_counter() - t0
    path = write_results(rows, stem=args.stem, config=config, argv=argv, wall=wall)
    print(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
