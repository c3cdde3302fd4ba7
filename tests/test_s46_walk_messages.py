"""Session 46's walkthrough of a new Multiome sample, read as a first-time user: ``count_fragments`` says how many of
the cells it found in the fragments file and how many of the model's peaks got a cut site; the refusal of a Cell
Ranger ARC file on peaks of its own gives, for a ``--10x`` input, the line that writes its RNA alone (it named the
lines of an ``--h5mu`` and an ``--h5ad`` only, neither of which reads a Cell Ranger file)."""

from __future__ import annotations

import logging
import re

import anndata as ad
import numpy as np

import jae
from conftest import moved_peaks, write_10x
from jae.cli import main
from test_s46_frag_roundtrip import write_fragments


def test_count_fragments_logs_the_cells_found_and_the_peaks_covered(default_fit, tmp_path, caplog):
    _, mdata = default_fit()
    atac = mdata["atac"]
    path = tmp_path / "atac_fragments.tsv.gz"
    write_fragments(path, atac)
    cells = list(atac.obs_names[:200]) + ["TTTTTTTTTTTTTTTT-1-s1d1"]  # one barcode the file lacks
    peaks = list(atac.var_names) + ["chr1-1-50", "chr2-1-50"]  # two peaks without a cut site
    with caplog.at_level(logging.INFO, logger="jae.io.fragments"):
        counted = jae.count_fragments(path, peaks, cells=cells, progress_bar=False)
    covered = int((np.asarray(counted.X.sum(axis=0)).ravel() > 0).sum())
    assert covered < len(peaks)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("count_fragments:"))
    assert "200 of the 201 cells found in it" in line, line
    assert f"{covered:,} of the {len(peaks):,} peaks" in line and f"the other {len(peaks) - covered:,} hold none" in line
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae.io.fragments"):
        every = jae.count_fragments(path, peaks, progress_bar=False)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("count_fragments:"))
    assert f"{every.n_obs:,} barcodes in it, every one kept (cells=None)" in line, line


def test_the_refusal_of_own_peaks_gives_a_10x_input_its_rna_alone_line(default_fit, tmp_path, caplog, monkeypatch):
    model, mdata = default_fit()
    model.save(tmp_path / "model")
    rna, atac = mdata["rna"], mdata["atac"]
    own = moved_peaks(atac.var_names)
    counts = np.hstack([rna.layers["counts"].toarray(), atac.layers["counts"].toarray()])
    path = write_10x(tmp_path / "filtered_feature_bc_matrix.h5", counts, list(rna.var_names) + own,
                     ["Gene Expression"] * rna.n_vars + ["Peaks"] * len(own), list(rna.obs_names))
    args = ["-q", "embed", "--model", str(tmp_path / "model"), "--finetune-epochs", "0", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main([*args, "--10x", str(path), "--out", str(tmp_path / "e.h5ad")]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and "--remap-peaks" in said[0] and "--fragments FILE" in said[0], said
    line = re.search(r"(jae\.read_10x_h5\(FILE\)\['rna'\]\.write_h5ad\('rna\.h5ad'\)) for a --10x\)", said[0])
    assert line, said[0]
    monkeypatch.chdir(tmp_path)
    exec("import jae; " + line.group(1).replace("FILE", repr(str(path))))  # the fix as written
    assert main([*args, "--mod1", "rna.h5ad", "--out", str(tmp_path / "e.h5ad")]) == 0
    assert np.isfinite(ad.read_h5ad(tmp_path / "e.h5ad").X).all()


def test_remap_refusal_names_the_fragments_flag_and_reads_plainly(default_fit, tmp_path, caplog):
    """--remap-peaks of peaks elsewhere (another genome build): the exact route is named as the flag to give in its
    place; the remap's own lines name the data's peaks without a doubled quote ("modality 'atac''s")."""
    model, mdata = default_fit()
    model.save(tmp_path / "model")
    rna, atac = mdata["rna"], mdata["atac"]
    far = [f"chr1:{10 ** 9 + 100 * i}-{10 ** 9 + 100 * i + 50}" for i in range(atac.n_vars)]  # past every model peak
    counts = np.hstack([rna.layers["counts"].toarray(), atac.layers["counts"].toarray()])
    path = write_10x(tmp_path / "f.h5", counts, list(rna.var_names) + far,
                     ["Gene Expression"] * rna.n_vars + ["Peaks"] * len(far), list(rna.obs_names))
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "embed", "--model", str(tmp_path / "model"), "--10x", str(path), "--remap-peaks",
                     "--finetune-epochs", "0", "--out", str(tmp_path / "e.h5ad"), "--device", "cpu"]) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and "(--fragments FILE in place of --remap-peaks), or fit a reference" in said[0], said
    assert "'atac''s" not in said[0] and f"the {len(far)} peaks of modality 'atac'" in said[0], said
