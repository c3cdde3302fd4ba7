"""Choosing the unknown-call score on reference cells only (issue 15 item 4): leave one type out inside a reference.

For each set and seed the reference is ``mapping._setup``'s (the labelled cells outside the benchmark's query; the
query cells are never read). Within it a seeded 20% of the cells is kept out as the test cells. For each left-out
type T (types with >= ``--min-cells`` reference cells, at most ``--types`` per set and seed, rotating with the seed
so that the seeds cover different types) a model is fitted on the other 80% without T; its test cells of known types
(negatives) and every reference cell of T (positives, never seen by the fit) are scored by every candidate score,
all from the same fitted model:

- ``knn``: mean distance to the 15 nearest voters in the embedding's columns after the cell-type part (current);
- ``centroid``: distance to the nearest type centroid in units of the type's spread (the older score);
- ``centroid_pred``: the same to the centroid of the predicted type (the mixture's label);
- ``lof``: ``knn`` divided by the mean of those 15 voters' own mean distance to their 15 nearest voters (a
  density-relative distance, as in the local outlier factor);
- ``knn_all``: ``knn`` in every column of the embedding (the cell-type part included);
- ``knn_input`` / ``lof_input``: the same in the input features (the SVD features the encoder reads);
- ``disagree``: 1 - the vote share of the head's top type (the head's label against the neighbours' labels);
- ``1-conf``: 1 - the mixture's top probability (``1-conf head``: the calibrated head's alone);
- ``entropy``: the mixture's entropy;
- ``rank(a+b)``: the mean of the two scores' ranks among the held-out reference cells (the model's validation split);
  ``rankmax(a,b)``: the larger of the two ranks.

Thresholds from the model's held-out reference cells (its validation split, the cells ``fit_calibration`` uses): the
global 95% quantile, and per predicted type (that type's held-out cells' 95% quantile when it has >= 20 of them,
else the global one). Call rates are on the test cells.

    OMP_NUM_THREADS=1 python benchmarks/_unknown_select.py --sets reapseq_pbmc pbmc10k_cite --seeds 0 1 2 \
        --out benchmarks/results/unknown_selection.md
"""

from __future__ import annotations

import argparse
import json
import warnings
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import check_sets  # noqa: E402
from mapping import _setup, _with  # noqa: E402

from jae import JAE, JAEConfig  # noqa: E402
from jae.model.voters import K_VOTE, nearest  # noqa: E402
from jae.cli._inputs import whole_number  # noqa: E402
from jae.train import split_validation  # noqa: E402
from _results import write_text  # noqa: E402

QUANTILE = 0.95
MIN_PER_TYPE = 20


def _own_knn(points: np.ndarray) -> np.ndarray:
    """Each row's mean distance to its ``K_VOTE`` nearest other rows."""
    return nearest(points, points, K_VOTE + 1)[1][:, 1:].mean(axis=1)


def residual_fractions(model, mdata) -> dict[str, np.ndarray]:
    """Per SVD modality, each cell's share of its normalised profile's squared norm that the reference's SVD basis
    does not hold (``1 - |projection|^2 / |x|^2``; the basis rows are orthonormal), rows in ``mdata``'s cell order."""
    from jae.io.paired import get_paired

    names = model.modality_names
    paired = get_paired({n: mdata.mod[n] for n in names}, modalities=names, layer="counts")
    order = paired.obs_names.get_indexer(mdata.obs_names)
    out = {}
    for i, basis in enumerate(model.preprocessor.bases):
        if basis is None:
            continue
        cols = paired.var_names[i].get_indexer(model.preprocessor.var_names[i])
        assert (cols >= 0).all()
        normed = model.preprocessor.normalise(i, paired.counts[i][order][:, cols])
        total = np.asarray(normed.multiply(normed).sum(axis=1)).ravel()
        kept = (basis.transform(normed).astype(np.float64) ** 2).sum(axis=1)
        out[model.preprocessor.kinds[i]] = 1.0 - kept / np.maximum(total, 1e-12)
        out["depth " + model.preprocessor.kinds[i]] = np.log1p(np.diff(normed.indptr))
    return out


