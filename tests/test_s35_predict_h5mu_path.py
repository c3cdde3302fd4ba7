"""An .h5mu path given to ModalityPredictor.predict or jae.predict was refused with 'pass it as h5mu=FILE', an
argument neither takes; the fix named now is the one that works in Python: pass one of its modalities (or save it as
an .h5ad). jae predict --test-mod1 is told as before."""

from __future__ import annotations

import mudata as md
import numpy as np
import pytest

import jae
from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

TOLD = (r"is a MuData file \(modalities \['rna'\]\), not an \.h5ad; pass one of those modalities, "
        r"mudata\.read_h5mu\(path\)\[name\], or save each modality as an \.h5ad first "
        r"\(mdata\.mod\['rna'\]\.write_h5ad\(\.\.\.\)\)$")


def test_an_h5mu_path_is_told_the_fix_that_works(tmp_path):
    source, target = paired(60, seed=0)
    query = paired(10, seed=1, prefix="q")[0]
    path = tmp_path / "q.h5mu"
    md.MuData({"rna": query}).write(path)
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False)
    with pytest.raises(ValueError, match=r"^query_source file .*q\.h5mu " + TOLD):
        model.predict(path)
    with pytest.raises(ValueError, match=r"^query_source file .*q\.h5mu " + TOLD):
        jae.predict(source, target, path, method="mean", progress_bar=False)
    name = "rna"
    np.testing.assert_array_equal(model.predict(md.read_h5mu(path)[name]).X, model.predict(query).X)  # the fix
    assert "h5mu=FILE" not in TOLD
