"""Flags of the CLI verbs that were accepted and then read by nothing, or contradicted another flag silently (s32)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from jae.cli import main


@pytest.fixture(scope="module")
def query(own_cite_model):
    """The shared small CITE-seq reference (conftest), copied, and a mapped copy of it; query cells with RNA alone
    (batches renamed ``q_<batch>``), as one .h5ad."""
    from jae.datasets import simulate

    d, _ = own_cite_model("s32_cli")  # the shared reference (conftest), copied: this module's own
    q = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    rna = q["rna"].copy()
    rna.obs["batch"] = ("q_" + q.obs["batch"].astype(str)).to_numpy()
    rna.write_h5ad(d / "q.rna.h5ad")
    assert main(["map", "--model", str(d / "model"), "--mod1", str(d / "q.rna.h5ad"), "--out", str(d / "mapped"),
                 "--epochs", "1", "--device", "cpu", "-q"]) == 0
    return d


@pytest.mark.parametrize("case", ["finetune_epochs_0", "mapped_model"])
def test_embed_refuses_a_seed_that_no_fine_tuning_reads(query, tmp_path, caplog, case):
    """jae embed --finetune-epochs 0 --seed 3 (or --seed 3 with a model written by jae map, which is never
    fine-tuned) embedded as without --seed: the seed of a fine-tuning that did not run was read by nothing. It is
    now refused in one line, before the cells are read, and nothing is written."""
    model, extra = (query / "model", ["--finetune-epochs", "0"]) if case == "finetune_epochs_0" else (
        query / "mapped", [])
    argv = ["embed", "--model", str(model), "--mod1", str(query / "q.rna.h5ad"), "--out", str(tmp_path / "e.h5ad"),
            "--seed", "3", "--device", "cpu", "-q", *extra]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "--seed" in errors[0] and "drop --seed" in errors[0], errors
    assert "seed=" not in errors[0] and "finetune_epochs" not in errors[0], errors
    assert not (tmp_path / "e.h5ad").exists()
    if case == "finetune_epochs_0":  # the seed of a fine-tuning that runs is still taken
        argv[-1] = "1"
        assert main(argv) == 0 and (tmp_path / "e.h5ad").exists()



def test_predict_takes_out_as_every_other_verb_does(monkeypatch, tmp_path):
    """jae predict ... --out pred.h5ad (the output flag of fit, map, embed, evaluate and demo) stopped at "ambiguous
    option: --out could match --output, --output-format"; --out is now --output's other name."""
    import jae

    seen = []
    monkeypatch.setattr(jae, "predict_files", lambda *a, **k: seen.append(a[3]) or SimpleNamespace(
        prediction=SimpleNamespace(n_vars=2, n_obs=3), model=SimpleNamespace(target_kind="ADT", source_kind="GEX",
                                                                             method="mean")))
    base = ["-q", "predict", "--train-mod1", "a.h5ad", "--train-mod2", "b.h5ad", "--test-mod1", "c.h5ad"]
    for flag in ("--out", "--output"):
        assert main([*base, flag, str(tmp_path / "p.h5ad")]) == 0
    assert seen == [tmp_path / "p.h5ad"] * 2
    with pytest.raises(SystemExit):  # --output-format is still its own flag, not a third name of --output
        main([*base, "--out", str(tmp_path / "p.h5ad"), "--output-f", "bogus"])


def test_map_of_a_mapped_model_by_another_column_names_the_flag_as_written(query, tmp_path, caplog):
    """jae map --model MAPPED --batch-key sample said "pass --batch-key='batch'" (the Python argument with its
    quotes, which the shell would take as part of the flag); since session 35 (test_s35_mapq_mapped_key.py) it says
    to put the batches in the mapped column and map without --batch-key (passing --batch-key batch sent the user
    round in a loop), in CLI words."""
    import anndata as ad

    rna = ad.read_h5ad(query / "q.rna.h5ad")
    rna.obs["sample"] = "new_" + rna.obs["batch"].astype(str)
    rna.write_h5ad(tmp_path / "q.h5ad")
    argv = ["-q", "map", "--model", str(query / "mapped"), "--mod1", str(tmp_path / "q.h5ad"), "--out",
            str(tmp_path / "again"), "--batch-key", "sample", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].endswith("map without --batch-key"), errors
    assert "column batch" in errors[0] and "batch_key" not in errors[0], errors
    assert "=" not in errors[0] and not (tmp_path / "again").exists(), errors


def test_evaluate_refuses_umap_max_cells_with_no_report(monkeypatch, tmp_path, caplog):
    """jae evaluate --no-report --umap-max-cells 5 ran (its check skipped, the value read by nothing: no UMAP is
    drawn without the report); the two flags together are now refused in one line, before any reading."""
    import jae

    called = []
    monkeypatch.setattr(jae, "evaluate_files", lambda *a, **k: called.append(k))
    base = ["evaluate", "--mod1", str(tmp_path / "a.h5ad"), "--prediction", str(tmp_path / "e.h5ad"), "--out",
            str(tmp_path / "r"), "--no-report"]
    for value in ("5", "50000", "all"):  # the default's value given is given too
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="jae"):
            assert main([*base, "--umap-max-cells", value]) == 1
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == ["--umap-max-cells sizes the report's UMAPs, which --no-report leaves out: drop one of "
                          "them"], errors
    assert not called
    parsed = jae.cli.build_parser().parse_args(["evaluate", "--mod1", "a.h5ad", "--out", "r", "--umap-max-cells",
                                                "all"])
    assert parsed.umap_max_cells is None and parsed.no_report is False  # with the report: taken as before


def test_map_refuses_a_seed_that_no_training_reads(query, tmp_path, caplog):
    """jae map --epochs 0 --seed 5 wrote a mapping whose record says seed 5, though no step of training ran to read
    it (the shifts stay zero); it is now refused in one line and nothing is written."""
    argv = ["-q", "map", "--model", str(query / "model"), "--mod1", str(query / "q.rna.h5ad"), "--out",
            str(tmp_path / "m0"), "--epochs", "0", "--seed", "5", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--seed seeds the training of the shifts, which --epochs 0 skips: drop --seed"], errors
    assert not (tmp_path / "m0").exists()
    assert main(argv[:-4] + ["--device", "cpu"]) == 0  # --epochs 0 alone: the reference's own embedding
