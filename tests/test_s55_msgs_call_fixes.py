"""A file's refusal names a fix the user can run as written, in the words of the call they made (session 55,
jae.io.call_fixes). An .h5mu whose RNA modality is named otherwise ('genes'), one of three modalities, or of proteins
alone was refused by model.embed / model.predict_cell_type with "pass rna=<name>" / "pass other=<name>", arguments
they lack, and jae.io.open_h5mu of proteins alone named model.embed(...) as if the next call were known;
jae.map_files named model.embed(...) for cells to map. Each entry point now names its own call, built from one table
(entry point -> call), and each fix below runs as written; jae map's words (flags) are unchanged."""

from __future__ import annotations

import logging
import re

import anndata
import mudata
import numpy as np
import pandas as pd
import pytest

import jae
from jae import JAE
from jae.io import InputFiles

from conftest import cite_query_reference  # tests/ is on sys.path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    model, q = cite_query_reference()
    d = tmp_path_factory.mktemp("s55msgs")
    model.save(d / "model")
    peaks = anndata.AnnData(np.random.default_rng(0).poisson(1, (q.n_obs, 30)).astype(np.float32),
                            obs=q["rna"].obs[[]], var=pd.DataFrame(index=[f"chr1:{i}000-{i}500" for i in range(1, 31)]))
    mods = {"named": {"genes": q["rna"], "prot": q["prot"]}, "prot": {"prot": q["prot"]},
            "three": {"rna": q["rna"], "prot": q["prot"], "atac": peaks}}
    paths = {}
    for name, held in mods.items():
        mdata = mudata.MuData({k: v.copy() for k, v in held.items()})
        mdata.obs["run"] = q.obs["batch"].to_numpy()
        mdata.write(paths.setdefault(name, str(d / f"{name}.h5mu")))
    paths["mod2"] = str(d / "q.mod2.h5ad")
    alone = q["prot"].copy()
    alone.obs["run"] = q.obs["batch"].to_numpy()
    alone.write_h5ad(paths["mod2"])
    return model, d, paths, q.n_obs


def _refusal(call, error=(KeyError, ValueError)) -> str:
    with pytest.raises(error) as info:
        call()
    line = info.value.args[0]
    assert "\n" not in line and "--" not in line, line  # one line, Python's words (no CLI flag)
    return line


def _ran(result, n: int) -> None:
    if isinstance(result, pd.DataFrame):  # predict_cell_type: a row per cell
        assert len(result) == n and result["cell_type"].notna().all()
    else:  # embed: a finite embedding of every cell
        assert result.shape[0] == n and np.isfinite(result).all()


@pytest.mark.parametrize("method", ["embed", "predict_cell_type"])
def test_embed_and_predict_name_their_own_call_for_each_refused_file(files, method):
    model, _, paths, n = files
    scope = {"model": model, "jae": jae, "mudata": mudata}
    kw = {"key_added": None}
    call = getattr(model, method)
    for name, argument, value in (("named", "rna", "genes"), ("three", "other", "prot"), ("prot", "rna", None)):
        line = _refusal(lambda: call(paths[name], **kw))
        assert f"pass {argument}=" not in line and "model.embed(" not in line.replace(f"model.{method}(", "X("), line
        given = ", key_added=None" if method == "embed" else ""  # (predict_cell_type's default: not repeated)
        fix = f"call model.{method}(jae.io.open_h5mu({paths[name]!r}, {argument}=<name>){given})"
        assert fix in line, line
        if value is not None:  # the fix as written, with the modality's name
            _ran(eval(fix[5:].replace("<name>", repr(value)), scope), n)
        if name != "named":  # the file read into memory, as the line names it
            read = re.search(rf"read the file into memory[^:]*: (model\.{method}\(mudata\.read_h5mu\(.*?\)"
                             rf"{given}\))$", line)  # the user's other arguments too
            assert read and f"({paths[name]!r})" in read.group(1), line
            _ran(eval(read.group(1), scope), n)


