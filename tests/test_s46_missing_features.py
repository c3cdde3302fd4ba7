"""An SVD block computed from part of its features (session 46): the present features' projection plus the missing
ones' expected part, mixed with the posterior mean by the missing features' share of the basis. With no feature
missing it is the projection itself; with one gene of 600 missing, real query cells embed almost as with every gene
(the posterior mean alone had moved them by 7% of the embedding's spread, 7% of their 15 nearest neighbours)."""

from __future__ import annotations

import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.io.features import FeatureOverlap
from jae.query.partial import svd_partial

from conftest import knn_overlap  # tests/ is on sys.path


@pytest.fixture(scope="module")
def bmmc(data_dir):
    """The BMMC Multiome starter: a model fitted on a seeded 70% of its cells, the other 30% as new cells."""
    root = data_dir / "neurips2021_starter" / "common" / "multiome"
    m = jae.read_competition(root / "openproblems_bmmc_multiome_starter.output_rna.h5ad",
                             root / "openproblems_bmmc_multiome_starter.output_mod2.h5ad")
    new = np.random.default_rng(0).random(m.n_obs) < 0.3
    model = JAE(JAEConfig(max_epochs=10), seed=0, device="cpu").fit(m[~new].copy(), progress_bar=False)
    return model, m[new].copy()


def test_with_no_feature_missing_the_block_is_the_projection(bmmc):
    model, query = bmmc
    rna = query["rna"]
    counts = rna.layers["counts"][:, rna.var_names.get_indexer(model.preprocessor.var_names[0])]
    n = counts.shape[1]
    full = FeatureOverlap(columns=np.arange(n), present=np.arange(n), missing=np.arange(0), n_extra=0)
    width = model.preprocessor.widths[0]
    got = svd_partial(model, 0, counts, full, slice(0, width))
    want = model.preprocessor._features_of(0, model.preprocessor.normalise(0, counts))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_one_missing_gene_leaves_the_embedding_almost_as_it_is(bmmc):
    model, query = bmmc
    E0 = model.embed(query, key_added=None)
    genes = model.preprocessor.var_names[0]
    loadings = (model.preprocessor.bases[0].components ** 2).sum(0)
    gone = genes[int(np.argsort(loadings)[len(loadings) // 2])]  # a gene of median loading
    import mudata as md
    q = md.MuData({"rna": query["rna"][:, query["rna"].var_names != gone].copy(), "atac": query["atac"].copy()})
    q.obs = query.obs.copy()
    E1 = model.embed(q, key_added=None)
    spread = np.linalg.norm(E0 - E0.mean(0))
    assert np.linalg.norm(E1 - E0) / spread < 0.02
    assert knn_overlap(E0, E1) > 0.97
