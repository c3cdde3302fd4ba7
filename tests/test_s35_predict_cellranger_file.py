"""A Cell Ranger .h5 given to prediction: as --test-mod1 (or a query path in Python) it was read as an .h5ad and
refused with '.X is missing; pass --layer NAME' (no such flag), as --train-mod1 with 'pass it as --10x FILE', a flag
jae predict does not have (and jae.read_10x_h5 returns a MuData, which prediction refuses, or refuses a file of Gene
Expression alone). Both now say it is a Cell Ranger matrix and how to write the modality as the .h5ad prediction
reads; that fix works."""

from __future__ import annotations

import numpy as np
import pytest

from jae.prediction import ModalityPredictor

from conftest import write_10x  # noqa: E402  (tests/ is on sys.path)
from test_predict import paired  # noqa: E402

FIX = ("prediction reads one .h5ad per modality: write the modality as one first, e.g. a = scanpy.read_10x_h5(path, "
       "gex_only=False); a.var_names_make_unique(); a[:, a.var['feature_types'] == 'Gene Expression'].copy()"
       ".write_h5ad('rna.h5ad') ('Antibody Capture' or 'Peaks' for the other modality)")


@pytest.fixture
def files(tmp_path):
    source, target = paired(60, seed=0)
    query = paired(10, seed=1, prefix="q")[0]
    write_10x(tmp_path / "q.h5", query.layers["counts"].toarray(), list(query.var_names),
              ["Gene Expression"] * query.n_vars, list(query.obs_names))
    for adata, name in ((source, "tr1"), (target, "tr2")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    return source, target, query


def test_a_query_path_is_told_how_to_write_it(files, tmp_path):
    import scanpy

    source, target, query = files
    model = ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False)
    with pytest.raises(ValueError, match=r"^query_source file \S+q\.h5 is a Cell Ranger feature-barcode matrix "):
        model.predict(tmp_path / "q.h5")
    with pytest.raises(ValueError) as err:
        model.predict(tmp_path / "q.h5")
    assert str(err.value).endswith(FIX)
    path = tmp_path / "q.h5"  # the fix, as written
    a = scanpy.read_10x_h5(path, gex_only=False)
    a.var_names_make_unique()
    a[:, a.var["feature_types"] == "Gene Expression"].copy().write_h5ad(tmp_path / "rna.h5ad")
    np.testing.assert_array_equal(model.predict(tmp_path / "rna.h5ad").X, model.predict(query).X)


@pytest.mark.parametrize("flag", ["--test-mod1", "--train-mod1"])
def test_the_cli_names_no_flag_it_lacks(files, tmp_path, caplog, capsys, flag):
    from jae.cli import main

    given = {"--train-mod1": tmp_path / "tr1.h5ad", "--train-mod2": tmp_path / "tr2.h5ad",
             "--test-mod1": tmp_path / "tr1.h5ad", flag: tmp_path / "q.h5"}
    argv = ["predict", *[str(x) for kv in given.items() for x in kv], "--output", str(tmp_path / "p.h5ad"),
            "--method", "mean"]
    assert main(argv) == 1
    said = caplog.text + capsys.readouterr().err
    assert f"{flag} file {tmp_path / 'q.h5'} is a Cell Ranger feature-barcode matrix (group 'matrix'), not an .h5ad; " \
           f"{FIX}" in said
    assert "--10x" not in said and "--layer" not in said and not (tmp_path / "p.h5ad").exists()