def depth_free(fit: dict[str, np.ndarray], new: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The residual shares of ``new`` minus what a quadratic in log detected features predicts for them, fitted on
    ``fit`` (a shallow cell leaves more sampling noise outside any basis)."""
    out = {}
    for kind in [k for k in fit if not k.startswith("depth ")]:
        coef = np.polyfit(fit["depth " + kind], fit[kind], 2)
        out[kind] = new[kind] - np.polyval(coef, new["depth " + kind])
    return out


def candidate_scores(model, X: np.ndarray, resid: dict[str, np.ndarray] | None = None,
                     X_rna: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every candidate score of cells with input features ``X`` under ``model``, and the mixture's predicted type."""
    from jae.labels import vote
    from jae.model.linear import LinearClassifier
    from jae.model.voters import mixture

    n_ct = model.layout.n_cell_type
    Z = model.latent_transformed(X)
    E = model._readout(X, Z)
    head = model.calibration.probabilities(Z[:, model.layout.block("cell_type")])
    V = model.embed_transformed(model.voters.features)
    votes = vote(model, E, V)
    prob = mixture(head, votes)
    out = {}
    for name, ref, q in (("", V[:, n_ct:], E[:, n_ct:]), ("_all", V, E),
                         ("_input", model.voters.features, X)):
        idx, dist = nearest(ref, q, K_VOTE)
        knn = dist.mean(axis=1)
        out["knn" + name] = knn
        if name != "_all":
            out["lof" + name] = knn / np.maximum(_own_knn(ref)[idx].mean(axis=1), 1e-12)
    cal = model.calibration
    out["centroid"] = cal.relative_distance(E[:, n_ct:])
    pred = prob.argmax(axis=1)
    out["centroid_pred"] = np.linalg.norm(E[:, n_ct:] - cal.centroids[pred], axis=1) / cal.spreads[pred]
    out["disagree"] = 1.0 - votes[np.arange(len(E)), head.argmax(1)]
    out["1-conf"] = 1.0 - prob.max(axis=1)
    out["entropy"] = -(prob * np.log(np.clip(prob, 1e-12, None))).sum(axis=1)
    out["1-conf head"] = 1.0 - head.max(axis=1)
    # session 19: the linear classifier of round 45 (what label transfer now mixes with the vote), and the three
    # classifiers' disagreement (ensemble disagreement as a sign of a cell unlike the training data)
    linear = model.calibration.linear_probabilities(
        LinearClassifier.fit(V[:, n_ct:], model.voters.codes, n_ct).logits(E[:, n_ct:]))
    lin_mix = mixture(linear, votes)
    out["1-conf linmix"] = 1.0 - lin_mix.max(axis=1)
    out["1-conf linear"] = 1.0 - linear.max(axis=1)
    out["tv head-linear"] = 0.5 * np.abs(head - linear).sum(axis=1)
    three = (head + linear + votes) / 3
    out["1-conf three"] = 1.0 - three.max(axis=1)

    def _entropy(p):
        return -(p * np.log(np.clip(p, 1e-12, None))).sum(axis=1)
    out["mutual info three"] = _entropy(three) - (_entropy(head) + _entropy(linear) + _entropy(votes)) / 3
    # one-vs-rest logistic regressions (CellTypist's "unassigned" rule): each type's classifier may reject a cell of a
    # type the reference lacks, where the multinomial softmax must give some type the probability
    out["1-max ovr"] = 1.0 - _ovr(V[:, n_ct:], model.voters.codes, E[:, n_ct:]).max(axis=1)
    hl = (head + linear) / 2
    out["1-conf head+linear"] = 1.0 - hl.max(axis=1)
    out["mutual info head+linear"] = _entropy(hl) - (_entropy(head) + _entropy(linear)) / 2
    # session 14: the head's logits before the softmax (Liu et al. 2020's energy; Hendrycks et al. 2022's max logit):
    # the softmax cannot tell "no type fires" from "one type fires a little more than another", the logits can
    logits = np.asarray(Z[:, model.layout.block("cell_type")], dtype=np.float64) / model.calibration.temperature
    top = logits.max(axis=1)
    out["energy"] = -(top + np.log(np.exp(logits - top[:, None]).sum(axis=1)))
    out["-max logit"] = -top
    # session 21: Monte-Carlo dropout on the encoder (Gal & Ghahramani 2016): the head's probabilities averaged over
    # MC_PASSES dropout masks (batch norm kept in eval mode); a cell unlike the training cells gets masks that disagree
    # (epistemic uncertainty), which one deterministic softmax cannot show
    mc = _mc_dropout_probabilities(model, X)
    mean_mc = mc.mean(axis=0)
    out["1-conf mc"] = 1.0 - mean_mc.max(axis=1)
    out["mutual info mc"] = _entropy(mean_mc) - np.mean([_entropy(p) for p in mc], axis=0)
    out["var mc"] = mc[:, np.arange(len(X)), head.argmax(axis=1)].std(axis=0)
    # session 13: class-conditional Gaussians with one shared (Ledoit-Wolf) within-type covariance, fitted on the
    # voters (Lee et al. 2018); relative: minus the distance under one Gaussian of all voters (Ren et al. 2021)
    codes = model.voters.codes
    for name, ref, q in (("", V[:, n_ct:], E[:, n_ct:]), ("_input", model.voters.features, X)):
        d_min, d_pred, d0 = _mahalanobis(ref, codes, q, pred, n_ct)
        out["maha" + name] = d_min
        out["maha_pred" + name] = d_pred
        out["rmaha" + name] = d_min - d0
    # session 23: the profile outside the reference's SVD basis (a type the reference lacks expresses programs its top
    # components were not fitted to hold); per modality and the mean of the two
    if resid is not None:
        for kind, r in resid.items():
            out[f"resid {kind}"] = r
        kinds = [k for k in resid if not k.startswith("depth ") and not k.startswith("dz ")]
        out["resid"] = np.mean([resid[k] for k in kinds], axis=0)
        out["resid dz"] = np.mean([resid["dz " + k] for k in kinds], axis=0)
    # session 24: the two modalities' disagreement. X_rna: the same cells' features from their RNA alone (the second
    # modality's inputs filled in from RNA, jae.query). A known type is recognised from RNA as from both; a type the
    # reference lacks is put next to the nearest known type, and which type is nearest need not be the same in the RNA
    # view as in the joint one
    if X_rna is not None:
        Z_rna = model.latent_transformed(X_rna)
        head_rna = model.calibration.probabilities(Z_rna[:, model.layout.block("cell_type")])
        out["xmod tv"] = 0.5 * np.abs(head - head_rna).sum(axis=1)
        out["xmod 1-agree"] = 1.0 - head_rna[np.arange(len(X)), head.argmax(axis=1)]
    return out, pred


MC_PASSES = 30


def _mc_dropout_probabilities(model, X: np.ndarray) -> np.ndarray:
    """``(MC_PASSES, n, n_types)`` calibrated head probabilities, each pass with its own dropout mask (seeded)."""
    import torch

    net = model.network
    net.eval()
    for m in net.modules():
        if isinstance(m, torch.nn.Dropout):
            m.train()
    block = model.layout.block("cell_type")
    torch.manual_seed(0)
    out = []
    try:
        with torch.no_grad():
            x = model._tensor(X)
            for _ in range(MC_PASSES):
                Z = net.encode(x).float().cpu().numpy()
                out.append(model.calibration.probabilities(Z[:, block]))
    finally:
        net.eval()
    return np.stack(out)


def _ovr(ref, codes, q):
    """``(n, types present)`` sigmoid scores of one-vs-rest L2 logistic regressions (C = 0.1, as the linear
    classifier) fitted on ``ref`` labelled ``codes``."""
    from sklearn.linear_model import LogisticRegression

    cols = []
    for t in np.unique(codes):
        lr = LogisticRegression(C=0.1, max_iter=2000).fit(np.asarray(ref, np.float64), codes == t)
        cols.append(lr.predict_proba(np.asarray(q, np.float64))[:, 1])
    return np.column_stack(cols)


def _mahalanobis(ref, codes, q, pred, n_types):
    """Squared Mahalanobis distances of ``q`` to the nearest type mean and to the predicted type's, under the pooled
    within-type covariance of ``ref``; and to the mean of all ``ref`` under their overall covariance."""
    from sklearn.covariance import LedoitWolf

    ref = np.asarray(ref, np.float64)
    q = np.asarray(q, np.float64)
    present = np.unique(codes)
    means = np.zeros((n_types, ref.shape[1]))
    for t in present:
        means[t] = ref[codes == t].mean(0)
    within = LedoitWolf().fit(ref - means[codes])
    P = within.precision_
    d = np.full((len(q), n_types), np.inf)
    for t in present:
        r = q - means[t]
        d[:, t] = np.einsum("ij,jk,ik->i", r, P, r)
    overall = LedoitWolf().fit(ref)
    r0 = q - ref.mean(0)
    d0 = np.einsum("ij,jk,ik->i", r0, overall.precision_, r0)
    dp = d[np.arange(len(q)), pred]
    dp = np.where(np.isfinite(dp), dp, d.min(1))
    return d.min(1), dp, d0


COMBOS = (("lof", "disagree"), ("knn", "disagree"), ("lof", "1-conf"), ("lof_input", "disagree"), ("lof", "knn_input"),
          ("centroid", "1-conf"), ("centroid", "lof"), ("centroid", "disagree"), ("knn", "1-conf"),
          ("knn_all", "1-conf"), ("1-conf head", "centroid"), ("1-conf head", "knn"), ("1-conf head", "lof"),
          ("1-conf head", "knn_all"), ("1-conf head", "maha"), ("1-conf head", "rmaha"),
          ("1-conf head", "maha_input"), ("1-conf head", "rmaha_input"), ("1-conf head", "energy"),
          ("1-conf head", "-max logit"), ("1-conf head", "1-conf linear"), ("1-conf head", "tv head-linear"),
          ("1-conf head", "1-conf linmix"), ("1-conf head", "1-max ovr"), ("1-conf head", "mutual info mc"),
          ("1-conf mc", "mutual info mc"), ("1-conf head", "resid"), ("1-conf head", "resid GEX"),
          ("1-conf head", "resid dz"), ("1-conf head", "xmod tv"), ("1-conf head", "xmod 1-agree"))
#: Pairs also combined by the larger of the two ranks (either signal alone can call a cell).
MAX_COMBOS = (("1-conf head", "xmod tv"), ("1-conf head", "resid"), ("1-conf head", "1-max ovr"), ("1-conf head", "1-conf linear"), ("1-conf head", "centroid"), ("1-conf head", "knn"), ("1-conf head", "maha"), ("1-conf head", "rmaha"))


def _ranks(ref: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Share of ``ref`` below each ``x`` (the empirical CDF of the held-out cells' scores; mid-ranks at ties)."""
    s = np.sort(ref)
    return (np.searchsorted(s, x, "left") + np.searchsorted(s, x, "right")) / (2.0 * len(s))


def _thresholds(val: np.ndarray, val_pred: np.ndarray, n_types: int) -> tuple[float, np.ndarray]:
    glob = float(np.quantile(val, QUANTILE))
    per = np.full(n_types, glob)
    for t in range(n_types):
        v = val[val_pred == t]
        if len(v) >= MIN_PER_TYPE:
            per[t] = float(np.quantile(v, QUANTILE))
    return glob, per


def one_fit(qset, label: pd.Series, ref_rows: np.ndarray, test: np.ndarray, novel: str, config: JAEConfig,
            seed: int) -> list[dict]:
    from sklearn.metrics import roc_auc_score

    lab = label.astype(str).to_numpy()
    fit_rows = ref_rows & ~test & (lab != novel)
    t = time.perf_counter()
    model = JAE(config, seed=seed, device="cpu").fit(_with(qset, label.where(fit_rows))[fit_rows].copy(),
                                                     cell_type_key="ct", progress_bar=False)
    fit_s = time.perf_counter() - t
    fit_data = qset.mdata[fit_rows].copy()
    X_fit = model._features(fit_data, layer="counts")[0]
    _, val_idx = split_validation(int(fit_rows.sum()), config.val_fraction, seed=seed)
    pos = ref_rows & (lab == novel)
    neg = ref_rows & test & (lab != novel)
    eval_data = qset.mdata[pos | neg].copy()
    X_eval = model._features(eval_data, layer="counts")[0]
    is_new = pos[pos | neg]
    r_fit = residual_fractions(model, fit_data)
    r_eval = residual_fractions(model, eval_data)
    r_val = {k: v[val_idx] for k, v in r_fit.items()}
    for r in (r_val, r_eval):
        r.update({"dz " + k: v for k, v in depth_free(r_fit, r).items()})
    from jae.query import query_features

    X_val_rna = query_features(model, fit_data.mod["rna"][val_idx].copy(), layer="counts").X
    X_eval_rna = query_features(model, eval_data.mod["rna"].copy(), layer="counts").X
    val_sc, val_pred = candidate_scores(model, X_fit[val_idx], r_val, X_val_rna)
    sc, pred = candidate_scores(model, X_eval, r_eval, X_eval_rna)
    for a, b in COMBOS:
        name = f"rank({a}+{b})"
        val_sc[name] = (_ranks(val_sc[a], val_sc[a]) + _ranks(val_sc[b], val_sc[b])) / 2
        sc[name] = (_ranks(val_sc[a], sc[a]) + _ranks(val_sc[b], sc[b])) / 2
    for a, b in MAX_COMBOS:
        name = f"rankmax({a},{b})"
        val_sc[name] = np.maximum(_ranks(val_sc[a], val_sc[a]), _ranks(val_sc[b], val_sc[b]))
        sc[name] = np.maximum(_ranks(val_sc[a], sc[a]), _ranks(val_sc[b], sc[b]))
    n_types = model.layout.n_cell_type
    # session 35: the adopted average over 10 neighbours applied to the head's rank mixed with a distance's rank (the
    # third run's best mixes): the head misses a missing type it takes confidently for a known one (beyond that type's
    # side, along directions where the known types vary little), which a whitened distance sees; called against the
    # held-out cells' own (unsmoothed) mixed ranks, as the adopted call is
    E_mix = model.embed_transformed(X_eval)[:, n_types:]
    for mix in RANK_SMOOTHED:
        val_sc["smooth k10 " + mix] = val_sc[mix]
        sc["smooth k10 " + mix] = _smooth(E_mix, sc[mix], k=10)
    # ... and the two tests side by side (session 35, after the rank mixes above flagged 0.1-0.3% of known cells for a
    # 5% budget: a distance's held-out quantile overshoots on new cells, see "Decision"): a cell is unknown when the
    # averaged head score OR the distance exceeds its own held-out threshold; the score is the larger of the two in
    # units of their thresholds, so the head's call is kept and the distance only adds cells far from every type.
    # Held-out cells: the larger of their own two unit scores, capped at 1, whose 95% quantile is then 1 (the call
    # "score > 1"); the distance averaged over 10 neighbours too ("smooth") or the cell's own
    q_head = np.quantile(val_sc["1-conf head"], QUANTILE)
    head_units = _smooth(E_mix, sc["1-conf head"], k=10) / q_head
    for dist in OR_DISTANCES:
        q = np.quantile(val_sc[dist], QUANTILE)
        cap = np.minimum(np.maximum(val_sc["1-conf head"] / q_head, val_sc[dist] / q), 1.0)
        for tag, d in (("", sc[dist]), (" smooth", _smooth(E_mix, sc[dist], k=10))):
            name = f"or k10 1-conf head|{dist}{tag}"
            val_sc[name], sc[name] = cap, np.maximum(head_units, d / q)
            if tag:  # the same among a rare left-out type's cells (_rare_rows), each averaged among the kept cells
                OR_RARE[name] = (lambda E, keep, d=sc[dist], q=q:
                                 np.maximum(_smooth(E, sc["1-conf head"][keep], k=10) / q_head,
                                            _smooth(E, d[keep], k=10) / q))
    # session 36, a diagnostic and never a candidate (it reads the new known cells' quantiles): the adopted OR with
    # both thresholds from the new known cells' own 95% quantiles, the bound of any correction of the held-out
    # thresholds' overshoot on cells outside the SVD fit; "smooth k10 centroid" records that overshoot for the
    # distance (its row's q95 ratio), as "smooth k10 1-conf head" does for the head
    known = ~is_new
    sc["smooth k10 centroid"] = _smooth(E_mix, sc["centroid"], k=10)
    val_sc["smooth k10 centroid"] = val_sc["centroid"]
    h_new = _smooth(E_mix, sc["1-conf head"], k=10)
    sc["diag oracle or centroid"] = np.maximum(h_new / np.quantile(h_new[known], QUANTILE),
                                               sc["smooth k10 centroid"] / np.quantile(sc["smooth k10 centroid"][known],
                                                                                       QUANTILE))
    val_sc["diag oracle or centroid"] = val_sc["or k10 1-conf head|centroid smooth"]
    # session 29: the score averaged over each scored cell's neighbours among the cells scored with it (the query, in
    # use); the held-out cells that set the threshold are smoothed among themselves
    E_val = model.embed_transformed(X_fit[val_idx])[:, n_types:]
    E_eval = model.embed_transformed(X_eval)[:, n_types:]
    for base in SMOOTHED:
        val_sc["smooth " + base] = _smooth(E_val, val_sc[base])
        sc["smooth " + base] = _smooth(E_eval, sc[base])
        # the same score called against the unsmoothed held-out threshold: a held-out split of a few dozen cells has
        # too few cells for local neighbourhoods, so smoothing among them flattens their scores and lowers the quantile
        val_sc["smooth@raw " + base], sc["smooth@raw " + base] = val_sc[base], sc["smooth " + base]
        # or against the held-out cells' scores averaged per predicted type: a known query cell's neighbours are mostly
        # of its own type, so its average is near its type's mean score; the quantile of those means is the smoothed
        # score's threshold, and needs only a few held-out cells per type
        typed = pd.Series(val_sc[base]).groupby(val_pred).transform("mean").to_numpy()
        val_sc["smooth@type " + base], sc["smooth@type " + base] = typed, sc["smooth " + base]
    # session 30: smaller neighbourhoods, and the cell's own score kept at half weight (the threshold is the cell's own,
    # as adopted); a left-out type of a few dozen cells next to a known relative has fewer foreign cells among 5 or 10
    # neighbours than among 15, and a cell in a mixed neighbourhood keeps more of its own evidence at half weight
    for name, fn in VARIANTS.items():
        val_sc[name + " 1-conf head"] = val_sc["1-conf head"]
        sc[name + " 1-conf head"] = fn(E_eval, sc["1-conf head"])
    # ... or the head's probability vectors averaged (each type's column), then 1 - the top of the average: a known
    # type's cells agree on their type, so the average keeps its top; a missing type's cells may each lean to another
    # known type, which the scalar confidence averages away and the vector average keeps as a flatter average
    Z_eval = model.latent_transformed(X_eval)
    head = model.calibration.probabilities(Z_eval[:, model.layout.block("cell_type")])
    for k in (10, 15):
        avg = np.column_stack([_smooth(E_eval, head[:, j], k=k) for j in range(head.shape[1])])
        val_sc[f"smoothprob k{k} 1-conf head"] = val_sc["1-conf head"]
        sc[f"smoothprob k{k} 1-conf head"] = 1.0 - avg.max(axis=1)
    # ... and the neighbours found elsewhere: in the input features the encoder reads (which no label shaped, so a
    # missing type's cells need not sit beside the known relative the trained encoder maps them next to), or in every
    # column of the embedding (the type part included)
    for name, space in (("input", np.asarray(X_eval, np.float32)), ("all", model.embed_transformed(X_eval))):
        for k in (10, 15):
            val_sc[f"smooth@{name} k{k} 1-conf head"] = val_sc["1-conf head"]
            sc[f"smooth@{name} k{k} 1-conf head"] = _smooth(space, sc["1-conf head"], k=k)
    # session 31: the scored cells placed from their RNA alone (the second modality imputed from it, as for an RNA-only
    # query), averaged over 10 neighbours among themselves as adopted; called against the held-out cells' threshold as
    # they are (paired, the call today) or as the same held-out cells placed from RNA alone ("@rna")
    from jae.labels import smooth_over_cells

    def _head_rna(X_rna):
        Z_rna = model.latent_transformed(X_rna)
        return Z_rna, 1.0 - model.calibration.probabilities(Z_rna[:, model.layout.block("cell_type")]).max(axis=1)

    Z_er, own_er = _head_rna(X_eval_rna)
    E_er = model._readout(X_eval_rna, Z_er)[:, n_types:]
    sc["rna-only smooth k10 1-conf head"] = smooth_over_cells(E_er, own_er, seed=0, k=10)
    val_sc["rna-only smooth k10 1-conf head"] = val_sc["1-conf head"]
    sc["rna-only@rna smooth k10 1-conf head"] = sc["rna-only smooth k10 1-conf head"]
    val_sc["rna-only@rna smooth k10 1-conf head"] = _head_rna(X_val_rna)[1]
    # ... and every such call with its threshold capped at even odds: a cell is called only when the head is also less
    # sure of its top type than of the rest together (confidence < 0.5); the 95% quantile of max(held-out score, 0.5)
    # is max(the held-out threshold, 0.5), in 1 - confidence
    for name in ("smooth k10 1-conf head", "rna-only@rna smooth k10 1-conf head"):
        val_sc["even " + name], sc["even " + name] = np.maximum(val_sc[name], 0.5), sc[name]
    rows = _rare_rows(E_eval, sc, is_new, novel, seed)
    rows += _rare_rows_or(E_mix, is_new, novel, seed)
    for name, s in sc.items():
        glob, per = _thresholds(val_sc[name], val_pred, n_types)
        call_g, call_t = s > glob, s > per[pred]
        rows.append({"score": name, "left-out": novel, "n left-out": int(is_new.sum()), "n known": int((~is_new).sum()),
                     "AUROC": float(roc_auc_score(is_new, s)),
                     "call left-out global": float(call_g[is_new].mean()),
                     "call known global": float(call_g[~is_new].mean()),
                     "call left-out per-type": float(call_t[is_new].mean()),
                     "call known per-type": float(call_t[~is_new].mean()), "fit s": fit_s,
                     "q95 held-out / q95 test known": glob / max(float(np.quantile(s[~is_new], QUANTILE)), 1e-12)})
    return rows


#: session 35: rank mixes averaged over 10 neighbours as the adopted call
RANK_SMOOTHED = ("rank(1-conf head+maha_input)", "rank(1-conf head+maha)", "rank(1-conf head+centroid)")
#: session 35: distances called beside the averaged head (either test calls a cell)
OR_DISTANCES = ("maha_input", "maha", "centroid")
#: scores smoothed over the scored cells' kNN graph (session 29)
SMOOTHED = ("1-conf head", "1-conf", "entropy", "knn")
#: the left-out type's share of the scored cells in the "rare" rows: a new type a query holds few cells of
RARE_SHARE = 0.05


def _smooth(E: np.ndarray, score: np.ndarray, k: int = 15) -> np.ndarray:
    """``score`` averaged over each cell and its 15 nearest other cells among the same cells (rows of ``E``): the
    library's rule, :func:`jae.labels.smooth_over_cells` (the scored sets here are below its 20,000 anchors, so the
    seed draws nothing). Session 29's rows were made by this script's own copy (the cell and its 15 nearest in
    ``nearest(E, E, 16)``), which differs from it only for exact duplicate cells."""
    from jae.labels import smooth_over_cells

    return smooth_over_cells(E, score, seed=0, k=k)


#: session 30's variants of the averaged head score (all against the cell's own held-out threshold)
VARIANTS = {"smooth k5": lambda E, s: _smooth(E, s, k=5),
            "smooth k10": lambda E, s: _smooth(E, s, k=10),
            "half": lambda E, s: (s + _smooth(E, s)) / 2,
            "snn k10": lambda E, s: _snn_smooth(E, s, k=10),
            "snn k15": lambda E, s: _snn_smooth(E, s, k=15),
            "snn k20": lambda E, s: _snn_smooth(E, s, k=20)}


def _snn_smooth(E: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Session 31: ``score`` averaged over each cell and its ``k`` nearest other cells, each neighbour weighted by
    the Jaccard overlap of the two cells' neighbour lists (self included; the cell's own weight 1), as Seurat's shared
    nearest-neighbour graph weighs edges. A neighbour across a border (a known relative's cell beside a missing
    type's group) shares few neighbours with the cell and weighs little; one inside the same group shares many."""

    score = np.asarray(score, np.float64)
    n = len(score)
    take = min(k, n - 1)
    idx, _ = nearest(np.asarray(E), np.asarray(E), take + 1)
    own = idx == np.arange(n)[:, None]
    drop = np.where(own.any(axis=1), own.argmax(axis=1), take)
    keep = np.ones(idx.shape, dtype=bool)
    keep[np.arange(n), drop] = False
    nb = np.column_stack([np.arange(n), idx[keep].reshape(n, take)])  # self first
    import scipy.sparse as sp

    A = sp.csr_matrix((np.ones(nb.size), (np.repeat(np.arange(n), take + 1), nb.ravel())), shape=(n, n))
    shared = np.asarray((A[np.repeat(np.arange(n), take)] .multiply(A[nb[:, 1:].ravel()])).sum(axis=1)).ravel()
    jac = (shared / (2 * (take + 1) - shared)).reshape(n, take)
    return (score + (jac * score[nb[:, 1:]]).sum(axis=1)) / (1.0 + jac.sum(axis=1))


def _rare_rows(E: np.ndarray, sc: dict, is_new: np.ndarray, novel: str, seed: int) -> list[dict]:
    """AUROC rows with the left-out type subsampled to ``RARE_SHARE`` of the scored cells (smoothing among those)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed + 7)
    pos, neg = np.flatnonzero(is_new), np.flatnonzero(~is_new)
    n_pos = max(5, int(round(RARE_SHARE * len(neg) / (1 - RARE_SHARE))))
    keep = np.sort(np.concatenate([neg, rng.choice(pos, min(n_pos, len(pos)), replace=False)]))
    rows = []
    for base in SMOOTHED:
        pairs = [(base, sc[base][keep]), ("smooth " + base, _smooth(E[keep], sc[base][keep]))]
        if base == "1-conf head":
            pairs += [(v + " " + base, fn(E[keep], sc[base][keep])) for v, fn in VARIANTS.items()]
        for name, s in pairs:
            rows.append({"score": "rare " + name, "left-out": novel, "n left-out": int(is_new[keep].sum()),
                         "n known": len(neg), "AUROC": float(roc_auc_score(is_new[keep], s))})
    return rows


#: session 35: the "or" scores of the last fit as functions of (the kept cells' embedding, the kept rows)
OR_RARE: dict = {}


def _rare_rows_or(E: np.ndarray, is_new: np.ndarray, novel: str, seed: int) -> list[dict]:
    """:func:`_rare_rows` for the session-35 "or" scores (the same subsample: the same seed and draw)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed + 7)
    pos, neg = np.flatnonzero(is_new), np.flatnonzero(~is_new)
    n_pos = max(5, int(round(RARE_SHARE * len(neg) / (1 - RARE_SHARE))))
    keep = np.sort(np.concatenate([neg, rng.choice(pos, min(n_pos, len(pos)), replace=False)]))
    return [{"score": "rare " + name, "left-out": novel, "n left-out": int(is_new[keep].sum()), "n known": len(neg),
             "AUROC": float(roc_auc_score(is_new[keep], fn(E[keep], keep)))} for name, fn in OR_RARE.items()]


def _at_least_one(text: str) -> int:
    """The ``type`` of the protocol's counts: a whole number of 1 or more (``--types 0`` had run the data loading and
    left no type out, reporting nothing; ``--max-ref 0`` or below emptied the reference or stopped in a traceback)."""
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, not {text!r}")
    return value


def protocol_arguments(p: argparse.ArgumentParser) -> None:
    """The flags :func:`protocol_split` reads (``--types``, ``--min-cells``, ``--max-ref``), for every script of the
    protocol; each is a whole number of 1 or more."""
    p.add_argument("--types", type=_at_least_one, default=2, help="left-out types per set and seed (1 or more)")
    p.add_argument("--min-cells", type=_at_least_one, default=50,
                   help="reference cells a type needs to be left out (1 or more)")
    p.add_argument("--max-ref", type=_at_least_one, default=None,
                   help="seeded subsample of the reference (speed; 1 or more)")


def protocol_split(name: str, seed: int, n_types: int, min_cells: int, max_ref: int | None):
    """The protocol's cells for one set and seed: ``(qset, label, ref_rows, test, chosen)``, the reference rows of
    ``mapping._setup`` (a seeded ``max_ref`` of them at most), a seeded 20% of them as test cells, and the left-out
    types (``n_types`` of those with >= ``min_cells`` reference cells, rotating with the seed)."""
    qset, _, _, label, ref_rows, _ = _setup(name, seed)
    rng = np.random.default_rng(seed + 1000)
    if max_ref is not None and ref_rows.sum() > max_ref:  # a seeded subsample keeps the fits short
        keep = np.zeros_like(ref_rows)
        keep[rng.choice(np.flatnonzero(ref_rows), max_ref, replace=False)] = True
        ref_rows = keep
    test = np.zeros_like(ref_rows)
    test[np.flatnonzero(ref_rows)[rng.random(int(ref_rows.sum())) < 0.2]] = True
    sizes = label[ref_rows].astype(str).value_counts()
    eligible = sorted(sizes[sizes >= min_cells].index)
    chosen = [eligible[(seed * n_types + j) % len(eligible)] for j in range(min(n_types, len(eligible)))]
    return qset, label, ref_rows, test, chosen


def run(name: str, seed: int, n_types: int, min_cells: int, config: JAEConfig, max_ref: int | None) -> list[dict]:
    qset, label, ref_rows, test, chosen = protocol_split(name, seed, n_types, min_cells, max_ref)
    rows = []
    for novel in chosen:
        for r in one_fit(qset, label, ref_rows, test, novel, config, seed):
            rows.append({"set": name, "seed": seed, **r})
        print(json.dumps({k: v for k, v in rows[-1].items() if k in ("set", "seed", "left-out", "fit s")}), flush=True)
    return rows


def fmt(t: pd.DataFrame) -> str:
    """A small markdown table (floats to 3 decimals)."""
    def cell(v):
        return f"{v:.3f}" if isinstance(v, (float, np.floating)) else str(v)
    lines = ["| | " + " | ".join(map(str, t.columns)) + " |", "|---" * (len(t.columns) + 1) + "|"]
    rows = ["| " + str(i) + " | " + " | ".join(cell(v) for v in row) + " |" for i, row in t.iterrows()]
    return "\n".join(lines + rows)


def report(df: pd.DataFrame) -> str:
    """Markdown: AUROC per candidate, averaged over left-out types, per set and seed; then the mean over sets."""
    per_seed = df.groupby(["score", "set", "seed"])["AUROC"].mean().unstack(["set", "seed"])
    per_set = df.groupby(["score", "set"])["AUROC"].mean().unstack("set")
    per_set["mean over sets"] = per_set.mean(axis=1)
    per_set["worst set"] = per_set.drop(columns="mean over sets").min(axis=1)
    per_set = per_set.sort_values("mean over sets", ascending=False)
    rates = df.groupby("score")[["call left-out global", "call known global", "call left-out per-type",
                                 "call known per-type"]].mean().loc[per_set.index]
    per_seed.columns = [f"{s} s{k}" for s, k in per_seed.columns]
    fits = df[df.score == "knn"][["set", "seed", "left-out", "n left-out", "n known", "fit s"]].reset_index(drop=True)
    return ("## AUROC per set (mean over left-out types and seeds)\n\n" + fmt(per_set)
            + "\n\n## AUROC per set and seed (mean over left-out types)\n\n" + fmt(per_seed.loc[per_set.index])
            + "\n\n## Call rates (mean over sets, seeds, left-out types), test cells\n\n" + fmt(rates)
            + "\n\n## Left-out types\n\n" + fmt(fits) + "\n")





def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sets", nargs="+", default=["bmmc_multiome", "bmmc_cite", "reapseq_pbmc", "pbmc10k_cite"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    protocol_arguments(p)
    p.add_argument("--max-epochs", type=int, default=30)
    p.add_argument("--csv", type=Path, default=None, help="append the raw rows here (resumable runs)")
    p.add_argument("--out", type=Path, default=None, help="the markdown report (default: printed only)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out (a run's report)")
    p.add_argument("--report", type=Path, default=None, help="only write the report of rows saved with --csv")
    p.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="config overrides (a candidate)")
    args = p.parse_args(argv)
    if args.report is None and args.out is not None and args.out.exists() and not args.overwrite:
        p.error(f"{args.out} exists; pass --overwrite to replace it or choose another --out")  # before hours of fits
    if args.report is not None and not args.report.is_file():
        p.error(f"--report {args.report} does not exist; pass the --csv of an earlier run")
    if args.report is None:
        check_sets(p, args.sets, args.out)
        if args.csv is not None and not args.csv.parent.is_dir():
            p.error(f"--csv {args.csv}: folder {args.csv.parent} does not exist")
    if args.report is not None:
        text = report(pd.read_csv(args.report))
        print(text)
        if args.out is not None:
            write_text(args.out, text)
        return 0
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore", category=FutureWarning)
    config = replace(JAEConfig(), max_epochs=args.max_epochs).with_overrides(args.set)
    frames = []
    for name in args.sets:
        for seed in args.seeds:
            df = pd.DataFrame(run(name, seed, args.types, args.min_cells, config, args.max_ref))
            if df.empty:  # an empty frame wrote a blank --csv that the next seed's read_csv stopped on
                print(f"{name} seed {seed}: no reference type has {args.min_cells} cells or more, so none was left "
                      "out; lower --min-cells (the recorded bmmc runs pass --min-cells 30)",
                      file=sys.stderr, flush=True)
                continue
            if args.csv is not None:
                saved = pd.read_csv(args.csv) if args.csv.exists() else None
                write_text(args.csv, pd.concat([saved, df]).to_csv(index=False))  # the earlier rows kept on a kill
            frames.append(df)
    if not frames:
        print("no set and seed left a type out; nothing to report", file=sys.stderr)
        return 1
    text = report(pd.concat(frames))
    print(text)
    if args.out is not None:
        write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
