"""jae fit/embed --h5ad FILE --layer raw on one .h5ad holding RNA and proteins, a protein named as its gene (CD4 in
both panels; the file has no .raw, so its .X is read) printed anndata's 'UserWarning: Variable names are not unique'
with a site-packages path, which --layer X on the same file does not; jae allows names shared between modalities, and
the warning is gone."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np

from jae.cli import main
from jae.datasets import simulate


def test_layer_raw_on_one_h5ad_with_shared_names_warns_nothing(tmp_path):
    m = simulate(60, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=1, seed=0)
    rna, prot = m["rna"], m["prot"]
    prot.var_names = [rna.var_names[0], *prot.var_names[1:]]  # a protein named as a gene
    with warnings.catch_warnings():  # the file's shared name, made on purpose
        warnings.filterwarnings("ignore", message=".*names are not unique.*", category=UserWarning)
        both = ad.concat([rna, prot], axis=1, merge="first")
        both.X = both.layers.pop("counts")
        both.var["feature_types"] = np.r_[["Gene Expression"] * rna.n_vars, ["Antibody Capture"] * prot.n_vars]
        both.write_h5ad(tmp_path / "both.h5ad")
    argv = ["-q", "fit", "--h5ad", str(tmp_path / "both.h5ad"), "--layer", "raw", "--mode", "unsupervised",
            "--batch-key", "none", "--max-epochs", "1", "--set", "n_svd=10", "--device", "cpu"]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main([*argv, "--out", str(tmp_path / "m")]) == 0
    assert not [str(w.message) for w in seen if "not unique" in str(w.message)]
    assert (tmp_path / "m" / "model.json").is_file()
