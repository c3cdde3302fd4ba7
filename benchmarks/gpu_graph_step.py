"""Experiment for the next session with a GPU: would a CUDA graph make jae's pretraining step pay on a GPU?

``gpu_step.py`` found the step launch-bound on an H200 (0.5 ms of GPU work in 4.7 ms, about 200 kernel launches;
``benchmarks/results/gpu.md``). This times, on the competition's Multiome latent layout (22 types, 13 batches, 2 phase,
30 free units, 200 input features, 63,000 training cells on the device):

- ``eager``: the library's step as ``jae.train.trainer`` runs it (gather, forward, ``jae_loss``, backward, Adam);
- ``graph``: the same step captured once in a ``torch.cuda.CUDAGraph`` and replayed per minibatch (the minibatch's
  positions copied into a static index tensor first; the loss without its two host reads, valid when every cell is
  labelled and scored; Adam with ``capturable=True``), the standard whole-network capture of PyTorch's CUDA-graph
  notes.

Both start from the same weights and take the same minibatches; it prints ms per step, the speed-up and both loss
curves' last values (dropout masks differ between the two, so the curves agree in trend, not bit for bit). Without a
CUDA GPU only ``eager`` runs (on the CPU). Not part of the test suite.

    python benchmarks/gpu_graph_step.py --steps 2000 --batch 32 64 128
"""

from __future__ import annotations

import argparse
import copy
import time

import torch
import torch.nn.functional as F

from jae import JAEConfig
from jae.model import JAENetwork, LatentLayout, jae_loss
from jae.model.loss import uniform_cross_entropy
from jae.train.loop import make_optimizer


def _loss_without_host_reads(z, recon, x, layout, config, cell_type, phase):
    """``jae_loss`` for a minibatch whose cells are all labelled and scored, with no ``bool()`` of device values."""
    return (config.w_reconstruction * F.mse_loss(recon, x)
            + config.w_cell_type * F.cross_entropy(z[:, layout.block("cell_type")], cell_type)
            + config.w_batch * uniform_cross_entropy(z[:, layout.block("batch")])
            + config.w_phase * F.mse_loss(z[:, layout.block("phase")], phase))


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def eager(network, X, ct, phase, layout, config, batches, lr):
    optimizer = make_optimizer(network, lr=lr, weight_decay=config.weight_decay)
    network.train()
    losses = []
    _sync(X.device)
    start = time.perf_counter()
    for idx in batches:
        xb = X[idx]
        z, recon = network(xb)
        parts = jae_loss(z, recon, xb, layout=layout, config=config, cell_type=ct[idx], phase=phase[idx])
        optimizer.zero_grad(set_to_none=True)
        parts["total"].backward()
        optimizer.step()
        losses.append(parts["total"].detach())
    _sync(X.device)
    return time.perf_counter() - start, float(torch.stack(losses[-50:]).mean())


def graph(network, X, ct, phase, layout, config, batches, lr):
    optimizer = torch.optim.Adam(network.parameters(), lr=lr, weight_decay=config.weight_decay, capturable=True)
    network.train()
    static_idx = batches[0].clone()

    def step():
        xb = X[static_idx]
        z, recon = network(xb)
        loss = _loss_without_host_reads(z, recon, xb, layout, config, ct[static_idx], phase[static_idx])
        loss.backward()
        optimizer.step()
        return loss.detach()

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up on a side stream (3 steps, counted as steps of this variant)
        for idx in batches[:3]:
            static_idx.copy_(idx)
            optimizer.zero_grad(set_to_none=False)
            step()
    torch.cuda.current_stream().wait_stream(side)
    captured = torch.cuda.CUDAGraph()
    optimizer.zero_grad(set_to_none=False)  # gradients stay allocated: the graph zeroes and fills the same tensors
    with torch.cuda.graph(captured):
        optimizer.zero_grad(set_to_none=False)
        static_loss = step()
    losses = []
    _sync(X.device)
    start = time.perf_counter()
    for idx in batches[3:]:
        static_idx.copy_(idx)
        captured.replay()
        losses.append(static_loss.clone())
    _sync(X.device)
    return time.perf_counter() - start, float(torch.stack(losses[-50:]).mean())


def main() -> None:
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()),
                                epilog="prints the eager and graph ms per step; writes no file")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, nargs="+", default=[32, 64, 128])
    p.add_argument("--cells", type=int, default=63000)
    args = p.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(1)  # as jae trains on a CPU (jae.train.loop.cpu_threads)
    torch.manual_seed(0)
    config = JAEConfig()
    layout = LatentLayout(n_cell_type=22, n_batch=13, n_phase=2, n_free=30)
    X = torch.randn(args.cells, 200, device=device)
    ct = torch.randint(0, 22, (args.cells,), device=device)
    phase = torch.randn(args.cells, 2, device=device)
    start_net = JAENetwork.from_config(config, 200, layout).to(device)
    for batch in args.batch:
        g = torch.Generator().manual_seed(batch)
        passes = -(-args.steps * batch // args.cells)  # whole passes of seeded permutations, as the trainer draws
        order = torch.cat([torch.randperm(args.cells, generator=g) for _ in range(passes)])
        order = order[: args.steps * batch].view(args.steps, batch).to(device)
        batches = list(order)
        t, last = eager(copy.deepcopy(start_net), X, ct, phase, layout, config, batches, config.lr)
        print(f"[graph_step] batch {batch:4d} eager  {1000 * t / len(batches):6.3f} ms/step  loss {last:.4f}",
              flush=True)
        if device.type == "cuda":
            tg, last_g = graph(copy.deepcopy(start_net), X, ct, phase, layout, config, batches, config.lr)
            print(f"[graph_step] batch {batch:4d} graph  {1000 * tg / (len(batches) - 3):6.3f} ms/step  loss "
                  f"{last_g:.4f}  speed-up {t / len(batches) / (tg / (len(batches) - 3)):.1f}x", flush=True)
        else:
            print("[graph_step] no CUDA GPU here: the graph variant needs one", flush=True)


if __name__ == "__main__":
    main()
