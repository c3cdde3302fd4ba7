"""Session 37: jae fit / map logged 'saved jae model to FOLDER' and then printed 'model written to FOLDER'; jae embed
logged 'wrote FILE' and then printed 'written to FILE'. The verb's own last line says it once; the library's line
logs at DEBUG (-v)."""

from __future__ import annotations

import logging

from jae.cli import main
from jae.datasets import simulate


def _info_naming(caplog, path) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.INFO and r.name.startswith("jae") and str(path) in r.getMessage()]


def test_fit_and_embed_say_where_they_wrote_once(tmp_path, caplog, capsys):
    data = tmp_path / "d.h5mu"
    simulate(200, kind="cite", n_genes=200, n_proteins=8, n_batches=2, seed=0).write(data)
    model, out = tmp_path / "model", tmp_path / "e.h5ad"
    with caplog.at_level(logging.DEBUG, logger="jae"):
        assert main(["-v", "fit", "--h5mu", str(data), "--out", str(model), "--max-epochs", "1", "--device", "cpu"]) == 0
        assert main(["-v", "embed", "--h5mu", str(data), "--model", str(model), "--out", str(out), "--device", "cpu",
                     "--finetune-epochs", "0"]) == 0
    printed = capsys.readouterr().out
    assert f"model written to {model}" in printed and f"written to {out}" in printed
    assert _info_naming(caplog, model) == [] and _info_naming(caplog, out) == []
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert f"saved jae model to {model}" in debug and f"wrote {out}" in debug


def test_predict_names_the_saved_predictor_in_its_last_line(tmp_path, capsys):
    """With the library's 'saved predictor model to' at DEBUG, jae predict --save-model's last line names the folder."""
    m = simulate(120, kind="cite", n_genes=200, n_proteins=8, n_batches=2, seed=0)
    rna, prot = m["rna"], m["prot"]
    rna[:80].write_h5ad(tmp_path / "train.mod1.h5ad")
    prot[:80].write_h5ad(tmp_path / "train.mod2.h5ad")
    rna[80:].write_h5ad(tmp_path / "test.mod1.h5ad")
    argv = ["predict", "--train-mod1", tmp_path / "train.mod1.h5ad", "--train-mod2", tmp_path / "train.mod2.h5ad",
            "--test-mod1", tmp_path / "test.mod1.h5ad", "--output", tmp_path / "p.h5ad", "--method", "ridge",
            "--save-model", tmp_path / "model", "--device", "cpu"]
    assert main(list(map(str, argv))) == 0
    assert f"written to {tmp_path / 'p.h5ad'}; predictor saved in {tmp_path / 'model'}" in capsys.readouterr().out
