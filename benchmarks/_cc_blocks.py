"""Diagnostic (session 49): which part of the pretrained embedding holds its cell-cycle share, on validation splits.

scib's cell-cycle conservation scores each batch ``1 - |after - before| / before``, with ``after`` the share of the
variance of the embedding's top 50 principal components that the S/G2M scores explain and ``before`` the same share in
the batch's log-normalised GEX. This script fits jae with labels on the validation split of each set and seed (the
reference cells only, as ``benchmarks/_embed_variants.py``: pseudo-reference labelled, pseudo-query unlabelled and
scored; query cells are never loaded into a fit) and prints ``after`` (per batch, as the metric) for every part of the
embedding: the whole, the cell-type part, the free units, the principal columns after them, the free units before
fine-tuning on the pseudo-query, the input's top 50 / top 30 principal components the free units start from, and the
free units of a fit with ``w_phase=0``. ``--extras`` adds the GEX on 50 within-batch axes fitted on every reference
cell (session 37's measure), jae's whole input (SVD100-concat's columns) and the SVD baseline. Nothing is chosen from
it (tuning.md, session 49's note).

Usage: OMP_NUM_THREADS=1 python benchmarks/_cc_blocks.py --sets reapseq_800 pbmc10k_small --seeds 0 1 --extras
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from unittest import mock

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jae  # noqa: E402
import jae.baseline  # noqa: E402
from _quality_data import check_sets, load_set, reference_mask, validation_split  # noqa: E402
from jae.config import JAEConfig  # noqa: E402
from jae.metrics.cell_cycle_cons import cc_cons_details, cell_cycle_reference  # noqa: E402
from jae.metrics.diagnostics import block_of  # noqa: E402
from jae.model.readout import fit_principal_axes  # noqa: E402

log = logging.getLogger("cc_blocks")

#: the parts in the printed table, in order
PARTS = ("full", "type", "free", "pc", "free+pc", "pca50", "pca30", "free_preft", "w0_free", "w0_full",
         "gex_allaxes", "input", "svd_baseline")


def block_parts(E: np.ndarray, column_names) -> dict[str, np.ndarray]:
    """The embedding ``E`` and its parts by column block (``cell_type:``, ``free:``, ``pc:``): ``full``, ``type``,
    ``free``, ``pc`` and ``free+pc`` (the columns after the type part, in their order); a block the embedding lacks is
    left out."""
    blocks = np.array([block_of(c) for c in column_names])
    out = {"full": E}
    for tag, block in (("type", "cell_type"), ("free", "free"), ("pc", "pc")):
        if (blocks == block).any():
            out[tag] = E[:, blocks == block]
    rest = blocks != "cell_type"
    if rest.any() and (~rest).any():
        out["free+pc"] = E[:, rest]
    return out


def shares(E: np.ndarray, reference) -> dict:
    """cc_cons details of ``E`` against ``reference``: per-batch ``before``/``after``, their means, the score and
    ``E``'s total variance."""
    E = np.asarray(E, np.float64)
    d = cc_cons_details(E, reference)
    return {"before": d["before"].round(5).tolist(), "after": d["after"].round(5).tolist(),
            "before_mean": float(d["before"].mean()), "after_mean": float(d["after"].mean()),
            "cc": float(d["score"].mean()), "var": float(E.var(0).sum())}


def _fit(restricted, inner_ref, config, seed):
    """The validation fit and the pseudo-query cells' latent vectors before fine-tuning (None without it)."""
    from quality import fit_embed

    captured = {}
    original = jae.JAE.finetune_transformed

    def finetune(model, X, **kwargs):
        captured["latent"] = model.latent_transformed(np.asarray(X, np.float32))
        return original(model, X, **kwargs)

    with mock.patch.object(jae.JAE, "finetune_transformed", finetune):
        E, model = fit_embed(restricted, np.ones(len(inner_ref), dtype=bool), config=config, seed=seed,
                             reference=inner_ref)
    return E, model, captured.get("latent")


def _in_span(A: np.ndarray, B: np.ndarray) -> float:
    """Share of ``A``'s variance (columns centred) in the span of ``B``'s columns: 1 when the free units are a linear
    map of the principal components they start as."""
    A = np.asarray(A, np.float64) - np.mean(A, 0)
    B = np.asarray(B, np.float64) - np.mean(B, 0)
    coef, *_ = np.linalg.lstsq(B, A, rcond=None)
    return float(((B @ coef) ** 2).sum() / max((A ** 2).sum(), 1e-300))


def _gex_on_pooled_axes(gex, batch: np.ndarray, k: int = 50) -> np.ndarray:
    """The GEX of every given cell on the top ``k`` axes of its within-batch covariance (all cells pooled)."""
    from sklearn.utils.extmath import randomized_svd

    G = np.asarray(gex.toarray() if hasattr(gex, "toarray") else gex, dtype=np.float32)  # float32: 10k x 30k genes
    G = G - G.mean(0)
    A = G.copy()
    for b in np.unique(batch):
        A[batch == b] -= A[batch == b].mean(0)
    _, _, vt = randomized_svd(A, k, n_iter=7, random_state=0)
    return G @ vt.T


