"""Several ``--fragments`` files (session 51): a wrong later file (its barcodes named otherwise than the cells', a
malformed line) was found only after the earlier samples' files were counted (minutes each); every file's first
chunk is now checked before any is counted. (One file named twice, ``s1=F s2=F``, was already refused in one line by
jae.io.inputs.name_samples.)"""

from __future__ import annotations

import gzip
import logging

import jae.io.fragments as fragments_module
from jae.cli import main
import test_s49_samples_fragments

samples = test_s49_samples_fragments.samples  # the fixture: two samples of the fitted cells and their fragments files


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _embed(folder, files, tmp_path, fragments):
    return ["-q", "embed", "--model", str(folder), "--10x", *(str(f[0]) for f in files.values()), "--fragments",
            *fragments, "--out", str(tmp_path / "e.h5ad"), "--finetune-epochs", "0", "--device", "cpu"]


def test_a_wrong_second_file_is_refused_before_the_first_is_counted(samples, tmp_path, caplog, monkeypatch):
    folder, files, _ = samples
    renamed = tmp_path / "s2_renamed.tsv.gz"  # the second sample's file, its barcodes with a prefix
    with gzip.open(files["s2"][1], "rt") as src, gzip.open(renamed, "wt") as out:
        out.writelines(line if line.startswith("#") else "\t".join(
            f"s2#{f}" if i == 3 else f for i, f in enumerate(line.split("\t"))) for line in src)
    counted = []
    real = fragments_module.count_fragments
    monkeypatch.setattr(fragments_module, "count_fragments", lambda *a, **k: counted.append(a[0]) or real(*a, **k))
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(_embed(folder, files, tmp_path, [f"s1={files['s1'][1]}", f"s2={renamed}"])) == 1
    (said,) = _errors(caplog)
    assert said.startswith(f"sample 's2', {renamed}: none of the ") and "named like" in said, said
    assert counted == []  # was: s1's file counted first
    assert not (tmp_path / "e.h5ad").exists()

