"""``jae evaluate`` on RNA repeating a gene name (session 51): jae fit refuses such data, but evaluate read the
baseline and every embedding, then scored them all without cc_cons (its overall a mean of the others, not comparable
with a run that has it), saying why only then, with a Python fix. As for an organism whose cell-cycle genes are
missing (check_organism_genes), it now refuses before any reading, in one line naming the fix (the file's, in the CLI).
Genes without the organism's cell-cycle genes (cc_cons n/a anyway) are still scored."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

import jae
from jae.cli import main

pytestmark = pytest.mark.filterwarnings("ignore:Variable names are not unique:UserWarning")  # anndata's, of the data


def _rna(*, markers: bool = True):
    m = jae.simulate(150, kind="cite", n_genes=300, n_proteins=6, n_cell_types=3, n_batches=2, seed=0)
    rna = m["rna"].copy()
    names = list(rna.var_names)
    if not markers:  # genes of no organism jae knows: no cell-cycle genes
        names = [f"g{i}" for i in range(len(names))]
    names[-1] = "TOP2A" if markers else names[0]  # one name twice
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's warning of repeated names
        rna.var_names = names
    for column in ("batch", "cell_type"):
        rna.obs[column] = m.obs[column].astype(str).to_numpy()
    rna.obsm["X_emb"] = np.random.default_rng(0).normal(size=(rna.n_obs, 8)).astype(np.float32)
    return rna


def test_evaluate_refuses_before_reading_anything(monkeypatch):
    read = []
    monkeypatch.setattr("jae.evaluation.run.read_embeddings", lambda *a, **k: read.append(1))
    with pytest.raises(ValueError, match=r"^the RNA's var_names repeat 1 gene name \(e\.g\. 'TOP2A'\), and cc_cons "
                                         r"finds the cell-cycle genes by name") as err:
        jae.evaluate(_rna(), ["X_emb"], organism="human", progress_bar=False)
    assert str(err.value).endswith("adata.var_names_make_unique() on that modality") and not read
    monkeypatch.undo()  # genes without the organism's cell-cycle genes (cc_cons n/a anyway): still scored
    scores = jae.evaluate(_rna(markers=False), ["X_emb"], organism="human", progress_bar=False)
    assert np.isnan(scores.loc["X_emb", "cc_cons"]) and np.isfinite(scores.loc["X_emb", "nmi"])


def test_jae_evaluate_says_it_in_one_line_with_the_files_fix(tmp_path, caplog):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _rna().write_h5ad(tmp_path / "d.h5ad")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "evaluate", "--h5ad", str(tmp_path / "d.h5ad"), "--obsm", "X_emb", "--no-report",
                     "--out", str(tmp_path / "ev"), "--device", "cpu"]) == 1
    (said,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert said.startswith("the RNA's var_names repeat 1 gene name") and "then write the file again" in said, said
    assert not (tmp_path / "ev").exists()

