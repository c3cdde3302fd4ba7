"""A query whose genes are named otherwise than the model's, with the model's names in a ``var`` column (session 52):
CELLxGENE's Ensembl IDs with the symbols in ``var['feature_name']`` for a model of symbols, or symbols with the IDs in
``var['gene_ids']`` (scanpy's 10x readers) for a model of IDs, was refused with a line of Python to rename the genes.
Such a query is now read by that column (one INFO line names it), in memory and from files (``jae embed``), and gives
the embedding and labels of the same query renamed by hand, bit for bit; the user's data is left as it was."""

from __future__ import annotations

import logging

import mudata as md
import numpy as np
import pytest

import jae
from jae.cli import main
from jae.datasets import simulate
from jae.io import write_atomic
from jae.prediction import PredictConfig


def _ids(names) -> list[str]:
    return [f"ENSG{i:011d}" for i in range(len(names))]


@pytest.fixture(scope="module")
def setup():
    """Two models of the same cells (genes named by symbol, and by Ensembl ID) and a query of those genes."""
    ref = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    query = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=5)
    for obs in (query.obs, *(a.obs for a in query.mod.values())):
        obs["batch"] = "query"  # a batch new to the models: mapped
    by_ids = ref.copy()
    by_ids["rna"].var_names = _ids(ref["rna"].var_names)
    by_ids.update()
    models = {by: jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(data, progress_bar=False)
              for by, data in (("symbol", ref), ("ensembl", by_ids))}
    return models, query


def _named(query, model_by: str):
    """The query named against the model (IDs for a model of symbols, symbols for one of IDs), the model's names in a
    var column, and the same query renamed by hand (``adata.var_names = adata.var[column]``)."""
    data, hand = query.copy(), query.copy()
    symbols, ids = list(query["rna"].var_names.astype(str)), _ids(query["rna"].var_names)
    rna = data["rna"]
    if model_by == "symbol":  # CELLxGENE's layout
        rna.var["feature_name"], column = symbols, "feature_name"
        rna.var_names = ids
    else:  # scanpy's 10x readers: symbols as var_names, the IDs beside them
        rna.var["gene_ids"], column = ids, "gene_ids"
    data.update()
    hand.mod["rna"] = rna.copy()
    hand["rna"].var_names = hand["rna"].var[column].astype(str).to_numpy()
    hand.update()
    return data, hand, column


@pytest.mark.parametrize("model_by", ["symbol", "ensembl"])
def test_a_query_in_memory_is_read_by_the_column_as_if_renamed(setup, model_by, caplog):
    models, query = setup
    model = models[model_by]
    data, hand, column = _named(query, model_by)
    before = data["rna"].var_names.copy()
    with caplog.at_level(logging.INFO, logger="jae"):
        got = model.embed(data, key_added=None)
    said = [r.getMessage() for r in caplog.records if f"genes read by var['{column}']" in r.getMessage()]
    assert len(said) == 1 and "200 of the model's 200 genes (its var_names: 0)" in said[0], said
    np.testing.assert_array_equal(got, model.embed(hand, key_added=None))  # bit for bit
    assert data["rna"].var_names.equals(before) and "X_jae" not in data.obsm  # the user's data as it was
    rna_only = data["rna"].copy()
    np.testing.assert_array_equal(model.embed(rna_only, key_added=None), model.embed(hand["rna"], key_added=None))
    assert rna_only.var_names.equals(before)
    labels, same = (model.predict_cell_type(d, key_added=None) for d in (data, hand))
    assert np.array_equal(np.asarray(labels), np.asarray(same))
    mapped, by_hand = (model.map_query(d, batch_key="batch", progress_bar=False).embed(d, key_added=None)
                       for d in (data, hand))
    np.testing.assert_array_equal(mapped, by_hand)
    assert data["rna"].var_names.equals(before)


