"""Several Cell Ranger files are named in one place (jae.io.inputs.name_samples, session 49 review): tenx= (a list or
a mapping) and --10x FILE NAME=FILE ... refuse the same in the words of each interface, and one file given twice
(under two names, or a path and a link to it) is refused instead of counting its cells as two samples."""

from __future__ import annotations

import logging

import pytest

from jae.cli import main
from jae.io import InputFiles


def _file(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")  # never read: the names are refused first
    return path


def test_one_file_as_two_samples_refused(tmp_path, caplog):
    a = _file(tmp_path / "a" / "outs" / "filtered_feature_bc_matrix.h5")
    (tmp_path / "link.h5").symlink_to(a)
    with pytest.raises(ValueError, match=r"^tenx: .*a/outs/filtered_feature_bc_matrix.h5 is given 2 times \(as "
                       r"samples 'a', 'x'\), which would count its cells as other samples' too; give each sample's "
                       r"file once$"):
        InputFiles(tenx={"a": a, "x": tmp_path / "link.h5"})
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--10x", str(a), f"x={a}", "--mode", "unsupervised", "--out", str(tmp_path / "M")]) == 1
    assert "--10x: " in caplog.text and "is given 2 times (as samples 'a', 'x')" in caplog.text
    assert not (tmp_path / "M").exists()


def test_repeated_names_in_each_interfaces_words(tmp_path, caplog):
    a = _file(tmp_path / "s" / "outs" / "filtered_feature_bc_matrix.h5")
    b = _file(tmp_path / "run2" / "s" / "outs" / "filtered_feature_bc_matrix.h5")
    with pytest.raises(ValueError, match=r"^tenx: 2 files are named sample 's' \(.*\); name each sample: "
                       r"tenx=\{'NAME': FILE, \.\.\.\}$"):
        InputFiles(tenx=[a, b])
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["fit", "--10x", str(a), str(b), "--mode", "unsupervised", "--out", str(tmp_path / "M")]) == 1
    assert "--10x: 2 files are named sample 's' (" in caplog.text
    assert caplog.text.rstrip().endswith("give each sample its own name as NAME=PATH, e.g. --10x s1=FILE1 s2=FILE2")
