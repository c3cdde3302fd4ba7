"""Cell-cycle gene lists and scores: oracle against scanpy.tl.score_genes_cell_cycle."""

from __future__ import annotations

import warnings
from importlib import resources

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scanpy as sc
import scipy.sparse as sp

from jae.preprocess import cell_cycle_genes, score_cell_cycle


def _scanpy_scores(X, names, s_genes, g2m_genes) -> np.ndarray:
    adata = ad.AnnData(X)
    adata.var_names = names
    present = [[g for g in genes if g in adata.var_names] for genes in (s_genes, g2m_genes)]
    sc.tl.score_genes_cell_cycle(adata, s_genes=present[0], g2m_genes=present[1])
    return adata.obs[["S_score", "G2M_score"]].to_numpy()


def _synthetic(organism: str, seed: int, n_other: int = 2000):
    rng = np.random.default_rng(seed)
    s_genes, g2m_genes = cell_cycle_genes(organism)
    names = np.array(s_genes[::2] + g2m_genes[::3] + [f"gene{i}" for i in range(n_other)])
    rng.shuffle(names)
    X = np.log1p(rng.poisson(rng.gamma(0.5, 1.0, len(names)), (300, len(names)))).astype(np.float32)
    return X, names, s_genes, g2m_genes


def test_gene_lists_are_tirosh():
    s_h, g2m_h = cell_cycle_genes("human")
    s_m, g2m_m = cell_cycle_genes("mouse")
    assert (len(s_h), len(g2m_h)) == (43, 54)
    assert {"MCM5", "PCNA", "E2F8"} <= set(s_h) and {"MKI67", "TOP2A", "CENPA"} <= set(g2m_h)
    assert not set(s_h) & set(g2m_h)
    assert [g.upper() for g in s_m] == s_h and [g.upper() for g in g2m_m] == g2m_h
    assert cell_cycle_genes("Homo sapiens") == (s_h, g2m_h)


@pytest.mark.parametrize("organism", ["human", "mouse"])
@pytest.mark.parametrize("layout", ["dense", "csr", "csc"])
def test_scores_match_scanpy(organism, layout):
    X, names, s_genes, g2m_genes = _synthetic(organism, seed=3)
    X = {"dense": np.asarray, "csr": sp.csr_matrix, "csc": sp.csc_matrix}[layout](X)
    expected = _scanpy_scores(X, names, s_genes, g2m_genes)
    got = score_cell_cycle(X, names, organism=organism)
    assert list(got.columns) == ["S_score", "G2M_score"]
    assert isinstance(got.index, pd.RangeIndex) and len(got) == X.shape[0]
    np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-6)


def test_scores_match_scanpy_on_real_gex(data_dir):
    path = data_dir / "neurips2021_starter/joint_embedding/cite/openproblems_bmmc_cite_starter.solution.h5ad"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ad.OldFormatWarning)  # the competition files predate anndata 0.8
        adata = ad.read_h5ad(path)
    for batch in adata.obs["batch"].unique():
        sub = adata[adata.obs["batch"] == batch]
        expected = _scanpy_scores(sub.X.copy(), sub.var_names, *cell_cycle_genes("human"))
        got = score_cell_cycle(sub.X, sub.var_names, organism="human")
        np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-6)


def test_seed_changes_control_genes():
    X, names, _, _ = _synthetic("human", seed=1)
    a = score_cell_cycle(X, names, seed=0)
    b = score_cell_cycle(X, names, seed=5)
    assert not np.allclose(a.to_numpy(), b.to_numpy())
    pd.testing.assert_frame_equal(a, score_cell_cycle(X, names, seed=0))


def test_ensembl_ids_are_matched():
    rng = np.random.default_rng(0)
    table = pd.read_table(resources.files("jae.resources") / "cell_cycle_genes_human.txt", comment="#")
    names = np.concatenate([table["gene_id"].to_numpy()[::2], [f"ENSG9{i:010d}" for i in range(1500)]])
    X = np.log1p(rng.poisson(0.5, (100, len(names)))).astype(np.float32)
    got = score_cell_cycle(X, names)
    assert np.isfinite(got.to_numpy()).all() and got["S_score"].std() > 0


def test_the_organism_is_read_off_symbols_and_ensembl_ids():
    from jae.preprocess.organism import organism_from_genes

    mouse = pd.read_table(resources.files("jae.resources") / "cell_cycle_genes_mouse.txt", comment="#")
    human = pd.read_table(resources.files("jae.resources") / "cell_cycle_genes_human.txt", comment="#")
    assert organism_from_genes(mouse["gene_name"]) == "mouse" and organism_from_genes(human["gene_name"]) == "human"
    # Ensembl IDs are upper case for both organisms: mouse ones must not be taken for human symbols
    assert organism_from_genes(mouse["gene_id"]) == "mouse" and organism_from_genes(human["gene_id"]) == "human"


