"""One fit path: data streamed from disk in row blocks gives the same model as the same data read into memory."""

from __future__ import annotations

import logging
from dataclasses import replace

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp

from jae import JAE, JAEConfig
from jae.cli import main
from jae.datasets import write_simulated
from jae.io import read_competition
from jae.io.chunked import BackedCounts
from jae.io.h5mu_files import open_h5mu
from jae.io.paired_files import PairedFiles, open_competition
from jae.io.plan import parse_bytes, plan_input
from jae.preprocess.cell_cycle import CellCycleScorer, score_cell_cycle
from jae.preprocess.normalize import log_normalize
from jae.preprocess import pipeline
from jae.preprocess.pipeline import Preprocessor, preprocess

FAST = JAEConfig(max_epochs=3, n_svd=20)
SIZES = dict(n_genes=400, n_peaks=900, n_proteins=20, n_cell_types=4, n_batches=2)
STARTER = "neurips2021_starter/joint_embedding/multiome/openproblems_bmmc_multiome_starter"


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Blocks of 512 cells, so that small data spans several blocks (real default: 4,096)."""
    monkeypatch.setattr(pipeline, "BLOCK_ROWS", 512)


@pytest.fixture(scope="module")
def sim_files(tmp_path_factory):
    """A simulated Multiome pair on disk (CSR counts), 2.5 row blocks long."""
    n = 1300
    prefix = tmp_path_factory.mktemp("sim") / "sim"
    return write_simulated(prefix, n_cells=n, kind="multiome", preset=None, seed=4, progress_bar=False, **SIZES)


def _no_load(monkeypatch):
    """Make reading a whole matrix fail, so a test proves the streaming path never does."""
    def refuse(*args, **kwargs):
        raise AssertionError("the streaming path read a whole matrix into memory")

    monkeypatch.setattr(PairedFiles, "load", refuse)
    monkeypatch.setattr(BackedCounts, "read", refuse)


def _fit_both(files, monkeypatch, caplog, **fit_kwargs):
    in_memory = JAE(FAST, seed=2, device="cpu").fit(read_competition(*files[:2], annotations=files[2:] or None),
                                                    progress_bar=False, **fit_kwargs)
    opened = open_competition(*files[:2], annotations=files[2:] or None)
    with monkeypatch.context() as m, caplog.at_level(logging.INFO, logger="jae.io"):
        _no_load(m)
        streamed = JAE(FAST, seed=2, device="cpu").fit(opened, memory_budget=1, progress_bar=False, **fit_kwargs)
    assert "streaming path" in caplog.text and "over the memory budget" in caplog.text
    return in_memory, streamed, opened


def _assert_same_model(a: JAE, b: JAE, data_a, data_b, monkeypatch) -> None:
    pa, pb = a.preprocessor, b.preprocessor
    assert pa.kinds == pb.kinds and all(x.equals(y) for x, y in zip(pa.var_names, pb.var_names))
    for ba, bb in zip(pa.bases, pb.bases):
        assert (ba is None) == (bb is None)
        if ba is not None:
            np.testing.assert_allclose(ba.components, bb.components, rtol=0, atol=1e-6)
    za = a.embed(data_a, key_added=None)
    with monkeypatch.context() as m:
        _no_load(m)
        zb = b.embed(data_b, key_added=None)  # projected in row blocks from the files
        m.setattr(BackedCounts, "blocks", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read again")))
        np.testing.assert_array_equal(b.embed(data_b, key_added=None), zb)  # features of the same files are kept
    np.testing.assert_allclose(za, zb, rtol=0, atol=1e-5)
    np.testing.assert_allclose(a.history["total"], b.history["total"], rtol=1e-5)


def test_streamed_fit_equals_in_memory_fit_on_simulated_data(sim_files, monkeypatch, caplog):
    a, b, opened = _fit_both(sim_files, monkeypatch, caplog, cell_type_key="cell_type")
    _assert_same_model(a, b, read_competition(*sim_files), opened, monkeypatch)


def test_streamed_unsupervised_cite_fit_equals_the_in_memory_one_with_clr_proteins(tmp_path, monkeypatch, caplog):
    files = write_simulated(tmp_path / "cite", n_cells=1300, kind="cite", preset=None, seed=4, progress_bar=False,
                            **SIZES)
    cfg = replace(FAST, mode="unsupervised")
    in_memory = JAE(cfg, seed=2, device="cpu").fit(read_competition(*files[:2]), cell_type_key=None,
                                                   progress_bar=False)
    opened = open_competition(*files[:2])
    with monkeypatch.context() as m, caplog.at_level(logging.INFO, logger="jae.io"):
        _no_load(m)
        streamed = JAE(cfg, seed=2, device="cpu").fit(opened, memory_budget=1, cell_type_key=None, progress_bar=False)
    assert "streaming path" in caplog.text
    assert in_memory.preprocessor.protein_norm == streamed.preprocessor.protein_norm == "clr"
    assert in_memory.preprocessor.protein_depth == streamed.preprocessor.protein_depth > 0  # the median over blocks
    _assert_same_model(in_memory, streamed, read_competition(*files[:2]), opened, monkeypatch)


def test_streamed_supervised_cite_fit_equals_the_in_memory_one_with_proteins_at_a_common_depth(
        tmp_path, monkeypatch, caplog):
    """With labels, proteins are scaled to the fitted cells' median protein count before the CLR (round 48)."""
    files = write_simulated(tmp_path / "cite", n_cells=1300, kind="cite", preset=None, seed=5, progress_bar=False,
                            **SIZES)
    a, b, opened = _fit_both(files, monkeypatch, caplog, cell_type_key="cell_type")
    assert a.preprocessor.protein_norm == b.preprocessor.protein_norm == "clr_depth"
    counts = read_competition(*files[:2])["prot"].layers["counts"]
    median = float(np.median(np.asarray(counts.sum(axis=1)).ravel()))
    assert a.preprocessor.protein_depth == b.preprocessor.protein_depth == pytest.approx(median)
    _assert_same_model(a, b, read_competition(*files), opened, monkeypatch)


