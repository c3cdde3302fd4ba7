"""Session 43 user pass: the CLI's words for a model folder that does not exist (--model) and for the hashtag
modality's log line (--batch-key); --other-mod's help names the hashtags it sets aside."""

from __future__ import annotations

import re

import pytest

from jae.cli import main
from jae.cli._messages import cli_message, cli_words
from jae.io.modality import log_set_aside


def test_missing_model_folder_is_named_as_the_model_flag(tmp_path, capsys, caplog):
    assert main(["embed", "--model", str(tmp_path / "no_model"), "--mod1", str(tmp_path / "x.h5ad"), "--out",
                 str(tmp_path / "e.h5ad")]) != 0
    err = capsys.readouterr().err + " ".join(r.getMessage() for r in caplog.records)
    assert f"--model {tmp_path / 'no_model'} does not exist; pass the folder a model was saved to" in err, err


def test_hashtag_line_names_the_batch_key_flag(caplog):
    with caplog.at_level("INFO", logger="jae"):
        log_set_aside("x.h5mu", ["hto"])
    (line,) = [r.getMessage() for r in caplog.records]
    assert "batch_key (--batch-key)" in line
    assert cli_message(cli_words(line, "embed")).endswith("a sample column passed as --batch-key")


def test_other_mod_help_names_the_hashtags_set_aside(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    help_ = re.search(r"--other-mod NAME (.*?) --layer", text).group(1)
    assert "hto" in help_ and "Multiplexing Capture" in help_, help_


def test_h5mu_given_as_h5ad_names_the_rna_modality_to_save_not_the_first(tmp_path):
    import anndata as ad
    import mudata as md
    import numpy as np
    import pandas as pd

    from jae.io import InputFiles

    cells = pd.DataFrame(index=[f"c{i}" for i in range(3)])
    mods = {name: ad.AnnData(np.ones((3, 2), np.float32), obs=cells.copy(),
                             var=pd.DataFrame(index=[f"{name}{j}" for j in range(2)])) for name in ("hto", "rna")}
    md.MuData(mods).write(tmp_path / "x.h5mu")
    with pytest.raises(ValueError, match=r"is a MuData file \(modalities \['hto', 'rna'\]\).*mdata\.mod\['rna'\]"):
        InputFiles(h5ad=tmp_path / "x.h5mu").read()


@pytest.mark.parametrize("name, flag", [("x.h5mu", "--h5mu FILE"), ("x.h5ad", "--mod1 FILE"), ("x.h5", "--10x FILE")])
def test_a_data_file_given_without_its_flag_names_the_flag(capsys, name, flag):
    with pytest.raises(SystemExit) as stop:
        main(["fit", name, "--out", "model"])
    assert stop.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"unrecognized arguments: {name}; jae fit takes its input by flag: {flag}" in err, err


def test_other_unrecognized_arguments_point_at_the_verbs_help(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--out", "model", "--bogus"])
    assert capsys.readouterr().err == "jae fit: error: unrecognized arguments: --bogus; jae fit --help lists the flags\n"