def test_too_few_genes_is_a_clear_error():
    rng = np.random.default_rng(0)
    names = np.array(["MCM5"] + [f"g{i}" for i in range(200)])  # no G2/M gene at all
    X = rng.random((20, len(names)))
    with pytest.raises(ValueError, match="G2/M-phase human marker genes"):
        score_cell_cycle(X, names)
    X, names, _, _ = _synthetic("human", seed=0)
    with pytest.raises(ValueError, match="need >= 40"):
        score_cell_cycle(X, names, min_genes=40)
    with pytest.raises(ValueError, match="unknown organism"):
        score_cell_cycle(X, names, organism="yeast")
    with pytest.raises(ValueError, match="one name per column"):
        score_cell_cycle(X, names[:-1])


def test_genes_found_once_score_every_batch_as_a_fresh_lookup_does(caplog):
    """cc_cons scores each batch with the genes looked up once: the same scores, and the lookup's log lines once."""
    import logging

    from jae.preprocess import CellCycleScorer
    from jae.preprocess.cell_cycle import CellCycleGenes

    X, names, _, _ = _synthetic("human", 3)
    with caplog.at_level(logging.DEBUG, logger="jae.preprocess.cell_cycle"):
        genes = CellCycleGenes.find(names, "human")
        batches = [score_cell_cycle(X[rows], names, genes=genes).to_numpy() for rows in (slice(0, 150), slice(150, None))]
    assert len([r for r in caplog.records if r.getMessage().startswith("cell-cycle ")]) == 1  # S and G2/M, once (DEBUG)
    for rows, scores in zip((slice(0, 150), slice(150, None)), batches):
        np.testing.assert_array_equal(scores, score_cell_cycle(X[rows], names).to_numpy())
    X64 = X[:150].astype(np.float64)  # the scorer's gene means are float64 (dense float32 ones rank ties otherwise)
    scorer = CellCycleScorer(names, genes=genes)
    scorer.add(X64)
    np.testing.assert_array_equal(scorer.score(X64), score_cell_cycle(X64, names, genes=genes).to_numpy())
    assert genes.counts == (len(genes.s), len(genes.g2m)) and min(genes.counts) > 0
    with pytest.raises(ValueError, match=r"^score_cell_cycle: genes= was found in \d+ var_names, the data has \d+"):
        score_cell_cycle(X[:, :-1], names[:-1], genes=genes)


def test_grouped_scorers_equal_one_scorer_per_group_bit_for_bit():
    """add_grouped / score_grouped read a block once for every group's scorer: the gene sums, control genes and
    scores are those of each group's own CellCycleScorer fed that group's rows, exactly."""
    from jae.preprocess.cell_cycle import CellCycleGenes, CellCycleScorer, add_grouped, score_grouped

    rng = np.random.default_rng(5)
    s_genes, g2m_genes = cell_cycle_genes("human")
    names = pd.Index(list(s_genes) + list(g2m_genes) + [f"G{i}" for i in range(700)])
    counts = rng.poisson(rng.gamma(0.5, 1.0, size=len(names)), size=(900, len(names))).astype(np.float32)
    counts[:, : len(s_genes)] += rng.poisson(1.5, size=(900, 1))  # a cycling signal
    X = sp.csr_matrix(np.log1p(counts * (1e4 / counts.sum(axis=1, keepdims=True))).astype(np.float32))
    group = rng.integers(-1, 3, 900)  # three groups and rows of none
    genes = CellCycleGenes.find(names)
    one = [CellCycleScorer(names, genes=genes) for _ in range(3)]
    many = [CellCycleScorer(names, genes=genes) for _ in range(3)]
    blocks = [slice(0, 350), slice(350, 900)]
    for sl in blocks:
        for g in range(3):
            one[g].add(X[sl][group[sl] == g])
        add_grouped(many, X[sl], group[sl])
    for a, b in zip(one, many):
        np.testing.assert_array_equal(a._sums, b._sums)
        assert a._n == b._n
    for sl in blocks:
        got = score_grouped(many, X[sl], group[sl])
        assert np.isnan(got[group[sl] < 0]).all()
        for g in range(3):
            np.testing.assert_array_equal(got[group[sl] == g], one[g].score(X[sl][group[sl] == g]))
    assert len({tuple(s._control_sets()[0]) for s in many}) > 1  # the groups' control genes differ
    with pytest.raises(RuntimeError, match="add"):
        add_grouped(many, X[:10], np.zeros(10, dtype=np.int64))  # after scoring


def test_uns_organism_reads_every_name_jae_knows_and_says_when_it_knows_none(caplog):
    """``uns['organism']`` was read with its own table, which lacked 'hs' / 'mm' (``organism=`` takes both), and an
    organism jae has no genes of ('danio_rerio') was passed over in silence, the model recording the guess 'human'.
    Both now go through one table, and the unknown one is said in a warning naming the fixes."""
    import logging

    import anndata as ad

    from jae.preprocess.organism import infer_organism

    data = ad.AnnData(np.zeros((2, 2), dtype=np.float32))
    data.uns["organism"] = "Mm"
    assert infer_organism(data, ["MCM5", "PCNA"]) == "mouse"
    data.uns["organism"] = "danio_rerio"
    with caplog.at_level(logging.WARNING, logger="jae.preprocess.organism"):
        assert infer_organism(data, ["MCM5", "PCNA"]) == "human"
    assert "uns['organism'] is 'danio_rerio', an organism jae has no cell-cycle genes of" in caplog.text
    assert "JAEConfig(n_phase=0)" in caplog.text