def test_streamed_fit_equals_in_memory_fit_on_the_bmmc_starter(data_dir, tmp_path, monkeypatch, caplog):
    """Real counts, rewritten CSR (the starter files store them CSC, which cannot be read by rows)."""
    prefix = data_dir / STARTER
    files = []
    for suffix in (".mod1.h5ad", ".mod2.h5ad"):
        adata = ad.read_h5ad(f"{prefix}{suffix}")
        assert adata.layers["counts"].format == "csc"
        adata.layers["counts"] = adata.layers["counts"].tocsr()
        adata.write_h5ad(tmp_path / f"bmmc{suffix}")
        files.append(tmp_path / f"bmmc{suffix}")
    files.append(f"{prefix}.solution.h5ad")
    a, b, opened = _fit_both(files, monkeypatch, caplog)
    _assert_same_model(a, b, read_competition(*files[:2]), opened, monkeypatch)


def test_csc_files_are_read_whole_with_a_warning_and_give_the_same_features(data_dir, caplog):
    prefix = data_dir / STARTER
    files = [f"{prefix}.mod1.h5ad", f"{prefix}.mod2.h5ad"]
    mdata = read_competition(*files)
    counts = [mdata[m].layers["counts"] for m in ("rna", "atac")]
    opened = open_competition(*files)
    with caplog.at_level(logging.DEBUG, logger="jae.io"):
        sources = opened.sources()
    assert "stored CSC" in caplog.text and ".tocsr()" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]  # a few MB: said at DEBUG level only
    pre_a, xa, sa = preprocess(counts, ("GEX", "ATAC"), opened.var_names, n_components=10, organism="human")
    pre_b, xb, sb = preprocess(sources, ("GEX", "ATAC"), opened.var_names, n_components=10, organism="human")
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(sa, sb)


