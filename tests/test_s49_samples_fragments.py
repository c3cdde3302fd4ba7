"""Session 49: ``--fragments`` (``fragments=`` of ``jae.embed_files`` / ``jae.map_files``) with several ``--10x``
samples: each sample's cells (named ``BARCODE-SAMPLE``) are counted from that sample's own fragments file under their
own barcodes, which repeat across samples. Before, one fragments file was looked up under the combined names, which
no file holds, and several files could not be given; now one file for several samples, or files that are not the
samples', are refused in one line naming ``--fragments NAME=FILE``."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pytest

from jae import JAE
from jae.cli import main
from jae.io import InputFiles
from jae.workflows._fragments import check_fragments, read_with_fragments
from conftest import write_10x
from test_s46_frag_roundtrip import write_fragments


@pytest.fixture
def samples(default_fit, tmp_path):
    """The saved model; the fitted cells split into two samples whose barcodes are the same strings (one whitelist),
    each a Cell Ranger file with peaks of its own (none the model's) and a fragments file of its cells; the embedding
    the model gives the cells as fitted."""
    model, mdata = default_fit()
    folder = tmp_path / "model"
    model.save(folder)
    half = mdata.n_obs // 2
    barcodes = list(mdata.obs_names[:half])
    own = [f"chr1-{10 * i}-{10 * i + 5}" for i in range(30)]
    files = {}
    for name, rows in (("s1", slice(0, half)), ("s2", slice(half, 2 * half))):
        rna = mdata["rna"][rows]
        counts = np.hstack([rna.layers["counts"].toarray(), np.ones((rna.n_obs, len(own)))])
        (tmp_path / name / "outs").mkdir(parents=True)
        h5 = tmp_path / name / "outs" / "filtered_feature_bc_matrix.h5"
        write_10x(h5, counts, list(rna.var_names) + own, ["Gene Expression"] * rna.n_vars + ["Peaks"] * len(own),
                  barcodes)
        atac = mdata["atac"][rows].copy()
        atac.obs_names = barcodes
        write_fragments(tmp_path / name / "outs" / "atac_fragments.tsv.gz", atac, seed=len(files))
        files[name] = (h5, tmp_path / name / "outs" / "atac_fragments.tsv.gz", atac)
    expected = JAE.load(folder, device="cpu").embed(mdata.copy(), key_added=None)[: 2 * half]
    return folder, files, expected


def test_each_sample_is_counted_from_its_own_fragments(samples):
    folder, files, _ = samples
    model = JAE.load(folder, device="cpu")
    inputs = InputFiles(tenx={n: f[0] for n, f in files.items()})
    fragments = check_fragments([f[1] for f in files.values()], inputs=inputs)  # named by the folder above outs/
    assert list(fragments) == ["s1", "s2"]
    counted = read_with_fragments(inputs, model, fragments, progress_bar=False)
    atac = counted["atac"]
    assert list(atac.obs_names) == list(counted["rna"].obs_names)
    for name, (_, _, own) in files.items():
        rows = atac[[f"{b}-{name}" for b in own.obs_names]]
        np.testing.assert_array_equal(rows.layers["counts"].toarray(), own.layers["counts"].toarray())


def test_embed_with_several_samples_and_their_fragments(samples, tmp_path):
    folder, files, expected = samples
    out = tmp_path / "embedding.h5ad"
    assert main(["-q", "embed", "--model", str(folder), "--10x", *(str(f[0]) for f in files.values()),
                 "--fragments", *(f"{n}={f[1]}" for n, f in files.items()), "--out", str(out),
                 "--finetune-epochs", "0", "--device", "cpu"]) == 0
    written = ad.read_h5ad(out)
    assert list(written.obs_names[:2]) == [f"{b}-s1" for b in files["s1"][2].obs_names[:2]]
    np.testing.assert_array_equal(written.X, expected)


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_fragments_that_are_not_one_per_sample_are_refused_in_one_line(samples, tmp_path, caplog):
    folder, files, _ = samples
    base = ["embed", "--model", str(folder), "--10x", *(str(f[0]) for f in files.values()), "--out",
            str(tmp_path / "e.h5ad"), "--finetune-epochs", "0", "--device", "cpu"]
    with caplog.at_level(logging.ERROR):
        assert main([*base, "--fragments", str(files["s1"][1])]) == 1
    assert _errors(caplog) == ["--fragments names one fragments file and the input holds 2 samples (s1, s2), each "
                               "with its own barcodes: give each sample's, --fragments s1=FILE1 s2=FILE2"]
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert main([*base, "--fragments", f"s1={files['s1'][1]}", f"s3={files['s2'][1]}"]) == 1
    assert _errors(caplog) == ["--fragments must name one file per --10x sample (s1, s2): none for s2; s3 is no "
                               "sample; name each file by its sample, e.g. --fragments s1=FILE1 s2=FILE2"]
    assert not (tmp_path / "e.h5ad").exists()
    with pytest.raises(ValueError, match=r"^fragments= names 2 files \(s1, s2\) and the input is one sample"):
        check_fragments({n: f[1] for n, f in files.items()}, inputs=InputFiles(tenx=files["s1"][0]))


def test_two_fragments_files_of_one_sample_are_refused_in_the_flags_words(samples, tmp_path, caplog):
    folder, files, _ = samples
    with caplog.at_level(logging.ERROR):
        assert main(["embed", "--model", str(folder), "--10x", *(str(f[0]) for f in files.values()),
                     "--fragments", f"s1={files['s1'][1]}", f"s1={files['s2'][1]}", "--out", str(tmp_path / "e.h5ad"),
                     "--finetune-epochs", "0", "--device", "cpu"]) == 1
    assert _errors(caplog) == [f"--fragments: 2 files are named sample 's1' ({files['s1'][1]}, {files['s2'][1]}); "
                               "give each sample its own name as NAME=PATH, e.g. --fragments s1=FILE1 s2=FILE2"]
