"""jae.evaluate's row names: every embedding asked for keeps a row of its own."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    return simulate(200, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)


def _write(path, data, scale: float):
    """A competition embedding file of the data's cells, ``uns['method_id'] = 'jae'`` as jae embed writes it."""
    rng = np.random.default_rng(int(scale * 10))
    codes = data.obs["cell_type"].cat.codes.to_numpy()[:, None]
    E = (codes * 3.0 + rng.normal(scale=scale, size=(data.n_obs, 6))).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    ad.AnnData(X=E, obs=data.obs[[]], uns={"method_id": "jae"}).write_h5ad(path)
    return E


def test_files_of_several_runs_of_one_method_each_keep_their_row(data, tmp_path):
    """Three runs' run*/embedding.h5ad (one method_id, one file name) gave two rows: the third replaced the second,
    with no message."""
    paths = [tmp_path / f"run{i}" / "embedding.h5ad" for i in (1, 2, 3)]
    arrays = [_write(p, data, scale) for p, scale in zip(paths, (0.5, 2.0, 4.0))]
    table = jae.evaluate(data, [str(p) for p in paths], device="cpu", progress_bar=False)
    assert len(table) == 3 and table.index.is_unique
    alone = [jae.evaluate(data, {"x": E}, device="cpu", progress_bar=False).loc["x"] for E in arrays]
    for row, expected in zip(table.index, alone):  # in the order given, each its own file's scores
        np.testing.assert_allclose(table.loc[row].to_numpy(float), expected.to_numpy(float), equal_nan=True)


def test_a_file_named_by_its_label_never_replaces_a_named_embedding(data, tmp_path):
    """A file whose method_id is the name of a later embedding lost its row to it."""
    path = tmp_path / "embedding.h5ad"
    _write(path, data, 0.5)
    other = np.random.default_rng(0).normal(size=(data.n_obs, 4))
    table = jae.evaluate(data, {str(path): str(path), "jae": other}, device="cpu", progress_bar=False)
    assert len(table) == 2 and "jae" in table.index
    np.testing.assert_allclose(
        table.loc["jae"].to_numpy(float),
        jae.evaluate(data, {"jae": other}, device="cpu", progress_bar=False).loc["jae"].to_numpy(float),
        equal_nan=True)


@pytest.mark.parametrize("flags, message", [
    (["--obsm", "X_a", "--obsm", "X_a"], "--obsm X_a is given more than once; give each obsm key once"),
    (["--obsm", "X_a", "--prediction", "X_a=e.h5ad"], "two embeddings are named 'X_a'; give each --prediction its "
                                                      "own NAME=FILE"),
])
def test_an_embedding_named_twice_on_the_command_line_is_named_with_its_fix(tmp_path, caplog, flags, message):
    """A repeated --obsm was told to 'give each --prediction its own NAME=FILE', with no --prediction given."""
    import logging

    from jae.cli import main

    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "evaluate", "--h5mu", str(tmp_path / "d.h5mu"), *flags, "--out", str(tmp_path / "r")]) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [message]
    assert not (tmp_path / "r").exists()