def test_svd_sample_and_cell_cycle_are_the_same_in_memory_and_streamed(sim_files):
    """With more cells than svd_fit_cells both paths fit on the same seeded sample; scores equal scanpy's recipe."""
    paths = sim_files
    mdata = read_competition(*paths)
    counts = [mdata[m].layers["counts"] for m in ("rna", "atac")]
    sources = [BackedCounts(p) for p in paths]
    names = tuple(mdata[m].var_names for m in ("rna", "atac"))
    kw = dict(n_components=15, seed=1, svd_fit_cells=700, organism="human")
    pre_a, xa, sa = preprocess(counts, ("GEX", "ATAC"), names, **kw)
    pre_b, xb, sb = preprocess(sources, ("GEX", "ATAC"), names, **kw)
    for ba, bb in zip(pre_a.bases, pre_b.bases):
        np.testing.assert_array_equal(ba.components, bb.components)
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(sa, sb)
    assert pre_a.n_output == 30 and xa.shape == (mdata.n_obs, 30)
    # the public fit / transform give the same bases and features
    pre_c = Preprocessor.fit(counts, ("GEX", "ATAC"), names, n_components=15, seed=1, svd_fit_cells=700)
    np.testing.assert_array_equal(pre_c.bases[1].components, pre_a.bases[1].components)
    np.testing.assert_array_equal(pre_c.transform(counts), xa)
    # block-wise cell-cycle scores = all cells at once
    lognorm = log_normalize(counts[0])
    expected = score_cell_cycle(lognorm, names[0], organism="human", seed=1).to_numpy(np.float32)
    np.testing.assert_allclose(sa, expected, rtol=0, atol=1e-6)
    # a different sample gives a different (seeded) basis
    other = preprocess(counts, ("GEX", "ATAC"), names, **{**kw, "seed": 2})[0]
    assert not np.allclose(other.bases[1].components[:3], pre_a.bases[1].components[:3])


def test_cell_cycle_scorer_blocks_and_errors():
    rng = np.random.default_rng(0)
    from jae.preprocess.cell_cycle import cell_cycle_genes

    s, g2m = cell_cycle_genes("human")
    names = np.array(s + g2m + [f"g{i}" for i in range(500)])
    X = sp.csr_matrix(np.log1p(rng.poisson(0.5, (700, len(names)))).astype(np.float32))
    scorer = CellCycleScorer(names, organism="human")
    for start in range(0, 700, 256):
        scorer.add(X[start : start + 256])
    got = np.concatenate([scorer.score(X[start : start + 256]) for start in range(0, 700, 256)])
    np.testing.assert_allclose(got, score_cell_cycle(X, names).to_numpy(), rtol=0, atol=1e-12)
    with pytest.raises(RuntimeError, match="add every block first"):
        scorer.add(X[:10])
    with pytest.raises(RuntimeError, match="before any add"):
        CellCycleScorer(names).score(X[:10])
    with pytest.raises(ValueError, match="marker genes"):
        CellCycleScorer([f"g{i}" for i in range(50)])


def test_plan_input_chooses_by_budget_and_says_why(sim_files, caplog):
    opened = open_competition(*sim_files)
    need_memory, need_stream = opened.memory_needed(in_memory=True), opened.memory_needed(in_memory=False)
    assert need_memory > need_stream > 0
    with caplog.at_level(logging.INFO, logger="jae.io"):
        assert plan_input(opened, memory_budget="100G") .__class__.__name__ == "MuData"
        assert "in-memory path" in caplog.text
        assert plan_input(opened, memory_budget=need_memory - 1) is opened
        assert "streaming path" in caplog.text
    assert parse_bytes("2.5G") == 2_500_000_000 and parse_bytes("512MB") == 512_000_000 and parse_bytes(10) == 10
    with pytest.raises(ValueError, match="e.g. memory_budget='8G'"):
        parse_bytes("lots")


def test_open_h5mu_streams_like_the_pair(tmp_path, monkeypatch):
    (path,) = write_simulated(tmp_path / "s.h5mu", n_cells=900, format="h5mu", preset=None, seed=3,
                              progress_bar=False, **SIZES)
    opened = open_h5mu(path)
    assert opened.names == ("rna", "atac") and opened.kinds == ("GEX", "ATAC") and opened.n_obs == 900
    assert {"batch", "cell_type"} <= set(opened.obs.columns)
    model = JAE(FAST, seed=0, device="cpu")
    with monkeypatch.context() as m:
        _no_load(m)
        model.fit(str(path), memory_budget="1", progress_bar=False)
    z = model.embed(opened, key_added=None)
    np.testing.assert_allclose(z, model.embed(opened.load(), key_added=None), rtol=0, atol=1e-5)
    backed = _read_backed(path)  # a backed MuData is streamed from its file too
    with monkeypatch.context() as m:
        _no_load(m)
        np.testing.assert_allclose(model.embed(backed, key_added=None), z, rtol=0, atol=1e-5)
        again = JAE(FAST, seed=0, device="cpu").fit(backed, memory_budget=1, progress_bar=False)
    np.testing.assert_array_equal(again.preprocessor.bases[1].components, model.preprocessor.bases[1].components)
    with pytest.raises(KeyError, match="no modality 'prot'"):
        open_h5mu(path, other="prot")


