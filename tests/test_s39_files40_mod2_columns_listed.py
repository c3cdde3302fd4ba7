"""Session 39: jae fit --mod1/--mod2 with a cell-type column found nowhere listed only the first file's obs columns
('columns: [batch]'), while the in-memory fit on jae.io.read_competition(...) lists the second file's too (e.g. its
label column under another name). The files' path now lists them as read whole; nothing is fitted."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.cli import main


def test_a_missing_label_column_lists_the_second_files_columns(tmp_path, caplog):
    m = jae.simulate(60, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=2, seed=3)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    rna.obs = m.obs[["batch"]].copy()
    prot.obs = m.obs[["batch"]].assign(ct2=m.obs["cell_type"].to_numpy())
    rna.write_h5ad(tmp_path / "a.h5ad")
    prot.write_h5ad(tmp_path / "b.h5ad")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "fit", "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"),
                     "--cell-type-key", "celltype", "--out", str(tmp_path / "m")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and "no column 'celltype'" in said[0] and "'ct2'" in said[0], said
    with pytest.raises(KeyError) as err:  # the in-memory message lists the same columns
        jae.JAE().fit(jae.io.read_competition(tmp_path / "a.h5ad", tmp_path / "b.h5ad"), cell_type_key="celltype",
                      progress_bar=False)
    assert "'batch', 'ct2'" in str(err.value) and "'batch', 'ct2'" in said[0], (err.value, said)
    assert not (tmp_path / "m").exists()
