"""A modality of a MuData read backed (mudata.read_h5mu(path, backed=True)['rna'], its counts in .X) was refused as
a backed AnnData with the fix 'pass the file's path instead, query_source=<the .h5mu>', which prediction then refused
as a MuData file. It is named as a backed MuData's modality now, with the fix that works (.to_memory()); a backed
.h5ad is told as before."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pytest

from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


def test_a_backed_mudata_modality_is_told_the_fix_that_works(tmp_path):
    source, target = paired(60, seed=0)
    query = paired(10, seed=1, prefix="q")[0]
    del query.layers["counts"]  # counts in .X, which backed mode leaves in the file
    md.MuData({"rna": query}).write(tmp_path / "q.h5mu")
    ad.AnnData(query.X, obs=query.obs, var=query.var).write_h5ad(tmp_path / "q.h5ad")
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False)
    rna = md.read_h5mu(tmp_path / "q.h5mu", backed=True)["rna"]
    with pytest.raises(ValueError, match=r"^query_source is a modality of a backed MuData \(read_h5mu\(\.\.\., "
                                         r"backed=True\)\), whose matrices stay in its file '.*q\.h5mu'; pass "
                                         r"query_source\.to_memory\(\)$"):
        model.predict(rna)
    np.testing.assert_array_equal(model.predict(rna.to_memory()).X, model.predict(query).X)  # the fix, as named
    with pytest.raises(ValueError, match=r"^query_source is a backed AnnData .*pass the file's path instead"):
        model.predict(ad.read_h5ad(tmp_path / "q.h5ad", backed="r"))  # as before
