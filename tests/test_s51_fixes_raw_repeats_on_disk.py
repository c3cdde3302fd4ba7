"""Files whose ``.raw`` repeats a gene name, read with ``layer='raw'`` (session 51).

In memory such data is refused with the fix on ``.raw`` (``jae.io.raw.refuse_raw_repeats``, session 50). On disk
(``jae fit --mod1/--mod2 --layer raw``, streamed or read whole, and ``.h5mu`` files) the refusal came from the
preprocessing's check of repeated names and said 'adata.var_names_make_unique() on that modality's AnnData, read from
its file ... then write the file again', which renames ``.X``'s names alone, so the file stayed refused. The files are
now refused as they are opened, naming a fix that reads the file, mends its ``.raw`` and writes it again; it works as
written.
"""

from __future__ import annotations

import logging
import warnings

import anndata
import mudata
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate


def _cells():
    m = simulate(120, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=3)
    rna = m["rna"].copy()
    names = list(rna.var_names)
    names[1] = names[0]
    with warnings.catch_warnings():  # anndata's own warning of repeated names
        warnings.simplefilter("ignore", UserWarning)
        rna.var_names = names
        rna.raw = rna.copy()  # scanpy's habit: .raw kept before var_names_make_unique, which renames .X's alone
        rna.var_names_make_unique()
    assert rna.var_names.is_unique and not rna.raw.var_names.is_unique
    for column in ("batch", "cell_type"):
        rna.obs[column] = m.obs[column].astype(str).to_numpy()
    return rna, m["prot"].copy()


def _errors(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("budget", ["1K", "8G"])  # streamed, and read whole
def test_jae_fit_names_the_fix_on_the_files_raw(scratch, monkeypatch, caplog, budget):
    rna, prot = _cells()
    rna.write_h5ad(scratch / "d.mod1.h5ad")
    prot.write_h5ad(scratch / "d.mod2.h5ad")
    monkeypatch.chdir(scratch)
    args = ["-q", "fit", "--mod1", "d.mod1.h5ad", "--mod2", "d.mod2.h5ad", "--layer", "raw", "--memory-budget",
            budget, "--out", "model", "--max-epochs", "1", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    (said,) = _errors(caplog)
    assert said.startswith("the .raw of d.mod1.h5ad, read for --layer raw, repeats 1 feature name"), said
    assert "var_names_make_unique() on that modality" not in said  # the fix that left .raw as it was
    fix = said.rsplit("e.g. ", 1)[1]
    assert fix.endswith("adata.write_h5ad('d.mod1.h5ad')"), fix
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exec(fix, {"anndata": anndata})  # the fix, as written
    files = jae.io.open_competition("d.mod1.h5ad", "d.mod2.h5ad", layer="raw")  # opens now
    assert files.var_names[0].is_unique and len(files.var_names[0]) == rna.n_vars
    assert not (scratch / "model").exists()


def test_an_h5mu_modality_is_refused_as_it_is_opened_with_its_own_fix(scratch, monkeypatch):
    rna, prot = _cells()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mudata.MuData({"rna": rna, "prot": prot}).write(scratch / "d.h5mu")
    monkeypatch.chdir(scratch)
    with pytest.raises(ValueError, match=r"^the \.raw of modality 'rna' of d\.h5mu, read for layer='raw', repeats 1 "
                                         "feature name") as err:
        jae.io.open_h5mu("d.h5mu", layer="raw")
    fix = str(err.value).rsplit("e.g. ", 1)[1]
    assert fix.startswith("mdata = mudata.read_h5mu('d.h5mu'); adata = mdata.mod['rna']; ") and fix.endswith(
        "mdata.write('d.h5mu')"), fix
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exec(fix, {"mudata": mudata})
    assert jae.io.open_h5mu("d.h5mu", layer="raw").var_names[0].is_unique


def test_jae_predicts_query_source_file_is_refused_as_it_is_opened(scratch, monkeypatch):
    from jae.prediction.streamed import SourceFile

    rna, _ = _cells()
    rna.write_h5ad(scratch / "q.h5ad")
    monkeypatch.chdir(scratch)
    with pytest.raises(ValueError, match=r"^the \.raw of q\.h5ad, read for layer='raw', repeats 1 feature name"):
        SourceFile("q.h5ad", layer="raw")  # was: opened, then 'query_source has 1 duplicated feature name ...'
