"""``jae.train.loop.run_epochs`` draws its progress bar through the project's one bar helper (session 51,
``jae.train.distributed.given_or_own_bar``): the same bar, drawn by process 0 alone. Its own tqdm call drew a bar on
every process of a ``torchrun`` launch when the training was not data-parallel (``parallel=None``), as the other
bars (draws_bar) no longer do."""

from __future__ import annotations

import torch

from jae.train.loop import run_epochs


def _train(**kwargs):
    net = torch.nn.Linear(3, 1)
    with torch.no_grad():  # the same weights each call (no global seed set)
        net.weight.fill_(0.1)
        net.bias.zero_()
    x = torch.randn(20, 3, generator=torch.Generator().manual_seed(0))

    def step(idx):
        loss = net(x[idx]).pow(2).mean()
        loss.backward()
        return {"total": loss}

    return run_epochs(net, step, n_train=20, batch_size=8, generator=torch.Generator().manual_seed(0), max_epochs=3,
                      desc="s51 bar", **kwargs)


def test_the_bar_is_drawn_by_process_zero_alone(capsys, monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.delenv("JAE_DISTRIBUTED", raising=False)
    rows = _train(progress_bar=True)
    assert len(rows) == 3 and "s51 bar" in capsys.readouterr().err  # drawn, as before
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")  # a torchrun process other than 0, training alone (parallel=None)
    assert [r["total"] for r in _train(progress_bar=True)] == [r["total"] for r in rows]
    assert "s51 bar" not in capsys.readouterr().err  # was drawn on every process
    monkeypatch.setenv("RANK", "0")
    _train(progress_bar=False)
    assert "s51 bar" not in capsys.readouterr().err
