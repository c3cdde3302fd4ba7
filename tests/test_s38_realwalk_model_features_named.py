"""The renaming fixes of a query whose features are the model's named another way said 'ids = {n.split('_')[0]: n
for n in <the model's features>}' (s38 real-data walk: REAP-seq antibodies without their barcodes mapped onto a
REAP-seq reference), a placeholder nobody could fill: jae.JAE has no public list of them and the CLI user has only
the model folder. Now the message names where they are: model.preprocessor.var_names[i] in Python, the modality's
'var_names' in MODEL/model.json on the command line; the fix as written then maps the cells (checked by hand on the
REAP-seq files)."""

from __future__ import annotations

import json

import pytest

from jae.cli._messages import cli_message


@pytest.fixture(scope="module")
def setup(own_cite_model):
    from jae.datasets import simulate

    folder, model = own_cite_model("s38_realwalk_model_features_named")
    query = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    query["rna"].var_names = [n.lower() for n in query["rna"].var_names]  # the model's genes in another case
    query.update()
    return folder, model, query


def test_the_fix_names_where_the_models_features_are(setup):
    folder, model, query = setup
    with pytest.raises(ValueError) as err:
        model.embed(query, key_added=None)
    said = str(err.value)
    assert "<the model's features>" not in said
    assert "names = {n.upper(): n for n in model.preprocessor.var_names[0]}" in said
    genes = json.loads((folder / "model" / "model.json").read_text())["modalities"][0]["var_names"]
    assert list(model.preprocessor.var_names[0]) == genes  # the CLI's words name the same list
    assert ("names = {n.upper(): n for n in json.load(open('MODEL/model.json'))['modalities'][0]['var_names']}"
            in cli_message(said))
