"""After a user's finetune on the query: query ECE, accuracy, mean confidence and unknown-call rate with the
calibration fitted before the finetune (stale) and with the one finetune fits again (session 19, issue 15).

Reference and pseudo-query as benchmarks/mapping.py (query labels read only to report; every query type is in the
reference, so the unknown rate is a false-positive rate, nominally at most 5%). Pretraining capped at 30 epochs.

    OMP_NUM_THREADS=1 python benchmarks/_recalibration.py reapseq_pbmc 0 5   # set, seed, finetune epochs
"""
import argparse
import copy
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import numpy as np  # noqa: E402
from _quality_data import check_sets  # noqa: E402
from mapping import _setup, _with  # noqa: E402

from jae import JAE, JAEConfig  # noqa: E402

logging.basicConfig(level=logging.WARNING)
_args = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()),
                                epilog="prints one JSON line of the figures; writes no file")
_args.add_argument("set", help="a shared set's name, e.g. reapseq_pbmc")
_args.add_argument("seed", type=int)
_args.add_argument("epochs", type=int, help="finetune epochs")
_parsed = _args.parse_args()
name, seed, epochs = _parsed.set, _parsed.seed, _parsed.epochs
check_sets(_args, [name], None)  # a mistyped set or missing data: one line, not a KeyError traceback
if epochs < 0:
    _args.error(f"epochs: {epochs} finetune epochs; pass 0 or more")
qset, query, labelled, label, ref_rows, _ = _setup(name, seed)
cfg = JAEConfig(max_epochs=30)
model = JAE(cfg, seed=seed, device="cpu").fit(_with(qset, label.where(ref_rows))[ref_rows].copy(), cell_type_key="ct",
                                              progress_bar=False)
q = qset.mdata[query & labelled].copy()
truth = label[query & labelled].astype(str).to_numpy()


def ece(m):
    """ECE of the returned label and confidence (10 equal-width bins), accuracy, mean confidence, unknown rate."""
    p = m.predict_cell_type(q)
    conf, hit = p["confidence"].to_numpy(), p["cell_type"].to_numpy() == truth
    bins = np.minimum((conf * 10).astype(int), 9)
    e = sum(abs(hit[bins == b].mean() - conf[bins == b].mean()) * (bins == b).mean() for b in np.unique(bins))
    return [round(float(v), 4) for v in (e, hit.mean(), conf.mean(), p["unknown"].mean())]


before = ece(model)
stale = copy.deepcopy(model.calibration)
model.finetune(q, epochs=epochs, progress_bar=False)
fresh = model.calibration
after_fresh = ece(model)
model.calibration = stale
after_stale = ece(model)
print(json.dumps({"set": name, "seed": seed, "epochs": epochs, "before": before, "after stale": after_stale,
                  "after recalibrated": after_fresh, "T stale": stale.linear_temperature,
                  "T fresh": fresh.linear_temperature}))
