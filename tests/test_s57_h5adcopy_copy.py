"""Session 57: jae embed --out-copy-of mod1 / embed_files(copy_of='mod1') writes the user's own .h5ad (all its X,
layers, var, obs, obsm and uns) with obsm['X_jae'], uns['jae'] and the label and annotation columns in obs, as the
.h5mu copy gets them: the scanpy user's AnnData back, for sc.pp.neighbors(adata, use_rep='X_jae'). Before, --out
*.h5ad always held the competition format (X = the embedding)."""

from __future__ import annotations

import hashlib

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.datasets import simulate

LABELS = ["jae_cell_type", "jae_confidence", "jae_unknown", "jae_unknown_score"]


@pytest.fixture(scope="module")
def files(own_cite_model):
    """``(folder, model folder, rna.h5ad, adt.h5ad, ann.h5ad)``: 40 query cells, the RNA file holding a second layer,
    an obsm, uns entries and a var column beside its counts, the ADT file's cells in another order, an annotation
    file of 30 of the cells."""
    folder, _ = own_cite_model("s57_h5adcopy")
    q = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, seed=2)
    rna = q["rna"].copy()
    rna.obs = q.obs.copy()
    rna.obs["donor"] = pd.Categorical(np.where(np.arange(40) % 2, "d1", "d2"))
    rna.layers["log"] = sp.csr_matrix(np.log1p(rna.layers["counts"].toarray()))
    rna.obsm["X_pca"] = np.random.default_rng(0).normal(size=(40, 5))
    rna.uns["note"] = {"made": "by hand", "n": 3}
    rna.var["highly_variable"] = np.arange(rna.n_vars) % 3 == 0
    rna.write_h5ad(folder / "rna.h5ad")
    q["prot"][::-1].copy().write_h5ad(folder / "adt.h5ad")  # paired by name, in another order
    ad.AnnData(obs=pd.DataFrame({"qc_pass": np.arange(30) % 2 == 0}, index=q.obs_names[:30])).write_h5ad(
        folder / "ann.h5ad")
    return folder, folder / "model", folder / "rna.h5ad", folder / "adt.h5ad", folder / "ann.h5ad"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _same_but_added(copy: ad.AnnData, source: ad.AnnData, *, obs_added: list[str]) -> None:
    """``copy`` holds everything ``source`` holds, as it is, plus obsm['X_jae'], uns['jae'] and ``obs_added``."""
    assert copy.obs_names.equals(source.obs_names) and copy.var_names.equals(source.var_names)
    assert (copy.X != source.X).nnz == 0 and type(copy.X) is type(source.X)
    assert sorted(copy.layers) == sorted(source.layers)
    for key in source.layers:
        assert (copy.layers[key] != source.layers[key]).nnz == 0
    pd.testing.assert_frame_equal(copy.var, source.var)
    assert list(copy.obs.columns) == list(source.obs.columns) + obs_added
    pd.testing.assert_frame_equal(copy.obs[source.obs.columns], source.obs)
    assert sorted(copy.obsm) == sorted([*source.obsm, "X_jae"])
    for key in source.obsm:
        np.testing.assert_array_equal(copy.obsm[key], source.obsm[key])
    assert sorted(copy.uns) == sorted([*source.uns, "jae"])
    for key in source.uns:
        assert copy.uns[key] == source.uns[key] if not isinstance(source.uns[key], dict) else dict(
            copy.uns[key]) == dict(source.uns[key])


@pytest.mark.parametrize("copy_of", ["mod1", "mod2"])
def test_the_copy_is_the_input_with_the_embedding_of_the_competition_output(files, tmp_path, copy_of):
    folder, model, rna, adt, ann = files
    source = {"mod1": rna, "mod2": adt}[copy_of]
    before = _digest(source)
    inputs = jae.io.InputFiles(mod1=rna, mod2=adt, annotations=[ann])
    got = jae.embed_files(inputs, model, tmp_path / "copy.h5ad", copy_of=copy_of, seed=5, progress_bar=False)
    ref = jae.embed_files(inputs, model, tmp_path / "comp.h5ad", seed=5, progress_bar=False)
    assert got.written == (tmp_path / "copy.h5ad",) and _digest(source) == before  # the input never written
    copy, comp, read = (ad.read_h5ad(p) for p in (tmp_path / "copy.h5ad", tmp_path / "comp.h5ad", source))
    _same_but_added(copy, read, obs_added=["qc_pass", *LABELS])
    # the same embedding as the competition output of the same run, each cell's row in the copy's (its file's) order
    assert not copy.obs_names.equals(comp.obs_names) if copy_of == "mod2" else copy.obs_names.equals(comp.obs_names)
    np.testing.assert_array_equal(copy.obsm["X_jae"], comp[copy.obs_names].X)
    np.testing.assert_array_equal(got.embedding, ref.embedding)
    for key in LABELS:
        assert copy.obs[key].tolist() == comp.obs[key].loc[copy.obs_names].tolist()
    assert copy.obs["qc_pass"].loc[comp.obs_names[:30]].tolist() == [i % 2 == 0 for i in range(30)]
    assert copy.uns["jae"]["obsm_key"] == "X_jae" and list(copy.uns["jae"]["columns"]) == list(comp.var_names)


