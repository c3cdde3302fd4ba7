"""Session 56: an .h5mu whose second modality reads as GEX (proteins whose var['feature_types'] says 'Gene
Expression') was refused by model.embed, model.fit, jae.map_files, ... with "pass other=<name> or other_kind='ATAC' /
'ADT'", arguments those calls lack (only jae.io.read_h5mu / open_h5mu take other_kind; jae.io.InputFiles names it
mod2_kind). Each call now names its own fix (jae.io.call_fixes), and the fix that gives the kind runs as written; the
readers' own words are unchanged."""

from __future__ import annotations

import re

import mudata

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.io import InputFiles

from conftest import cite_query_reference  # tests/ is on sys.path

KIND = r"\) or ((?:model|jae)\.\w+\(.*<'ATAC' / 'ADT'>.*)$"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    model, q = cite_query_reference()
    d = tmp_path_factory.mktemp("s56kind")
    model.save(d / "model")
    rna, prot = q["rna"].copy(), q["prot"].copy()
    for a in (rna, prot):
        a.var["feature_types"] = "Gene Expression"  # the proteins too: said to be genes
    m = mudata.MuData({"rna": rna, "prot": prot})
    m.obs["batch"] = q.obs["batch"].to_numpy()
    m.obs["cell_type"] = q.obs["cell_type"].to_numpy() if "cell_type" in q.obs else "a"
    m.write(path := str(d / "genes.h5mu"))
    return model, d, path, q.n_obs


def _fix(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    line = info.value.args[0]
    assert "is GEX like" in line and "pass other=" not in line and "\n" not in line, line
    found = re.search(KIND, line)
    assert found, line
    return found.group(1).replace("<'ATAC' / 'ADT'>", "'ADT'")


@pytest.mark.parametrize("method", ["embed", "predict_cell_type"])
def test_model_calls_name_open_h5mu_with_the_kind_and_it_runs(files, method):
    model, _, path, n = files
    fix = _fix(lambda: getattr(model, method)(path, key_added=None))
    assert fix.startswith(f"model.{method}(jae.io.open_h5mu({path!r}, other_kind='ADT')"), fix
    result = eval(fix, {"model": model, "jae": jae})  # the fix as written
    assert len(result) == n


def test_map_files_names_mod2_kind_and_it_runs(files, tmp_path):
    _, d, path, n = files
    out = str(tmp_path / "mapped")
    fix = _fix(lambda: jae.map_files(InputFiles(h5mu=path), str(d / "model"), out, epochs=1, progress_bar=False))
    assert fix.startswith(f"jae.map_files(jae.io.InputFiles(h5mu={path!r}, mod2_kind='ADT')"), fix
    eval(fix, {"jae": jae})
    assert JAE.load(out, device="cpu").mappings[-1]["n_cells"] == n


def test_fit_names_open_h5mu_with_the_kind_and_it_runs(files):
    _, _, path, n = files
    model = JAE(JAEConfig(max_epochs=1, mode="unsupervised"), seed=0, device="cpu")
    fix = _fix(lambda: model.fit(path, cell_type_key=None, progress_bar=False))
    assert fix.startswith(f"model.fit(jae.io.open_h5mu({path!r}, other_kind='ADT')"), fix
    eval(fix, {"model": model, "jae": jae})
    assert np.isfinite(model.embed(jae.io.open_h5mu(path, other_kind="ADT"), key_added=None)).all()
    with pytest.raises(ValueError, match=r"pass other=<name> or other_kind='ATAC' / 'ADT'$"):  # the reader's words
        jae.io.read_h5mu(path)
