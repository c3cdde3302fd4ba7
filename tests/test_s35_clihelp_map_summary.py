"""jae map --epochs 0 said 'mapped N cells ... onto MODEL: 0 steps, seed 2', naming a seed that nothing used (the
same command refuses --seed as 'which --epochs 0 skips'); it now says no training was done. Trained mappings still
name their steps and seed."""

from __future__ import annotations

from jae.cli import main
from jae.datasets import simulate


def test_map_summary_names_a_seed_only_when_it_trained(own_cite_model, capsys):
    folder, _ = own_cite_model("s35_map_summary")
    query = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=4)
    query.obs["batch"] = "new_" + query.obs["batch"].astype(str)
    query.write(folder / "q.h5mu")
    base = ["-q", "map", "--model", str(folder / "model"), "--h5mu", str(folder / "q.h5mu"), "--device", "cpu"]

    assert main([*base, "--epochs", "0", "--out", str(folder / "m0")]) == 0
    said = capsys.readouterr().out
    assert "no training (--epochs 0)" in said and "seed" not in said, said

    assert main([*base, "--epochs", "1", "--out", str(folder / "m1")]) == 0
    said = capsys.readouterr().out
    assert "1 step, seed 2" in said, said  # the reference's seed 0 + 2
