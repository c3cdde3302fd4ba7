"""A model mapped by a column of the query only (``batch_key='sample'``) given the reference's own cells (session 51).

The reference file lacks the query's column, so ``mapped.embed(reference)`` and ``jae embed --model MAPPED --h5mu
reference.h5mu`` refused ('the data has no such column'), although docs/mapping.md says the mapped model embeds
reference cells bit-identically. A cell with no batch in the mapping's column and a reference batch in the column the
reference was fitted with now takes that reference batch: no shift, the reference model's embedding, said in one INFO
line. Cells lacking both are still refused in one line.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def mapped(own_cite_model):
    folder, reference = own_cite_model("s51_fixes_mapped_reference")
    query = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=5)
    query.obs["sample"] = "lib1"
    model = reference.map_query(query, batch_key="sample", epochs=1, progress_bar=False)
    model.save(folder / "mapped")
    # the reference's own cells, as fitted (conftest.small_cite_model): no 'sample' column
    cells = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    assert "sample" not in cells.obs.columns and model.adapter.batch_key == "sample"
    return folder, reference, model, cells


def test_reference_cells_without_the_mapped_column_embed_as_the_reference_does(mapped, caplog):
    _, reference, model, cells = mapped
    with caplog.at_level(logging.INFO, logger="jae.mapping.adapter"):
        emb = model.embed(cells.copy(), key_added=None)  # was: ValueError 'the data has no such column'
    assert np.array_equal(emb, reference.embed(cells.copy(), key_added=None))
    said = [r.getMessage() for r in caplog.records if r.name == "jae.mapping.adapter"]
    assert any(s.startswith("300 cells have no batch in obs['sample']") for s in said), said
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    got = model.predict_cell_type(cells.copy())
    want = reference.predict_cell_type(cells.copy())
    assert (got["cell_type"].to_numpy() == want["cell_type"].to_numpy()).all()


def test_jae_embed_of_the_reference_file_with_the_mapped_model(mapped, tmp_path, caplog):
    folder, _, _, cells = mapped
    cells.write(tmp_path / "reference.h5mu")
    outs = {}
    for name, extra in (("mapped", []), ("model", ["--finetune-epochs", "0"])):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="jae"):
            assert main(["-q", "embed", "--model", str(folder / name), "--h5mu", str(tmp_path / "reference.h5mu"),
                         "--out", str(tmp_path / f"{name}.h5ad"), "--device", "cpu", *extra]) == 0
        assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        import anndata as ad

        outs[name] = ad.read_h5ad(tmp_path / f"{name}.h5ad").X
    assert np.array_equal(outs["mapped"], outs["model"])


def test_cells_without_either_batch_are_still_refused_in_one_line(mapped):
    _, _, model, cells = mapped
    data = cells.copy()
    del data.obs["batch"]
    for mod in data.mod.values():
        mod.obs = mod.obs.drop(columns=["batch"], errors="ignore")
    with pytest.raises(ValueError, match="the data has no such column") as err:
        model.embed(data, key_added=None)
    assert "\n" not in str(err.value)
    data = cells.copy()
    data.obs["batch"] = data.obs["batch"].astype(str).replace({data.obs["batch"].astype(str).iloc[0]: "elsewhere"})
    held = int((data.obs["batch"] == "elsewhere").sum())
    with pytest.raises(ValueError, match=f"{held} of 300 cells have no batch label in 'sample'"):  # not a reference
        model.embed(data, key_added=None)  # batch there: not filled, the other cells are
