"""A config's repr names only the fields set away from their defaults, as the code that rebuilds it (Session 53):
``repr(JAEConfig())`` was one ~780-character line of every field, PredictConfig's ~430, a wall in a notebook cell."""

import numpy as np

from jae import JAEConfig
from jae.prediction import PredictConfig


def test_default_configs_show_their_name_alone():
    assert repr(JAEConfig()) == "JAEConfig()" and str(JAEConfig()) == "JAEConfig()"
    assert repr(PredictConfig()) == "PredictConfig()"


def test_jae_config_repr_names_the_changed_fields_and_rebuilds_the_config():
    assert repr(JAEConfig(max_epochs=3, n_free=10)) == "JAEConfig(n_free=10, max_epochs=3)"
    for config in (JAEConfig(max_epochs=3, n_free=10), JAEConfig(hidden=(64, 32), dropout=0.25, lr=1.5e-4),
                   JAEConfig(mode="unsupervised", readout_unsupervised="latent"), JAEConfig(max_epochs=np.int64(4))):
        text = repr(config)
        assert eval(text, {"JAEConfig": JAEConfig}) == config, text
        assert len(text) < 120 and "batch_size" not in text, text
    assert len(JAEConfig.from_dict(JAEConfig(max_epochs=3).to_dict()).to_dict()) == len(JAEConfig().to_dict())


def test_predict_config_repr_names_the_changed_fields_and_rebuilds_the_config():
    config = PredictConfig(hidden=(8, 4), dropout=(0.1, 0.2), knn_ks=[3, 5], learning_rate=3e-3)
    assert repr(config) == "PredictConfig(hidden=(8, 4), dropout=(0.1, 0.2), learning_rate=0.003, knn_ks=(3, 5))"
    assert eval(repr(config), {"PredictConfig": PredictConfig}) == config
    assert PredictConfig.from_dict(config.to_dict()) == config
    assert len(config.to_dict()) == len(PredictConfig().to_dict())  # the saved settings still hold every field