@pytest.mark.parametrize("model_by", ["symbol", "ensembl"])
def test_a_file_is_read_by_the_column_through_jae_embed(setup, model_by, tmp_path):
    models, query = setup
    models[model_by].save(tmp_path / "model")
    data, hand, _ = _named(query, model_by)
    write_atomic(data, tmp_path / "q.h5mu")
    write_atomic(hand, tmp_path / "hand.h5mu")
    streamed = models[model_by].embed(jae.io.open_h5mu(tmp_path / "q.h5mu"), key_added=None)
    np.testing.assert_array_equal(streamed, models[model_by].embed(jae.io.open_h5mu(tmp_path / "hand.h5mu"),
                                                                   key_added=None))
    for name in ("q", "hand"):
        assert main(["-q", "embed", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / f"{name}.h5mu"),
                     "--out", str(tmp_path / f"{name}_out.h5mu"), "--finetune-epochs", "0"]) == 0
    got, want = (md.read_h5mu(tmp_path / f"{n}_out.h5mu") for n in ("q", "hand"))
    np.testing.assert_array_equal(got.obsm["X_jae"], want.obsm["X_jae"])
    assert got.obs["jae_cell_type"].astype(str).equals(want.obs["jae_cell_type"].astype(str))
    assert list(md.read_h5mu(tmp_path / "q.h5mu")["rna"].var_names[:1]) == list(data["rna"].var_names[:1])
    for name in ("q", "hand"):  # jae map: the same shifts trained, so the same embedding
        assert main(["-q", "map", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / f"{name}.h5mu"),
                     "--batch-key", "batch", "--out", str(tmp_path / f"{name}_mapped")]) == 0
    mapped = [jae.JAE.load(tmp_path / f"{n}_mapped", device="cpu").embed(hand, key_added=None) for n in ("q", "hand")]
    np.testing.assert_array_equal(*mapped)


def test_a_column_repeating_a_gene_the_model_reads_is_refused_as_before(setup):
    models, query = setup
    data, _, _ = _named(query, "symbol")
    names = data["rna"].var["feature_name"].astype(str).to_numpy()
    names[1] = names[0]  # two genes of one symbol the model reads: which is meant is the user's to say
    data["rna"].var["feature_name"] = names
    with pytest.raises(ValueError, match=r"gene symbols are in var\['feature_name'\] \(CELLxGENE layout\)"):
        models["symbol"].embed(data, key_added=None)


def test_var_names_holding_enough_of_the_genes_are_read_as_they_are(setup):
    from jae.io.gene_names import names_by_column

    import pandas as pd

    model = pd.Index([f"GENE{i}" for i in range(40)])
    other = pd.Index(_ids(model), name="gene_ids")
    assert names_by_column(model, model, [other], name="rna", min_fraction=0.5) is None  # by var_names
    assert names_by_column(other, model, [], name="rna", min_fraction=0.5) is None  # no column
    half = pd.Index(list(model[:15]) + list(other[15:]))  # 15 by var_names: a column of 25 is no clear gain
    assert names_by_column(half, model, [pd.Index(list(other[:15]) + list(model[15:]), name="x")], name="rna",
                           min_fraction=0.5) is None
    assert list(names_by_column(other, model, [pd.Index(model, name="gene_name")], name="rna",
                                min_fraction=0.5)) == list(model)


@pytest.mark.parametrize("model_by", ["symbol", "ensembl"])
def test_the_predictor_reads_the_column_too(setup, model_by, tmp_path, caplog):
    _, query = setup
    ref = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    source = ref["rna"].copy()
    if model_by == "ensembl":
        source.var_names = _ids(source.var_names)
    predictor = jae.ModalityPredictor("ridge").fit(source, ref["prot"], seed=0)
    data, hand, _ = _named(query, model_by)
    before = data["rna"].var_names.copy()
    got = predictor.predict(data["rna"])
    np.testing.assert_array_equal(np.asarray(got.X), np.asarray(predictor.predict(hand["rna"]).X))
    assert data["rna"].var_names.equals(before)
    with caplog.at_level(logging.INFO, logger="jae"):  # jae.predict: checked before training, said once
        jae.predict(source, ref["prot"], data["rna"], config=PredictConfig(max_epochs=1, n_members=1, hidden=(16,),
                                                                           latent=4), progress_bar=False)
    said = [r for r in caplog.records if "genes read by var[" in r.getMessage() and r.levelno == logging.INFO]
    assert len(said) == 1, said
    data["rna"].write_h5ad(tmp_path / "q.h5ad")  # streamed from its file
    np.testing.assert_array_equal(np.asarray(predictor.predict(str(tmp_path / "q.h5ad")).X), np.asarray(got.X))
