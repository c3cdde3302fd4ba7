"""Session 46's walkthrough of a new Multiome sample (``benchmarks/new_sample_walkthrough.py``): a Cell Ranger file
has no batch column, and ``jae map --10x FILE --fragments F`` (and ``jae embed`` of a mapped model) counted the whole
fragments file (minutes for a sample's) before refusing the missing column; ``--remap-peaks`` remapped first too.
The query's batches are now checked as it is read, before its fragments are counted or its peaks remapped."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import jae.io.fragments
import jae.io.peaks
from conftest import moved_peaks, write_10x
from jae.cli import main
from test_s46_frag_roundtrip import write_fragments


@pytest.fixture
def sample(default_fit, tmp_path):
    """A reference model and a model mapping one new batch, and a Cell Ranger ARC file of new cells (no batch column)
    on peaks of their own beside their fragments file."""
    model, mdata = default_fit()
    model.save(tmp_path / "model")
    new = mdata.copy()
    new.obs["batch"] = "new_sample"
    model.map_query(new, batch_key="batch", epochs=1, progress_bar=False).save(tmp_path / "mapped")
    rna, atac = mdata["rna"], mdata["atac"]
    own = moved_peaks(atac.var_names)
    counts = np.hstack([rna.layers["counts"].toarray(), atac.layers["counts"].toarray()])
    write_10x(tmp_path / "filtered_feature_bc_matrix.h5", counts, list(rna.var_names) + own,
              ["Gene Expression"] * rna.n_vars + ["Peaks"] * len(own), list(rna.obs_names))
    write_fragments(tmp_path / "atac_fragments.tsv.gz", atac)
    return tmp_path


@pytest.fixture
def no_counting(monkeypatch):
    """count_fragments and remap_peaks fail the test when called."""
    def refuse(*args, **kwargs):
        raise AssertionError("the fragments were counted (or the peaks remapped) before the batches were checked")

    monkeypatch.setattr(jae.io.fragments, "count_fragments", refuse)
    monkeypatch.setattr(jae.io.peaks, "remap_peaks", refuse)


def _errors(caplog) -> list[str]:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()
    return errors


@pytest.mark.parametrize("route", [["--fragments", "atac_fragments.tsv.gz"], ["--remap-peaks"]])
def test_map_refuses_a_missing_batch_column_before_counting(sample, no_counting, route, caplog):
    route = [str(sample / r) if r.endswith(".gz") else r for r in route]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "map", "--model", str(sample / "model"), "--10x",
                     str(sample / "filtered_feature_bc_matrix.h5"), *route, "--out", str(sample / "out"),
                     "--device", "cpu"]) == 1
    errors = _errors(caplog)
    assert len(errors) == 1 and "the query has no obs column 'batch'" in errors[0], errors
    assert "--annotations FILE" in errors[0]
    assert not (sample / "out").exists()


@pytest.mark.parametrize("route", [["--fragments", "atac_fragments.tsv.gz"], ["--remap-peaks"]])
def test_embed_of_a_mapped_model_refuses_a_missing_batch_column_before_counting(sample, no_counting, route, caplog):
    route = [str(sample / r) if r.endswith(".gz") else r for r in route]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "embed", "--model", str(sample / "mapped"), "--10x",
                     str(sample / "filtered_feature_bc_matrix.h5"), *route, "--out", str(sample / "e.h5ad"),
                     "--device", "cpu"]) == 1
    errors = _errors(caplog)
    assert len(errors) == 1 and "the data has no such column" in errors[0], errors
    assert not (sample / "e.h5ad").exists()


def test_with_the_batch_the_walk_runs(sample, tmp_path):
    """The same commands with the sample's batch in an annotation file: mapped and embedded by either route."""
    import anndata as ad

    barcodes = jae.read_10x_h5(sample / "filtered_feature_bc_matrix.h5").obs_names
    ad.AnnData(obs=pd.DataFrame({"batch": "sample_2"}, index=barcodes)).write_h5ad(sample / "batch.h5ad")
    given = ["--10x", str(sample / "filtered_feature_bc_matrix.h5"), "--annotations", str(sample / "batch.h5ad")]
    frag = ["--fragments", str(sample / "atac_fragments.tsv.gz")]
    assert main(["-q", "map", "--model", str(sample / "model"), *given, *frag, "--out", str(sample / "m2"),
                 "--epochs", "1", "--device", "cpu"]) == 0
    for name, route in (("f", frag), ("r", ["--remap-peaks"])):
        assert main(["-q", "embed", "--model", str(sample / "m2"), *given, *route, "--out",
                     str(sample / f"{name}.h5ad"), "--device", "cpu"]) == 0
    f, r = (ad.read_h5ad(sample / f"{n}.h5ad") for n in "fr")
    assert f.obs_names.equals(barcodes) and np.isfinite(f.X).all() and np.isfinite(r.X).all()
