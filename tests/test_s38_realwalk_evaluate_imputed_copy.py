"""jae evaluate refused the .h5mu that jae embed --impute-modality writes for an input of RNA alone (s38 real-data walk:
PBMC10k RNA mapped onto a REAP-seq reference, its proteins imputed into the copy): "modality 'prot' holds no counts:
its .X is empty ...; give the data with its counts (for that copy, the file jae embed was given)", though scoring a
stored embedding reads only the RNA, and the file jae embed was given holds no obsm['X_jae'] to score. Now the RNA of
such a file is opened alone, as for an .h5mu of RNA alone; --baseline, which reads both modalities, is still refused."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pytest

from jae import evaluate_files
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def embedded_copy(tmp_path_factory):
    """An .h5mu laid out as jae embed --impute-modality prot writes it for RNA alone: the RNA with its counts, the
    predicted proteins in layers['jae_imputed'] with no .X, the embedding in the global obsm['X_jae']."""
    data = simulate(300, kind="cite", n_genes=300, n_proteins=12, n_cell_types=3, n_batches=2, seed=0)
    rna = data["rna"].copy()
    rna.obs["cell_type"] = data.obs["cell_type"].to_numpy()
    rna.obs["batch"] = data.obs["batch"].to_numpy()
    prot = data.mod[[m for m in data.mod if m != "rna"][0]]
    predicted = ad.AnnData(obs=rna.obs[[]].copy(), var=prot.var[[]].copy(),
                           layers={"jae_imputed": np.random.default_rng(0).random((rna.n_obs, prot.n_vars),
                                                                                  dtype=np.float32)})
    mdata = md.MuData({"rna": rna, "prot": predicted})
    mdata.obsm["X_jae"] = np.random.default_rng(1).normal(size=(mdata.n_obs, 8)).astype(np.float32)
    mdata.obs["cell_type"] = rna.obs["cell_type"].to_numpy()
    mdata.obs["batch"] = rna.obs["batch"].to_numpy()
    path = tmp_path_factory.mktemp("s38_realwalk_imputed_copy") / "embedded.h5mu"
    mdata.write(path)
    return path


def test_the_embedding_of_jae_embeds_copy_is_scored(embedded_copy):
    table = evaluate_files(InputFiles(h5mu=embedded_copy), ["X_jae"], None, progress_bar=False)
    assert list(table.index) == ["X_jae"]
    assert np.isfinite(table.loc["X_jae", ["nmi", "asw_label", "cc_cons", "asw_batch"]].astype(float)).all()


def test_the_baseline_which_reads_both_is_still_refused(embedded_copy):
    with pytest.raises(ValueError, match="holds no counts"):
        evaluate_files(InputFiles(h5mu=embedded_copy), ["X_jae"], None, baseline=True, progress_bar=False)
