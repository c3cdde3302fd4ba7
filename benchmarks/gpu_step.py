"""What one pretraining step costs on a GPU, and where (issue: GPU figures). Not part of the test suite.

Fits a simulated Multiome set in memory for a few epochs per variant and times the pretraining stage alone
(``jae.train.trainer._epochs``, with the device synchronised before and after): ``default``; ``nosync`` (the loss's
two per-step host reads, ``bool(labelled.all())`` and ``bool(known.all())``, skipped: every simulated cell is
labelled and scored, so the arithmetic is the same); ``batch256`` (minibatches of 256, to separate per-step from
per-cell cost); and ``cpu`` (the same default fit on this machine's CPU, one thread, as jae trains on CPU). Then a
torch.profiler table of 50 default steps (host time per operator, kernel count).

    python benchmarks/gpu_step.py --cells 20000 --epochs 3
"""

from __future__ import annotations

import argparse
import time

import torch

import jae.model.loss as loss_module
import jae.train.trainer as trainer
from jae import JAE, JAEConfig
from jae.datasets import simulate


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()),
                                epilog="prints each variant's timing and a profiler table; writes no file")
    p.add_argument("--cells", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--variants", nargs="+", default=["default", "nosync", "batch256", "cpu"])
    args = p.parse_args()
    mdata = simulate(args.cells, kind="multiome", n_genes=4000, n_peaks=20000, n_cell_types=20, n_batches=6,
                         seed=0)
    timings: dict[str, tuple[float, int]] = {}
    original_epochs, original_loss = trainer._epochs, loss_module.jae_loss

    def timed(*a, **k):
        device = a[2].device
        _sync(device)
        start = time.perf_counter()
        rows = original_epochs(*a, **k)
        _sync(device)
        steps = sum(len(range(0, len(a[3]), k["stage"].batch_size or k["config"].batch_size)) for _ in rows)
        timings.setdefault(k["stage"].name, (time.perf_counter() - start, steps))
        return rows

    def nosync_loss(z, recon, x, *, layout, config, cell_type=None, phase=None, adversary_logits=None,
                    reconstruction_only=False):
        F = torch.nn.functional
        parts = {"reconstruction": F.mse_loss(recon, x)}
        weights = {"reconstruction": config.w_reconstruction}
        if not reconstruction_only:
            if layout.n_cell_type and cell_type is not None:
                parts["cell_type"] = F.cross_entropy(z[:, layout.block("cell_type")], cell_type)
                weights["cell_type"] = config.w_cell_type
            if layout.n_batch:
                parts["batch"] = loss_module.uniform_cross_entropy(z[:, layout.block("batch")])
                weights["batch"] = config.w_batch
            if layout.n_phase and phase is not None:
                parts["phase"] = F.mse_loss(z[:, layout.block("phase")], phase)
                weights["phase"] = config.w_phase
        parts["total"] = sum(weights[k] * parts[k] for k in weights)
        return parts

    trainer._epochs = timed
    for variant in args.variants:
        timings.clear()
        device = "cpu" if variant == "cpu" or not torch.cuda.is_available() else "cuda"
        config = JAEConfig(max_epochs=args.epochs, patience=args.epochs + 1,
                           **({"batch_size": 256, "max_batch_scale": 1} if variant == "batch256" else {}))
        trainer.jae_loss = nosync_loss if variant == "nosync" else original_loss
        start = time.perf_counter()
        JAE(config, seed=0, device=device).fit(mdata, progress_bar=False)
        total = time.perf_counter() - start
        wall, steps = timings.get("pretrain", (float("nan"), 0))
        print(f"[gpu_step] {variant:9s} device={device:4s} pretrain {wall:7.2f} s for {steps} steps = "
              f"{1000 * wall / max(steps, 1):6.2f} ms/step; whole fit {total:6.1f} s", flush=True)
    trainer.jae_loss, trainer._epochs = original_loss, original_epochs

    if True:
        from torch.profiler import ProfilerActivity, profile, schedule

        cuda = torch.cuda.is_available()
        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])

        config = JAEConfig(max_epochs=1, patience=2)
        steps = {"n": 0}
        original_step_loss = trainer.jae_loss
        with profile(activities=activities,
                     schedule=schedule(wait=20, warmup=5, active=50, repeat=1)) as prof:
            def counting_loss(*a, **k):
                steps["n"] += 1
                prof.step()
                return original_step_loss(*a, **k)
            trainer.jae_loss = counting_loss
            JAE(config, seed=0, device="cuda" if cuda else "cpu").fit(mdata, progress_bar=False)
        trainer.jae_loss = original_step_loss
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=22, max_name_column_width=40), flush=True)
        print(f"[gpu_step] profiled {steps['n']} loss calls", flush=True)


if __name__ == "__main__":
    main()
