"""``--fragments`` of jae embed and jae map (session 46), through the CLI's main function: the query's ATAC counted
from a fragments file in the model's peaks, its own peaks (a new sample's, none shared) left out; refusals before
any work."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae import JAE
from jae.cli import main
from conftest import write_10x
from test_s46_frag_roundtrip import write_fragments


@pytest.fixture
def query(default_fit, tmp_path):
    """The saved model, the query as competition files (RNA, and ATAC in peaks of its own: no name shared with the
    model's) and its fragments file, and the cells the model embeds them as."""
    model, mdata = default_fit()
    folder = tmp_path / "model"
    model.save(folder)
    rna = mdata["rna"].copy()
    rna.obs["batch"] = mdata.obs["batch"].astype(str).to_numpy()
    rna.write_h5ad(tmp_path / "q.mod1.h5ad")
    own = mdata["atac"].copy()
    own.var_names = [f"chr1-{10 * i}-{10 * i + 5}" for i in range(own.n_vars)]
    own.write_h5ad(tmp_path / "q.mod2.h5ad")
    write_fragments(tmp_path / "atac_fragments.tsv.gz", mdata["atac"])
    expected = JAE.load(folder, device="cpu").embed(mdata.copy(), key_added=None)
    return folder, tmp_path, expected


def test_embed_counts_the_fragments_in_the_model_peaks(query):
    folder, tmp, expected = query
    out = tmp / "embedding.h5ad"
    args = ["embed", "--model", str(folder), "--mod1", str(tmp / "q.mod1.h5ad"), "--mod2", str(tmp / "q.mod2.h5ad"),
            "--out", str(out), "--finetune-epochs", "0", "--device", "cpu"]
    assert main(["-q", *args]) == 1  # without --fragments: its own peaks share none of the model's
    assert main(["-q", *args, "--fragments", str(tmp / "atac_fragments.tsv.gz")]) == 0
    np.testing.assert_array_equal(ad.read_h5ad(out).X, expected)


def test_embed_a_cell_ranger_file_leaves_its_own_peaks_out(query, default_fit, caplog):
    folder, tmp, expected = query
    _, mdata = default_fit()
    rna = mdata["rna"]
    own = [f"chr1-{10 * i}-{10 * i + 5}" for i in range(40)]  # the sample's own peaks: none is the model's
    counts = np.hstack([rna.layers["counts"].toarray(), np.ones((rna.n_obs, len(own)))])
    write_10x(tmp / "filtered_feature_bc_matrix.h5", counts, list(rna.var_names) + own,
               ["Gene Expression"] * rna.n_vars + ["Peaks"] * len(own), list(rna.obs_names))
    out = tmp / "embedding.h5ad"
    with caplog.at_level(logging.INFO, logger="jae"):
        assert main(["embed", "--model", str(folder), "--10x", str(tmp / "filtered_feature_bc_matrix.h5"),
                     "--fragments", str(tmp / "atac_fragments.tsv.gz"), "--out", str(out), "--finetune-epochs", "0",
                     "--device", "cpu"]) == 0
    assert "the query's own 'atac' (40 features) is left out" in caplog.text
    np.testing.assert_array_equal(ad.read_h5ad(out).X, expected)


def test_map_counts_the_fragments_in_the_reference_peaks(query):
    folder, tmp, _ = query
    rna = ad.read_h5ad(tmp / "q.mod1.h5ad")
    rna.obs["batch"] = pd.Categorical(["new_sample"] * rna.n_obs)
    rna.write_h5ad(tmp / "new.mod1.h5ad")
    out = tmp / "mapped"
    assert main(["-q", "map", "--model", str(folder), "--mod1", str(tmp / "new.mod1.h5ad"), "--out", str(out),
                 "--fragments", str(tmp / "atac_fragments.tsv.gz"), "--epochs", "1", "--device", "cpu"]) == 0
    mapped = JAE.load(out, device="cpu")
    assert mapped.mappings[-1]["batches"] == ["new_sample"] and mapped.mappings[-1]["n_cells"] == rna.n_obs


def _errors(caplog) -> list[str]:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()
    return errors


def test_fragments_refused_in_one_line_before_any_work(query, own_cite_model, caplog):
    folder, tmp, _ = query
    out = tmp / "e.h5ad"
    base = ["-q", "embed", "--mod1", str(tmp / "q.mod1.h5ad"), "--out", str(out)]
    assert main([*base, "--model", str(folder), "--fragments", str(tmp / "none.tsv.gz")]) == 1
    (err,) = _errors(caplog)
    assert "\n" not in err and err.startswith("--fragments file") and "does not exist" in err
    _, cite = own_cite_model("s46_frag_cli_cite")
    cite_folder = tmp / "cite"
    cite.save(cite_folder)
    assert main([*base, "--model", str(cite_folder), "--fragments", str(tmp / "atac_fragments.tsv.gz")]) == 1
    (err,) = _errors(caplog)
    assert "\n" not in err and "without peaks" in err and "drop --fragments" in err
    assert not out.exists()
