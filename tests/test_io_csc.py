"""Counts stored CSC cannot be streamed by rows: they are read whole, and a warning says so only when it matters."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from jae.io import open_competition
from jae.io.chunked import InMemoryCounts, format_bytes


def _files(tmp_path, fmt: str):
    rng = np.random.default_rng(0)
    paths = []
    for i, (n_var, kind) in enumerate(((40, "Gene Expression"), (12, "Antibody Capture")), start=1):
        X = sp.csr_matrix(rng.poisson(1.0, size=(30, n_var)).astype(np.float32))
        X = X.tocsc() if fmt == "csc" else X
        var = pd.DataFrame({"feature_types": kind}, index=[f"f{i}_{j}" for j in range(n_var)])
        a = ad.AnnData(X=X, obs=pd.DataFrame(index=[f"c{j}" for j in range(30)]), var=var)
        a.layers["counts"] = X
        a.write_h5ad(tmp_path / f"x.mod{i}.h5ad")
        paths.append(tmp_path / f"x.mod{i}.h5ad")
    return paths


def test_format_bytes_states_units():
    assert format_bytes(512) == "512 bytes"
    assert format_bytes(84_000) == "84 kB"
    assert format_bytes(312_400_000) == "312 MB"
    assert format_bytes(2_430_000_000) == "2.4 GB"


def test_small_csc_counts_are_read_whole_without_a_warning(tmp_path, caplog):
    opened = open_competition(*_files(tmp_path, "csc"))
    with caplog.at_level(logging.DEBUG, logger="jae.io"):
        sources = opened.sources()
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]  # a few kB: said at DEBUG level (session 37)
    info = [r.getMessage() for r in caplog.records if "stored CSC" in r.getMessage()]
    assert len(info) == 2 and all("bytes" in m or "kB" in m for m in info)
    assert all(isinstance(s, InMemoryCounts) for s in sources)  # read whole, as before


def test_large_csc_counts_warn_with_the_size_and_the_fix(tmp_path, caplog, monkeypatch):
    import jae.io.paired_files as pf

    opened = open_competition(*_files(tmp_path, "csc"))
    need = min(c.nbytes for c in opened.counts)
    monkeypatch.setattr(pf, "CSC_WARN_BYTES", need)  # as a matrix of >= 250 MB would: the threshold, not the files
    with caplog.at_level(logging.WARNING, logger="jae.io"):
        opened.sources()
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2
    assert all(format_bytes(c.nbytes) in m for c, m in zip(opened.counts, warned))
    assert all(".tocsr()" in m and "stored CSC" in m for m in warned)


def test_csr_counts_stream_without_a_word_about_csc(tmp_path, caplog):
    opened = open_competition(*_files(tmp_path, "csr"))
    with caplog.at_level(logging.INFO, logger="jae.io"):
        opened.sources()
    assert "CSC" not in caplog.text


def test_the_threshold_is_250_megabytes():
    import jae.io.paired_files as pf

    assert pf.CSC_WARN_BYTES == 250_000_000


def test_evaluate_reads_a_csc_rna_x_by_the_same_rule(tmp_path, caplog, monkeypatch):
    """cc_cons reads the RNA .X in row blocks: stored CSC it is read whole under io's one rule (jae.io.paired_files
    .row_source): an INFO line below CSC_WARN_BYTES, a warning with the size and the fix from it on (evaluate
    warned of any size, in its own words)."""
    import jae.io.paired_files as pf
    from jae.evaluation import lognormalized_gex_blocks

    opened = open_competition(*_files(tmp_path, "csc"))
    size = format_bytes(opened.counts[0].nbytes)
    with caplog.at_level(logging.DEBUG, logger="jae"):  # a few kB: said at DEBUG level (session 37)
        lognormalized_gex_blocks(opened)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    said = [r.getMessage() for r in caplog.records if "stored CSC" in r.getMessage() and "cc_cons" in r.getMessage()]
    assert said == [f"cc_cons: the RNA .X stored CSC (column by column, {size}) cannot be read in row blocks, so the "
                    "whole matrix is read into memory; to stream it, store it CSR: adata.X = adata.X.tocsr(); "
                    "adata.write_h5ad(...)"]  # (its counts, also CSC here, are then read by the same rule)
    caplog.clear()
    monkeypatch.setattr(pf, "CSC_WARN_BYTES", opened.counts[0].nbytes)
    with caplog.at_level(logging.INFO, logger="jae"):
        blocks, _ = lognormalized_gex_blocks(opened)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING][:1] == said
    assert sum(b.shape[0] for b in blocks()) == 30  # every cell, read whole


def test_an_h5mu_modality_stored_csc_is_named_as_mdata_modality(tmp_path, caplog):
    """The fix is written for the object holding the matrix: an .h5mu file's modality, not a generic adata."""
    import mudata as md

    from jae.io import open_h5mu

    mods = {}
    for path, name in zip(_files(tmp_path, "csc"), ("rna", "prot")):
        mods[name] = ad.read_h5ad(path)
    md.MuData(mods).write(tmp_path / "x.h5mu")
    opened = open_h5mu(tmp_path / "x.h5mu")
    with caplog.at_level(logging.DEBUG, logger="jae.io"):
        opened.sources()
    lines = [r.getMessage() for r in caplog.records if "stored CSC" in r.getMessage()]
    assert len(lines) == 2, lines
    for line, name in zip(lines, ("rna", "prot")):
        assert f"mdata[{name!r}].layers['counts'] = mdata[{name!r}].layers['counts'].tocsr(); mdata.write(...)" in line
