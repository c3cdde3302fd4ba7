"""The configuration: every number with meaning in JAE, in one frozen dataclass (:class:`JAEConfig`), with where its
default comes from, and the reading and checking of a user's values.

- :mod:`jae.config.fields`: :class:`JAEConfig`, its fields and their defaults, and the helpers that name a settings
  dataclass's fields in its messages (also :class:`jae.PredictConfig`'s);
- :mod:`jae.config.values`: a user's values read and checked (seeds, epochs, number fields, ``FIELD=VALUE`` texts);
- :mod:`jae.config.readout_check`: JAEConfig's warning of an ``n_principal`` the readout cannot honour;
- :mod:`jae.config.unread`: its warning of a setting its mode does not read.
"""

from __future__ import annotations

from .fields import JAEConfig, OtherCalls, fields_signature, keyword_arguments, model_arguments, named_fields
from .values import MAX_SEED, as_epochs, as_seed, typed_numbers

__all__ = [
    "JAEConfig", "OtherCalls", "as_epochs", "as_seed", "typed_numbers", "MAX_SEED", "keyword_arguments",
    "model_arguments", "named_fields", "fields_signature",
]
