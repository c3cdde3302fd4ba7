"""Session 40: a path that exists but is no model folder, where a model goes, was refused in three wordings: 'jae fit
--out' and 'jae predict --save-model' said "... (no model.json); choose another --out", JAE.save and
ModalityPredictor.save "..., which is never replaced; choose another folder", jae demo "... (no model.json), which is
never replaced; move it or choose another --out". One function now words the refusal for all of them."""

from __future__ import annotations

import logging
import re

import pytest

import jae
from jae.cli import main
from jae.prediction import ModalityPredictor

SAID = "exists and is not a jae model folder (no model.json), which is never replaced; move it or choose another "


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("not_a_model_folder")
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=2, seed=3)
    m.write(d / "x.h5mu")
    m["rna"].write_h5ad(d / "a.h5ad")
    m["prot"].write_h5ad(d / "b.h5ad")
    (d / "busy").mkdir()
    (d / "busy" / "notes.txt").write_text("mine")
    return d, m


@pytest.mark.parametrize("verb", ["fit", "predict"])
def test_cli_refusals_share_one_wording(files, tmp_path, caplog, verb):
    d, _ = files
    args = (["fit", "--h5mu", str(d / "x.h5mu"), "--out", str(d / "busy")] if verb == "fit" else
            ["predict", "--train-mod1", str(d / "a.h5ad"), "--train-mod2", str(d / "b.h5ad"), "--test-mod1",
             str(d / "a.h5ad"), "--out", str(tmp_path / "p.h5ad"), "--save-model", str(d / "busy")])
    flag = "--out" if verb == "fit" else "--save-model"
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", *args, "--overwrite"]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert said == [f"{flag} {d / 'busy'} {SAID}{flag}"], said
    assert (d / "busy" / "notes.txt").read_text() == "mine"


def test_saving_a_model_there_says_the_same(files):
    d, m = files
    model = ModalityPredictor("mean").fit(m["rna"], m["prot"])
    with pytest.raises(FileExistsError, match="^" + re.escape(f"{d / 'busy'} {SAID}folder") + "$"):
        model.save(d / "busy", overwrite=True)
    assert (d / "busy" / "notes.txt").read_text() == "mine"
