"""The parts of session 47's streamed --remap-peaks: jae.io.chunked.MappedCounts (a row-block source whose blocks are
another's with their features mapped: the same counts as the whole matrix mapped), and the refusals and batch
columns of the streamed route (a missing batch column refused before the remap; a batch column only in the second
competition file found, as the plain route finds it)."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae.io.chunked
import jae.io.peaks
from jae.cli import main
from jae.io.chunked import BackedCounts, InMemoryCounts, MappedCounts

from test_s47_remapstream_files import on_own_peaks  # tests/ is on sys.path


def _source(tmp_path, n_cells: int = 50, n_features: int = 12):
    rng = np.random.default_rng(0)
    X = sp.random(n_cells, n_features, density=0.4, random_state=rng, format="lil",
                  data_rvs=lambda k: rng.integers(1, 9, k)).astype(np.float32)
    X[7] = 0  # a cell without counts
    X[9] = 0
    X[9, 11] = 3.0  # a cell whose counts are all in a feature mapped to nothing
    X = sp.csr_matrix(X)
    X.eliminate_zeros()
    a = ad.AnnData(X=X, layers={"counts": X.copy()})
    a.write_h5ad(tmp_path / "m.h5ad")
    # features 0-10 into 4 new ones (two summed into each of the first three, five into the last), 11 into none
    target = np.array([0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 3, -1])
    used = np.flatnonzero(target >= 0)
    M = sp.csr_matrix((np.ones(len(used), np.float32), (used, target[used])), shape=(n_features, 4))
    return X, M


def test_mapped_blocks_are_the_whole_matrix_mapped_and_the_pass_is_said_once(tmp_path):
    X, M = _source(tmp_path)
    said = []
    backed = BackedCounts(tmp_path / "m.h5ad")
    mapped = MappedCounts(backed, M, on_pass=lambda kept, empty: said.append((kept, empty)))
    assert mapped.shape == (50, 4) and mapped.path == backed.path and mapped.encoding == "csr_matrix"
    expected = (X @ M).toarray()
    assert np.array_equal(next(mapped.blocks(8, start=8, stop=16)).toarray(), expected[8:16]) and not said
    blocks = list(mapped.blocks(16))
    assert [b.shape for b in blocks] == [(16, 4)] * 3 + [(2, 4)]
    assert all(b.has_sorted_indices and b.dtype == np.float32 for b in blocks)
    assert np.array_equal(sp.vstack(blocks).toarray(), expected)
    kept = float(expected.sum() / X.sum())
    assert said == [(pytest.approx(kept), 1)] and kept < 1  # cell 9's counts fell in feature 11 alone
    list(mapped.blocks(16))
    assert len(said) == 1  # said once
    whole = MappedCounts(InMemoryCounts(X), M)
    assert np.array_equal(whole.read().toarray(), expected)
    with pytest.raises(ValueError, match="the map has 5 rows for 12 features"):
        MappedCounts(backed, M[:5])


@pytest.fixture
def files(default_fit, tmp_path):
    """A reference, a model mapping the cells' batches renamed (read from obs['donor']), and the renamed cells on
    peaks of their own."""
    model, mdata = default_fit()
    model.save(tmp_path / "model")
    new = mdata.copy()
    new.obs["batch"] = "new_" + new.obs["batch"].astype(str)
    new.obs["donor"] = new.obs["batch"]  # a batch column of another name: not one the modalities must agree on
    mapped = model.map_query(new, batch_key="donor", epochs=1, progress_bar=False)
    mapped.save(tmp_path / "mapped")
    own = on_own_peaks(new)
    return tmp_path, own


def test_map_refuses_a_query_without_its_batch_column_before_the_remap(files, monkeypatch, caplog):
    folder, own = files
    del own.obs["batch"]
    own.write(folder / "nobatch.h5mu")

    def refuse(*args, **kwargs):
        raise AssertionError("the peaks were remapped before the batch column was checked")

    monkeypatch.setattr(jae.io.peaks, "remap_files", refuse)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "map", "--model", str(folder / "model"), "--h5mu", str(folder / "nobatch.h5mu"),
                     "--remap-peaks", "--out", str(folder / "out"), "--device", "cpu"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "the query has no obs column 'batch'" in errors[0], errors
    assert not (folder / "out").exists()


def test_a_mapped_model_finds_the_batch_only_the_second_competition_file_holds(files):
    """Competition files whose batch column (the mapping's 'donor') only the ATAC file holds: streamed with
    --remap-peaks, the mapped model's batches are read from it (as without the flag), not refused; the same embedding
    as the .h5mu of those cells."""
    folder, own = files
    rna, atac = own["rna"].copy(), own["atac"].copy()
    rna.obs = pd.DataFrame(index=rna.obs_names)
    atac.obs = pd.DataFrame({"donor": own.obs["donor"].astype(str).to_numpy()}, index=atac.obs_names)
    rna.write_h5ad(folder / "q.mod1.h5ad")
    atac.write_h5ad(folder / "q.mod2.h5ad")
    own.write(folder / "q.h5mu")
    embed = ["-q", "embed", "--model", str(folder / "mapped"), "--remap-peaks", "--device", "cpu"]
    assert main([*embed, "--mod1", str(folder / "q.mod1.h5ad"), "--mod2", str(folder / "q.mod2.h5ad"),
                 "--out", str(folder / "c.h5ad")]) == 0
    assert main([*embed, "--h5mu", str(folder / "q.h5mu"), "--out", str(folder / "h.h5ad")]) == 0
    c, h = ad.read_h5ad(folder / "c.h5ad"), ad.read_h5ad(folder / "h.h5ad")
    assert np.array_equal(c.X, h.X) and c.obs_names.equals(h.obs_names)


def test_a_mosaic_query_streams_the_remap_as_the_whole_route(files, monkeypatch):
    """An .h5mu whose first 50 cells lack ATAC (streamed as jae.io.MosaicFiles): the same embedding and labels as
    the query read whole and remapped."""
    import mudata as md

    import jae
    from jae.io import InputFiles

    folder, own = files
    mosaic = md.MuData({"rna": own["rna"].copy(), "atac": own["atac"][50:].copy()})
    mosaic.obs["batch"] = own.obs["batch"].reindex(mosaic.obs_names)
    mosaic.write(folder / "mosaic.h5mu")
    run = dict(model=folder / "model", remap_peaks=True, finetune_epochs=0, progress_bar=False, device="cpu")
    rows, real_map = [], jae.io.chunked.map_columns
    monkeypatch.setattr(jae.io.chunked, "map_columns", lambda X, m: rows.append(X.shape[0]) or real_map(X, m))
    streamed = jae.embed_files(InputFiles(h5mu=folder / "mosaic.h5mu"), out=folder / "s.h5ad", **run)
    assert sum(rows) == 250  # the ATAC rows of the 250 cells holding it, remapped as read
    real = InputFiles.open
    monkeypatch.setattr(InputFiles, "open", lambda self, **kw: real(self, **{**kw, "once": False}))
    whole = jae.embed_files(InputFiles(h5mu=folder / "mosaic.h5mu"), out=folder / "w.h5ad", memory_budget="50G",
                            **run)
    assert np.array_equal(streamed.embedding, whole.embedding) and streamed.obs_names.equals(whole.obs_names)
    assert streamed.labels.equals(whole.labels)
    pd.testing.assert_frame_equal(ad.read_h5ad(folder / "s.h5ad").obs, ad.read_h5ad(folder / "w.h5ad").obs)


def test_remapped_files_read_whole_are_the_query_remapped(files):
    """Files remap_files opened, read whole (PairedFiles.load): the query read and remapped by jae.remap_peaks, not
    its own peaks; their row blocks are those counts."""
    import mudata as md

    import jae
    from jae.io.h5mu_files import open_h5mu
    from jae.io.peaks import remap_files

    folder, own = files
    own.write(folder / "own.h5mu")
    model = jae.JAE.load(folder / "model", device="cpu")
    remapped = remap_files(open_h5mu(folder / "own.h5mu"), model)
    loaded = remapped.load()
    expected = jae.remap_peaks(md.read_h5mu(folder / "own.h5mu"), model)["atac"]
    assert loaded["atac"].var_names.equals(expected.var_names) and remapped.var_names[1].equals(expected.var_names)
    assert (loaded["atac"].layers["counts"] != expected.layers["counts"]).nnz == 0
    streamed = sp.vstack(list(remapped.counts[1].blocks(64)))
    assert np.array_equal(streamed.toarray(), expected.layers["counts"].toarray())
