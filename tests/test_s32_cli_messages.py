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


def test_fit_warning_of_too_few_cell_cycle_genes_names_the_organism_flag(tmp_path, caplog):
    """jae fit --organism human on RNA holding few cell-cycle genes logged "no cell-cycle scores (... check organism=
    and that var_names are gene symbols ...)": a Python argument, in a warning the CLI cannot translate. The warning
    (the error of jae.preprocess.cell_cycle.CellCycleGenes.find) now names --organism, and organism= for Python."""
    import pytest

    from jae.preprocess.cell_cycle import CellCycleGenes

    with pytest.raises(ValueError) as info:
        CellCycleGenes.find(["GENE1", "GENE2", "MCM5"], "human", who="CellCycleScorer")
    text = str(info.value)
    assert "only 1 S-phase and 0 G2/M-phase human marker genes" in text, text
    assert "check the organism (--organism, or organism= in Python)" in text, text


def test_embed_refuses_method_id_with_an_h5mu_output(tmp_path, caplog, small_cite_model):
    """jae embed --h5mu x.h5mu --out emb.h5mu --method-id mine wrote the .h5mu copy without any method id: the flag
    (the competition .h5ad's uns['method_id']) was read by nothing. It is now refused in one line, before the model
    is loaded, and nothing is written; an .h5ad output still takes it."""
    import anndata as ad

    from jae.datasets import simulate

    simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2).write(
        tmp_path / "q.h5mu")
    base = ["-q", "embed", "--model", str(small_cite_model), "--h5mu", str(tmp_path / "q.h5mu"), "--finetune-epochs",
            "0", "--device", "cpu", "--method-id", "mine", "--out"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main([*base, str(tmp_path / "e.h5mu")]) == 1
    assert _errors(caplog) == ["--method-id mine is uns['method_id'] of an --out *.h5ad; the --out *.h5mu copy has "
                               "none: drop --method-id"], _errors(caplog)
    assert not (tmp_path / "e.h5mu").exists()
    assert main([*base, str(tmp_path / "e.h5ad")]) == 0
    assert ad.read_h5ad(tmp_path / "e.h5ad").uns["method_id"] == "mine"


def test_a_message_naming_map_query_beside_jae_map_names_jae_map_once():
    from jae.cli._messages import cli_message

    text = cli_message("obs['batch'] holds batches this model has not mapped: map them first (map_query, jae map)")
    assert text.endswith("map them first (jae map)")


def test_python_m_jae_cli_ends_as_the_jae_command_does(monkeypatch):
    """``python -m jae.cli`` goes through run(), which fixes the exit status after Ctrl-C and a closed pipe, not
    main() alone as before."""
    import runpy

    import jae.cli

    called = []
    monkeypatch.setattr(jae.cli, "run", lambda: called.append("run"))
    monkeypatch.setattr(jae.cli, "main", lambda argv=None: called.append("main") or 0)
    monkeypatch.delitem(__import__("sys").modules, "jae.cli.__main__", raising=False)
    try:
        runpy.run_module("jae.cli", run_name="__main__")
    except SystemExit:
        pass
    assert called == ["run"]


def test_jae_simulate_takes_its_output_as_out_too(tmp_path, caplog):
    """Every other verb names its output --out; jae simulate took only the positional OUT ('unrecognized
    arguments: --out')."""
    from jae.cli import main

    assert main(["simulate", "--out", str(tmp_path / "a"), "--n-cells", "40", "--preset", "none", "-q"]) == 0
    assert (tmp_path / "a.mod1.h5ad").is_file() and (tmp_path / "a.mod2.h5ad").is_file()
    assert main(["simulate", str(tmp_path / "b"), "--out", str(tmp_path / "c"), "--n-cells", "40", "-q"]) == 1
    assert "give the output once" in caplog.text
    assert not list(tmp_path.glob("[bc]*"))


def test_every_verbs_device_help_names_the_same_choices():
    """--device was 'auto, cpu or cuda' in four verbs and worded otherwise in two, though all take cuda:N."""
    import jae.cli

    sub = next(a for a in jae.cli.build_parser()._actions if a.dest == "verb")
    helps = {verb: next(a.help for a in p._actions if "--device" in a.option_strings)
             for verb, p in sub.choices.items() if any("--device" in a.option_strings for a in p._actions)}
    assert set(helps) >= {"fit", "embed", "map", "evaluate", "predict", "demo"}
    assert all("auto (cuda when available), cpu, cuda or cuda:N (default: auto)" in h for h in helps.values()), helps
