"""Session 49 review 2: several samples' fragments files (``--fragments`` with several ``--10x`` samples).

Each cell's sample is read from its name (``BARCODE-SAMPLE``), not from the samples' ``obs`` column, which an
annotation file's column of that name replaces (the batches a user maps by, e.g. donors): before, such a column made
jae map and jae embed refuse the fragments, or, holding the sample names otherwise, counted cells from another
sample's file. What the counting of one sample's file logs or refuses names that sample and its file's path (every
sample's file is atac_fragments.tsv.gz)."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae import JAE
from jae.cli import main
from jae.io import InputFiles
from jae.workflows._fragments import check_fragments, read_with_fragments
from test_s46_frag_roundtrip import write_fragments
from test_s49_samples_fragments import samples as _samples

samples = _samples  # the fixture: two samples (s1, s2) of Cell Ranger files and their fragments files


def _annotations(files, path, values):
    """An annotation file whose 'batch' column (the model's batch column) holds ``values(sample)`` for each cell."""
    cells = {f"{b}-{n}": values(n) for n, f in files.items() for b in f[2].obs_names}
    ad.AnnData(obs=pd.DataFrame({"batch": list(cells.values())}, index=list(cells))).write_h5ad(path)
    return path


def test_map_by_an_annotation_files_batches_counts_each_sample_from_its_own_file(samples, tmp_path):
    folder, files, _ = samples
    donors = _annotations(files, tmp_path / "donors.h5ad", lambda n: "donorA")
    out = tmp_path / "mapped"
    assert main(["-q", "map", "--model", str(folder), "--10x", *(str(f[0]) for f in files.values()),
                 "--fragments", *(str(f[1]) for f in files.values()), "--annotations", str(donors),
                 "--out", str(out), "--epochs", "1", "--device", "cpu"]) == 0  # before: refused (obs['batch'])
    mapped = JAE.load(out, device="cpu").mappings[-1]
    assert mapped["batches"] == ["donorA"] and mapped["n_cells"] == 300


def test_sample_names_in_an_annotation_column_do_not_choose_the_files(samples, tmp_path):
    folder, files, _ = samples
    swapped = _annotations(files, tmp_path / "swapped.h5ad", lambda n: {"s1": "s2", "s2": "s1"}[n])
    inputs = InputFiles(tenx={n: f[0] for n, f in files.items()}, annotations=[swapped])
    fragments = check_fragments({n: f[1] for n, f in files.items()}, inputs=inputs)
    counted = read_with_fragments(inputs, JAE.load(folder, device="cpu"), fragments, progress_bar=False)
    assert set(counted.obs["batch"]) == {"s1", "s2"}  # the annotations' column, as joined
    for name, (_, _, own) in files.items():  # before: refused, the barcodes of s1's cells looked up in s2's file
        rows = counted["atac"][[f"{b}-{name}" for b in own.obs_names]]
        np.testing.assert_array_equal(rows.layers["counts"].toarray(), own.layers["counts"].toarray())


def test_what_counting_one_samples_file_says_names_the_sample_and_its_path(samples, tmp_path, caplog):
    folder, files, _ = samples
    other = files["s2"][2].copy()
    other.obs_names = [f"X{b}" for b in other.obs_names]  # barcodes of no cell of s2
    (tmp_path / "other" / "outs").mkdir(parents=True)
    wrong = tmp_path / "other" / "outs" / "atac_fragments.tsv.gz"
    write_fragments(wrong, other)
    with caplog.at_level(logging.INFO, logger="jae"):
        assert main(["embed", "--model", str(folder), "--10x", *(str(f[0]) for f in files.values()),
                     "--fragments", f"s1={files['s1'][1]}", f"s2={wrong}", "--out", str(tmp_path / "e.h5ad"),
                     "--finetune-epochs", "0", "--device", "cpu"]) == 1
    said = [r.getMessage() for r in caplog.records]
    assert f"counted from each sample's fragments file (s1: {files['s1'][1]}, s2: {wrong})" in said[-3]
    assert said[-2].startswith(f"sample 's1', {files['s1'][1]}: count_fragments: ")
    assert said[-1].startswith(f"sample 's2', {wrong}: none of the 150 input cells' barcodes (obs_names) is in "
                               "fragments file atac_fragments.tsv.gz")
    assert not (tmp_path / "e.h5ad").exists()


def test_a_sample_named_as_anothers_end_is_told_apart_by_the_samples_column():
    from jae.workflows._fragments import _cell_samples

    cells = pd.Index(["AC-1-b-a", "GT-1-a", "TT-1-b-a"])
    assert list(_cell_samples(cells, ["a", "b-a"], None)) == ["b-a", "a", "b-a"]  # the longer name ending it
    column = pd.Series(["a", "a", "b-a"], index=cells)  # AC-1-b: a barcode of sample a, as combine_samples wrote
    assert list(_cell_samples(cells, ["a", "b-a"], column)) == ["a", "a", "b-a"]


def test_refusals_name_the_inputs_own_samples_in_their_fix(samples, tmp_path, caplog):
    folder, files, _ = samples
    tenx = [f"c={files['s1'][0]}", f"d={files['s2'][0]}"]  # --fragments named by their folders (s1, s2): not c, d
    with caplog.at_level(logging.ERROR):
        assert main(["map", "--model", str(folder), "--10x", *tenx, "--fragments", *(str(f[1]) for f in files.values()),
                     "--out", str(tmp_path / "mapped"), "--epochs", "1", "--device", "cpu"]) == 1
        assert main(["map", "--model", str(folder), "--10x", *tenx, "--fragments", str(files["s1"][1]),
                     "--out", str(tmp_path / "mapped"), "--epochs", "1", "--device", "cpu"]) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "--fragments must name one file per --10x sample (c, d): none for c, d; s1, s2 are no samples; name each file "
        "by its sample, e.g. --fragments c=FILE1 d=FILE2",
        "--fragments names one fragments file and the input holds 2 samples (c, d), each with its own barcodes: give "
        "each sample's, --fragments c=FILE1 d=FILE2"]
    assert not (tmp_path / "mapped").exists()
    inputs = InputFiles(tenx={n: tmp_path / n / "filtered_feature_bc_matrix.h5" for n in ("a", "b", "c", "d")})
    with pytest.raises(ValueError, match=r"; name each file by its sample, e\.g\. fragments=\{'a': FILE1, "
                                     r"'b': FILE2, \.\.\.\}$"):
        check_fragments({"a": files["s1"][1]}, inputs=inputs)
