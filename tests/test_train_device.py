"""The device of a process under torchrun when the machine has fewer GPUs than processes (jae._device)."""

import pytest
import torch

from jae._device import usable_device
from jae.cli._messages import cli_message


@pytest.fixture
def two_gpus_four_processes(monkeypatch):
    # process 3 of 4 torchrun processes on a machine whose torch sees two GPUs
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_RANK", "3")


@pytest.mark.parametrize("device", ["auto", "cuda"])
def test_more_torchrun_processes_than_gpus_names_the_process_count_not_the_device(two_gpus_four_processes, device):
    # it said "device='cuda', but torch sees 2 CUDA GPUs (cuda:0 to cuda:1); pass one of those, 'cuda' or 'auto'":
    # the very value given, as the fix
    with pytest.raises(ValueError) as err:
        usable_device(device)
    text = str(err.value)
    assert "LOCAL_RANK=3" in text and "torch sees 2 CUDA GPUs" in text, text
    assert text.endswith("start at most 2 per machine (torchrun --nproc-per-node=2), or pass device='cpu'"), text
    assert "pass one of those" not in text
    assert cli_message(text).startswith(f"--device {device} under torchrun"), cli_message(text)
    assert cli_message(text).endswith("or pass --device cpu"), cli_message(text)


def test_an_index_given_past_the_last_gpu_is_still_the_arguments_fault(two_gpus_four_processes):
    with pytest.raises(ValueError, match=r"^device='cuda:2', but torch sees 2 CUDA GPUs \(cuda:0 to cuda:1\); pass one "):
        usable_device("cuda:2")
    assert usable_device("cuda:1") == torch.device("cuda", 1)
