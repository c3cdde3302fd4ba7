"""Library messages that reached jae's command line naming Python arguments it has no flag for (s32)."""

from __future__ import annotations

import logging

from jae.cli import main


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_predict_with_too_few_training_cells_names_flags_not_predict_config(tmp_path, caplog):
    """jae predict on 8 training cells said "pass more cells or config=PredictConfig(n_members=1)": jae predict has
    no flag for the ensemble's size. It now names what the command line can do: more cells, or a baseline."""
    from jae.datasets import simulate

    m = simulate(40, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=1, seed=3)
    m["rna"][:8].copy().write_h5ad(tmp_path / "train.mod1.h5ad")
    m["prot"][:8].copy().write_h5ad(tmp_path / "train.mod2.h5ad")
    m["rna"][8:].copy().write_h5ad(tmp_path / "test.mod1.h5ad")
    argv = ["-q", "predict", "--train-mod1", str(tmp_path / "train.mod1.h5ad"), "--train-mod2",
            str(tmp_path / "train.mod2.h5ad"), "--test-mod1", str(tmp_path / "test.mod1.h5ad"), "--output",
            str(tmp_path / "pred.h5ad"), "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    errors = _errors(caplog)
    assert len(errors) == 1 and "too few for" in errors[0], errors
    assert "PredictConfig" not in errors[0] and "n_members" not in errors[0], errors
    assert "--method ridge, knn or mean" in errors[0], errors
    assert not (tmp_path / "pred.h5ad").exists()
