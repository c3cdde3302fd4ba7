"""torchrun's WORLD_SIZE and RANK were checked only where they were first read: ``jae predict`` (whose training is not
data-parallel) trained the whole predictor before refusing RANK='abc' at the write, and a RANK outside 0 to
WORLD_SIZE - 1 (or WORLD_SIZE=0) was silently taken: RANK=2 of WORLD_SIZE=2 read as 'not process 0', so the run said
nothing, wrote nothing and exited 0. Both are now refused in one line when the device is chosen, before any data is
read."""

from __future__ import annotations

import pytest
import torch

from jae._device import usable_device
from jae.train.distributed import data_parallel, is_writer

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture(autouse=True)
def _no_torchrun(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "JAE_DISTRIBUTED", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("pred_env")
    (src, tgt), (query, _) = paired(60, seed=0), paired(10, seed=1, prefix="q")
    for adata, name in ((src, "tr1"), (tgt, "tr2"), (query, "te1")):
        adata.write_h5ad(d / f"{name}.h5ad")
    return d


def _argv(d, out):
    return ["predict", "--train-mod1", str(d / "tr1.h5ad"), "--train-mod2", str(d / "tr2.h5ad"), "--test-mod1",
            str(d / "te1.h5ad"), "--output", str(out), "--method", "mean", "--device", "cpu"]


@pytest.mark.parametrize("rank", ["2", "-1"])
def test_a_rank_outside_the_world_is_refused(monkeypatch, rank):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    said = rf"^the environment variable RANK={rank} is not a process's rank among WORLD_SIZE=2 processes \(0 to 1\)"
    for call in (is_writer, lambda: data_parallel(torch.device("cpu")), lambda: usable_device("cpu")):
        with pytest.raises(ValueError, match=said):
            call()


def test_a_world_of_no_processes_is_refused(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "0")
    for call in (is_writer, lambda: data_parallel(torch.device("cpu")), lambda: usable_device("cpu")):
        with pytest.raises(ValueError, match=r"^the environment variable WORLD_SIZE=0 is not a number of processes"):
            call()


def test_valid_launches_read_as_before(monkeypatch):
    assert is_writer() and usable_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("RANK", "7")  # one process: RANK is not read
    assert is_writer() and data_parallel(torch.device("cpu")) is None
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    assert not is_writer() and usable_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("RANK", "5")
    monkeypatch.setenv("JAE_DISTRIBUTED", "0")  # turned off: the variables are not read
    assert is_writer() and usable_device("cpu") == torch.device("cpu")


def test_jae_predict_refuses_a_bad_rank_before_training(monkeypatch, files, tmp_path, caplog, capsys):
    from jae.cli import main
    from jae.prediction import ModalityPredictor

    def no_training(*args, **kwargs):
        raise AssertionError("trained before the environment was checked")

    monkeypatch.setattr(ModalityPredictor, "fit", no_training)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "abc")
    assert main(_argv(files, tmp_path / "p.h5ad")) == 1
    assert "RANK='abc' is not a process's rank" in caplog.text + capsys.readouterr().err


def test_jae_predict_says_why_it_writes_nothing(monkeypatch, files, tmp_path, caplog, capsys):
    from jae.cli import main

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "2")  # was 'not process 0': no message, no output, exit 0
    assert main(_argv(files, tmp_path / "p.h5ad")) == 1
    err = caplog.text + capsys.readouterr().err
    assert "RANK=2 is not a process's rank among WORLD_SIZE=2 processes" in err and "Traceback" not in err
    assert not (tmp_path / "p.h5ad").exists()


def test_a_negative_local_rank_is_named_not_blamed_on_the_device(monkeypatch):
    # resolve_device('cuda') raised torch's 'Device index must not be negative'; usable_device said
    # "device='cuda' is not a device torch knows"
    from jae._device import resolve_device

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("LOCAL_RANK", "-1")
    said = r"^the environment variable LOCAL_RANK=-1 is not a process's rank on this machine \(0 or more\)"
    for call in (lambda: resolve_device("cuda"), lambda: usable_device("cuda"), lambda: usable_device("cpu")):
        with pytest.raises(ValueError, match=said):
            call()
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert resolve_device("cuda") == torch.device("cuda", 1)
