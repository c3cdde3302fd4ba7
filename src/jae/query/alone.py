"""One modality's AnnData passed alone that holds the model's second modality, not its RNA (:mod:`jae.query`).

One AnnData alone is read as the RNA unless its ``var['feature_types']`` names another kind
(:func:`jae.io.single.alone_name`); proteins or peaks without that column were then refused as RNA of 'another gene
panel, organism or peak set', with nothing to subset to, although they are the model's second modality.
"""

from __future__ import annotations

from contextlib import contextmanager

import pandas as pd

__all__ = ["other_alone"]

#: The ``var['feature_types']`` value of each second-modality kind, as Cell Ranger writes it.
FEATURE_TYPE = {"ADT": "Antibody Capture", "ATAC": "Peaks"}


@contextmanager
def other_alone(model, var_names):
    """Within the block (the features of the data matched to the model's, ``var_names`` of its RNA and second
    modality, None for one it lacks), a refusal of data read as the RNA alone that holds the model's second
    modality's features is replaced by one naming the fix; every other refusal stands."""
    try:
        yield
    except ValueError:
        if var_names[0] is not None and var_names[1] is None:
            _refuse(model, var_names[0])
        raise


def _refuse(model, var_names) -> None:
    from ..io.features import MIN_FEATURE_FRACTION, feature_overlap

    pre, name = model.preprocessor, model.modality_names[1]
    other = pd.Index(pre.var_names[1]).astype(str)
    try:  # peaks written with other separators are matched by their interval, as the second modality's are
        found = len(feature_overlap(var_names, other, name=f"modality {name!r}").present)
    except ValueError:  # not the second modality either: the RNA's own refusal stands
        return
    if found < MIN_FEATURE_FRACTION * len(other):
        return
    kind = pre.kinds[1]
    raise ValueError(
        f"the data was read as RNA alone (one AnnData without var['feature_types']), but it holds {found} of the "
        f"model's {len(other)} {kind} features (its modality {name!r}): pass it as that modality, e.g. "
        f"mudata.MuData({{{name!r}: adata}}), or mark its features, adata.var['feature_types'] = "
        f"{FEATURE_TYPE[kind]!r}, and pass it again") from None
