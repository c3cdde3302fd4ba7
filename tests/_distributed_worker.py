"""Run by ``torchrun`` from tests/test_distributed.py (one launch for all its checks, since each costs seconds).

``_distributed_worker.py OUT [MOD1 MOD2 SOLUTION]``: every process fits the same small simulated model (query cells
fine-tuned, batch adversary on), saves it to ``OUT/model`` and records a digest of its final weights in
``OUT/rank<r>.json``; given the files of a real set, every process then runs ``python -m jae fit`` on them (the
module run as ``torchrun -m jae fit ...`` runs it) with each seed of ``SEEDS``, writing ``OUT/real<seed>``.
"""

from __future__ import annotations

import hashlib
import json
import runpy
import sys
from pathlib import Path

import torch
import torch.distributed as dist

import jae
from jae.datasets import simulate

SEEDS = (2,)  # see test_torchrun_jae_fit_scores_within_001_of_one_process


def main(out: Path) -> None:
    m = simulate(300, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=3, n_batches=3, seed=1)
    query = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    m.obs["ct_ref"] = m.obs["cell_type"].astype(object).where(~query)
    config = jae.JAEConfig(max_epochs=4, patience=2, w_adversary=0.05, decoder_batch=True)
    model = jae.JAE(config, seed=0, device="cpu").fit(m, cell_type_key="ct_ref", progress_bar=False)
    model.save(out / "model")
    digest = hashlib.sha256()
    for name, tensor in sorted(model.network.state_dict().items()):
        digest.update(name.encode() + tensor.detach().cpu().numpy().tobytes())
    record = {
        "world_size": dist.get_world_size(),
        "weights": digest.hexdigest(),
        "embedding": hashlib.sha256(model.embed(m).tobytes()).hexdigest(),
        "history": model.history.to_dict(orient="list"),
    }
    (out / f"rank{dist.get_rank()}.json").write_text(json.dumps(record))


if __name__ == "__main__":
    torch.set_num_threads(1)
    folder = Path(sys.argv[1])
    main(folder)
    if len(sys.argv) == 5:
        mod1, mod2, solution = sys.argv[2:]
        for seed in SEEDS:
            sys.argv = ["jae", "-q", "fit", "--mod1", mod1, "--mod2", mod2, "--annotations", solution,
                        "--out", str(folder / f"real{seed}"), "--seed", str(seed)]
            try:
                runpy.run_module("jae", run_name="__main__", alter_sys=True)  # ends in sys.exit(status)
            except SystemExit as done:
                if done.code:
                    raise
