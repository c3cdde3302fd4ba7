"""Validation-split tuning for the quality benchmark: only reference cells are ever looked at.

For each set and tuning seed ``s``, the validation data are the reference cells of the split of seed ``s``
(:func:`_quality_data.reference_mask`); the query cells are dropped before anything is fitted (jae's SVD and the
baseline's SVD see reference cells only). Inside them :func:`_quality_data.validation_split` makes a
pseudo-reference / pseudo-query split:

- pretrained: jae pretrained on the pseudo-reference (labels there only), fine-tuned on the pseudo-query, scored on
  the pseudo-query; the SVD baseline scored on the same cells.
- online: jae unsupervised on all reference cells, scored on them (labels used for scoring only).

Each candidate is a set of JAEConfig overrides on top of the base config; the table reports jae's overall minus
the baseline's, per set and setting, mean over tuning seeds. Results go to ``benchmarks/results/tuning_runs.jsonl``
(one line per run, appended) and a markdown summary is printed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import jae.baseline
from _quality_data import load_set, reference_mask, validation_split
from _quality_score import METRICS, Scorer, label_accuracy
from jae.config import JAEConfig

log = logging.getLogger("quality.tune")

RESULTS = Path(__file__).resolve().parent / "results"
RUNS = RESULTS / "tuning_runs.jsonl"

#: name -> (setting(s) it targets, JAEConfig overrides). Edit between tuning rounds; every run is logged.
CANDIDATES: dict[str, tuple[tuple[str, ...], dict]] = {
    "seed_defaults": (("pretrained", "online"), {}),
}


def _candidates() -> dict:
    spec = os.environ.get("JAE_TUNE_CANDIDATES")
    if not spec:
        return CANDIDATES
    out = {}
    for item in json.loads(spec):
        out[item["name"]] = (tuple(item.get("settings", ("pretrained", "online"))), item.get("overrides", {}))
    return out


def _append(row: dict) -> None:
    """Append one run to ``tuning_runs.jsonl`` at once (a killed tuning round keeps what it finished)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RUNS, "a") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%d %H:%M"), "argv": sys.argv[1:], **row}, default=float) + "\n")


def validation_runs(qset, *, seed: int, configs: dict, settings) -> list[dict]:
    """Score every candidate config and the baseline on the validation split of ``seed``."""
    from quality import fit_embed

    ref = reference_mask(qset.name, qset.obs, seed=seed)
    pseudo_ref = validation_split(qset.name, qset.obs, ref, seed=seed)
    sub = qset.mdata[ref].copy()
    base = jae.baseline.svd_baseline_from(sub, seed=seed)  # fitted on reference cells only
    obs_ref = qset.obs.loc[ref]
    restricted = replace(qset, mdata=sub, obs=obs_ref, gex_lognorm=qset.gex_lognorm[np.flatnonzero(ref)])
    rows = []
    for setting in settings:
        if setting == "pretrained":
            inner_ref = pseudo_ref[ref]
            scored = np.flatnonzero(~inner_ref)
        else:
            inner_ref = None
            scored = np.arange(int(ref.sum()))
        scorer = Scorer(restricted, scored)
        b = scorer(base[scored])
        rows.append({"set": qset.name, "setting": setting, "seed": seed, "candidate": "svd_baseline", **b})
        _append(rows[-1])
        for name, (targets, cfg) in configs.items():
            if setting not in targets:
                continue
            t0 = time.perf_counter()
            Z, model = fit_embed(
                restricted, np.ones(int(ref.sum()), dtype=bool), config=cfg, seed=seed,
                reference=inner_ref,
            )
            s = scorer(Z[scored])
            row = {"set": qset.name, "setting": setting, "seed": seed, "candidate": name, **s,
                   "seconds": time.perf_counter() - t0, "margin": s["overall"] - b["overall"]}
            if inner_ref is not None:
                pred = model.predict_cell_type(sub, embedding=Z)["cell_type"].to_numpy()
                row["label_acc"] = label_accuracy(pred[scored], obs_ref["label"].to_numpy()[scored])
            rows.append(row)
            _append(row)
            log.info("tune %s %s seed %d %s: overall %.4f (baseline %.4f, margin %+.4f) %.0fs [%s]", qset.name, setting,
                     seed, name, s["overall"], b["overall"], row["margin"], row["seconds"],
                     " ".join(f"{k} {s[k]:.3f}/{b[k]:.3f}" for k in METRICS))
    return rows


def _markdown(df: pd.DataFrame) -> str:
    """A DataFrame as a markdown table (index flattened into the first columns)."""
    df = df.reset_index()
    df.columns = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in df.columns]
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join("n/a" if isinstance(v, float) and not np.isfinite(v) else str(v) for v in r) + " |"
              for r in df.itertuples(index=False)]
    return "\n".join(lines)


def tune(names, *, seeds, base: JAEConfig, argv) -> int:
    """Run every candidate on every set's validation split; append runs to ``tuning_runs.jsonl``; print a summary."""
    configs = {k: (t, replace(base, **o)) for k, (t, o) in _candidates().items()}
    settings = sorted({s for t, _ in configs.values() for s in t}, reverse=True)
    rows = []
    for name in names:
        qset = load_set(name)
        for seed in seeds:
            rows += validation_runs(qset, seed=seed, configs=configs, settings=settings)
    stamp = time.strftime("%Y-%m-%d %H:%M")
    df = pd.DataFrame(rows)
    jae_rows = df[df.candidate != "svd_baseline"]
    table = jae_rows.pivot_table(index="candidate", columns=["set", "setting"], values="margin", aggfunc="mean")
    print(f"\n## Tuning {stamp} (`{' '.join(argv)}`), margin = jae overall - SVD overall on the validation split\n")
    print(_markdown(table.round(4)))
    cols = ["set", "setting", "candidate", "nmi", "asw_label", "cc_cons", "ti_cons", "asw_batch", "graph_conn",
            "overall", "label_acc"]
    per = df[[c for c in cols if c in df]].groupby(["set", "setting", "candidate"], sort=False).mean(numeric_only=True)
    print("\n" + _markdown(per.round(3)))
    return 0
