"""An .h5ad path given where an .h5mu is read (s37 audit): ``model.map_query('q.mod1.h5ad')`` said
".h5mu file q.mod1.h5ad is not a MuData file", calling the user's .h5ad an .h5mu. Now the message says what the
path is (an AnnData .h5ad) and what to pass instead, and the pair it suggests maps."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def files(own_cite_model):
    from jae.datasets import simulate

    folder, model = own_cite_model("s37_leftC_h5ad_as_h5mu")
    query = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    query.obs["batch"] = "q1"
    mod1, mod2 = folder / "q.mod1.h5ad", folder / "q.mod2.h5ad"
    for name, path in (("rna", mod1), ("prot", mod2)):
        one = query[name].copy()
        one.obs["batch"] = "q1"
        one.write_h5ad(path)
    return model, mod1, mod2


def test_map_query_of_an_h5ad_path_names_it_an_h5ad_and_the_fix(files):
    import jae

    model, mod1, mod2 = files
    with pytest.raises(ValueError) as err:
        model.map_query(str(mod1), batch_key="batch", epochs=1, progress_bar=False)
    text = str(err.value)
    assert text.startswith(f"{mod1} is not a MuData file (.h5mu) but an AnnData file (.h5ad);"), text
    assert ".h5mu file" not in text
    assert "jae.io.open_competition(mod1, mod2)" in text and "jae.read_competition(mod1, mod2)" in text
    mapped = model.map_query(jae.io.open_competition(mod1, mod2), batch_key="batch", epochs=1, progress_bar=False)
    assert list(mapped.adapter.batches) == ["q1"]


def test_the_cli_says_it_in_its_flags():
    from jae.cli._messages import cli_message

    text = ("q.mod1.h5ad is not a MuData file (.h5mu) but an AnnData file (.h5ad); read .h5ad files with "
            "jae.read_competition(mod1, mod2), one per modality (jae.io.open_competition(mod1, mod2) opens them "
            "without reading the counts), or jae.io.read_paired_h5ad(path), one holding both; RNA alone (cells to "
            "embed, map or impute from): pass anndata.read_h5ad(path) (or jae.io.open_rna(path))")
    assert cli_message(text) == (
        "--h5mu file q.mod1.h5ad is not a MuData file but an AnnData file (.h5ad); read .h5ad files with --mod1 and "
        "--mod2, one per modality, or --h5ad, one holding both; RNA alone (cells to embed, map or impute from): "
        "--mod1 alone")
