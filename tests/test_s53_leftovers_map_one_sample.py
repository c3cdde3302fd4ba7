"""jae map of one Cell Ranger file without a batch column (session 53): the refusal ended with a Python recipe writing
an annotation file, after "pass --batch-key COLUMN" for a file that holds no column at all; it now names the existing
flag that gives the cells their batch, the sample's name (--10x query_1=FILE, tenx={'query_1': FILE} in Python), in
one line, and that command maps the cells as a new batch of that name. An aggr file (cells named -1, -2) keeps its
own fix, and jae embed of one file is unchanged (it needs no batch)."""

from __future__ import annotations

import logging

import pytest

import jae
from jae.io import InputFiles
from test_s37_mapcli_one_sample_annotations import _write_10x


@pytest.fixture
def query(own_cite_model, monkeypatch):
    from jae.datasets import simulate

    folder, model = own_cite_model("s53_one_sample")
    monkeypatch.chdir(folder)
    cells = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=4)
    _write_10x(folder / "sample.h5", cells["rna"], cells["prot"])
    return folder, model


def _error(caplog, argv):
    from jae.cli import main

    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    return [r.getMessage() for r in caplog.records if r.levelname == "ERROR"][-1]


def test_the_refusal_names_the_sample_and_that_maps(query, caplog):
    from jae.cli import main

    folder, _ = query
    err = _error(caplog, ["map", "--model", "model", "--10x", "sample.h5", "--out", "mapped", "--quiet"])
    assert err == ("the query has no obs column 'batch' for --batch-key (the column the reference was fitted with); a "
                   "Cell Ranger file of one sample holds none: name the sample, which becomes its cells' batch, --10x "
                   "query_1=sample.h5 (or pass --annotations FILE with that column)")
    assert "\n" not in err and "Python" not in err
    assert main(["map", "--model", "model", "--10x", "query_1=sample.h5", "--out", "mapped", "--epochs", "1",
                 "--quiet"]) == 0
    mapped = jae.JAE.load(folder / "mapped", device="cpu")
    assert mapped.adapter.batch_key == "batch" and list(mapped.adapter.batches) == ["query_1"]
    assert main(["embed", "--model", "model", "--10x", "sample.h5", "--out", "e.h5ad", "--quiet"]) == 0


def test_in_python_the_fix_is_the_argument(query, tmp_path):
    folder, model = query
    with pytest.raises(ValueError) as err:
        jae.map_files(InputFiles(tenx=folder / "sample.h5"), folder / "model", tmp_path / "m", device="cpu",
                      progress_bar=False)
    assert str(err.value).endswith(f"a Cell Ranger file of one sample holds none: name the sample, which becomes its "
                                   f"cells' batch, InputFiles(tenx={{'query_1': {str(folder / 'sample.h5')!r}}}) (or "
                                   "pass InputFiles(..., annotations=FILE) with that column)")


def test_an_aggr_file_keeps_its_fix(query, caplog):
    import h5py
    import numpy as np

    folder, _ = query
    with h5py.File(folder / "sample.h5", "r+") as f:  # Cell Ranger aggr: the second half of the cells a 2nd library
        names = [b.decode() for b in f["matrix"]["barcodes"][()]]
        names = [n[:-2] + ("-1" if i < 40 else "-2") for i, n in enumerate(names)]
        del f["matrix"]["barcodes"]
        f["matrix"]["barcodes"] = np.array(names, dtype="S")
    err = _error(caplog, ["map", "--model", "model", "--10x", "sample.h5", "--out", "mapped", "--quiet"])
    assert "its cell names end in -1, -2 (2 samples, as Cell Ranger aggr names them)" in err
    assert "query_1=sample.h5" not in err
