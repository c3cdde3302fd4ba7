"""``jae map`` given cells measured in the second modality alone (``--mod2`` alone, the proteins as ``--mod1``, an
``.h5mu`` holding proteins alone) is refused, as ``jae embed`` refuses them; the fix it named was jae embed's,
``model.embed(...)``, which places the cells without mapping them (no shift for their batch, no model written). It now
names the call that maps them onto ``--model`` and saves the mapped model to ``--out``, and that call runs as written
(session 54's mapping stress sweep)."""

from __future__ import annotations

import logging
import re

import anndata
import mudata
import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig, simulate
from jae.cli import main


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    m = simulate(500, kind="cite", n_genes=300, n_proteins=20, n_cell_types=3, n_batches=3, seed=5)
    ref = m[(m.obs["batch"] != "s1d3").to_numpy()].copy()
    query = m[(m.obs["batch"] == "s1d3").to_numpy()].copy()
    folder = tmp_path_factory.mktemp("s54map")
    JAE(JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu").fit(ref, progress_bar=False).save(folder / "model")
    prot = query["prot"].copy()
    prot.obs["batch"] = query.obs["batch"].to_numpy()
    prot.write_h5ad(folder / "q.mod2.h5ad")
    only = mudata.MuData({"prot": prot.copy()})
    only.obs["batch"] = query.obs["batch"].to_numpy()
    only.write(folder / "prot.h5mu")
    return folder, query.n_obs


@pytest.mark.parametrize("flags", [["--mod2", "q.mod2.h5ad"], ["--mod1", "q.mod2.h5ad"], ["--h5mu", "prot.h5mu"]])
def test_map_names_the_call_that_maps_second_modality_cells_and_it_runs(reference, flags, tmp_path, caplog,
                                                                        monkeypatch):
    folder, n_query = reference
    monkeypatch.chdir(folder)
    out = tmp_path / "mapped"
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "map", "--model", "model", *flags, "--out", str(out)]) == 1
    assert not out.exists()
    line = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR][-1]
    assert "model.embed(" not in line and "\n" not in line
    found = re.search(r"(?:second modality alone are mapped|or map them) in Python: (jae\.JAE\.load\('model'\)"
                      r"\.map_query\(.*\)\.save\('[^']*'\))$", line)
    assert found, line
    call = found.group(1).replace("FILE", repr(flags[1]))
    eval(call, {"jae": jae, "mudata": mudata, "anndata": anndata})  # the fix as written
    mapped = JAE.load(out, device="cpu")
    assert mapped.mappings[-1]["batches"] == ["s1d3"] and mapped.mappings[-1]["n_cells"] == n_query
    emb = mapped.embed(anndata.read_h5ad(folder / "q.mod2.h5ad") if flags[0] != "--h5mu"
                       else mudata.read_h5mu(folder / "prot.h5mu"), key_added=None)
    assert emb.shape == (n_query, len(mapped.column_names)) and np.isfinite(emb).all()


def test_map_fix_keeps_the_batch_key_given(reference, tmp_path, caplog, monkeypatch):
    folder, _ = reference
    monkeypatch.chdir(folder)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "map", "--model", "model", "--mod2", "q.mod2.h5ad", "--batch-key", "batch",
                     "--out", str(tmp_path / "m")]) == 1
    assert (".map_query(mudata.MuData({'mod2': anndata.read_h5ad('q.mod2.h5ad')}), batch_key='batch')"
            f".save({str(tmp_path / 'm')!r})") in caplog.text


def test_embed_keeps_its_own_fix(reference, tmp_path, caplog, monkeypatch):
    folder, _ = reference
    monkeypatch.chdir(folder)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "embed", "--model", "model", "--mod2", "q.mod2.h5ad", "--out", str(tmp_path / "e.h5ad")]) == 1
    assert ("second modality alone are embedded in Python: model.embed(mudata.MuData({'mod2': "
            "anndata.read_h5ad('q.mod2.h5ad')}))") in caplog.text and "map_query" not in caplog.text
