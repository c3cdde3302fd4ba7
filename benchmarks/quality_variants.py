"""Tuning diagnostic: one jae fit per validation split, several post-hoc variants of its embedding scored.

Only reference cells are used (the same validation splits as ``quality.py --tune``). Variants: the raw latent;
batch block centred per cell / dropped; cell-type block centred or log-softmaxed; the phase block rescaled so that,
per batch, the share of variance the S/G2M scores explain matches their share in the GEX SVD features of the
training cells (``phase_cal``). Prints one line per variant with jae/baseline metrics and writes the rows to
``benchmarks/results/quality_variants_<TAG>.csv`` (``--out`` for another file); an existing file is refused before
the first fit unless ``--overwrite``.

Usage::

    python benchmarks/quality_variants.py SETS SEEDS SETTINGS [CONFIG_JSON [TAG]] [--out CSV] [--overwrite]
    python benchmarks/quality_variants.py bmmc_cite,bmmc_multiome 0,1 pretrained,online '{"decoder_batch": true}'
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dataclasses import replace
import numpy as np, pandas as pd, torch
import jae, jae.baseline
from jae.config import JAEConfig
from _quality_data import check_sets, load_set, reference_mask, validation_split
from _quality_score import Scorer, METRICS
from quality import fit_embed
from _results import write_text

log = logging.getLogger("quality.variants")

def share(R, s, batch):
    """per batch: fraction of total variance of R explained linearly by score s."""
    out = []
    for b in np.unique(batch):
        m = batch == b
        Rb = R[m] - R[m].mean(0); sb = s[m] - s[m].mean()
        cov = Rb.T @ sb / m.sum(); v = sb.var()
        out.append((cov @ cov) / (v * (Rb ** 2).sum(0).sum() / m.sum()))
    return np.array(out)

def phase_scale(Z, layout, X_gex, phase, batch):
    ph = layout.block("phase")
    before = np.stack([share(X_gex, phase[:, k], batch) for k in range(phase.shape[1])])
    best = None
    for c in np.exp(np.linspace(np.log(0.01), np.log(1000), 400)):
        Zc = Z.copy(); Zc[:, ph] *= c
        after = np.stack([share(Zc, phase[:, k], batch) for k in range(phase.shape[1])])
        err = np.mean(np.abs(after - before) / before)
        if best is None or err < best[0]:
            best = (err, c)
    return best[1], before

def variants(Z, model, train_Z, train_X, train_phase, train_batch):
    L = model.layout
    out = {"raw": Z}
    bb = L.block("batch")
    Zc = Z.copy(); Zc[:, bb] -= Zc[:, bb].mean(1, keepdims=True); out["batch_centered"] = Zc
    keep = np.r_[0:bb.start, bb.stop:Z.shape[1]]; out["batch_dropped"] = Z[:, keep]
    if L.n_cell_type:
        cb = L.block("cell_type")
        Zt = Zc.copy(); Zt[:, cb] -= Zt[:, cb].mean(1, keepdims=True); out["type+batch_centered"] = Zt
        Zs = Zc.copy(); Zs[:, cb] = torch.log_softmax(torch.as_tensor(Z[:, cb]), 1).numpy(); out["type_logsoftmax"] = Zs
    sd = train_Z.std(0) + 1e-6
    out["unit_standardised"] = Z / sd
    blocks = [b for b in L.slices().values() if b.stop > b.start]
    Zb = Z.copy()
    for b in blocks:
        Zb[:, b] /= np.sqrt((train_Z[:, b].var(0)).sum()) + 1e-6
    out["block_balanced"] = Zb
    if L.n_cell_type:
        for f in (0.5, 0.25, 2.0, 4.0):
            Zf = Z.copy(); Zf[:, L.block("cell_type")] *= f; out[f"type_x{f}"] = Zf
    if train_phase is not None and L.n_phase:
        c, before = phase_scale(train_Z, L, train_X, train_phase, train_batch)
        Zp = Z.copy(); Zp[:, L.block("phase")] *= c; out["phase_cal"] = Zp
        Zb = Zc.copy(); Zb[:, L.block("phase")] *= c; out["phase_cal+centered"] = Zb
        log.warning("phase scale %.4g, GEX cell-cycle share %.4f", c, before.mean())
    return out

def run(name, seed, settings, cfg):
    qset = load_set(name)
    ref = reference_mask(qset.name, qset.obs, seed=seed)
    pseudo_ref = validation_split(qset.name, qset.obs, ref, seed=seed)
    sub = qset.mdata[ref].copy()
    base = jae.baseline.svd_baseline_from(sub, seed=seed)
    obs_ref = qset.obs.loc[ref]
    restricted = replace(qset, mdata=sub, obs=obs_ref, gex_lognorm=qset.gex_lognorm[np.flatnonzero(ref)])
    rows = []
    for setting in settings:
        if setting == "pretrained":
            inner_ref = pseudo_ref[ref]; scored = np.flatnonzero(~inner_ref); train = np.flatnonzero(inner_ref)
        else:
            inner_ref = None; scored = np.arange(int(ref.sum())); train = scored
        scorer = Scorer(restricted, scored)
        b = scorer(base[scored])
        t0 = time.time()
        Z, model = fit_embed(restricted, np.ones(int(ref.sum()), dtype=bool), config=cfg, seed=seed, reference=inner_ref)
        X = model._features(sub, layer="counts")[0]
        from jae.io.paired import get_paired
        paired = get_paired(sub, layer="counts")
        from jae.preprocess import log_normalize
        from jae.preprocess.cell_cycle import score_cell_cycle
        gi = model.preprocessor.kinds.index("GEX")
        phase = score_cell_cycle(log_normalize(paired.counts[gi]), paired.var_names[gi], organism=model.organism,
                                 seed=model.seed)[["S_score", "G2M_score"]].to_numpy(np.float32)
        gi = model.preprocessor.kinds.index("GEX")
        # GEX columns of X
        widths = [model.preprocessor.transform_one(i, paired.counts[i][:2]).shape[1] for i in range(2)]
        start = sum(widths[:gi]); X_gex = X[:, start:start + widths[gi]]
        batch = obs_ref["batch"].astype(str).to_numpy()
        log.warning("%s %s seed %d: fit %.0f s", name, setting, seed, time.time() - t0)
        for vname, V in variants(Z, model, Z[train], X_gex[train], phase[train], batch[train]).items():
            s = scorer(V[scored])
            rows.append({"set": name, "setting": setting, "seed": seed, "variant": vname, **s, "margin": s["overall"] - b["overall"]})
            print(f"  {vname:22s} overall {s['overall']:.4f} margin {s['overall']-b['overall']:+.4f} | " + " ".join(f"{k} {s[k]:.3f}/{b[k]:.3f}" for k in METRICS), flush=True)
    return rows

if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", help="comma-separated set names, e.g. bmmc_cite,bmmc_multiome")
    ap.add_argument("seeds", help="comma-separated seeds, e.g. 0,1")
    ap.add_argument("settings", help="comma-separated settings: pretrained, online")
    ap.add_argument("config", nargs="?", default="{}", help="JSON of JAEConfig fields to override")
    ap.add_argument("tag", nargs="?", default="run",
                    help="names the CSV of the rows: benchmarks/results/quality_variants_<tag>.csv (default: run)")
    ap.add_argument("--out", type=Path, default=None, help="write the CSV here instead")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing CSV")
    args = ap.parse_args()
    out = args.out or Path(__file__).resolve().parent / "results" / f"quality_variants_{args.tag}.csv"
    logging.basicConfig(level=logging.WARNING)
    sets, settings = args.sets.split(","), args.settings.split(",")
    # checked before the first fit: a mistyped setting was run as online under its own name, a mistyped set or a
    # bad seed or config stopped with a traceback (a set after the sets before it were fitted)
    bad = [s for s in settings if s not in ("pretrained", "online")]
    if bad:
        ap.error(f"settings: {bad[0]!r} is neither pretrained nor online")
    check_sets(ap, sets, out)
    if out.exists() and not args.overwrite:  # it was replaced without a word, after the fits
        ap.error(f"{out} exists; pass --overwrite to replace it, or another TAG or --out")
    try:
        seeds = [int(x) for x in args.seeds.split(",")]
    except ValueError:
        ap.error(f"seeds: {args.seeds!r} is not comma-separated integers, e.g. 0,1")
    try:
        over = json.loads(args.config)
        cfg = replace(JAEConfig(), **{k: tuple(v) if isinstance(v, list) else v for k, v in over.items()})
    except (ValueError, TypeError, AttributeError) as exc:
        ap.error(f"config: {args.config!r} is not a JSON object of JAEConfig fields ({exc})")
    rows = []
    for n in sets:
        for s in seeds:
            rows += run(n, s, settings, cfg)
    df = pd.DataFrame(rows)
    print(df.groupby(["set", "setting", "variant"])[["cc_cons", "asw_batch", "overall", "margin"]].mean().round(4).to_string())
    write_text(out, df.to_csv(index=False))
    print(f"rows written to {out}")
