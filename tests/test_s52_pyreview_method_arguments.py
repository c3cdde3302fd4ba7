"""Other tools' habits given to jae's calls: ``fit(mdata, max_epochs=5)`` (scvi-tools' ``train(max_epochs=)``),
``labels_key=`` (its ``setup_anndata``), ``jae.evaluate(..., label_key=)`` (scib) or ``embedding_obsm_keys=``
(scib-metrics), and misspelt keywords raised Python's bare "JAE.fit() got an unexpected keyword argument ..." (session
52), where ``JAE(max_epochs=5)`` already named the fix. Each now refuses in one line naming the argument or the model
call that takes it, before any data is read; valid calls are unchanged."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import numpy as np
import pandas as pd

import jae
from jae import JAE, JAEConfig


def test_a_config_field_given_to_fit_names_the_model_call():
    with pytest.raises(TypeError, match=r"^max_epochs is a JAEConfig field, not an argument of JAE\.fit: give it to "
                                        r"the model, JAE\(JAEConfig\(max_epochs=5\)\)\.fit\(\.\.\.\)$"):
        JAE().fit(None, max_epochs=5)
    config = JAEConfig(max_epochs=3)
    with pytest.raises(TypeError, match=r"^batch_size, lr are JAEConfig fields, not arguments of JAE\.fit: give them "
                                        r"to the model, JAE\(dataclasses\.replace\(model\.config, batch_size=64, "
                                        r"lr=0\.001\)\)\.fit\(\.\.\.\)$"):
        JAE(config).fit(None, batch_size=64, lr=1e-3)
    assert dataclasses.replace(config, batch_size=64).batch_size == 64  # the call it names runs
    # help() and inspect still show each method's own arguments; a valid call reaches the method (its refusal here)
    assert list(inspect.signature(JAE.embed).parameters) == ["self", "data", "key_added", "layer"]
    assert "cell_type_key" in inspect.signature(JAE.fit).parameters
    with pytest.raises(RuntimeError, match="not fitted yet"):
        JAE().embed(None, key_added=None)


def test_other_tools_names_and_misspellings_name_the_argument():
    model = JAE()
    with pytest.raises(TypeError, match=r"^JAE\.fit has no argument 'labels_key'; its name here is 'cell_type_key': "
                                        r"pass cell_type_key='cell_type'$"):
        model.fit(None, labels_key="cell_type")
    with pytest.raises(TypeError, match=r"^JAE\.finetune has no argument 'max_epochs'; its name here is 'epochs': "
                                        r"pass epochs=2$"):
        model.finetune(None, max_epochs=2)
    with pytest.raises(TypeError, match=r"^JAE\.predict_cell_type has no argument 'key_add'; did you mean "
                                        r"'key_added'\?$"):
        model.predict_cell_type(None, key_add="jae")
    with pytest.raises(TypeError, match=r"^JAE\.embed has no argument 'batch_size'; its arguments are data, "
                                        r"key_added, layer$"):  # no model call for a method that trains nothing
        model.embed(None, batch_size=3)
    with pytest.raises(TypeError, match=r"^JAE\.map_query has no argument 'labels_key'; its arguments are query, "):
        model.map_query(None, labels_key="cell_type")



def test_scib_names_given_to_the_scoring_calls_name_jae_s():
    with pytest.raises(TypeError, match=r"^jae\.evaluate has no argument 'label_key'; its name here is "
                                        r"'cell_type_key': pass cell_type_key='cell_type'$"):
        jae.evaluate(None, ["X_jae"], label_key="cell_type")
    with pytest.raises(TypeError, match=r"^jae\.evaluate has no argument 'embedding_obsm_keys'; its name here is "
                                        r"'embeddings': pass embeddings=\['X_pca'\]$"):
        jae.evaluate(None, embedding_obsm_keys=["X_pca"])
    labels = pd.Series(np.repeat(["a", "b"], 10))
    with pytest.raises(TypeError, match=r"^jae\.metrics\.evaluate_embedding has no argument 'labels'; its name here "
                                        r"is 'cell_type': pass cell_type=\.\.\.$"):  # a Series is not printed
        jae.metrics.evaluate_embedding(np.zeros((20, 2)), labels=labels)
