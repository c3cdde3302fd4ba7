"""True/False arguments of lower-level public calls given as text ('no' is truthy) are refused in one line naming
the argument, instead of being read as True: ilisi/clisi's scale, louvain's weighted, Preprocessor.normalise's copy,
preprocess's progress_bar."""

import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.preprocess import Preprocessor, preprocess


@pytest.fixture(scope="module")
def embedding():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 4)).astype(np.float32), np.repeat(["a", "b"], 30)


@pytest.mark.parametrize("metric", [jae.metrics.ilisi, jae.metrics.clisi])
def test_lisi_scale_as_text_is_refused(embedding, metric):
    E, labels = embedding
    with pytest.raises(TypeError, match=r"^scale must be True or False, not 'no'$"):
        metric(E, labels, scale="no")
    assert metric(E, labels, scale=0) == metric(E, labels, scale=False)  # numbers 0/1 still read as before


def test_louvain_weighted_as_text_is_refused(embedding):
    graph = jae.metrics.neighbor_graph(embedding[0]).connectivities
    with pytest.raises(TypeError, match=r"^weighted must be True or False, not 'no'$"):
        jae.metrics.louvain(graph, weighted="no")


def test_normalise_copy_and_preprocess_progress_bar_as_text_are_refused():
    counts = sp.random(40, 30, density=0.3, format="csr", dtype=np.float32, random_state=0)
    counts.data = np.ceil(counts.data * 5)
    kinds, names = ("GEX",), ([f"g{i}" for i in range(30)],)
    with pytest.raises(TypeError, match=r"^progress_bar must be True or False, not 'no'$"):
        preprocess([counts], kinds, names, n_components=5, progress_bar="no")
    pre, _, _ = preprocess([counts], kinds, names, n_components=5)
    assert isinstance(pre, Preprocessor)
    with pytest.raises(TypeError, match=r"^copy must be True or False, not 'no'$"):
        pre.normalise(0, counts, copy="no")
    np.testing.assert_array_equal(pre.normalise(0, counts).toarray(),
                                  pre.normalise(0, counts.copy(), copy=False).toarray())
