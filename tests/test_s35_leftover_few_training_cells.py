"""jae.predict with 3 training cells (session 35): the refusal said 'need at least 4 paired training cells to hold out
a validation split, got 3', naming neither the arguments nor a fix. It now names train_source and train_target and
says to pass more training cells (the CLI turns the names into --train-mod1 and --train-mod2)."""

from __future__ import annotations

import pytest

import jae
from jae.cli._messages import cli_message
from jae.datasets import simulate


def test_too_few_training_cells_names_the_arguments_and_the_fix():
    m = simulate(40, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    rna, prot = m["rna"], m["prot"]
    with pytest.raises(ValueError, match=r"^train_source and train_target hold 3 paired training cells; at least 4 "
                                         r"are needed to hold out a validation split: pass more training cells$") as e:
        jae.predict(rna[:3].copy(), prot[:3].copy(), rna[10:20].copy(), method="ridge", progress_bar=False)
    said = cli_message(str(e.value))
    assert said.startswith("--train-mod1 and --train-mod2 hold 3 paired training cells")


def test_fewer_than_4_cells_with_an_ensemble_is_not_told_to_use_one_member():
    """With the default 5-member ensemble, 3 cells were told 'pass more cells or config=PredictConfig(n_members=1)'
    (in the CLI: '--method ridge, knn or mean'), fixes that then failed on the validation split; under 4 cells the
    refusal is now the split's, which says to pass more training cells."""
    m = simulate(40, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    rna, prot = m["rna"], m["prot"]
    with pytest.raises(ValueError, match=r"^train_source and train_target hold 3 paired training cells; at least 4 "
                                         r"are needed .*: pass more training cells$"):
        jae.predict(rna[:3].copy(), prot[:3].copy(), rna[10:20].copy(), progress_bar=False, device="cpu")
    with pytest.raises(ValueError, match=r"^6 training cells are too few for 5 ensemble members"):  # still said so
        jae.predict(rna[:6].copy(), prot[:6].copy(), rna[10:20].copy(), progress_bar=False, device="cpu")