def test_the_cli_writes_the_copy_and_replaces_it_only_with_overwrite(files, tmp_path, caplog):
    from jae.cli import main

    folder, model, rna, adt, ann = files
    out = tmp_path / "rna_jae.h5ad"
    flags = ["embed", "--model", str(model), "--mod1", str(rna), "--mod2", str(adt), "--out", str(out),
             "--out-copy-of", "mod1", "--finetune-epochs", "0"]
    assert main(["-q", *flags]) == 0
    first = _digest(out)
    copy = ad.read_h5ad(out)
    _same_but_added(copy, ad.read_h5ad(rna), obs_added=LABELS)
    assert copy.obsm["X_jae"].shape[0] == 40 and np.isfinite(copy.obsm["X_jae"]).all()
    assert main(flags) == 1 and "pass --overwrite to replace it" in caplog.text and _digest(out) == first
    assert main(["-q", *flags, "--overwrite", "--seed", "3", "--finetune-epochs", "1"]) == 0
    assert _digest(out) != first  # another seed's embedding replaced it
    np.testing.assert_array_equal(ad.read_h5ad(out).layers["log"].toarray(), ad.read_h5ad(rna).layers["log"].toarray())
    again = tmp_path / "again.h5ad"  # the copy embedded once more: jae's entries replaced, the rest kept
    assert main(["-q", "embed", "--model", str(model), "--mod1", str(out), "--mod2", str(adt), "--out", str(again),
                 "--out-copy-of", "mod1", "--finetune-epochs", "0"]) == 0
    twice, once = ad.read_h5ad(again), ad.read_h5ad(out)
    assert list(twice.obs.columns) == list(once.obs.columns) and sorted(twice.obsm) == sorted(once.obsm)
    np.testing.assert_array_equal(twice.obsm["X_jae"], copy.obsm["X_jae"])  # --finetune-epochs 0 of these cells
    np.testing.assert_array_equal(twice.obsm["X_pca"], once.obsm["X_pca"])


def test_rna_alone_and_one_h5ad_of_both_modalities_are_copied(files, tmp_path):
    folder, model, rna, adt, ann = files
    jae.embed_files(jae.io.InputFiles(mod1=rna), model, tmp_path / "alone.h5ad", copy_of="mod1", finetune_epochs=0,
                    progress_bar=False)
    _same_but_added(ad.read_h5ad(tmp_path / "alone.h5ad"), ad.read_h5ad(rna), obs_added=LABELS)
    both = ad.concat([ad.read_h5ad(rna), ad.read_h5ad(adt)[ad.read_h5ad(rna).obs_names]], axis=1, merge="same")
    both.obs = ad.read_h5ad(rna).obs
    both.write_h5ad(tmp_path / "both.h5ad")
    fitted = jae.JAE.load(model, device="cpu")  # a model in memory, fine-tuned on a copy
    jae.embed_files(jae.io.InputFiles(h5ad=tmp_path / "both.h5ad"), fitted, tmp_path / "b.h5ad", copy_of="h5ad",
                    progress_bar=False)
    _same_but_added(ad.read_h5ad(tmp_path / "b.h5ad"), ad.read_h5ad(tmp_path / "both.h5ad"), obs_added=LABELS)


def test_a_failure_writing_the_copy_leaves_nothing_behind(files, tmp_path, monkeypatch):
    import jae.io.write as jae_write

    folder, model, rna, adt, ann = files

    def fail(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(jae_write, "_put", fail)
    with pytest.raises(OSError, match="disk gone"):
        jae.embed_files(jae.io.InputFiles(mod1=rna, mod2=adt), model, tmp_path / "copy.h5ad", copy_of="mod1",
                        labels_out=tmp_path / "labels.csv", finetune_epochs=0, progress_bar=False)
    assert list(tmp_path.iterdir()) == []


def test_the_copy_of_a_file_holding_some_of_the_cells_holds_those_alone(files, tmp_path):
    """Mosaic files (the ADT file measuring 30 of the 40 RNA cells): the copy of --mod2 holds its own 30 cells, in its
    order, each with the row the competition output gives it; the other cells are embedded from their RNA alone."""
    folder, model, rna, adt, ann = files
    part = ad.read_h5ad(adt)[5:35].copy()
    part.write_h5ad(tmp_path / "adt30.h5ad")
    inputs = jae.io.InputFiles(mod1=rna, mod2=tmp_path / "adt30.h5ad")
    jae.embed_files(inputs, model, tmp_path / "copy.h5ad", copy_of="mod2", finetune_epochs=0, progress_bar=False)
    jae.embed_files(inputs, model, tmp_path / "comp.h5ad", finetune_epochs=0, progress_bar=False)
    copy, comp = ad.read_h5ad(tmp_path / "copy.h5ad"), ad.read_h5ad(tmp_path / "comp.h5ad")
    assert comp.n_obs == 40 and copy.obs_names.equals(part.obs_names)
    _same_but_added(copy, ad.read_h5ad(tmp_path / "adt30.h5ad"), obs_added=LABELS)
    np.testing.assert_array_equal(copy.obsm["X_jae"], comp[copy.obs_names].X)
