"""Several ``--10x`` files (one per sample) put each cell's sample in the batch column the call reads (session 49
review): jae map and jae embed read the model's batch column, so a model fitted on another column than 'batch' maps
and embeds new samples without --batch-key (jae embed has no such flag); one file reads as before."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.cli import main
from jae.io import InputFiles
from conftest import write_10x


@pytest.fixture(scope="module")
def sample_model(tmp_path_factory):
    """A CITE-seq model fitted with batch_key='sample' (1 epoch) and two new samples' Cell Ranger files (c, d)."""
    tmp = tmp_path_factory.mktemp("sample_model")
    cells = jae.simulate(240, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=4, seed=3)
    cells.obs["sample"] = cells.obs.pop("batch")
    for name in cells.mod:
        cells.mod[name].obs = cells.mod[name].obs.drop(columns="batch", errors="ignore")
    batches = sorted(cells.obs["sample"].astype(str).unique())
    ref = cells[cells.obs["sample"].astype(str).isin(batches[:2])].copy()
    JAE(JAEConfig(max_epochs=1, n_svd=10, mode="unsupervised"), seed=0, device="cpu").fit(
        ref, batch_key="sample", progress_bar=False).save(tmp / "M")
    genes, proteins = list(cells["rna"].var_names), list(cells["prot"].var_names)
    files = {}
    for name, b in zip("cd", batches[2:]):
        rows = np.flatnonzero(cells.obs["sample"].astype(str).to_numpy() == b)
        X = np.hstack([cells["rna"].layers["counts"][rows].toarray(), cells["prot"].layers["counts"][rows].toarray()])
        (tmp / name / "outs").mkdir(parents=True)
        files[name] = write_10x(tmp / name / "outs" / "filtered_feature_bc_matrix.h5", X, genes + proteins,
                                ["Gene Expression"] * len(genes) + ["Antibody Capture"] * len(proteins))
    return tmp, files


def test_map_then_embed_new_samples_by_the_models_column(sample_model):
    tmp, files = sample_model
    c, d = str(files["c"]), str(files["d"])
    assert main(["-q", "map", "--model", str(tmp / "M"), "--10x", c, d, "--epochs", "1", "--device", "cpu",
                 "--out", str(tmp / "M2")]) == 0  # refused before: no obs column 'sample'
    mapped = JAE.load(tmp / "M2", device="cpu")
    assert mapped.adapter.batch_key == "sample" and list(mapped.mappings[-1]["batches"]) == ["c", "d"]
    out = tmp / "E.h5ad"
    assert main(["-q", "embed", "--model", str(tmp / "M2"), "--10x", c, d, "--device", "cpu",
                 "--out", str(out)]) == 0  # refused before: jae embed has no --batch-key to name the column
    import anndata as ad

    embedded = ad.read_h5ad(out)
    assert list(embedded.obs["sample"].cat.categories) == ["c", "d"] and embedded.n_obs == mapped.mappings[-1]["n_cells"]


def test_the_sample_column_left_out_follows_the_call(tmp_path):
    files = InputFiles(tenx={"c": tmp_path / "c.h5", "d": tmp_path / "d.h5"})
    assert files.sample_key is None and files.with_sample_key("sample").sample_key == "sample"
    assert files.with_sample_key(None).sample_key == "batch"  # batch_key=None (one batch): the default column
    chosen = InputFiles(tenx={"c": tmp_path / "c.h5", "d": tmp_path / "d.h5"}, sample_key="donor")
    assert chosen.with_sample_key("sample") is chosen  # a column the caller chose is kept
    one = InputFiles(tenx=tmp_path / "c.h5")
    assert one.with_sample_key("sample") is one  # one file: nothing changes
