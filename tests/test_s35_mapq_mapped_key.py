"""Mapping a mapped model again (session 35): its adapter reads one batch column, the one its first mapping read.
A query holding its batches in another column was told 'pass batch_key=<that column>', then, passing it, 'pass
batch_key=<the other>': a loop, in Python and in jae map (--batch-key). The fix now named is that column in the
query (copied there, or an annotation file holding it), and jae map refuses another column before opening the query."""

from __future__ import annotations

import logging

import pytest

from jae.cli import main
from jae.datasets import simulate


@pytest.fixture(scope="module")
def setup(own_cite_model):
    folder, model = own_cite_model("s35_mapq_mapped_key")
    first = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=11)
    first.obs["sample"] = "q1"
    mapped = model.map_query(first, batch_key="sample", epochs=1, progress_bar=False)
    mapped.save(folder / "mapped")
    second = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=12)
    second.obs["batch"] = "q2"  # the new batch, in another column than the mapping's
    for mod in second.mod.values():
        mod.obs["batch"] = "q2"
    return folder, mapped, second


def test_another_batch_key_names_the_fix_that_works(setup):
    _, mapped, second = setup
    with pytest.raises(ValueError) as err:
        mapped.map_query(second, batch_key="batch", progress_bar=False)
    said = str(err.value)
    assert "data.obs['sample'] = data.obs['batch'].astype(str)" in said, said
    assert "pass batch_key='sample'" not in said
    fixed = second.copy()
    fixed.obs["sample"] = fixed.obs["batch"].astype(str)  # the fix it names
    assert mapped.map_query(fixed, progress_bar=False).adapter.batches == ("q1", "q2")


def test_a_query_without_the_mapped_column_is_not_told_to_pass_another_batch_key(setup):
    _, mapped, second = setup
    with pytest.raises(KeyError) as err:
        mapped.map_query(second, progress_bar=False)
    said = str(err.value)
    assert "batch_key=<column>" not in said and "add it (data.obs['sample'] = each cell's batch)" in said, said


def test_jae_map_names_the_column_not_another_batch_key(setup, tmp_path, caplog):
    folder, _, second = setup
    paths = [tmp_path / "q.rna.h5ad", tmp_path / "q.prot.h5ad"]
    second["rna"].write_h5ad(paths[0])
    second["prot"].write_h5ad(paths[1])
    args = ["-q", "map", "--mod1", str(paths[0]), "--mod2", str(paths[1]), "--model", str(folder / "mapped"),
            "--out", str(tmp_path / "out"), "--device", "cpu"]
    errors = []
    for extra in ([], ["--batch-key", "batch"]):
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="jae"):
            assert main(args + extra) == 1
        errors += [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2 and not (tmp_path / "out").exists()
    for said in errors:
        assert "--batch-key COLUMN" not in said and "--batch-key sample" not in said, said
        assert "--annotations FILE" in said and "obs['batch']" not in said.split("so this query")[-1], said
    assert errors[1].endswith("give them in a column sample (in the input, or an --annotations FILE holding it) and map "
                              "without --batch-key"), errors[1]
