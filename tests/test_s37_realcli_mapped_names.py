"""Session 37 (real-data CLI audit): a query mapped under new batch names, embedded without them.

jae map refuses a query whose batch names the reference already has and suggests renaming them in an --annotations
file. Embedding that query afterwards with the mapped model but without the file read the old names: every cell was
of a reference batch, so none got its mapped shift, while the summary line still named the mapped batch. A warning
now says that no cell is of a mapped batch and what to pass; cells of a mapped batch embed as before, unwarned.
"""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae import JAE, JAEConfig
from jae.datasets import simulate


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    """A reference of two batches; its last batch's cells written as a query and mapped as 'query_<name>'."""
    m = simulate(240, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=5)
    last = sorted(m.obs["batch"].astype(str).unique())[-1]
    model = JAE(JAEConfig(max_epochs=2, n_svd=10), seed=1, device="cpu").fit(m.copy(), progress_bar=False)
    folder = tmp_path_factory.mktemp("mapped")
    query = m[(m.obs["batch"].astype(str) == last).to_numpy()].copy()
    query.write(folder / "q.h5mu")
    names = pd.DataFrame({"batch": "query_" + query.obs["batch"].astype(str)}, index=query.obs_names)
    ad.AnnData(obs=names).write_h5ad(folder / "names.h5ad")
    result = jae.map_files(jae.io.InputFiles(h5mu=folder / "q.h5mu", annotations=[folder / "names.h5ad"]), model,
                           folder / "mapped", epochs=1, progress_bar=False)
    assert result.model.adapter.batches == (f"query_{last}",)
    return folder


def _warned(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "mapped shift" in r.getMessage()]


def test_query_embedded_without_its_mapped_names_is_warned(mapped, caplog, tmp_path):
    caplog.set_level(logging.INFO, logger="jae")
    got = jae.embed_files(jae.io.InputFiles(h5mu=mapped / "q.h5mu"), mapped / "mapped", tmp_path / "e.h5ad",
                          progress_bar=False)
    (text,) = _warned(caplog)
    assert text.startswith(f"none of the {got.n_cells} cells is of a batch this model mapped ('query_")
    assert "in obs['batch']" in text and "annotations=FILE" in text
    from jae.cli._messages import cli_warning
    assert "--annotations FILE" in cli_warning(text, "embed")


def test_query_embedded_with_its_mapped_names_is_not_warned_and_differs(mapped, caplog, tmp_path):
    caplog.set_level(logging.INFO, logger="jae")
    plain = jae.embed_files(jae.io.InputFiles(h5mu=mapped / "q.h5mu"), mapped / "mapped", tmp_path / "a.h5ad",
                            progress_bar=False)
    caplog.clear()
    named = jae.embed_files(jae.io.InputFiles(h5mu=mapped / "q.h5mu", annotations=[mapped / "names.h5ad"]),
                            mapped / "mapped", tmp_path / "b.h5ad", progress_bar=False)
    assert _warned(caplog) == []
    assert not np.allclose(plain.embedding, named.embedding)  # the shift applies only under the mapped names
