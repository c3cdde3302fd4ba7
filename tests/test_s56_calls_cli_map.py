"""Session 56: ``jae map`` given cells measured in the second modality alone names the Python call that maps them
(session 54). That call was written by jae.cli._messages.map_words itself, a twin of jae.map_files' call in memory
(jae.io.call_fixes), and it kept --model, --batch-key and --out alone: given --layer, --annotations, --epochs or
--seed it dropped them, so run as written it was refused (counts in layer 'raw', .X normalised; the batch column in
the annotations) or mapped otherwise. map_words now fills in jae.io.call_fixes' map_files row, with the flags given;
with the default flags its words are unchanged (tests/test_s54_mapstress_map_second_modality_fix.py)."""

from __future__ import annotations

import logging
import re

import anndata
import mudata
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae import JAE
from jae.cli import main

from conftest import cite_query_reference  # tests/ is on sys.path


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    model, q = cite_query_reference()
    d = tmp_path_factory.mktemp("s56climap")
    model.save(d / "model")
    prot = q["prot"].copy()
    counts = sp.csr_matrix(prot.layers["counts"])
    prot.layers = {"raw": counts}  # counts in layer 'raw' only, X normalised
    prot.X = sp.csr_matrix(np.log1p(counts.multiply(1e4 / np.maximum(counts.sum(axis=1), 1)).tocsr()))
    prot.write_h5ad(d / "q.mod2.h5ad")
    mudata.MuData({"prot": prot}).write(d / "prot.h5mu")
    anndata.AnnData(obs=q.obs[[]].assign(run=q.obs["batch"].to_numpy())).write_h5ad(d / "ann.h5ad")  # the batches
    return d, q.n_obs


@pytest.mark.parametrize("flags", [["--h5mu", "prot.h5mu"], ["--mod2", "q.mod2.h5ad"], ["--mod1", "q.mod2.h5ad"]])
def test_map_fix_keeps_the_flags_given_and_runs(folder, flags, tmp_path, caplog, monkeypatch):
    d, n = folder
    monkeypatch.chdir(d)
    out = tmp_path / "mapped"
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "map", "--model", "model", *flags, "--layer", "raw", "--annotations", "ann.h5ad",
                     "--batch-key", "run", "--epochs", "1", "--seed", "7", "--out", str(out)]) == 1
    line = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR][-1]
    found = re.search(r"(?:second modality alone are mapped|or map them) in Python: (jae\.JAE\.load\('model'\)"
                      r"\.map_query\(.*\)\.save\('[^']*'\))$", line)
    assert found and "\n" not in line, line
    eval(found.group(1).replace("FILE", repr(flags[1])), {"jae": jae, "mudata": mudata, "anndata": anndata})
    done = JAE.load(out, device="cpu").mappings[-1]  # the fix as written
    assert done["n_cells"] == n and done["seed"] == 7 and done["batches"]
    assert "layer='raw'" in found.group(1) and "epochs=1, seed=7" in found.group(1), line
