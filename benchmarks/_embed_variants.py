"""Experiment: embedding constructions from one trained jae model, scored on validation splits (reference cells only).

Usage: python benchmarks/_embed_variants.py --sets bmmc_cite ... --seeds 0 1 2 3 4 --out results/variants.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import os
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
from _quality_data import check_sets, load_set, reference_mask, validation_split  # noqa: E402
from _quality_score import Scorer, label_accuracy  # noqa: E402
from jae.config import JAEConfig  # noqa: E402

log = logging.getLogger("variants")


def _pca_basis(A: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k right singular vectors (d, k) and their variances of rows A (already centred)."""
    _, s, vt = np.linalg.svd(A, full_matrices=False)
    k = min(k, len(s))
    return vt[:k].T, s[:k] ** 2 / max(len(A) - 1, 1)


def _center(A, batch):
    A = A.copy()
    for b in np.unique(batch):
        A[batch == b] -= A[batch == b].mean(0)
    return A


def axis_reproducibility(X, rows, batch, k, seed):
    """Session 25: per principal axis, the share of its variance that reproduces on cells outside its fit: the top k
    within-batch axes fitted on one seeded half of ``rows``, the other half's within-batch variance along axis j over
    the own half's, both ways, averaged; clipped to [0, 1]."""
    idx = np.flatnonzero(rows) if rows is not None else np.arange(len(X))
    perm = np.random.default_rng(seed).permutation(idx)
    halves = (np.sort(perm[: len(perm) // 2]), np.sort(perm[len(perm) // 2:]))
    ratios = []
    for a, b in (halves, halves[::-1]):
        A, B = _center(X[a].astype(np.float64), batch[a]), _center(X[b].astype(np.float64), batch[b])
        U, va = _pca_basis(A - A.mean(0), k)
        vb = ((B - B.mean(0)) @ U).var(0, ddof=1)
        ratios.append(vb / np.maximum(va, 1e-12))
    return np.clip(np.mean(ratios, 0), 0.0, 1.0)


def mnn_shift(E, batch, k=20):
    """Session 8: one translation per batch, the median difference over mutual-nearest-neighbour pairs between the
    batch and the batches merged before it (largest first); a batch with under 5 pairs moves by its mean offset."""
    from sklearn.neighbors import NearestNeighbors
    E = np.asarray(E, dtype=np.float64).copy()
    order = sorted(np.unique(batch), key=lambda b: -(batch == b).sum())
    merged = batch == order[0]
    for b in order[1:]:
        sel = batch == b
        A, B = E[merged], E[sel]
        kk = min(k, len(A) - 1, len(B) - 1)
        nab = NearestNeighbors(n_neighbors=kk).fit(A).kneighbors(B, return_distance=False)
        nba = NearestNeighbors(n_neighbors=kk).fit(B).kneighbors(A, return_distance=False)
        pairs = [(i, j) for i in range(len(B)) for j in nab[i] if i in set(nba[j])]
        if len(pairs) < 5:
            shift = A.mean(0) - B.mean(0)
        else:
            ib, ja = np.array(pairs).T
            shift = np.median(A[ja] - B[ib], 0)
        E[sel] += shift
        merged = merged | sel
    return E.astype(np.float32)


def variants_pretrained(model, X, Z, ref, labels, batch, true_phase=None):
    lay = model.layout
    logits = Z[:, lay.block("cell_type")]
    P = torch.softmax(torch.as_tensor(logits), 1).numpy()
    types = model.cell_types
    y = np.asarray(labels)
    mu = X[ref].mean(0)
    M = np.stack([X[ref][y[ref] == t].mean(0) for t in types])
    w = np.array([(y[ref] == t).mean() for t in types])
    Ub, _ = _pca_basis(np.sqrt(w)[:, None] * (M - mu), len(types))
    T = (P @ M - mu) @ Ub
    R_ref = X[ref] - M[[types.index(t) for t in y[ref]]]
    out = {"latent": Z, "svd100": X}
    tot = X[ref].var(0).sum()
    for k in (20, 50):
        Uw, _ = _pca_basis(R_ref - R_ref.mean(0), k)
        W = (X - P @ M) @ Uw
        out[f"centroid_w{k}"] = np.hstack([T, W])
        Wc = W.copy()
        for b in np.unique(batch):
            Wc[batch == b] -= Wc[batch == b].mean(0)
        out[f"centroid_w{k}_bc"] = np.hstack([T, Wc])
    # free units scaled to the within-type variance
    free = Z[:, lay.block("free")]
    within = R_ref.var(0).sum()
    fs = free * np.sqrt(within / max(free[ref].var(0).sum(), 1e-12))
    out["centroid_free"] = np.hstack([T, fs])
    # latent blocks: logits -> centroid part, free scaled, phase/batch dropped
    phase = Z[:, lay.block("phase")]
    out["centroid_free_phase"] = np.hstack([T, fs, phase * np.sqrt(within / max(free[ref].var(0).sum(), 1e-12))])
    Xc = X - mu
    U50, _ = _pca_basis(Xc[ref], 50)
    pcs = Xc @ U50
    between = T[ref].var(0).sum()
    Pc = P - P[ref].mean(0)
    ps = Pc * np.sqrt(between / max(Pc[ref].var(0).sum(), 1e-12))
    out["pca50"] = pcs
    out["pca50_P"] = np.hstack([pcs, ps])
    out["pca50_T"] = np.hstack([pcs, T])
    out["svd100_P"] = np.hstack([Xc, ps])
    lg = logits - logits[ref].mean(0)
    out["pca50_logits"] = np.hstack([pcs, lg * np.sqrt(between / max(lg[ref].var(0).sum(), 1e-12))])
    for k in (30, 100):
        Uk, _ = _pca_basis(Xc[ref], k)
        out[f"pca{k}_P"] = np.hstack([Xc @ Uk, ps])
    out["pca50_P_bc"] = np.hstack([_center(pcs, batch), ps])
    out["pca50_P_mnn"] = np.hstack([mnn_shift(pcs, batch), ps])
    out["pca50_2P"] = np.hstack([pcs, ps * np.sqrt(2)])
    out["pca50_halfP"] = np.hstack([pcs, ps * np.sqrt(0.5)])
    out["pca50_Pfree"] = np.hstack([pcs, ps, Z[:, lay.block("free")]])
    free = Z[:, lay.block("free")]
    nf = free.shape[1]
    for k in (50, 100):
        Uk, _ = _pca_basis(Xc[ref], k)
        tail = (Xc @ Uk)[:, nf:]
        out[f"P_free_tail{k}"] = np.hstack([ps, free, tail])
        out[f"P_free_tail{k}_phase"] = np.hstack([ps, free, tail, Z[:, lay.block("phase")]])
    out["P_free"] = np.hstack([ps, free])
    # session 10: the between-type directions of the principal part [free | tail] (the span of its type centroids on
    # the reference cells, a fixed linear subspace) shrunk, so that cell type is counted once, in the probability
    # block, as a variance-preserving readout would (sb0: removed; sbh: half their variance kept)
    E = out["P_free_tail50"][:, ps.shape[1]:]
    mu_E = E[ref].mean(0)
    M_E = np.stack([E[ref][y[ref] == t].mean(0) for t in types]) - mu_E
    Ue, _ = _pca_basis(np.sqrt(w)[:, None] * M_E, max(len(types) - 1, 1))
    Ec = E - mu_E
    for tag, a in (("sb0", 0.0), ("sbh", np.sqrt(0.5))):
        out[f"P_free_tail50_{tag}"] = np.hstack([ps, Ec - (1 - a) * (Ec @ Ue) @ Ue.T])
    # round 23: the free block scaled to the variance of the principal subspace it started as
    _, var_free = _pca_basis(Xc[ref], nf)
    f_scaled = free * np.sqrt(var_free.sum() / max(free[ref].var(0).sum(), 1e-12))
    U50, _ = _pca_basis(Xc[ref], 50)
    out["P_free_scaled_tail50"] = np.hstack([ps, f_scaled, (Xc @ U50)[:, nf:]])
    # session 7: the probabilities beside the principal components of the within-type residual x - P @ M, so the
    # between-type variance is counted once (in the probability block) instead of twice (there and in the PCs)
    for k in (30, 50):
        Uw, _ = _pca_basis(R_ref - R_ref.mean(0), k)
        Wk = (X - P @ M - R_ref.mean(0)) @ Uw
        out[f"P_w{k}"] = np.hstack([ps, Wk])
    out["P_w50_free"] = np.hstack([ps, free, ((X - P @ M - R_ref.mean(0)) @ _pca_basis(R_ref - R_ref.mean(0), 50)[0])[:, nf:]])
    # session 7: composition-adjusted batch centring: each batch's mean residual from the predicted types' centroids
    # (one shift per batch, or one per batch and type weighted by the probabilities) removed before the PCA
    Rp = X - P @ M
    Xg, Xt = X.copy(), X.copy()
    for b in np.unique(batch):
        sel = batch == b
        Xg[sel] -= Rp[sel].mean(0) - Rp[ref].mean(0)
        w_bk = P[sel].sum(0)  # (K,)
        d_bk = (P[sel].T @ Rp[sel]) / np.maximum(w_bk, 1e-9)[:, None]  # (K, d) mean residual per type in b
        shrink = (w_bk / (w_bk + 10.0))[:, None]  # few cells of a type in a batch: shrink its shift to 0
        Xt[sel] -= P[sel] @ (shrink * d_bk)
    for tag, Xb in (("cbc", Xg), ("tbc", Xt)):
        mu_b = Xb[ref].mean(0)
        Ub_, _ = _pca_basis(Xb[ref] - mu_b, 50)
        out[f"pca50_P_{tag}"] = np.hstack([(Xb - mu_b) @ Ub_, ps])
    # session 7: the type block from the head mixed with a 15-NN vote among the reference cells in the principal
    # components (reference cells vote without themselves), scaled like the head's
    from sklearn.neighbors import NearestNeighbors
    ref_idx = np.flatnonzero(ref)
    codes_ref = np.array([types.index(t) for t in y[ref]])
    nn_ = NearestNeighbors(n_neighbors=16).fit(pcs[ref])
    nbr = nn_.kneighbors(pcs, return_distance=False)
    own = np.zeros(len(X), dtype=bool)
    own[ref_idx] = True
    keep = np.where(own[:, None] & (ref_idx[nbr] == np.arange(len(X))[:, None]), False, True)
    vote = np.zeros_like(P)
    for i in range(len(X)):
        sel = nbr[i][keep[i]][:15]
        vote[i] = np.bincount(codes_ref[sel], minlength=len(types)) / len(sel)
    Pm = 0.5 * P + 0.5 * vote
    Pmc = Pm - Pm[ref].mean(0)
    out["pca50_Pmix"] = np.hstack([pcs, Pmc * np.sqrt(between / max(Pmc[ref].var(0).sum(), 1e-12))])
    Ttemp = torch.softmax(torch.as_tensor(logits) / 2, 1).numpy()
    Ttemp = Ttemp - Ttemp[ref].mean(0)
    out["pca50_P_T2"] = np.hstack([pcs, Ttemp * np.sqrt(between / max(Ttemp[ref].var(0).sum(), 1e-12))])
    # session 9: the phase units scaled so that the embedding's cell-cycle share (variance explained by the phase
    # predictions) equals the input's (all features, or the RNA block only); no block when the share is already there
    ph = Z[:, lay.block("phase")]
    base_e = out["P_free_tail50"]
    for tag, Xs in (("x", X), ("rna", X[:, :model.preprocessor.widths[0]])):
        c = _phase_scale(base_e[ref], ph[ref], Xs[ref])
        out[f"P_free_tail50_ph{tag}"] = np.hstack([base_e, c * (ph - ph[ref].mean(0))])
        log.info("phase scale %s %.3f", tag, c)
    log.info("variance: total %.2f between %.2f within %.2f", tot, (T[ref]).var(0).sum(), within)
    # session 13: the phase units scaled by one constant fitted on the reference cells, so that the share of the
    # embedding's variance explained by the reference cells' own S/G2M scores (computed from their RNA, as the model's
    # phase targets) matches that share in the RNA block of the input, per batch (scib's cc_cons on the reference)
    if true_phase is not None and np.isfinite(true_phase).all():
        for tag, E0 in (("", base_e), ("_comp", out["pca50_P"])):
            c, diag = _phase_share_scale(E0[ref], ph[ref], X[ref][:, :model.preprocessor.widths[0]], true_phase[ref],
                                         batch[ref])
            out[f"P_free_tail50_phtrue{tag}"] = np.hstack([E0, c * (ph - ph[ref].mean(0))])
            log.info("phase-share scale%s %.3f  %s", tag, c, diag)
        # session 13, second try: the target is the principal part's own share (no external estimate of the GEX's)
        K = ps.shape[1]
        Sr = true_phase[ref] - true_phase[ref].mean(0)
        psr = ps[ref] - ps[ref].mean(0)
        B, *_ = np.linalg.lstsq(Sr, psr, rcond=None)  # (2, K): the type block's score-explained directions
        Ub_, _, _ = np.linalg.svd(B.T, full_matrices=False)  # (K, 2)
        ps_n = ps - (ps @ Ub_) @ Ub_.T
        prin = base_e[:, K:]
        target = _cc_share(prin[ref], true_phase[ref], batch[ref])
        # third try: remove from the type block, cell by cell, the part linearly predicted by the phase units
        # (regression fitted on the reference cells), instead of whole directions
        Qr = ph[ref] - ph[ref].mean(0)
        Bq, *_ = np.linalg.lstsq(Qr, psr, rcond=None)  # (2, K)
        ps_r = ps - (ph - ph[ref].mean(0)) @ Bq
        # fourth try: shrink the two score-correlated directions of the type block by how much of their variance the
        # reference cells' scores explain (a fixed linear map; nothing changes where the type block is cycle-free)
        shr = {}
        for tag, power in (("_shrink", 0.5), ("_shrink2", 1.0)):
            tb = ps.copy()
            for j in range(Ub_.shape[1]):
                u = Ub_[:, j]
                yv = psr @ u
                coef, *_ = np.linalg.lstsq(Sr, yv, rcond=None)
                r2 = float(((Sr @ coef) ** 2).sum() / max((yv ** 2).sum(), 1e-12))
                f = (1 - r2) ** power
                tb = tb - (1 - f) * np.outer(tb @ u, u)
                log.info("shrink%s dir %d r2 %.3f", tag, j, r2)
            shr[tag] = tb
        # fifth try: shrink those directions only as far as needed to bring the embedding's share (reference cells,
        # per batch) down to the principal part's own share (or the RNA block's), never up (no phase block)
        target_rna = _cc_share(X[ref][:, :model.preprocessor.widths[0]], true_phase[ref], batch[ref])
        for tag, tgt in (("_match", target), ("_match_rna", target_rna)):
            best = (np.inf, 0.0)
            for a in np.linspace(0, 1, 21):
                tb = ps - a * (ps @ Ub_) @ Ub_.T
                sh = _cc_share(np.hstack([tb, prin])[ref], true_phase[ref], batch[ref])
                err = float(np.mean(np.abs(sh - tgt) / tgt))
                if err < best[0] - 1e-9:
                    best = (err, a)
            out[f"cyc{tag}"] = np.hstack([ps - best[1] * (ps @ Ub_) @ Ub_.T, prin])
            log.info("cyc%s alpha %.2f target %s", tag, best[1], tgt.round(4))
        for tag, tb in (("", ps), ("_neutral", ps_n), ("_resid", ps_r), ("_shrink", shr["_shrink"]),
                        ("_shrink2", shr["_shrink2"])):
            E0 = np.hstack([tb, prin])
            out[f"cyc{tag}"] = E0
            c = _match_share(E0[ref], ph[ref], true_phase[ref], batch[ref], target)
            out[f"cyc{tag}_ph"] = np.hstack([E0, c * (ph - ph[ref].mean(0))])
            log.info("cyc%s: target %s, after %s, c %.3f", tag, target.round(4),
                     _cc_share(E0[ref], true_phase[ref], batch[ref]).round(4), c)
    return out


def _match_share(E, Q, S, batch, target, grid=np.concatenate([[0.0], np.geomspace(0.005, 2, 60)])):
    """c >= 0 (in units of E's total sd over Q's) bringing the mean per-batch share of [E, c Q] nearest to target's."""
    Qc = Q - Q.mean(0)
    unit = np.sqrt(E.var(0).sum() / max(Qc.var(0).sum(), 1e-12))
    best = (np.inf, 0.0)
    for g in grid:
        after = _cc_share(np.hstack([E, g * unit * Qc]), S, batch)
        err = float(np.mean(np.abs(after - target) / target))
        if err < best[0] - 1e-9:
            best = (err, g * unit)
    return best[1]


def _cc_share(E, S, batch):
    """Per-batch share of the top-50 PC variance of E explained by the scores S (scib's pc_regression)."""
    from jae.metrics import variance_explained
    return np.array([variance_explained(E[batch == b], S[batch == b]) for b in np.unique(batch)])


def _phase_share_scale(E, Q, X_rna, S, batch, grid=np.concatenate([[0.0], np.geomspace(0.05, 20, 40)])):
    """c >= 0 maximising the reference cells' cc_cons of [E, c Q] against the RNA block X_rna (one scalar)."""
    before = _cc_share(X_rna, S, batch)
    Qc = (Q - Q.mean(0)) * np.sqrt(E.var(0).sum() / max((Q - Q.mean(0)).var(0).sum(), 1e-12))  # unit: E's variance
    best = (-1.0, 0.0, None)
    for c in grid * 0.1:  # c = 1 gives the phase block 10% of E's variance
        after = _cc_share(np.hstack([E, c * Qc]), S, batch)
        score = float(np.mean(np.maximum(1 - np.abs(after - before) / before, 0)))
        if score > best[0] + 1e-9:
            best = (score, c, after)
    if best[1] == 0.0:
        return 0.0, f"before {before.round(4)} after(0) {best[2].round(4)} ref_cc {best[0]:.3f}"
    a0 = _cc_share(E, S, batch)
    scale = best[1] * np.sqrt(E.var(0).sum() / max((Q - Q.mean(0)).var(0).sum(), 1e-12))
    return float(scale), (f"before {before.round(4)} after(0) {a0.round(4)} after(c) {best[2].round(4)} "
                          f"ref_cc {best[0]:.3f} share_c {best[1]:.3f}")


def _explained(A, Q):
    """Variance of the centred rows A explained by a least-squares fit on the centred columns Q, and A's total."""
    A = A - A.mean(0)
    Q = Q - Q.mean(0)
    coef, *_ = np.linalg.lstsq(Q, A, rcond=None)
    return float(((Q @ coef) ** 2).sum()), float((A ** 2).sum())


def _phase_scale(E, Q, Xs):
    """c >= 0 with share([E, c Q]) = share(Xs), the shares of variance explained by Q."""
    ev_x, tot_x = _explained(Xs, Q)
    ev_e, tot_e = _explained(E, Q)
    s = ev_x / tot_x
    q = float(((Q - Q.mean(0)) ** 2).sum())
    return float(np.sqrt(max(s * tot_e - ev_e, 0.0) / max(q * (1 - s), 1e-12)))


def knn_label_transfer(embs, ref, labels, scored, model, k=15):
    """15-NN vote accuracies on some embeddings, and the head's probabilities mixed with the vote."""
    from sklearn.neighbors import KNeighborsClassifier
    out = {}
    y = np.asarray(labels).astype(str)
    for name in ("svd_baseline", "svd100", "P_free_tail50", "pca50", "pca50_P", "library", "cyc_shrink", "cyc_match"):
        if name not in embs:
            continue
        clf = KNeighborsClassifier(n_neighbors=k).fit(embs[name][ref], y[ref])
        out[f"knn_{name}"] = float(np.mean(clf.predict(embs[name][scored]) == y[scored]))
        if name in ("pca50", "pca50_P", "library", "cyc_shrink", "cyc_match"):
            vote = clf.predict_proba(embs[name])
            head = softmax_np(embs["latent"][:, model.layout.block("cell_type")])
            classes = list(clf.classes_)
            head = head[:, [model.cell_types.index(c) for c in classes]]
            mix = 0.5 * head + 0.5 * vote
            out[f"mix_{name}"] = float(np.mean(np.asarray(classes)[mix[scored].argmax(1)] == y[scored]))
        if name == "P_free_tail50":
            vote = clf.predict_proba(embs[name])
            head = softmax_np(embs["latent"][:, model.layout.block("cell_type")])
            classes = list(clf.classes_)
            head = head[:, [model.cell_types.index(c) for c in classes]]
            for w in (0.5,):
                mix = w * head + (1 - w) * vote
                out[f"mix{w}"] = float(np.mean(np.asarray(classes)[mix[scored].argmax(1)] == y[scored]))
    if os.environ.get("JAE_LR") and "library" in embs:  # session 18: a linear classifier on the input features
        from sklearn.linear_model import LogisticRegression

        X = embs["svd100"]
        lr = LogisticRegression(C=0.1, max_iter=2000).fit(X[ref], y[ref])
        classes = list(lr.classes_)
        p_lr = lr.predict_proba(X)
        vote = KNeighborsClassifier(n_neighbors=k).fit(embs["library"][ref], y[ref])
        p_vote = vote.predict_proba(embs["library"])[:, [list(vote.classes_).index(c) for c in classes]]
        head = softmax_np(embs["latent"][:, model.layout.block("cell_type")])
        head = head[:, [model.cell_types.index(c) for c in classes]]
        pick = np.asarray(classes)
        out["lr_input"] = float(np.mean(pick[p_lr[scored].argmax(1)] == y[scored]))
        out["mix_head_vote"] = float(np.mean(pick[(head + p_vote)[scored].argmax(1)] == y[scored]))
        out["mix_head_vote_lr"] = float(np.mean(pick[(head + p_vote + p_lr)[scored].argmax(1)] == y[scored]))
        out["mix_head_lr"] = float(np.mean(pick[(head + p_lr)[scored].argmax(1)] == y[scored]))
        out["mix_vote_lr"] = float(np.mean(pick[(p_vote + p_lr)[scored].argmax(1)] == y[scored]))
        K = model.layout.n_cell_type
        for tag, E in (("emb", embs["library"]), ("rest", embs["library"][:, K:])):
            lr_e = LogisticRegression(C=0.1, max_iter=2000).fit(E[ref], y[ref])
            p_e = lr_e.predict_proba(E)[:, [list(lr_e.classes_).index(c) for c in classes]]
            out[f"lr_{tag}"] = float(np.mean(pick[p_e[scored].argmax(1)] == y[scored]))
            out[f"mix_vote_lr_{tag}"] = float(np.mean(pick[(p_vote + p_e)[scored].argmax(1)] == y[scored]))
    return out


def _linear_type_parts(model, X, E_lib, ref, labels, phase):
    """Session 19: the type part rebuilt from round 45's linear classifier (L2 logistic regression, C = 0.1, of the
    reference cells' labels on their embedding columns after the type part) instead of the early-stopped head:
    ``lib_lin`` its probabilities, ``lib_linhead`` the equal mixture with the head's; each centred and scaled on the
    reference cells by the readout's own rule (sqrt of the variance of the input centroids they predict over their
    own spread), with the readout's cell-cycle shrink refitted on them when the library's readout has one."""
    from sklearn.linear_model import LogisticRegression

    from jae.model.readout import _centroids, _CycleMoments

    K = model.layout.n_cell_type
    rest = E_lib[:, K:].astype(np.float64)
    codes = pd.Categorical(np.asarray(labels).astype(str), categories=model.cell_types).codes
    r = np.flatnonzero(ref & (codes >= 0))
    lr = LogisticRegression(C=0.1, max_iter=2000).fit(rest[r], codes[r])
    P_lin = np.zeros((len(rest), K))
    P_lin[:, lr.classes_] = lr.predict_proba(rest)
    P_head = model.readout.probabilities(E_lib, model.layout).astype(np.float64)
    M, _ = _centroids(X, codes[r], K, rows=r)
    out = {}
    for tag, P in (("lib_lin", P_lin), ("lib_linhead", 0.5 * (P_lin + P_head))):
        c = P[r].mean(0)
        spread = (P[r] ** 2).sum(1).mean() - (c ** 2).sum()
        pred = P[r] @ M
        pv = ((pred - pred.mean(0)) ** 2).sum(1).mean()
        T = np.sqrt(max(pv, 0.0) / spread) * (P - c)
        if model.readout.cycle_axes is not None and phase is not None:
            cm = _CycleMoments(K)
            cm.add(P[r], phase[r])
            A, keep = cm.directions()
            if A is not None and len(A):
                T = T - ((T @ A.T) * (1.0 - keep)) @ A
        out[tag] = np.hstack([T, E_lib[:, K:]]).astype(np.float32)
    return out


def softmax_np(z):
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def variants_online(model, X, Z, batch):
    lay = model.layout
    out = {"latent": Z, "svd100": X}
    Xc = X - X.mean(0)
    for k in (20, 30, 50):
        U, _ = _pca_basis(Xc, k)
        out[f"pca{k}"] = Xc @ U
    U, _ = _pca_basis(Xc, 50)
    pcs = Xc @ U
    out["pca50_bc"] = _center(pcs, batch)
    # session 13: axes of the within-batch covariance, the uncentred data projected (JAEConfig.principal_within_batch)
    Uw, _ = _pca_basis(_center(Xc, batch), 50)
    out["pca50_wb"] = Xc @ Uw
    out["pca50_mnn"] = mnn_shift(pcs, batch)
    Xb = _center(Xc, batch)
    Ub, _ = _pca_basis(Xb, 50)
    out["pca50_of_bc"] = Xb @ Ub
    from sklearn.neighbors import NearestNeighbors
    nn_ = NearestNeighbors(n_neighbors=15).fit(pcs)
    idx = nn_.kneighbors(pcs, return_distance=False)
    out["pca50_knn"] = 0.5 * pcs + 0.5 * pcs[idx].mean(1)
    free = Z[:, lay.block("free")]
    nf = free.shape[1]
    for k in (50, 100):
        out[f"free_tail{k}"] = np.hstack([free, (Xc @ _pca_basis(Xc, k)[0])[:, nf:]])
    out["free_tail50_phase"] = np.hstack([out["free_tail50"], Z[:, lay.block("phase")]])
    out["free_tail50_bc"] = _center(out["free_tail50"], batch)
    # session 7 experiment: Harmony (Korsunsky et al. 2019; harmonypy when importable) on the principal parts
    if len(np.unique(batch)) > 1:
        try:
            import harmonypy
            import pandas as pd
            meta = pd.DataFrame({"batch": batch})
            for name in ("pca50", "free_tail50"):
                h = harmonypy.run_harmony(out[name].astype(np.float64), meta, "batch", random_state=0)
                out[f"{name}_harmony"] = np.asarray(h.Z_corr, dtype=np.float32).reshape(out[name].shape)
        except ImportError:
            pass
    # round 21: the free block scaled to the variance of the principal subspace it started as
    U, var = _pca_basis(Xc, nf)
    fs = free * np.sqrt(var.sum() / max(free.var(0).sum(), 1e-12))
    out["free_scaled_tail50"] = np.hstack([fs, (Xc @ _pca_basis(Xc, 50)[0])[:, nf:]])
    return out


def run(name, seeds, out_path, settings):
    qset = load_set(name)
    for seed in seeds:
        ref = reference_mask(qset.name, qset.obs, seed=seed)
        pseudo_ref = validation_split(qset.name, qset.obs, ref, seed=seed)
        if os.environ.get("JAE_VALIDATION_BY_BATCH"):  # session 13: the pseudo-query is the reference's last batch
            b = qset.obs["batch"].astype(str).to_numpy()
            pseudo_ref = ref & (b != sorted(pd.unique(b[ref]))[-1])
        sub = qset.mdata[ref].copy()
        base = jae.baseline.svd_baseline_from(sub, seed=seed)
        obs_ref = qset.obs.loc[ref]
        restricted = replace(qset, mdata=sub, obs=obs_ref, gex_lognorm=qset.gex_lognorm[np.flatnonzero(ref)])
        batch = obs_ref["batch"].astype(str).to_numpy()
        labels = obs_ref["label"].to_numpy()
        for setting in settings:
            from quality import fit_embed

            if setting == "pretrained":
                inner_ref = pseudo_ref[ref]
                scored = np.flatnonzero(~inner_ref)
            else:
                inner_ref = None
                scored = np.arange(int(ref.sum()))
            scorer = Scorer(restricted, scored)
            t0 = time.perf_counter()
            overrides = json.loads(os.environ.get("JAE_VARIANT_CONFIG", "{}"))  # e.g. '{"principal_all_cells": true}'
            Z, model = fit_embed(restricted, np.ones(int(ref.sum()), dtype=bool), config=replace(JAEConfig(), **overrides),
                                 seed=seed,
                                 reference=inner_ref)
            secs = time.perf_counter() - t0
            X = model._features(sub, layer="counts")[0]
            E_lib = Z
            Z = model.latent_transformed(X)
            if setting == "pretrained":
                from jae.preprocess import log_normalize, score_cell_cycle
                rna = sub.mod["rna"]
                try:
                    tp = score_cell_cycle(log_normalize(rna.layers["counts"]), rna.var_names,
                                          organism=model.organism, seed=seed).to_numpy()
                except ValueError:
                    tp = None
                if os.environ.get("JAE_VARIANTS_LEAN"):  # session 14: only the library's own readouts (large sets)
                    embs = {"svd100": X, "latent": Z}
                else:
                    embs = variants_pretrained(model, X, Z, inner_ref, labels, batch, true_phase=tp)
                embs["library"] = E_lib
                embs["svd_baseline"] = base
                K = model.layout.n_cell_type
                if os.environ.get("JAE_VARIANTS_S25"):  # session 25: principal part weighted by reproducibility
                    small = getattr(model, "axes_carry", None) is not None and not model.axes_carry >= 0.90
                    r = axis_reproducibility(X, None if small else inner_ref, batch, E_lib.shape[1] - K, seed)
                    log.info("reproducibility %s", np.round(r, 2))
                    nf = model.layout.n_free
                    E_t = E_lib.copy()
                    E_t[:, K + nf:] *= np.sqrt(r[nf:])[None, :]
                    embs["lib_shr_tail"] = E_t
                    E_a = E_lib.copy()
                    E_a[:, K:] *= np.sqrt(r)[None, :]
                    embs["lib_shr"] = E_a
                if os.environ.get("JAE_VARIANTS_T"):  # session 16: the type part as the predicted type centroid
                    # (P @ M in the span of the reference types' input centroids) instead of the simplex
                    P = model.readout.probabilities(E_lib, model.layout).astype(np.float64)
                    yl = np.asarray(labels).astype(str)
                    M = np.stack([X[inner_ref & (yl == t)].mean(0) for t in model.cell_types])
                    w = np.array([(yl[inner_ref] == t).mean() for t in model.cell_types])
                    mu = w @ M
                    Ub, _ = _pca_basis(np.sqrt(w)[:, None] * (M - mu), K)
                    T = (P @ M - mu) @ Ub
                    embs["lib_T"] = np.hstack([T, np.zeros((len(T), K - T.shape[1])), E_lib[:, K:]])
                if os.environ.get("JAE_VARIANTS_S18"):  # session 18: where the batch-ASW deficit sits
                    P = model.readout.probabilities(E_lib, model.layout).astype(np.float64)
                    T_lib = E_lib[:, :K].astype(np.float64)
                    tv = T_lib[inner_ref].var(0).sum()
                    embs["lib_notype"] = E_lib[:, K:]
                    H = np.eye(K)[P.argmax(1)]
                    H = H - H[inner_ref].mean(0)
                    embs["lib_onehot"] = np.hstack([H * np.sqrt(tv / max(H[inner_ref].var(0).sum(), 1e-12)),
                                                    E_lib[:, K:]])
                if os.environ.get("JAE_VARIANTS_S19"):  # session 19: the type part from the linear classifier
                    embs.update(_linear_type_parts(model, X, E_lib, inner_ref, labels, tp))
                # session 13: the library's type part beside the top 50 PCs fitted on the reference cells, on every
                # cell, or on every cell after removing each batch's mean (the projection keeps the global mean)
                for tag, rows, centre in (("ref", inner_ref, False), ("all", None, False), ("allbc", None, True)):
                    A = X if rows is None else X[rows]
                    mu = A.mean(0)
                    if centre:
                        bb = batch if rows is None else batch[rows]
                        A = A.copy()
                        for g in np.unique(bb):
                            A[bb == g] -= A[bb == g].mean(0)
                    U, _ = _pca_basis(A - A.mean(0), 50)
                    embs[f"T_pca50_{tag}"] = np.hstack([E_lib[:, :K], (X - mu) @ U])
                # session 14: the library's readout refitted with its principal axes from the reference cells or
                # from every cell (the network, and so its PCA start, unchanged), with or without the cycle shrink
                from jae.model.readout import Readout, principal_axes
                codes = pd.Categorical(labels[inner_ref].astype(str), categories=model.cell_types).codes.astype(np.int64)
                n_axes = max(model.layout.n_free, model.config.n_principal)
                for tag, rows in (("ref", inner_ref), ("all", None)):
                    axes = principal_axes(X, n_axes, rows=rows)
                    for cs in (False, True):
                        if cs and (tp is None or not np.isfinite(tp).all()):
                            continue
                        ro = Readout.fit(X, model.latent_transformed, layout=model.layout,
                                         n_principal=model.config.n_principal, rows=inner_ref, codes=codes,
                                         principal=axes, free_units=True, phase=tp[inner_ref] if cs else None)
                        embs[f"lib_{tag}{'_cs' if cs else ''}"] = ro(X, Z, model.layout)
                        if cs and ro.cycle_keep is not None:  # session 14: R^2 adjusted for the K type dimensions
                            n_s, n_k = int(np.isfinite(tp[inner_ref]).all(axis=1).sum()), model.layout.n_cell_type
                            r2 = 1.0 - ro.cycle_keep.astype(np.float64) ** 2
                            adj = 1.0 - (1.0 - r2) * (n_s - 1) / (n_s - n_k - 1) if n_s > n_k + 1 else np.zeros_like(r2)
                            ro_adj = replace(ro, cycle_keep=np.sqrt(1.0 - np.clip(adj, 0.0, 0.99)).astype(np.float32))
                            embs[f"lib_{tag}_csadj"] = ro_adj(X, Z, model.layout)
                            log.info("cycle keep %s -> adjusted %s (n %d, K %d)", np.round(ro.cycle_keep, 3),
                                     np.round(ro_adj.cycle_keep, 3), n_s, n_k)
                # session 14: the type part scaled down by the squeeze of new cells' principal parts, estimated by
                # a seeded 2-fold cross-fit of the top 50 axes on the reference cells: variance a fold's axes capture
                # of the other fold over what they capture of their own fold
                ref_idx = np.flatnonzero(inner_ref)
                perm = np.random.default_rng(seed).permutation(ref_idx)
                halves = (np.sort(perm[: len(perm) // 2]), np.sort(perm[len(perm) // 2:]))
                ratios = []
                for a, b in (halves, halves[::-1]):
                    mu_a, ax_a = principal_axes(X, model.config.n_principal, rows=a)
                    own = (((X[a] - mu_a) @ ax_a.T) ** 2).sum(1).mean()
                    other = (((X[b] - mu_a) @ ax_a.T) ** 2).sum(1).mean()
                    ratios.append(other / own)
                squeeze = float(np.clip(np.mean(ratios), 0.0, 1.0))
                log.info("squeeze %.3f (%s)", squeeze, np.round(ratios, 3))
                E_sq = E_lib.copy()
                E_sq[:, :K] *= np.sqrt(squeeze)
                embs["lib_sq"] = E_sq
                pred = model.predict_cell_type(sub)["cell_type"].to_numpy()
                acc = label_accuracy(pred[scored], labels[scored])
                acc_extra = knn_label_transfer(embs, inner_ref, labels, scored, model)
            else:
                embs = variants_online(model, X, Z, batch)
                embs["library"] = E_lib
                if os.environ.get("JAE_VARIANTS_S25"):  # session 25: components weighted by their reproducibility
                    r = axis_reproducibility(X, None, batch, E_lib.shape[1], seed)
                    log.info("reproducibility %s", np.round(r, 2))
                    embs["lib_shr"] = E_lib * np.sqrt(r)[None, :]
                    embs["lib_shr1"] = E_lib * r[None, :]
                embs["svd_baseline"] = base
                acc = None
                acc_extra = {}
            keep = os.environ.get("VARIANTS")
            if keep:
                embs = {k: v for k, v in embs.items() if k in keep.split(",")}
            for vname, E in embs.items():
                s = scorer(E[scored])
                row = {"set": name, "setting": setting, "seed": seed, "variant": vname, **s, "dim": E.shape[1],
                       "seconds": secs, "label_acc": acc, **acc_extra,
                       "axes_carry": getattr(model, "axes_carry", None)}
                with open(out_path, "a") as fh:
                    fh.write(json.dumps(row, default=float) + "\n")
                log.info("%s %s %d %-22s overall %.4f  %s", name, setting, seed, vname, s["overall"],
                         " ".join(f"{k} {v:.3f}" for k, v in s.items() if k != "overall"))


def main():
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--sets", nargs="+", required=True)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    # a name other than these two was run as online and recorded under that name
    p.add_argument("--settings", nargs="+", choices=["pretrained", "online"], default=["pretrained", "online"])
    p.add_argument("--out", default="/tmp/variants.jsonl", help="rows appended here (JSON lines; default: %(default)s)")
    a = p.parse_args()
    check_sets(p, a.sets, Path(a.out))  # a mistyped set, missing data or --out folder: one line before the first fit
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("jae").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    for name in a.sets:
        run(name, a.seeds, a.out, a.settings)


if __name__ == "__main__":
    main()