def test_open_h5mu_of_proteins_alone_names_the_choices_not_one_call(files):
    model, _, paths, n = files
    line = _refusal(lambda: jae.io.open_h5mu(paths["prot"]), KeyError)
    assert "pass rna=<name>" in line  # open_h5mu's own argument
    found = re.search(r"or read the file into memory: (model\.embed\((.*?)\)) places them, "
                      r"(model\.map_query\((.*?)\)) maps them$", line)
    assert found and found.group(2) == found.group(4) == f"mudata.read_h5mu({paths['prot']!r})", line
    _ran(eval(found.group(1), {"model": model, "mudata": mudata}), n)
    mapped = eval(found.group(3)[:-1] + ", batch_key='run', progress_bar=False)", {"model": model, "mudata": mudata})
    assert mapped.mappings[-1]["n_cells"] == n
    named = _refusal(lambda: jae.io.open_h5mu(paths["named"]), KeyError)
    assert named.endswith("; pass rna=<name>"), named
    assert jae.io.open_h5mu(paths["named"], rna="genes").n_obs == n  # as it says


def test_map_files_names_map_files_and_map_query_never_embed(files, tmp_path):
    model, d, paths, n = files
    folder = str(d / "model")
    scope = {"jae": jae, "mudata": mudata, "anndata": anndata, "model": model}

    def refused(inputs, out):
        return _refusal(lambda: jae.map_files(inputs, folder, out, batch_key="run", progress_bar=False))

    out = str(tmp_path / "a")
    line = refused(InputFiles(h5mu=paths["named"]), out)
    fix = f"call jae.map_files(jae.io.InputFiles(h5mu={paths['named']!r}, rna=<name>), {folder!r}, {out!r}, " \
          "batch_key='run', progress_bar=False)"
    assert line.endswith(fix) and "model.embed" not in line, line
    eval(fix[5:].replace("<name>", "'genes'"), scope)
    assert JAE.load(out).mappings[-1]["n_cells"] == n  # the fix as written maps them
    out = str(tmp_path / "b")
    line = refused(InputFiles(h5mu=paths["prot"]), out)
    read = f"jae.JAE.load({folder!r}).map_query(mudata.read_h5mu({paths['prot']!r}), batch_key='run', " \
        f"progress_bar=False).save({out!r})"  # (progress_bar: repeated since session 56)
    assert line.endswith("or read the file into memory: " + read) and "model.embed" not in line, line
    out = str(tmp_path / "c")
    line = refused(InputFiles(mod1=paths["mod2"]), out)
    read = re.search(r"second modality alone are read from memory: (jae\.JAE\.load\(.*\)\.save\((.*?)\))$", line)
    assert read and read.group(2) == repr(out) and "model.embed" not in line, line
    eval(read.group(1), scope)
    assert JAE.load(out).mappings[-1]["n_cells"] == n


def test_map_files_of_cells_streamed_names_the_mapping_in_memory(files, tmp_path):
    """A refusal while the query is streamed (rows of NaN, jae's layout in memory) named model.embed(...) too."""
    model, d, paths, n = files
    mdata = mudata.read_h5mu(paths["three"])
    prot = mdata["prot"].copy()
    prot.X = np.asarray(prot.X.todense() if hasattr(prot.X, "todense") else prot.X, dtype=np.float32)
    prot.X[:20] = np.nan
    prot.layers["counts"] = prot.X.copy()
    nan_rows = mudata.MuData({"rna": mdata["rna"].copy(), "prot": prot})
    nan_rows.obs["run"] = mdata.obs["run"].to_numpy()
    nan_rows.write(path := str(tmp_path / "nan_rows.h5mu"))
    out = str(tmp_path / "m")
    line = _refusal(lambda: jae.map_files(InputFiles(h5mu=path), str(d / "model"), out, batch_key="run",
                                          progress_bar=False), ValueError)
    call = f"jae.JAE.load({str(d / 'model')!r}).map_query(mudata.read_h5mu({path!r}), batch_key='run', " \
           f"progress_bar=False).save({out!r})"
    assert line.endswith(f"in Python, {call})") and "model.embed" not in line, line
    eval(call, {"jae": jae, "mudata": mudata})
    assert JAE.load(out).mappings[-1]["n_cells"] == n  # as written, it maps them


def test_jae_map_keeps_the_readers_words_as_flags(files, tmp_path, caplog):
    from jae.cli import main

    _, d, paths, _ = files
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "map", "--model", str(d / "model"), "--h5mu", paths["named"], "--batch-key", "run",
                     "--out", str(tmp_path / "m")]) == 1
    assert "available modalities: ['genes', 'prot']; pass --rna-mod NAME" in caplog.text
    assert "jae.map_files(" not in caplog.text and "rna=" not in caplog.text