def split_rows(qset, seed: int, *, wphase0: bool = True, extras: bool = False) -> list[dict]:
    """One row per part of the embedding on the validation split of ``seed``."""
    ref = reference_mask(qset.name, qset.obs, seed=seed)
    pseudo_ref = validation_split(qset.name, qset.obs, ref, seed=seed)
    sub = qset.mdata[ref].copy()
    obs_ref = qset.obs.loc[ref]
    restricted = replace(qset, mdata=sub, obs=obs_ref, gex_lognorm=qset.gex_lognorm[np.flatnonzero(ref)])
    batch = obs_ref["batch"].astype(str).to_numpy()
    inner_ref = pseudo_ref[ref]
    scored = np.flatnonzero(~inner_ref)
    reference = cell_cycle_reference(restricted.gex_lognorm[scored], qset.gex_names, batch[scored],
                                     organism=qset.organism)
    E, model, pre = _fit(restricted, inner_ref, JAEConfig(), seed)
    names = model.column_names
    parts = block_parts(E[scored], names)
    X = model._features(sub, layer="counts")[0]
    n_free = model.layout.n_free
    (mean, axes), _, carry = fit_principal_axes(X, max(n_free, model.config.n_principal), ref=inner_ref,
                                                batch=pd.factorize(batch)[0], config=model.config, seed=model.seed)
    pcs = ((X - mean) @ axes[:50].T)[scored]
    parts.update(pca50=pcs, pca30=pcs[:, :n_free])
    if pre is not None:
        parts["free_preft"] = pre[:, model.layout.block("free")]
    if wphase0:
        E0, model0, _ = _fit(restricted, inner_ref, JAEConfig(w_phase=0.0), seed)
        p0 = block_parts(E0[scored], model0.column_names)
        parts.update(w0_full=p0["full"], w0_free=p0["free"])
    if extras:
        parts["gex_allaxes"] = _gex_on_pooled_axes(restricted.gex_lognorm, batch)[scored]
        parts["input"] = X[scored]
        parts["svd_baseline"] = jae.baseline.svd_baseline_from(sub, seed=seed)[scored]
    meta = {"set": qset.name, "seed": seed, "axes_carry": carry, "n_reference": int(inner_ref.sum()),
            "n_scored": len(scored), "free_in_start": _in_span(parts["free"], parts["pca30"])}
    return [{**meta, "part": tag, **shares(R, reference)} for tag, R in parts.items()]


def summary(rows: list[dict]) -> str:
    """Markdown table: per set, the metric's ``before`` and each part's ``after`` (mean over seeds and batches) with
    its ratio to ``before`` (mean over seeds) in brackets, and the type / free / pc share of the embedding's variance."""
    df = pd.DataFrame(rows)
    df["ratio"] = df["after_mean"] / df["before_mean"]
    parts = [p for p in PARTS if p in set(df["part"])]
    lines = ["| set | seeds | before | " + " | ".join(parts) + " | variance type / free / pc |",
             "|" + "---|" * (len(parts) + 4)]
    for name, d in df.groupby("set", sort=False):
        by = d.groupby("part")
        mean = by[["after_mean", "ratio", "var"]].mean()
        cells = [f"{mean.at[p, 'after_mean']:.4f} ({mean.at[p, 'ratio']:.2f})" if p in mean.index else "n/a"
                 for p in parts]
        var = [mean.at[p, "var"] if p in mean.index else 0.0 for p in ("type", "free", "pc")]
        total = sum(var) or float("nan")
        seeds = ",".join(str(s) for s in sorted(d["seed"].unique()))
        before = d.loc[d["part"] == "full", "before_mean"].mean()
        lines.append(f"| {name} | {seeds} | {before:.4f} | " + " | ".join(cells) + " | "
                     + " / ".join(f"{v / total:.2f}" for v in var) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(
        description="Prints which part of jae's pretrained embedding holds its cell-cycle share on the validation "
                    "splits (reference cells only), and appends one JSON line per set, seed and part to --out.")
    p.add_argument("--sets", nargs="+", required=True, help="set names (shared, simulated or subsampled)")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    p.add_argument("--out", default="/tmp/cc_blocks.jsonl", help="rows appended here (JSON lines; default: %(default)s)")
    p.add_argument("--no-wphase0", action="store_true", help="skip the second fit with w_phase=0")
    p.add_argument("--extras", action="store_true",
                   help="also the GEX on axes from every reference cell, jae's whole input and the SVD baseline")
    a = p.parse_args()
    check_sets(p, a.sets, Path(a.out))  # a mistyped set, missing data or --out folder: one line before the first fit
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("jae").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    rows = []
    for name in a.sets:
        qset = load_set(name)
        for seed in a.seeds:
            new = split_rows(qset, seed, wphase0=not a.no_wphase0, extras=a.extras)
            with open(a.out, "a") as fh:
                fh.writelines(json.dumps(r, default=float) + "\n" for r in new)
            log.info("%s seed %d: %s", name, seed, " ".join(f"{r['part']} {r['after_mean']:.4f}" for r in new))
            rows += new
    print(summary(rows))


if __name__ == "__main__":
    main()
