"""Experiment (issue 15, session 14): does a temperature fitted on held-out reference cells weighted towards the query
(covariate-shift importance weights from a reference-vs-query classifier) calibrate a shifted query better?

Chosen on reference cells only: inside each set's reference (mapping.py's split), the reference's last batch is the
pseudo-query and the other reference batches the pseudo-reference; a model is fitted on the pseudo-reference and
map_query'd onto the pseudo-query, whose labels are known. ECE (10 bins) of the label-transfer mixture on the
pseudo-query for each candidate temperature. Not part of the test suite; rows go to ``--out`` as JSON lines.

    OMP_NUM_THREADS=1 python benchmarks/_calib_shift.py --sets snare_mouse_cortex bmmc_cite --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import check_sets  # noqa: E402
from mapping import _setup, _with  # noqa: E402

from jae import JAE, JAEConfig  # noqa: E402
from jae.labels import vote  # noqa: E402
from jae.model.temperature import _log_softmax, expected_calibration_error, fit_temperature  # noqa: E402
from jae.model.voters import Voters, mixture  # noqa: E402
from jae.train import split_validation  # noqa: E402
from _results import write_text  # noqa: E402

log = logging.getLogger("calib_shift")


def weighted_temperature(logits, codes, votes, weights):
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(codes))
    w = weights / weights.sum()

    def nll(log_t):
        p = mixture(np.exp(_log_softmax(logits / np.exp(log_t))), votes)[rows, codes]
        return float(-(w * np.log(np.clip(p.astype(np.float64), 1e-12, None))).sum())

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-4}).x))


def shift_weights(E_held, E_query, *, clip=20.0, seed=0):
    """p(query | e) / p(reference | e) for the held-out cells, from a logistic regression on standardised
    embeddings, normalised to mean 1 and clipped at ``clip`` times the mean."""
    from sklearn.linear_model import LogisticRegression

    A = np.vstack([E_held, E_query]).astype(np.float64)
    mu, sd = A.mean(0), A.std(0) + 1e-8
    y = np.r_[np.zeros(len(E_held)), np.ones(len(E_query))]
    clf = LogisticRegression(C=0.1, max_iter=2000, class_weight="balanced", random_state=seed).fit((A - mu) / sd, y)
    p = clf.predict_proba((E_held - mu) / sd)[:, 1]
    w = p / np.clip(1 - p, 1e-6, None)
    w /= w.mean()
    w = np.minimum(w, clip)
    return w / w.mean()


def ece_floor(prob, seed, draws=200):
    """Mean ECE (10 bins) when each cell's prediction is right with exactly its confidence: what a perfectly
    calibrated classifier scores on this many cells with these confidences (the estimate's own bias)."""
    prob = np.asarray(prob, np.float64)
    conf, pred = prob.max(1), prob.argmax(1)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(draws):
        right = rng.random(len(conf)) < conf
        codes = np.where(right, pred, (pred + 1) % prob.shape[1])
        out.append(expected_calibration_error(prob, codes))
    return float(np.mean(out))


def run(name, seed, config):
    qset, query, labelled, label, ref_rows, _ = _setup(name, seed)
    b = qset.obs["batch"].astype(str).to_numpy()
    ref_batches = sorted(pd.unique(b[ref_rows]))
    if len(ref_batches) < 2:
        log.info("%s: one reference batch, skipped", name)
        return []
    pq = ref_rows & (b == ref_batches[-1])
    pr = ref_rows & ~pq
    model = JAE(config, seed=seed, device="cpu").fit(_with(qset, label.where(pr))[pr].copy(), cell_type_key="ct",
                                                    progress_bar=False)
    mapped = model.map_query(qset.mdata[pq].copy(), batch_key="batch", progress_bar=False)
    q_lab = pq & label.astype(str).isin(model.cell_types).to_numpy()
    q_data = qset.mdata[q_lab].copy()
    E_q = mapped.embed(q_data, key_added=None)
    L_q = mapped.latent(q_data)[:, mapped.layout.block("cell_type")].astype(np.float64)
    V_q = vote(mapped, E_q)
    c_q = pd.Categorical(label[q_lab].astype(str), categories=model.cell_types).codes
    _, val_idx = split_validation(int(pr.sum()), config.val_fraction, seed=seed)
    held_rows = np.flatnonzero(pr)[val_idx]
    h_data = qset.mdata[held_rows].copy()
    E_h = model.embed(h_data, key_added=None)
    L_h = model.latent(h_data)[:, model.layout.block("cell_type")].astype(np.float64)
    V_h = vote(model, E_h)
    c_h = pd.Categorical(label.to_numpy()[held_rows].astype(str), categories=model.cell_types).codes
    keep = c_h >= 0
    L_h, V_h, c_h, E_h = L_h[keep], V_h[keep], c_h[keep], E_h[keep]
    K = model.layout.n_cell_type
    # the query cells the classifier sees: all pseudo-query cells (labels unused)
    E_all_q = mapped.embed(qset.mdata[pq].copy(), key_added=None)
    cands = {"current": model.calibration.temperature}
    # session 18: the held-out cells' vote among voters of other batches only (the query is always a new batch to
    # the voters); the voters are every training cell of the pseudo-reference (below MAX_VOTERS), in row order
    train_idx = np.setdiff1d(np.arange(int(pr.sum())), val_idx)
    b_vote = b[np.flatnonzero(pr)[train_idx]]
    b_held = b[held_rows][keep]
    V_emb = model.embed_transformed(model.voters.features)
    V_hx = V_h.copy()  # a batch without voters of another batch keeps its vote
    if len(b_vote) == len(model.voters) and len(np.unique(b_vote)) > 1:
        for bb in np.unique(b_held):
            other = b_vote != bb
            sub = Voters(features=model.voters.features[other], codes=model.voters.codes[other])
            V_hx[b_held == bb] = sub.vote(V_emb[other], E_h[b_held == bb], K)
        cands["xbatch"] = fit_temperature(L_h, c_h, V_hx)
        log.info("%s %d: refitted current temperature %.4f (stored %.4f)", name, seed,
                 fit_temperature(L_h, c_h, V_h), model.calibration.temperature)
    for tag, cols in (("w_rest", slice(K, None)), ("w_all", slice(None))):
        w = shift_weights(E_h[:, cols], E_all_q[:, cols], seed=seed)
        cands[tag] = weighted_temperature(L_h, c_h, V_h, w)
        ess = w.sum() ** 2 / (w ** 2).sum()
        log.info("%s %d %s: effective held-out cells %.0f of %d", name, seed, tag, ess, len(w))
    rows = []
    for tag, T in cands.items():
        pq_prob = mixture(np.exp(_log_softmax(L_q / T)), V_q)
        ph_prob = mixture(np.exp(_log_softmax(L_h / T)), V_h)
        phx_prob = mixture(np.exp(_log_softmax(L_h / T)), V_hx)
        row = {"set": name, "seed": seed, "candidate": tag, "T": T,
               "ece_pq": expected_calibration_error(pq_prob, c_q), "ece_held": expected_calibration_error(ph_prob, c_h),
               "ece_heldx": expected_calibration_error(phx_prob, c_h), "acc_heldx": float((phx_prob.argmax(1) == c_h).mean()),
               "acc_pq": float((pq_prob.argmax(1) == c_q).mean()), "conf_pq": float(pq_prob.max(1).mean()),
               "acc_held": float((ph_prob.argmax(1) == c_h).mean()), "conf_held": float(ph_prob.max(1).mean()),
               "n_pq": int(len(c_q)), "n_held": int(len(c_h)),
               # session 18: ECE of labels drawn from these very confidences (perfect calibration), mean of 200 draws
               "ece_floor_pq": ece_floor(pq_prob, seed), "ece_floor_held": ece_floor(ph_prob, seed),
               "agree_pq": float((L_q.argmax(1) == V_q.argmax(1)).mean()),
               "agree_held": float((L_h.argmax(1) == V_h.argmax(1)).mean())}
        log.info("%s", row)
        rows.append(row)
    return rows



def append_rows(path: Path, rows: list[dict], *, fresh: bool = False) -> None:
    """``path`` with ``rows`` added as JSON lines (``fresh``: in place of what it held), written to a temporary file
    and moved over it at once: a kill or a full disk mid-write leaves the earlier rows whole and no half line (the
    temporary file is removed on failure)."""
    earlier = path.read_text() if path.exists() and not fresh else ""
    write_text(path, earlier + "".join(json.dumps(r) + "\n" for r in rows))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--sets", nargs="+", required=True)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--max-epochs", type=int, default=None)
    p.add_argument("--out", type=Path, default=Path("/tmp/calib_shift.jsonl"),
                   help="the rows, written as JSON lines (default: %(default)s)")
    keep = p.add_mutually_exclusive_group()
    keep.add_argument("--append", action="store_true", help="add the rows to an existing --out (a resumed run)")
    keep.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    a = p.parse_args(argv)
    check_sets(p, a.sets, a.out)
    if a.out.exists() and not (a.append or a.overwrite):
        p.error(f"{a.out} exists; pass --append to add this run's rows to it, --overwrite to replace it, or another "
                "--out")
    fresh = a.overwrite  # the earlier rows are replaced by the first set's, not dropped before the run
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("jae").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    config = JAEConfig() if a.max_epochs is None else JAEConfig(max_epochs=a.max_epochs)
    for name in a.sets:
        for seed in a.seeds:
            append_rows(a.out, run(name, seed, config), fresh=fresh)
            fresh = False
    return 0


if __name__ == "__main__":
    sys.exit(main())
