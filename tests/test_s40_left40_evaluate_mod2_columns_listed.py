"""Session 40: jae evaluate --mod1/--mod2 refusing a cell-type, batch or pseudotime column found in neither file
listed only the first file's obs columns ('columns: [batch]'), while jae.evaluate on jae.io.read_competition(...)
lists the second file's too (e.g. its label column under another name), as jae fit's refusal now does. The files'
path now lists both files' columns; nothing is written."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.cli import main


@pytest.mark.parametrize("flags, word", [(["--cell-type-key", "celltype"], "cell-type column 'celltype'"),
                                         (["--cell-type-key", "ct2", "--batch-key", "smp"], "batch column 'smp'"),
                                         (["--cell-type-key", "ct2", "--pseudotime-key", "pt"], "key 'pt'")])
def test_a_missing_column_lists_the_second_files_columns(tmp_path, caplog, flags, word):
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=2, seed=3)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    rna.obs = m.obs[["batch"]].copy()
    prot.obs = m.obs[["batch"]].assign(ct2=m.obs["cell_type"].to_numpy(), sample=m.obs["batch"].to_numpy())
    rna.obsm["X_e"] = m["rna"].X[:, :4].toarray()
    prot.write_h5ad(tmp_path / "b.h5ad")
    rna.write_h5ad(tmp_path / "a.h5ad")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "evaluate", "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"),
                     "--obsm", "X_e", *flags, "--out", str(tmp_path / "r")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and word in said[0], said
    assert "['batch', 'ct2', 'sample']" in said[0], said
    assert not (tmp_path / "r").exists()
