"""Session 55 review of jae.io.call_fixes: a fix repeats the arguments the user gave (a layer goes to open_h5mu,
which keeps it; overwrite to the call that writes), names the file refused (not the first of a pair, and never
mudata.read_h5mu of an .h5ad), a zarr store's reader, and for calls without a row of their own (model.latent, ...)
the data to give rather than model.embed."""

from __future__ import annotations

import re

import anndata
import mudata
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.io import InputFiles

from conftest import cite_query_reference  # tests/ is on sys.path


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    model, q = cite_query_reference()
    d = tmp_path_factory.mktemp("s55review")
    model.save(d / "model")
    run = q.obs["batch"].to_numpy()

    def raw_layer(a):  # counts in layer 'raw', X normalised
        a = a.copy()
        counts = sp.csr_matrix(a.layers["counts"])
        a.layers = {"raw": counts}
        a.X = sp.csr_matrix(np.log1p(counts.multiply(1e4 / np.maximum(counts.sum(axis=1), 1)).tocsr()))
        return a

    paths = {"raw": str(d / "raw.h5mu"), "prot_zarr": str(d / "prot.zarr"), "named": str(d / "named.h5mu"),
             "prot": str(d / "prot.h5mu")}
    m = mudata.MuData({"genes": raw_layer(q["rna"]), "prot": raw_layer(q["prot"])})
    m.obs["run"] = run
    m.write(paths["raw"])
    for name, mods in (("named", {"genes": q["rna"].copy(), "prot": q["prot"].copy()}),
                       ("prot", {"prot": q["prot"].copy()})):
        m = mudata.MuData(mods)
        m.obs["run"] = run
        m.write(paths[name])
    m.write_zarr(paths["prot_zarr"])
    return model, d, paths, q


def _refusal(call, error=(KeyError, ValueError)) -> str:
    with pytest.raises(error) as info:
        call()
    return info.value.args[0]


def test_a_layer_given_goes_to_open_h5mu_and_the_fix_runs(setup):
    model, _, paths, q = setup
    line = _refusal(lambda: model.embed(paths["raw"], layer="raw", key_added=None))
    fix = f"call model.embed(jae.io.open_h5mu({paths['raw']!r}, rna=<name>, layer='raw'), key_added=None)"
    assert fix in line, line
    emb = eval(fix[5:].replace("<name>", "'genes'"), {"model": model, "jae": jae})
    assert emb.shape[0] == q.n_obs and np.isfinite(emb).all()


def test_map_files_repeats_overwrite_in_both_calls(setup, tmp_path):
    model, d, paths, _ = setup
    out = tmp_path / "out"
    out.mkdir()
    line = _refusal(lambda: jae.map_files(InputFiles(h5mu=paths["prot"]), str(d / "model"), str(out), batch_key="run",
                                          overwrite=True, progress_bar=False))
    assert f".save({str(out)!r}, overwrite=True)" in line, line
    line = _refusal(lambda: jae.map_files(InputFiles(h5mu=paths["named"]), str(d / "model"), str(out),
                                          batch_key="run", overwrite=True, progress_bar=False))
    assert re.search(r"call jae\.map_files\(.*, batch_key='run', (.*, )?overwrite=True", line), line


def test_a_pair_of_h5ad_files_never_gets_read_h5mu_of_an_h5ad(setup, tmp_path):
    model, d, _, q = setup
    rna, prot = q["rna"].copy(), q["prot"].copy()
    for a in (rna, prot):
        a.obs["run"] = q.obs["batch"].to_numpy()
    counts = np.asarray(prot.layers["counts"].todense() if sp.issparse(prot.layers["counts"]) else
                        prot.layers["counts"], np.float32)
    counts[:20] = np.nan
    prot.X, prot.layers["counts"] = counts, counts.copy()
    rna.write_h5ad(tmp_path / "q.mod1.h5ad")
    prot.write_h5ad(tmp_path / "q.mod2.h5ad")
    line = _refusal(lambda: jae.map_files(InputFiles(mod1=str(tmp_path / "q.mod1.h5ad"),
                                                     mod2=str(tmp_path / "q.mod2.h5ad")),
                                          str(d / "model"), str(tmp_path / "o"), batch_key="run", progress_bar=False))
    assert "all NaN" in line and "q.mod1.h5ad')" not in line and not re.search(r"read_h5mu\('[^']*\.h5ad'\)", line)


def test_a_zarr_store_is_read_by_read_zarr(setup):
    model, _, paths, q = setup
    line = _refusal(lambda: model.embed(paths["prot_zarr"], key_added=None))
    read = re.search(r"read the file into memory: (model\.embed\(mudata\.read_zarr\(.*?\), key_added=None\))$", line)
    assert read, line
    emb = eval(read.group(1), {"model": model, "mudata": mudata})
    assert emb.shape[0] == q.n_obs


@pytest.mark.parametrize("call", ["latent", "finetune", "impute"])
def test_calls_without_a_row_name_the_data_to_give_not_model_embed(setup, call):
    model, _, paths, _ = setup
    run = {"latent": lambda: model.latent(paths["named"]),
           "finetune": lambda: jae.JAE.load(setup[1] / "model").finetune(paths["named"], progress_bar=False),
           "impute": lambda: jae.impute(model, paths["named"])}[call]
    line = _refusal(run)
    assert "model.embed(" not in line and "pass rna=" not in line, line
    assert f"give the data as jae.io.open_h5mu({paths['named']!r}, rna=<name>)" in line, line
    assert isinstance(anndata.AnnData, type)


def test_fit_names_its_modalities_argument_and_a_file_fits_with_it(setup):
    _, _, paths, q = setup
    model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0, device="cpu")
    line = _refusal(lambda: model.fit(paths["named"], batch_key="run", progress_bar=False))
    fix = f"call model.fit({paths['named']!r}, modalities=(<name of the RNA>, <name of the other>), batch_key='run'"
    assert "pass rna=" not in line and fix in line, line
    # as it says (before session 55 a file read with modalities= was refused: its modalities had been renamed)
    model = jae.JAE(jae.JAEConfig(max_epochs=1, mode="unsupervised"), seed=0, device="cpu")
    model.fit(paths["named"], modalities=("genes", "prot"), batch_key="run", cell_type_key=None, progress_bar=False)
    assert model.embed(mudata.read_h5mu(paths["named"]), key_added=None).shape[0] == q.n_obs