@pytest.mark.parametrize("names", [("GEX",), ("mRNA",), ("GEX", "RNA")])
def test_a_backed_mudata_finds_its_rna_modality_as_its_path_does(tmp_path, names, caplog):
    """A backed MuData's RNA modality is found by the readers' one rule (jae.io.modality.RNA_NAMES), as its path's: the
    one modality named like RNA, and two such names refused as ambiguous (plan_input had its own list and took the
    first of 'GEX' and 'RNA' without a word)."""
    import mudata as md

    (path,) = write_simulated(tmp_path / "s.h5mu", n_cells=120, format="h5mu", preset=None, seed=3,
                              progress_bar=False, **SIZES)
    whole = md.read_h5mu(path)
    renamed = tmp_path / "renamed.h5mu"
    mods = {name: whole["rna"].copy() for name in names}
    for i, name in enumerate(names[1:], 1):
        mods[name].var_names = [f"{v}-{i}" for v in mods[name].var_names]  # var names unique across modalities
    md.MuData({**mods, "atac": whole["atac"]}).write(renamed)
    backed = _read_backed(renamed)
    try:
        if len(names) > 1:
            for data in (backed, str(renamed)):
                with pytest.raises(KeyError, match=r"renamed\.h5mu has no modality 'rna'; available modalities: "
                                                   r"\['GEX', 'RNA', 'atac'\]; pass rna=<name>"):
                    plan_input(data, once=True)
            return
        with caplog.at_level(logging.INFO, logger="jae.io"):
            files = plan_input(backed, once=True)
        assert files.kinds == plan_input(str(renamed), once=True).kinds == ("GEX", "ATAC")
        assert files.counts[0].shape == (120, SIZES["n_genes"])
        assert f"has no modality 'rna'; reading {names[0]!r} as the RNA" in caplog.text
    finally:
        backed.file.close()


def _read_backed(path):
    import mudata as md

    from jae.io.readers import _quiet_mudata

    with _quiet_mudata():
        return md.read_h5mu(path, backed=True)


def test_cells_in_another_order_are_paired_by_name_in_memory_and_refused_by_streaming(tmp_path, sim_files):
    from jae.io import get_paired

    adata = ad.read_h5ad(sim_files[1])
    adata[np.arange(adata.n_obs)[::-1]].copy().write_h5ad(tmp_path / "rev.mod2.h5ad")
    opened = open_competition(sim_files[0], tmp_path / "rev.mod2.h5ad")
    assert "different orders" in opened.misordered
    # read whole (within the budget) the cells are paired by name: the same counts as the files in one order
    loaded = get_paired(plan_input(opened, memory_budget="100G"), layer="counts")
    expected = get_paired(read_competition(*sim_files), layer="counts")
    assert loaded.obs.index.equals(expected.obs.index)
    for a, b in zip(loaded.counts, expected.counts):
        np.testing.assert_array_equal(a.toarray(), b.toarray())
    # streamed, rows come in file order: refused before any work, with both fixes named
    with pytest.raises(ValueError, match=r"different orders.*one cell order.*memory_budget=<bytes>"):
        plan_input(opened, memory_budget=1)
    with pytest.raises(ValueError, match="different orders"):
        opened.sources()
    assert open_competition(*sim_files).misordered is None


def test_cli_fit_and_embed_stream_with_a_small_memory_budget(sim_files, tmp_path, caplog):
    mod1, mod2 = (str(p) for p in sim_files)
    out = {}
    for label, budget in (("memory", "100G"), ("stream", "1M")):
        model = tmp_path / f"model_{label}"
        assert main(["-q", "fit", "--mod1", mod1, "--mod2", mod2, "--out", str(model), "--max-epochs", "2",
                     "--set", "n_svd=10", "--memory-budget", budget]) == 0
        emb = tmp_path / f"emb_{label}.h5ad"
        assert main(["-q", "embed", "--model", str(model), "--mod1", mod1, "--mod2", mod2, "--out", str(emb),
                     "--memory-budget", budget]) == 0
        out[label] = ad.read_h5ad(emb)
    assert out["memory"].obs_names.equals(out["stream"].obs_names)
    np.testing.assert_allclose(out["memory"].X, out["stream"].X, rtol=0, atol=1e-5)
    assert main(["-q", "fit", "--mod1", mod1, "--mod2", mod2, "--out", str(tmp_path / "m"),
                 "--memory-budget", "lots"]) == 1
    assert "--memory-budget lots is not a size" in caplog.text
