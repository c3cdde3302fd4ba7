"""Session 56: a refusal of jae.map_files / jae.embed_files names a fix that repeats the jae.io.InputFiles options the
user gave. The fix's InputFiles had the file and the modality named (rna=<name> / other=<name>) alone, so run as
written it lost layer= (counts in layer 'raw', .X normalised: refused as normalised), annotations= (the batch column
they hold: refused as missing) and the rna= given beside other=<name>; the call in memory lost the layer, the
annotations and the mapping's epochs and seed. Each fix below runs as written."""

from __future__ import annotations

import re

import anndata
import mudata
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae import JAE
from jae.io import InputFiles

from conftest import cite_query_reference  # tests/ is on sys.path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    model, q = cite_query_reference()
    d = tmp_path_factory.mktemp("s56calls")
    model.save(d / "model")

    def raw_layer(a):  # counts in layer 'raw' only, X normalised
        a = a.copy()
        counts = sp.csr_matrix(a.layers["counts"])
        a.layers = {"raw": counts}
        a.X = sp.csr_matrix(np.log1p(counts.multiply(1e4 / np.maximum(counts.sum(axis=1), 1)).tocsr()))
        return a

    prot2 = q["prot"].copy()
    prot2.var_names = [f"{v}_2" for v in prot2.var_names]  # (names apart: MuData warns of shared ones)
    paths = {}
    for name, mods in (("named", {"genes": q["rna"], "prot": q["prot"]}), ("prot", {"prot": q["prot"]}),
                       ("three", {"genes": q["rna"], "prot": q["prot"], "prot2": prot2})):
        mudata.MuData({k: raw_layer(v) for k, v in mods.items()}).write(paths.setdefault(name, str(d / f"{name}.h5mu")))
    ann = anndata.AnnData(obs=q.obs[[]].assign(run=q.obs["batch"].to_numpy()))  # the batches: in this file alone
    ann.write_h5ad(paths.setdefault("ann", str(d / "ann.h5ad")))
    return d, paths, q.n_obs


def _refusal(call) -> str:
    with pytest.raises((KeyError, ValueError)) as info:
        call()
    line = info.value.args[0]
    assert "\n" not in line, line
    return line


def _inputs(paths, name, **kw):
    return InputFiles(h5mu=paths[name], layer="raw", annotations=[paths["ann"]], **kw)


@pytest.mark.parametrize("name, given, fill", [("named", {}, ("rna", "genes")),
                                               ("three", {"rna": "genes"}, ("other", "prot"))])
def test_map_files_fix_repeats_the_input_options_and_runs(files, tmp_path, name, given, fill):
    d, paths, n = files
    out = str(tmp_path / "mapped")
    line = _refusal(lambda: jae.map_files(_inputs(paths, name, **given), str(d / "model"), out, batch_key="run",
                                          epochs=1, progress_bar=False))
    fix = re.search(r"call (jae\.map_files\(.*\))$", line)
    assert fix, line
    result = eval(fix.group(1).replace("<name>", repr(fill[1])), {"jae": jae})  # the fix as written
    assert result.n_cells == n and JAE.load(out, device="cpu").mappings[-1]["n_cells"] == n
    assert "layer='raw'" in fix.group(1) and repr(paths["ann"]) in fix.group(1), line
    for k, v in given.items():
        assert f"{k}={v!r}" in fix.group(1), line


def test_embed_files_fix_repeats_the_input_options_and_runs(files, tmp_path):
    d, paths, n = files
    out = str(tmp_path / "emb.h5ad")
    line = _refusal(lambda: jae.embed_files(_inputs(paths, "named"), str(d / "model"), out, finetune_epochs=0,
                                            progress_bar=False))
    fix = re.search(r"call (jae\.embed_files\(.*\))$", line)
    assert fix, line
    eval(fix.group(1).replace("<name>", "'genes'"), {"jae": jae})  # the fix as written
    assert anndata.read_h5ad(out).n_obs == n and "layer='raw'" in fix.group(1)


@pytest.mark.parametrize("entry", ["map_files", "embed_files"])
def test_the_call_in_memory_keeps_the_layer_annotations_and_mapping_arguments(files, tmp_path, entry):
    d, paths, n = files
    out = str(tmp_path / "o")
    if entry == "map_files":
        run = lambda: jae.map_files(_inputs(paths, "prot"), str(d / "model"), out, batch_key="run", epochs=1,
                                    seed=7, progress_bar=False)
    else:
        run = lambda: jae.embed_files(_inputs(paths, "prot"), str(d / "model"), out + ".h5ad", progress_bar=False)
    line = _refusal(run)
    read = re.search(r"read the file into memory: (jae\.JAE\.load\(.*\))$", line)
    assert read, line
    result = eval(read.group(1), {"jae": jae, "mudata": mudata})  # the call as written
    assert "layer='raw'" in read.group(1) and "join_annotations(" in read.group(1), line
    if entry == "map_files":
        assert "epochs=1, seed=7" in read.group(1), line
        mapped = JAE.load(out, device="cpu").mappings[-1]
        assert mapped["n_cells"] == n and mapped["seed"] == 7
    else:
        assert result.shape[0] == n and np.isfinite(result).all()


@pytest.mark.parametrize("entry", ["map_files", "embed_files"])
def test_the_layer_fix_names_input_files_layer_which_the_call_takes(files, tmp_path, entry):
    """Counts in layer 'raw' read as the default 'counts' (absent: .X, normalised) were refused with "pass layer=...",
    an argument jae.map_files and jae.embed_files lack: it is jae.io.InputFiles'."""
    d, paths, n = files
    call = getattr(jae, entry)
    kw = {"batch_key": "run", "epochs": 1} if entry == "map_files" else {"finetune_epochs": 0}
    suffix = "" if entry == "map_files" else ".h5ad"

    def run(**layer):
        return call(InputFiles(h5mu=paths["named"], rna="genes", annotations=[paths["ann"]], **layer), str(d / "model"),
                    str(tmp_path / f"o{len(layer)}{suffix}"), progress_bar=False, **kw)
    line = _refusal(run)
    assert "pass jae.io.InputFiles(..., layer=...)" in line and "pass layer=" not in line, line
    assert run(layer="raw").n_cells == n  # as it says
