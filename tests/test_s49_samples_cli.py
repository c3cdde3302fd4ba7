"""``--10x`` with several files, one per sample (session 49): read as one (jae.io.combine_samples), each sample a
batch; one file reads as before; two samples of one name refused naming NAME=PATH."""

from __future__ import annotations

import argparse
import logging

import numpy as np
import pytest

import jae
from jae import JAE
from jae.cli import main
from jae.cli._inputs import add_input_args, input_files
from conftest import write_10x


def _write_pair(tmp_path):
    """Two Cell Ranger ARC files of a small simulated Multiome set (one per batch), the same barcodes in both, the
    second sample's peaks moved by 7 bases (its own peak call)."""
    mdata = jae.simulate(80, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=2, seed=0)
    genes, peaks = list(mdata["rna"].var_names), list(mdata["atac"].var_names)
    batch = mdata.obs["batch"].astype(str).to_numpy()
    paths = []
    for i, (b, name) in enumerate(zip(sorted(set(batch)), ("a.h5", "b.h5"))):
        rows = np.flatnonzero(batch == b)
        X = np.hstack([mdata["rna"].layers["counts"][rows].toarray(), mdata["atac"].layers["counts"][rows].toarray()])
        own = peaks if i == 0 else [f"{c}:{int(s) + 7}-{int(e) + 7}" for c, s, e in (p.split("-") for p in peaks)]
        paths.append(write_10x(tmp_path / name, X, genes + own, ["Gene Expression"] * len(genes)
                               + ["Peaks"] * len(own)))
    return paths


def test_fit_two_samples_each_a_batch(tmp_path):
    a, b = _write_pair(tmp_path)
    out = tmp_path / "M"
    assert main(["-q", "fit", "--10x", str(a), str(b), "--mode", "unsupervised", "--max-epochs", "2",
                 "--device", "cpu", "--out", str(out)]) == 0
    model = JAE.load(out, device="cpu")
    assert list(model.batches) == ["a", "b"] and model.batch_key == "batch"


def test_two_samples_of_one_name_refused(tmp_path, caplog):
    a, b = _write_pair(tmp_path)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["embed", "--model", str(tmp_path / "none"), "--10x", f"NAME={a}", f"NAME={b}", "--out",
                     str(tmp_path / "e.h5ad")]) == 1
    err = caplog.text
    assert "2 files are named sample 'NAME'" in err and "own name as NAME=PATH" in err


def _parsed(*argv):
    p = argparse.ArgumentParser()
    add_input_args(p)
    p.add_argument("--batch-key", default="batch")
    return p.parse_args(list(argv))


def test_one_file_as_before_several_named(tmp_path):
    a, b = _write_pair(tmp_path)
    one = input_files(_parsed("--10x", str(a)))
    assert one.tenx == a and one.samples is None
    several = input_files(_parsed("--10x", f"x={a}", str(b), "--batch-key", "sample"))
    assert several.samples == {"x": a, "b": b} and several.sample_key == "sample"
    mdata = several.read()
    assert mdata.obs_names[0].endswith("-1-x") and list(mdata.obs["sample"].cat.categories) == ["x", "b"]
    with pytest.raises(FileNotFoundError, match="Cell Ranger .h5 file .*nope.h5 does not exist"):
        input_files(_parsed("--10x", str(a), str(tmp_path / "nope.h5"))).read()  # every file before any is read


def test_the_annotation_fix_names_the_samples_cell_names():
    from jae.io import InputFiles
    from jae.io.annotations import samples_fix

    fix = samples_fix(InputFiles(tenx={"s1": "s1.h5", "s2": "s2.h5"}), one="query_1")
    assert "names = jae.io.combine_samples({'s1': 's1.h5', 's2': 's2.h5'}).obs_names" in fix


def test_samples_of_two_kinds_refused_in_the_clis_words(tmp_path, caplog):
    genes = [f"G{i}" for i in range(6)]
    X = np.random.default_rng(0).poisson(1.0, (5, 9)) + 1
    a = write_10x(tmp_path / "a.h5", X, genes + ["chr1:1-9", "chr1:20-29", "chr2:1-5"], ["Gene Expression"] * 6
                  + ["Peaks"] * 3)
    b = write_10x(tmp_path / "b.h5", X, genes + ["CD3", "CD4", "CD8"], ["Gene Expression"] * 6
                  + ["Antibody Capture"] * 3)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--10x", str(a), str(b), "--mode", "unsupervised", "--out", str(tmp_path / "M")]) == 1
    assert "--10x: the samples' second modalities differ (a ATAC, b ADT)" in caplog.text
    assert not (tmp_path / "M").exists()
