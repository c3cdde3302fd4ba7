"""Two files of the same cells whose names differ by a suffix (barcodes 'AAAC-1' in the RNA file, 'AAAC-1_adt' in the
protein file): ``jae fit`` names the rename, not a symptom of it."""

from __future__ import annotations

import logging

import anndata as ad

from jae.cli import main
from jae.datasets import simulate


def test_jae_fit_of_files_naming_the_same_cells_otherwise_names_the_rename(tmp_path, caplog):
    """The annotation file (of the RNA file's cells) left the protein file's cells without a batch, and fit said
    '300 of 600 cells have no batch label in 'batch'; fill the missing labels ...' before the pairing was looked at."""
    mdata = simulate(300, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=1)
    rna, prot = (ad.AnnData(X=mdata.mod[n].layers["counts"], var=mdata.mod[n].var.copy(),
                            obs=mdata.mod[n].obs[[]].copy()) for n in ("rna", "prot"))
    prot.obs_names = [f"{n}_adt" for n in prot.obs_names]
    paths = {name: tmp_path / f"x.{name}.h5ad" for name in ("mod1", "mod2", "solution")}
    rna.write_h5ad(paths["mod1"])
    prot.write_h5ad(paths["mod2"])
    ad.AnnData(obs=mdata.obs[["batch", "cell_type"]].copy()).write_h5ad(paths["solution"])
    out = tmp_path / "model"
    with caplog.at_level(logging.INFO):
        code = main(["fit", "--mod1", str(paths["mod1"]), "--mod2", str(paths["mod2"]), "--annotations",
                     str(paths["solution"]), "--out", str(out), "--max-epochs", "1"])
    assert code == 1 and not out.exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, errors
    assert "only 0 cells have both modalities" in errors[0] and "no batch label" not in errors[0]
    assert "300 are the same cells named with another prefix or suffix" in errors[0]
    assert "n.removesuffix('_adt')" in errors[0]
