"""A query .h5ad holding its counts in another layer and no .X (anndata writes none for X=None) was refused, when
read in row blocks (a path in Python, jae predict --test-mod1), with 'q.h5ad .X is missing; pass --layer NAME
naming the layer with raw counts': jae predict has no --layer, nor ModalityPredictor.predict a layer=. It now says
what the predictor reads (layers['counts'], else .X), the layers the file has, and how to store the counts there;
the fix named works. Since session 48 the predictor takes layer= (jae predict --layer), named first in the fix."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest

from jae.prediction import ModalityPredictor

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

TOLD = (r"has neither layers\['counts'\] nor \.X \(its layers: \['raw'\]\); pass layer=\.\.\. naming the layer "
        r"with raw counts, or store them in layers\['counts'\], e\.g\. adata\.layers\['counts'\] = adata\.layers\[NAME\], and write the file again$")


def _query_without_x(path):
    query = paired(10, seed=1, prefix="q")[0]
    ad.AnnData(obs=query.obs, var=query.var, layers={"raw": query.layers["counts"]}).write_h5ad(path)
    return query


def test_a_path_is_told_the_fix_that_works(tmp_path):
    import jae

    source, target = paired(60, seed=0)
    query = _query_without_x(tmp_path / "q.h5ad")
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False)
    with pytest.raises(ValueError, match=r"^query_source " + TOLD):
        model.predict(tmp_path / "q.h5ad")
    with pytest.raises(ValueError, match=r"^query_source " + TOLD):  # before any training
        jae.predict(source, target, tmp_path / "q.h5ad", progress_bar=False)
    adata = ad.read_h5ad(tmp_path / "q.h5ad")
    adata.layers["counts"] = adata.layers["raw"]  # the fix, as written
    adata.write_h5ad(tmp_path / "fixed.h5ad")
    np.testing.assert_array_equal(model.predict(tmp_path / "fixed.h5ad").X, model.predict(query).X)
    np.testing.assert_array_equal(model.predict(tmp_path / "q.h5ad", layer="raw").X, model.predict(query).X)


def test_the_cli_names_its_layer_flag(tmp_path, caplog, capsys):
    from jae.cli import main

    source, target = paired(60, seed=0)
    _query_without_x(tmp_path / "q.h5ad")
    for adata, name in ((source, "tr1"), (target, "tr2")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    argv = ["predict", "--train-mod1", str(tmp_path / "tr1.h5ad"), "--train-mod2", str(tmp_path / "tr2.h5ad"),
            "--test-mod1", str(tmp_path / "q.h5ad"), "--output", str(tmp_path / "p.h5ad"), "--method", "mean"]
    assert main(argv) == 1
    said = caplog.text + capsys.readouterr().err
    assert "--test-mod1 has neither layers['counts'] nor .X (its layers: ['raw'])" in said
    assert "pass --layer NAME naming the layer" in said and not (tmp_path / "p.h5ad").exists()
    assert main([*argv, "--layer", "raw"]) == 0 and (tmp_path / "p.h5ad").exists()  # tr1.h5ad: no layer 'raw', .X
