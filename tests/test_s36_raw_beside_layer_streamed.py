"""Session 36: RNA counts in .raw (scanpy) beside proteins whose counts are in layers['counts'] and whose .X is
normalised. In memory, layer='raw' now says to put the proteins' counts in .X (test_s36_files_raw_beside_counts_layer);
streamed from files (jae embed always, jae fit above --memory-budget) the refusal still said 'pass layer=... (the
default layer='counts')', which refuses the RNA with 'pass layer='raw'': a loop. The streamed refusal now names the
file's layers and the same fix."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import jae


def _files(tmp_path):
    mdata = jae.simulate(120, kind="cite", n_genes=300, n_proteins=12, n_cell_types=3, n_batches=1, seed=0)
    rna, prot = mdata["rna"].copy(), mdata["prot"].copy()
    counts = sp.csr_matrix(rna.layers["counts"], dtype=np.float32)
    del rna.layers["counts"]
    rna.X = counts
    rna.raw = rna.copy()
    rna.X = counts.multiply(1.0 / np.maximum(counts.sum(axis=1), 1)).tocsr() * 1e4  # normalised .X
    prot.layers["counts"] = sp.csr_matrix(prot.layers["counts"], dtype=np.float32)
    prot.X = sp.csr_matrix(np.log1p(prot.layers["counts"].toarray() / 7.0), dtype=np.float32)
    paths = tmp_path / "rna.h5ad", tmp_path / "adt.h5ad"
    rna.write_h5ad(paths[0])
    prot.write_h5ad(paths[1])
    return paths


def test_a_streamed_fit_names_the_layers_and_the_fix(tmp_path):
    rna, adt = _files(tmp_path)
    files = jae.io.open_competition(rna, adt, layer="raw")
    with pytest.raises(ValueError) as err:
        jae.JAE(jae.JAEConfig(mode="unsupervised"), device="cpu").fit(
            files, batch_key=None, cell_type_key=None, memory_budget="1M", progress_bar=False)
    text = str(err.value)
    assert "modality 'prot'" in text and "its layers are ['counts']" in text, text
    assert "adata.X = adata.layers['counts']" in text and "the default layer='counts'" not in text, text


def test_x_read_hint_is_none_where_the_file_has_a_raw_or_no_layers(tmp_path):
    from jae.io.chunked import BackedCounts
    from jae.io.raw import x_read_hint

    rna, adt = _files(tmp_path)
    assert x_read_hint(BackedCounts(rna, layer=None)) is None  # .raw there: layer='raw' reads it
    assert "['counts']" in x_read_hint(BackedCounts(adt, layer=None))
    assert x_read_hint(BackedCounts(adt, layer="counts")) is None  # a layer read: not .X
