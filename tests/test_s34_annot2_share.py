"""An annotation file of another run, sharing a few barcodes with the data by chance, is refused; a file of a real
subset of the data's cells is still joined."""

import logging

import anndata as ad
import pandas as pd
import pytest

from jae import simulate
from jae.io import InputFiles, read_competition


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("annot2_share")
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    m.mod["rna"].write_h5ad(d / "x.mod1.h5ad")
    m.mod["prot"].write_h5ad(d / "x.mod2.h5ad")
    other = [f"other-{i}" for i in range(57)] + list(m.obs_names[:3])  # another run's 60 cells, 3 by chance
    ad.AnnData(obs=pd.DataFrame({"cell_type": ["x"] * 60}, index=other)).write_h5ad(d / "run2.h5ad")
    return d, m


def test_a_file_sharing_a_few_cells_by_chance_is_refused(files):
    """It was joined with a warning: those 3 cells got the other run's cell types, the rest fitted as queries."""
    d, m = files
    for read in (lambda: read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=d / "run2.h5ad"),
                 lambda: InputFiles(mod1=d / "x.mod1.h5ad", mod2=d / "x.mod2.h5ad",
                                    annotations=[d / "run2.h5ad"]).open()):
        with pytest.raises(ValueError) as err:
            read()
        text = str(err.value)
        assert f"file {d / 'run2.h5ad'} shares only 3 cell names (e.g. {str(m.obs_names[0])!r}" in text
        assert "under a tenth of the data's 60 cells and of its 60" in text
        assert "a = a[a.obs_names.isin(names)].copy()" in text and "\n" not in text


def test_the_kept_rows_of_such_a_file_and_a_real_subset_are_joined(files, tmp_path, caplog):
    d, m = files
    a = ad.read_h5ad(d / "run2.h5ad")
    a[a.obs_names.isin(m.obs_names)].copy().write_h5ad(tmp_path / "kept.h5ad")  # the refusal's line
    big = [f"other-{i}" for i in range(54)] + list(m.obs_names[:6])  # a tenth of the data's cells: kept as today
    ad.AnnData(obs=pd.DataFrame({"cell_type": ["y"] * 60}, index=big)).write_h5ad(tmp_path / "tenth.h5ad")
    for path, n in ((tmp_path / "kept.h5ad", 3), (tmp_path / "tenth.h5ad", 6)):
        with caplog.at_level(logging.INFO, logger="jae"):
            mdata = read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=path)
        assert (mdata.obs["cell_type"].isin(["x", "y"])).sum() == n
