"""Session 55: an obsm key scored keeps where it was read (jae.evaluation.inputs.ObsmKey) when pickled or copied."""

import copy
import pickle

from jae.evaluation.inputs import ObsmKey


def test_an_obsm_key_pickles_and_copies_with_its_place():
    key = ObsmKey("X_pca", "obsm['X_pca'] of modality 'rna'")
    for again in (pickle.loads(pickle.dumps(key)), copy.deepcopy(key), copy.copy(key)):
        assert isinstance(again, ObsmKey) and again == "X_pca" and again.place == key.place
