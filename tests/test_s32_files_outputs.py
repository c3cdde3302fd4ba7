"""What ``jae embed`` writes, as scanpy users read it back: the input's cells, in its order, with its ``obs``."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae import JAE, JAEConfig, embed_files
from jae.datasets import simulate
from jae.io import InputFiles


@pytest.fixture(scope="module")
def cite():
    sim = simulate(90, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=4)
    model = JAE(JAEConfig(max_epochs=1, n_svd=5, mode="unsupervised"), device="cpu", seed=0).fit(
        sim, cell_type_key=None, progress_bar=False)
    return sim, model


def _write_layouts(sim, folder, obs):
    rna, prot = sim["rna"], sim["prot"]
    ad.AnnData(X=rna.X.copy(), obs=obs, var=rna.var.copy()).write_h5ad(folder / "x.mod1.h5ad")
    ad.AnnData(X=prot.X.copy(), obs=obs, var=prot.var.copy()).write_h5ad(folder / "x.mod2.h5ad")
    one = ad.AnnData(X=rna.X.copy(), obs=obs, var=rna.var.copy())
    one.obsm["protein_expression"] = pd.DataFrame(sp.csr_matrix(prot.X).toarray(), index=obs.index,
                                                  columns=prot.var_names)
    one.write_h5ad(folder / "x.h5ad")
    return {"pair": InputFiles(mod1=folder / "x.mod1.h5ad", mod2=folder / "x.mod2.h5ad"),
            "rna alone": InputFiles(mod1=folder / "x.mod1.h5ad"), "h5ad": InputFiles(h5ad=folder / "x.h5ad")}


@pytest.mark.parametrize("budget", [None, 1])
def test_the_embedding_file_keeps_the_name_of_the_inputs_cell_index(cite, tmp_path, budget):
    """An .h5ad whose obs index is named (scanpy / Cell Ranger: 'barcode') gave an embedding file whose index had lost
    the name, so obs.reset_index() made a column 'index' instead of 'barcode'."""
    sim, model = cite
    obs = sim.obs.copy()
    obs.index.name = "barcode"
    for layout, inputs in _write_layouts(sim, tmp_path, obs).items():
        out = tmp_path / f"{layout}.h5ad"
        embed_files(inputs, model, out, finetune_epochs=0, memory_budget=budget, progress_bar=False)
        written = ad.read_h5ad(out)
        assert written.obs.index.name == "barcode", layout
        assert written.obs_names.equals(sim.obs_names), layout
        if layout != "rna alone":  # the same cells with both modalities: the in-memory embedding
            np.testing.assert_array_equal(written.X, model.embed(sim, key_added=None))

    from jae.io import write_embedding_h5ad  # an index named as an obs column: written without its name

    cells = pd.Index(sim.obs_names, name="batch")
    out = write_embedding_h5ad(np.zeros((sim.n_obs, 2)), cells, tmp_path / "e.h5ad", dataset_id="d",
                               obs={"batch": sim.obs["batch"]})
    written = ad.read_h5ad(out)
    assert written.obs.index.name is None and list(written.obs["batch"]) == list(sim.obs["batch"])


def test_fit_overwrite_into_a_model_folder_holding_the_input_refuses_instead_of_deleting_it(cite, tmp_path):
    """jae fit --h5mu model/data.h5mu --out model --overwrite replaced the model folder and deleted the input file
    that lay in it; it is now refused before any work, and the input is left as it was."""
    from jae import fit_files
    from jae.cli import main

    sim, model = cite
    folder = tmp_path / "model"
    model.save(folder)
    data = folder / "data.h5mu"
    sim.write(data)
    before = data.read_bytes()
    with pytest.raises(ValueError, match=r"out .*model holds the input .*data\.h5mu, which replacing the model folder "
                                         r"would delete; move the input out of model or choose another out$"):
        fit_files(InputFiles(h5mu=data), folder, config=JAEConfig(max_epochs=1, n_svd=5), overwrite=True,
                  progress_bar=False)
    assert main(["fit", "--h5mu", str(data), "--out", str(folder), "--overwrite"]) != 0
    assert data.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["data.h5mu", "model.json", "weights.pt"]


def test_rna_alone_read_into_memory_keeps_the_obs_dtypes_it_has_streamed(cite, tmp_path):
    """InputFiles(mod1=FILE).read() (and RnaFiles.load(), the in-memory path of RNA alone) made categorical columns
    object, nullable integers float64 and nullable booleans object, while the same file opened for streaming and a
    pair of files read whole keep the file's dtypes."""
    from jae.io import open_rna

    sim, _ = cite
    n = sim.n_obs
    obs = sim.obs.assign(
        donor=pd.array(np.where(np.arange(n) % 5 == 0, None, np.arange(n) % 3), dtype="Int64"),
        passed=pd.array(np.where(np.arange(n) % 4 == 0, None, np.arange(n) % 2 == 0), dtype="boolean"),
        level=pd.Categorical(np.array(["lo", "hi"])[np.arange(n) % 2], categories=["lo", "hi"], ordered=True))
    inputs = _write_layouts(sim, tmp_path, obs)
    streamed = open_rna(tmp_path / "x.mod1.h5ad").obs
    paired = inputs["pair"].read().obs
    for read in (inputs["rna alone"].read().obs, open_rna(tmp_path / "x.mod1.h5ad").load().obs):
        for column in obs.columns:
            assert read[column].dtype == streamed[column].dtype == paired[column].dtype, column
            pd.testing.assert_series_equal(read[column], streamed[column], check_names=False)


def test_predict_overwrite_into_a_predictor_folder_holding_the_training_file_refuses(tmp_path):
    """jae predict --train-mod1 p/train.h5ad ... --save-model p --overwrite replaced the predictor folder p and
    deleted the training file that lay in it; it is now refused before any training."""
    import shutil

    from jae import predict_files

    sim = simulate(60, kind="cite", n_genes=200, n_proteins=6, n_cell_types=2, n_batches=1, seed=0)
    paths = {}
    for key, name in (("rna", "train_mod1"), ("prot", "train_mod2"), ("rna", "test_mod1")):
        paths[name] = tmp_path / f"{name}.h5ad"
        ad.AnnData(X=sim[key].X.copy(), obs=pd.DataFrame(index=sim.obs_names), var=sim[key].var.copy()).write_h5ad(
            paths[name])
    folder = tmp_path / "p"
    predict_files(paths["train_mod1"], paths["train_mod2"], paths["test_mod1"], tmp_path / "first.h5ad",
                  save_model=folder, method="mean")
    inside = shutil.copy(paths["train_mod1"], folder / "train_mod1.h5ad")
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(ValueError, match=r"save_model .*p holds the input .*train_mod1\.h5ad, which replacing the "
                                         r"model folder would delete"):
        predict_files(inside, paths["train_mod2"], paths["test_mod1"], tmp_path / "out.h5ad", save_model=folder,
                      overwrite=True, method="mean")
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not (tmp_path / "out.h5ad").exists()
