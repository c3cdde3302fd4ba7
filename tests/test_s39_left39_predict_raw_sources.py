"""Session 39 (leftover): jae.predict / jae predict refused its sources one at a time. Sources given as an AnnData's
.raw (train_source=tr.raw, query_source=q.raw) were refused as 'train_source must be an AnnData ... not Raw', with no
fix; after train_source.raw.to_adata(), the query was refused the same way. Sources whose .X is normalised (the
counts in .raw) refused the query first and, once it was fixed and the command rerun, the training source. Both are
now named in one line, with the fix; one bad source is refused as before. Since session 48 the predictor reads the
counts where layer= says, by the joint model's rule: sources with a .raw and no layer 'counts' are refused (in one
line) naming layer='raw', which reads them."""

from __future__ import annotations

import numpy as np
import pytest

import jae


def _normalised(adata):
    a = adata.copy()
    a.X = a.layers.pop("counts").astype(np.float32)
    a.raw = a.copy()
    total = np.asarray(a.X.sum(axis=1)).ravel()
    a.X = a.X.multiply(1e4 / total[:, None]).tocsr().log1p()
    return a


@pytest.fixture(scope="module")
def cells():
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m["rna"], m["prot"]
    return _normalised(rna[:80]), prot[:80].copy(), _normalised(rna[80:])


def test_raw_objects_are_refused_together_with_the_fix(cells):
    train, target, query = cells
    with pytest.raises(TypeError, match=r"^train_source and query_source are an AnnData's \.raw") as err:
        jae.predict(train.raw, target, query.raw, method="mean")
    assert "train_source=<adata>.raw.to_adata(), query_source=<adata>.raw.to_adata()" in str(err.value)


def test_normalised_sources_are_refused_together(cells):
    train, target, query = cells
    with pytest.raises(KeyError, match=r"^\"train_source has no layer 'counts' \(layers: \[\]\), and query_source has "
                                       r"no layer 'counts' .*pass layer='raw'") as err:
        jae.predict(train, target, query, method="mean")
    assert str(err.value).count("pass layer='raw'") == 1  # the fix said once
    good = jae.predict(train.raw.to_adata(), target, query.raw.to_adata(), method="mean")
    assert np.array_equal(jae.predict(train, target, query, method="mean", layer="raw").X, good.X)


def test_files_with_normalised_sources_are_refused_together(cells, tmp_path):
    train, target, query = cells
    for a, name in ((train, "tr1"), (target, "tr2"), (query, "te1")):
        a.write_h5ad(tmp_path / f"{name}.h5ad")
    with pytest.raises(KeyError, match=r"^\"train_mod1 has no layer 'counts' .*, and test_mod1 has no layer 'counts'"):
        jae.predict_files(tmp_path / "tr1.h5ad", tmp_path / "tr2.h5ad", tmp_path / "te1.h5ad", tmp_path / "p.h5ad",
                          method="mean")
    assert not (tmp_path / "p.h5ad").exists()


def test_one_bad_source_is_refused_alone(cells):
    train, target, query = cells
    good = train.raw.to_adata()
    with pytest.raises(KeyError, match=r"^\"query_source has no layer 'counts' ") as err:
        jae.predict(good, target, query, method="mean")
    assert "train_source" not in str(err.value)
    with pytest.raises(TypeError, match=r"^query_source is an AnnData's \.raw .*query_source=<adata>\.raw\.to_adata"):
        jae.predict(good, target, query.raw, method="mean")
