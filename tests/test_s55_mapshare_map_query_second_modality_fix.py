"""``JAE.map_query`` given an ``.h5mu`` of proteins alone as a path (or as a backed MuData, read lazily from its file)
is refused by the file's reader, whose fix was embed's, ``model.embed(mudata.read_h5mu(path))``: it places the cells
without mapping them. The Python message now names the call that maps them, ``model.map_query(...)`` with the file
(and the ``batch_key`` given), and ``map_query``'s own fix for a modality named otherwise (it takes no ``rna=``);
each runs as written (session 55; ``jae map``'s message was fixed in session 54 through ``jae.cli._messages``)."""

from __future__ import annotations

import re

import mudata
import numpy as np
import pytest

import jae
from jae import simulate

from conftest import cite_query_reference  # tests/ is on sys.path


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    model, query = cite_query_reference()
    path = tmp_path_factory.mktemp("s55map") / "prot.h5mu"
    only = mudata.MuData({"prot": query["prot"].copy()})
    only.obs["run"] = query.obs["batch"].to_numpy()
    only.write(path)
    return model, path, query.n_obs


def _refusal(model, data, **kw) -> str:
    with pytest.raises(KeyError) as info:
        model.map_query(data, progress_bar=False, **kw)
    return info.value.args[0]


@pytest.mark.parametrize("lazily", [False, True], ids=["path", "backed"])
def test_map_query_names_its_own_call_for_second_modality_cells(reference, lazily):
    model, path, n_query = reference
    data = mudata.read_h5mu(path, backed=True) if lazily else str(path)
    line = _refusal(model, data, batch_key="run")
    assert "model.embed(" not in line and "\n" not in line and "pass rna=" not in line, line
    found = re.search(r"or read the file into memory: (model\.map_query\(mudata\.read_h5mu\((.*?)\), "
                      r"batch_key='run', progress_bar=False\))$", line)  # the arguments given, as given
    assert found and found.group(2) == repr(str(path)), line
    assert f"call model.map_query(jae.io.open_h5mu({str(path)!r}, rna=<name>), batch_key='run', progress_bar=False)" \
        in line
    mapped = eval(found.group(1), {"model": model, "mudata": mudata})  # the fix, as written, maps them
    assert mapped.mappings[-1]["batches"] == ["s1d3"] and mapped.mappings[-1]["n_cells"] == n_query
    emb = mapped.embed(mudata.read_h5mu(path), key_added=None)
    assert emb.shape == (n_query, len(mapped.column_names)) and np.isfinite(emb).all()


def test_map_query_fix_without_batch_key_and_embed_keeps_its_own(reference):
    model, path, _ = reference
    line = _refusal(model, str(path))
    assert line.endswith(f"model.map_query(mudata.read_h5mu({str(path)!r}), progress_bar=False)"), line
    with pytest.raises(KeyError, match=re.escape(f"model.embed(mudata.read_h5mu({str(path)!r}), key_added=None)")):
        model.embed(str(path), key_added=None)  # embed's fix is embed's


def test_map_query_names_open_h5mu_for_rna_named_otherwise(reference, tmp_path):
    model, path, n_query = reference
    m = simulate(400, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=3, seed=3)
    query = m[(m.obs["batch"] == "s1d3").to_numpy()].copy()
    named = mudata.MuData({"genes": query["rna"].copy(), "prot": query["prot"].copy()})
    named.obs["batch"] = query.obs["batch"].to_numpy()
    named.write(tmp_path / "named.h5mu")
    line = _refusal(model, str(tmp_path / "named.h5mu"))
    assert "pass rna=" not in line, line  # map_query takes no rna=
    call = f"model.map_query(jae.io.open_h5mu({str(tmp_path / 'named.h5mu')!r}, rna=<name>), progress_bar=False)"
    assert line.endswith("; call " + call), line
    mapped = eval(call.replace("<name>", "'genes'"), {"model": model, "jae": jae})
    assert mapped.mappings[-1]["n_cells"] == n_query
