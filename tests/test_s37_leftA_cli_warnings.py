"""Session 37: warnings the CLI showed named Python ('set JAEConfig(batch_size=2) or more' after jae fit --set
batch_size=1); only errors were translated. Warnings are now in the words of the verb that shows them: jae fit's
--set, and for the verbs without --set the model's setting and jae fit --set (never a --set they lack)."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name.startswith("jae")]


def test_fit_names_set_where_the_library_names_jaeconfig(tmp_path, caplog):
    path = tmp_path / "d.h5mu"
    simulate(100, kind="cite", n_genes=200, n_proteins=8, n_batches=2, seed=0).write(path)
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(["-q", "fit", "--h5mu", str(path), "--out", str(tmp_path / "m"), "--set", "batch_size=1",
                     "--max-epochs", "1", "--device", "cpu"]) == 0
    said = [w for w in _warnings(caplog) if "minibatches of 1 cells" in w]
    assert len(said) == 1 and said[0].endswith("keeps its starting weights; pass --set batch_size=2 or more"), said


def test_verbs_without_set_name_the_models_setting(tmp_path, caplog, monkeypatch):
    def warns(*args, **kwargs):
        logging.getLogger("jae.train.loop").warning(
            "%s: minibatches of %d cells (batch_size) are fewer than the %d one needs, so no training step is taken "
            "and the network keeps its starting weights; set JAEConfig(batch_size=%d) or more", "fine-tuning", 1, 2, 2)
        raise ValueError("stopped here")

    monkeypatch.setattr(jae, "embed_files", warns)
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(["embed", "--model", str(tmp_path / "m"), "--h5mu", str(tmp_path / "x.h5mu"),
                     "--out", str(tmp_path / "e.h5ad")]) == 1
    assert _warnings(caplog) == [
        "fine-tuning: minibatches of 1 cells (batch_size) are fewer than the 2 one needs, so no training step is taken "
        "and the network keeps its starting weights; set batch_size=2 (a setting of the model: jae fit --set "
        "batch_size=2) or more"]


@pytest.mark.parametrize("verb, said", [
    ("fit", "pass --organism human or mouse to choose, or fit with --set n_phase=0 to leave"),
    ("evaluate", "pass --organism human or mouse to choose, or fit with jae fit --set n_phase=0 to leave"),
])
def test_the_organism_warning_names_the_verbs_flags(verb, said):
    from jae.cli._messages import cli_warning

    text = ("uns['organism'] is 'zebrafish', an organism jae has no cell-cycle genes of; the organism is told from the "
            "gene names instead: pass organism='human' or 'mouse' to choose, or fit with JAEConfig(n_phase=0) to leave "
            "the cell-cycle block out")
    assert said in cli_warning(text, verb)


def test_python_users_still_read_python(caplog):
    with caplog.at_level(logging.WARNING, logger="jae"):
        jae.JAEConfig().with_overrides(["mode=unsupervised", "n_free=10"])
    assert "n_free=10 is not read in unsupervised mode, which reads n_free_unsupervised: set " \
           "n_free_unsupervised=10" in _warnings(caplog)


def test_an_info_line_of_a_large_fit_names_set(tmp_path, caplog, monkeypatch):
    """The batch-size rule's INFO line of a fit of many cells said 'JAEConfig(max_batch_scale=1) keeps batch 32'."""
    from types import SimpleNamespace

    from jae.train.trainer import Stage

    def fit(*args, config, **kwargs):
        Stage.pretraining(config, 200_000)  # its log line, as a fit of 200,000 training cells writes it
        return SimpleNamespace(written=False)

    monkeypatch.setattr(jae, "fit_files", fit)
    with caplog.at_level(logging.INFO, logger="jae"):
        assert main(["fit", "--h5mu", str(tmp_path / "x.h5mu"), "--out", str(tmp_path / "m")]) == 0
    said = [r.getMessage() for r in caplog.records if "batch-size rule" in r.getMessage()]
    assert len(said) == 1 and said[0].endswith("at least 500 steps per epoch; --set max_batch_scale=1 keeps batch 32)")
