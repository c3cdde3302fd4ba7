"""Benchmark of modality prediction: jae against the per-feature mean, kNN and ridge baselines.

Tasks (every direction of every paired dataset in ../shared/data):

- BMMC starter, predict_modality sets (train batch s1d1, test s1d2): GEX->ADT and GEX->ATAC as given, ADT->GEX and
  ATAC->GEX with the mod1/mod2 files swapped. Targets: the files' ``.X`` (competition convention).
- SNARE-seq mouse cortex: train on the first 8 libraries by sorted name, test on the last 4; GEX->ATAC, ATAC->GEX.
- PBMC10k CITE: one seeded 80/20 split of the cells (split seed 0, the same for every method seed); GEX->ADT,
  ADT->GEX.

SNARE-seq and PBMC10k hold raw counts only; their targets follow the competition's convention built from counts
(:mod:`jae.prediction.targets`). Every method sees the same source encoding and target and is scored with
``jae.metrics`` (RMSE, the competition's metric; MAE; Pearson) on the test cells, for seeds 0, 1, 2.

Usage::

    python benchmarks/predict.py --overwrite      # full run -> benchmarks/results/predict.{md,json}
    python benchmarks/predict.py --tune --overwrite  # validation-split tuning -> benchmarks/results/predict_tune.*
    python benchmarks/predict.py --tasks cite --out /tmp/p  # only tasks whose name contains 'cite'

Tuning scores configurations on a validation split of the *training* cells only (never on test cells).
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
from dataclasses import dataclass
from pathlib import Path

import anndata as ad
import numpy as np
from _results import shown, write_text

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SEEDS = (0, 1, 2)
PBMC_SPLIT_SEED = 0
SNARE_TRAIN_LIBRARIES = 8


@dataclass
class Task:
    """One prediction direction of one dataset: paired training cells, query cells and their true target."""

    name: str
    train_source: ad.AnnData
    train_target: ad.AnnData
    test_source: ad.AnnData
    test_target: ad.AnnData
    note: str = ""


def _read(path: Path) -> ad.AnnData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ad.read_h5ad(path)


def _bmmc_tasks(data: Path) -> list[Task]:
    tasks = []
    for sub, other in (("cite", "ADT"), ("multiome", "ATAC")):
        folder = data / "neurips2021_starter" / "predict_modality" / sub
        f = {k: _read(folder / f"openproblems_bmmc_{sub}_starter.{k}.h5ad") for k in ("train_mod1", "train_mod2", "test_mod1", "test_mod2")}
        n = f["train_mod1"].n_obs
        tasks.append(Task(f"bmmc_{sub}_GEX2{other}", f["train_mod1"], f["train_mod2"], f["test_mod1"], f["test_mod2"], f"{n} train cells"))
        tasks.append(Task(f"bmmc_{sub}_{other}2GEX", f["train_mod2"], f["train_mod1"], f["test_mod2"], f["test_mod1"], f"{n} train cells"))
    return tasks


def _split_tasks(name: str, rna: ad.AnnData, other: ad.AnnData, kind: str, train: np.ndarray, note: str) -> list[Task]:
    test = ~train
    for a in (rna, other):
        a.var["feature_types"] = "GEX" if a is rna else kind
    return [
        Task(f"{name}_GEX2{kind}", rna[train], other[train], rna[test], other[test], note),
        Task(f"{name}_{kind}2GEX", other[train], rna[train], other[test], rna[test], note),
    ]


def data_files(data: Path) -> list[Path]:
    """Every file :func:`load_tasks` reads under ``data``."""
    bmmc = [data / "neurips2021_starter" / "predict_modality" / sub / f"openproblems_bmmc_{sub}_starter.{k}.h5ad"
            for sub in ("cite", "multiome") for k in ("train_mod1", "train_mod2", "test_mod1", "test_mod2")]
    return [*bmmc, *(data / "snareseq_mouse_cortex" / f for f in ("rna.h5ad", "atac.h5ad")),
            *(data / "pbmc10k_cite" / f for f in ("rna.h5ad", "adt.h5ad"))]


def load_tasks(data: Path) -> list[Task]:
    """All benchmark tasks, in table order."""
    tasks = _bmmc_tasks(data)
    rna, atac = _read(data / "snareseq_mouse_cortex" / "rna.h5ad"), _read(data / "snareseq_mouse_cortex" / "atac.h5ad")
    libs = sorted(rna.obs["batch"].astype(str).unique())
    train = rna.obs["batch"].astype(str).isin(libs[:SNARE_TRAIN_LIBRARIES]).to_numpy()
    note = f"train {libs[0]}..{libs[SNARE_TRAIN_LIBRARIES - 1]} ({train.sum()} cells), test {libs[SNARE_TRAIN_LIBRARIES]}..{libs[-1]}"
    tasks += _split_tasks("snareseq", rna, atac, "ATAC", train, note)
    rna, adt = _read(data / "pbmc10k_cite" / "rna.h5ad"), _read(data / "pbmc10k_cite" / "adt.h5ad")
    perm = np.random.default_rng(PBMC_SPLIT_SEED).permutation(rna.n_obs)
    train = np.zeros(rna.n_obs, dtype=bool)
    train[perm[: int(round(0.8 * rna.n_obs))]] = True
    tasks += _split_tasks("pbmc10k", rna, adt, "ADT", train, f"seeded 80/20 split ({train.sum()} train cells)")
    return tasks


def test_target(task: Task):
    """The test cells' target in the competition's convention (``.X`` of the BMMC files, built from counts else)."""
    from jae.io import detect_kind
    from jae.prediction.targets import target_matrix

    t = task.test_target
    counts = t.layers["counts"] if "counts" in t.layers else None
    return target_matrix(t.X, counts, detect_kind(t), name=f"{task.name} test target")


def score(pred, truth) -> dict[str, float]:
    """RMSE, MAE and Pearson of a prediction against the truth, from ``jae.metrics``."""
    from jae.metrics import mae, pearson, rmse

    return {"rmse": float(rmse(truth, pred)), "mae": float(mae(truth, pred)), "pearson": float(pearson(truth, pred))}


def validation_task(task: Task, *, seed: int, fraction: float = 0.2) -> Task:
    """A task whose 'test' cells are a seeded split of the training cells (for tuning; test cells unused)."""
    perm = np.random.default_rng(1000 + seed).permutation(task.train_source.n_obs)
    n_val = int(round(fraction * len(perm)))
    val, fit = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    src, tgt = task.train_source, task.train_target
    return Task(task.name, src[fit], tgt[fit], src[val], tgt[val], f"validation split of {task.name}")


def run_one(task: Task, method: str, seed: int, config, truth) -> dict:
    from jae.prediction import ModalityPredictor
    from jae.prediction.split import block_sse

    t0 = time.perf_counter()
    model = ModalityPredictor(method, config=config).fit(task.train_source, task.train_target, seed=seed, progress_bar=False)
    fit_s = time.perf_counter() - t0
    pred = model.predict(task.test_source, output="dense")
    assert pred.var_names.equals(task.test_target.var_names) and pred.obs_names.equals(task.test_target.obs_names)
    rec = {"task": task.name, "method": method, "seed": seed, "fit_s": round(fit_s, 2)}
    if truth is None:  # tuning: validation RMSE only, no jae.metrics needed
        truth = test_target(task)
        rec["rmse"] = float(np.sqrt(block_sse(iter([pred.X]), truth) / (truth.shape[0] * truth.shape[1])))
    else:
        rec.update(score(pred.X, truth))
    if method == "jae":
        rec["epochs"] = [len(h) for h in model.history]
        rec["best_epoch"] = [int(min(h, key=lambda e: e["val_total"])["epoch"]) for h in model.history]
    return rec


# ---------------------------------------------------------------------------------------------------- tuning
#: Design choices compared on validation splits of the training cells (name -> PredictConfig overrides).
TUNE_GRID: dict[str, dict] = {
    "default": {},
    "dropout 0.2 only": {"dropout": 0.2},
    "dropout 0.4 only": {"dropout": 0.4},
    "one network (n_members=1)": {"n_members": 1},
    "no depth input": {"source_depth": False},
    "direct decoding up to 2000 features": {"max_feature_targets": 2000},
}
TUNE_SEEDS = (0, 1)


#: How the reports name this script's command; the real command line, flags and all, follows it (:func:`command_line`).
COMMAND = "python benchmarks/predict.py"


def command_line(argv: list[str]) -> str:
    """The command that ran, as the reports quote it (``--overwrite`` left out: it changes no figure)."""
    import shlex

    return " ".join([COMMAND, *(shlex.quote(a) for a in argv if a != "--overwrite")])


def _fmt(values: list[float], digits: int = 5) -> str:
    if not values:
        return "n/a"
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1) if len(values) > 1 else 0.0:.{digits}f}"


def tune(tasks: list[Task], out: Path, *, command: str = COMMAND + " --tune") -> None:
    """Score TUNE_GRID and the baselines on validation splits of the training cells; write predict_tune.*
    (``command``: the command line the report names)."""
    from jae.prediction import PredictConfig

    records = []
    for task in tasks:
        for seed in TUNE_SEEDS:
            val = validation_task(task, seed=seed)
            runs = [(m, m, PredictConfig()) for m in ("mean", "knn", "ridge")]
            runs += [("jae", name, PredictConfig(**over)) for name, over in TUNE_GRID.items()]
            for method, label, cfg in runs:
                rec = run_one(val, method, seed, cfg, None) | {"variant": label}
                records.append(rec)
                print(f"{task.name:26s} seed {seed} {label:28s} val RMSE {rec['rmse']:.5f} ({rec['fit_s']:.1f} s)", flush=True)
            _write_json(out / "predict_tune.partial.json", {"records": records, "grid": TUNE_GRID, "seeds": TUNE_SEEDS})
    _write_json(out / "predict_tune.json", {"records": records, "grid": TUNE_GRID, "seeds": TUNE_SEEDS})
    (out / "predict_tune.partial.json").unlink(missing_ok=True)
    labels = ["mean", "knn", "ridge", *TUNE_GRID]
    lines = [
        "# Modality prediction: tuning on validation splits of the training cells",
        "",
        "Validation RMSE (mean ± sd over validation seeds "
        f"{', '.join(map(str, TUNE_SEEDS))}): each seed holds out a different 20 % of the *training* cells; test "
        f"cells are never used. Produced by `{command}`.",
        "",
        "| task | " + " | ".join(labels) + " |",
        "|---" * (len(labels) + 1) + "|",
    ]
    for task in tasks:
        row = [_fmt([r["rmse"] for r in records if r["task"] == task.name and r["variant"] == lab]) for lab in labels]
        lines.append(f"| {task.name} | " + " | ".join(row) + " |")
    lines += ["", "Variants change one setting of the default `PredictConfig`:", ""]
    lines += [f"- {name}: `{over}`" for name, over in TUNE_GRID.items()]
    _write_text(out / "predict_tune.md", "\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------------- benchmark
METHODS = ("jae", "mean", "knn", "ridge")
METRICS = ("rmse", "mae", "pearson")


def source_shift(task: Task) -> float:
    """How far the test cells lie from the training cells in the source encoding, relative to held-out training
    cells: mean distance of test cells to their nearest training cell over that of a seeded 20 % of the training
    cells to the other 80 % (about 1 when test cells resemble training cells; > 1 under a batch/donor shift)."""
    from sklearn.neighbors import NearestNeighbors

    from jae.io import detect_kind
    from jae.prediction.checks import source_counts
    from jae.prediction.source import fit_source_encoder

    counts = source_counts(task.train_source, name="train_source")
    encoder = fit_source_encoder(counts, detect_kind(task.train_source), seed=0)
    S, Q = encoder.transform(counts), encoder.transform(source_counts(task.test_source, name="test_source"))
    perm = np.random.default_rng(0).permutation(len(S))
    held, rest = perm[: len(S) // 5], perm[len(S) // 5 :]
    nn = NearestNeighbors(n_neighbors=1).fit(S[rest])
    return float(nn.kneighbors(Q)[0].mean() / nn.kneighbors(S[held])[0].mean())


def benchmark(tasks: list[Task], out: Path, *, seeds: tuple[int, ...], methods: tuple[str, ...],
              command: str = COMMAND) -> None:
    """Train on each task's training cells, score on its test cells; write predict.md and predict.json
    (``command``: the command line that ran it, recorded in the meta and named by the report)."""
    from jae.prediction import PredictConfig

    config = PredictConfig()
    records, t_start = [], time.perf_counter()
    for task in tasks:
        truth = test_target(task)
        for seed in seeds:
            for method in methods:
                rec = run_one(task, method, seed, config, truth)
                records.append(rec)
                print(
                    f"{task.name:26s} seed {seed} {method:6s} RMSE {rec['rmse']:.5f} MAE {rec['mae']:.5f} "
                    f"Pearson {rec['pearson']:.4f} ({rec['fit_s']:.1f} s)", flush=True,
                )  # fmt: skip
        _write_json(out / "predict.partial.json", {"records": records})  # a killed run keeps what it finished
    meta = {
        "command": command,
        "seeds": list(seeds),
        "methods": list(methods),
        "config": config.to_dict(),
        "wall_s": round(time.perf_counter() - t_start, 1),
        "torch_threads": 1,
        "python": platform.python_version(),
        "tasks": {t.name: {"train_cells": t.train_source.n_obs, "test_cells": t.test_source.n_obs,
                           "source_features": t.train_source.n_vars, "target_features": t.train_target.n_vars,
                           "source_shift": round(source_shift(t), 3), "note": t.note} for t in tasks},  # fmt: skip
    }
    _write_json(out / "predict.json", {"meta": meta, "records": records})
    (out / "predict.partial.json").unlink(missing_ok=True)
    write_report(out)


def write_report(out: Path) -> None:
    """(Re)write predict.md from predict.json, with validation numbers from predict_tune.json when present."""
    bench = json.loads((out / "predict.json").read_text())
    tune_path = out / "predict_tune.json"
    tune = json.loads(tune_path.read_text())["records"] if tune_path.is_file() else []
    _write_text(out / "predict.md", render(bench["records"], bench["meta"], tune))


def render(records: list[dict], meta: dict, tune: list[dict]) -> str:
    """Markdown report: one table per metric, jae against the best baseline in RMSE, and where jae does not win."""
    methods, names = tuple(meta["methods"]), list(meta["tasks"])

    def values(task: str, method: str, metric: str) -> list[float]:
        return [r[metric] for r in records if r["task"] == task and r["method"] == method]

    def val_rmse(task: str, variant: str) -> float:
        got = [r["rmse"] for r in tune if r["task"] == task and r.get("variant") == variant]
        return float(np.mean(got)) if got else float("nan")

    lines = [
        "# Modality prediction benchmark",
        "",
        f"`{meta.get('command', COMMAND)}` — seeds {', '.join(map(str, meta['seeds']))}, mean ± sd; torch with 1 thread; "
        f"whole run {meta['wall_s'] / 60:.1f} min. Targets in the competition's normalised convention (BMMC: the "
        "files' `.X`; SNARE-seq and PBMC10k: built from counts, see `jae.prediction.targets`). Baselines: per-feature "
        "training mean, kNN regression and ridge regression on the source encoding (k and the ridge penalty chosen on "
        "a validation split of the training cells). jae's settings were chosen on validation splits of the training "
        "cells only (`predict_tune.md`).",
        "",
    ]
    for metric, better in (("rmse", "lower"), ("mae", "lower"), ("pearson", "higher")):
        lines += [f"## {metric.upper() if metric != 'pearson' else 'Pearson'} ({better} is better)", ""]
        lines += ["| task | train / test cells | " + " | ".join(methods) + " |", "|---" * (len(methods) + 2) + "|"]
        for name in names:
            info = meta["tasks"][name]
            cells = [_fmt(values(name, m, metric), 4 if metric == "pearson" else 5) for m in methods]
            lines.append(f"| {name} | {info['train_cells']} / {info['test_cells']} | " + " | ".join(cells) + " |")
        lines.append("")
    losses = []
    if "jae" in methods and len(methods) > 1:
        lines += ["## jae against the best baseline (RMSE)", "",
                  "| task | jae | best baseline | difference | jae wins | validation: jae / that baseline |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for name in names:
            jae = np.mean(values(name, "jae", "rmse"))
            base = {m: np.mean(values(name, m, "rmse")) for m in methods if m != "jae"}
            best = min(base, key=base.get)
            val = f"{val_rmse(name, 'default'):.5f} / {val_rmse(name, best):.5f}" if tune else "n/a"
            lines.append(
                f"| {name} | {jae:.5f} | {best} {base[best]:.5f} | {jae - base[best]:+.5f} "
                f"({100 * (jae - base[best]) / base[best]:+.2f} %) | {'yes' if jae < base[best] else 'no'} | {val} |"
            )
            if jae >= base[best]:
                losses.append((name, best, jae, base[best], float(np.std(values(name, "jae", "rmse"), ddof=1))))
        lines.append("")
    if losses:
        lines += ["## Where jae does not win", ""]
        for name, best, jae, base, sd in losses:
            info = meta["tasks"][name]
            lines.append(
                f"- {name}: jae {jae:.5f} vs {best} {base:.5f} ({100 * (jae - base) / base:+.2f} %; jae's sd over seeds "
                f"{sd:.5f}); {info['train_cells']} training cells; validation RMSE on held-out training cells jae "
                f"{val_rmse(name, 'default'):.5f} vs {best} {val_rmse(name, best):.5f}; source shift of the test cells "
                f"{info['source_shift']:.2f} (see Tasks)."
            )
        lines.append("")
    lines += [
        "## Tasks",
        "",
        "Source shift: mean distance of test cells to their nearest training cell in the source encoding, over that "
        "of held-out training cells (about 1: test cells look like training cells; > 1: a batch or donor shift).",
        "",
    ]
    lines += [f"- {name}: {info['note']}; source shift {info['source_shift']:.2f}" for name, info in meta["tasks"].items()]
    return "\n".join(lines) + "\n"


def _write_json(path: Path, obj) -> None:
    _write_text(path, json.dumps(obj, indent=1, default=float))


def _write_text(path: Path, text: str) -> None:
    write_text(path, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("JAE_DATA_DIR", REPO.parent / "shared" / "data")))
    parser.add_argument("--tasks", default="", help="comma-separated substrings selecting tasks (default: all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--tune", action="store_true", help="validation-split tuning instead of the test benchmark")
    parser.add_argument("--render", action="store_true", help="only rewrite predict.md from predict.json")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="predict.json and predict.md are written to this folder (predict_tune.json/.md with "
                             f"--tune; default: {shown(RESULTS)})")
    parser.add_argument("--overwrite", action="store_true", help="replace the predict(_tune).json/.md already in --out")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)

    if args.render:
        if not (args.out / "predict.json").is_file():
            parser.error(f"--render: no {args.out / 'predict.json'}; run the benchmark into --out first")
        write_report(args.out)
        return 0
    absent = [f for f in data_files(args.data_dir) if not f.is_file()]
    if absent:
        parser.error(f"{absent[0]} does not exist; point --data-dir (or JAE_DATA_DIR) at the shared data folder")
    written = ("predict_tune.json", "predict_tune.md") if args.tune else ("predict.json", "predict.md")
    taken = [args.out / f for f in written if (args.out / f).exists()]
    if taken and not args.overwrite:
        parser.error(f"{taken[0]} exists; pass --overwrite to replace it or choose another --out")
    import torch

    torch.set_num_threads(1)
    logging.basicConfig(level=logging.WARNING)
    tasks = load_tasks(args.data_dir)
    if args.tasks:
        names = [t.name for t in tasks]
        tasks = [t for t in tasks if any(s in t.name for s in args.tasks.split(","))]
        if not tasks:
            parser.error(f"--tasks {args.tasks} matches no task; tasks: {', '.join(names)}")
        # a mistyped entry beside one that matches was dropped without a word, its tasks missing from the results
        unmatched = [s for s in args.tasks.split(",") if not any(s in n for n in names)]
        if unmatched:
            parser.error(f"--tasks {unmatched[0]!r} (in {args.tasks}) matches no task; tasks: {', '.join(names)}")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.tune:
        tune(tasks, args.out, command=command_line(argv))
    else:
        benchmark(tasks, args.out, seeds=tuple(args.seeds), methods=tuple(args.methods), command=command_line(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
