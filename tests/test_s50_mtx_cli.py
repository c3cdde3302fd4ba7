"""``--10x FOLDER`` (session 50): a Cell Ranger matrix folder (or its matrix.mtx.gz) wherever a Cell Ranger .h5 is
taken, one sample or several (named by the folder above outs/), with the same model and embedding as the .h5; a
folder missing a file or holding files that disagree refused in one line; other inputs name --10x for it."""

from __future__ import annotations

import gzip
import logging

import anndata as ad
import numpy as np

import jae
from jae import JAE
from jae.cli import main
from conftest import write_10x
from test_s50_mtx_reader import write_mtx


def _samples(tmp_path):
    """Two Cell Ranger ARC samples of a small simulated Multiome set, each written as Cell Ranger writes it:
    ``SAMPLE/outs/filtered_feature_bc_matrix.h5`` and the folder ``SAMPLE/outs/filtered_feature_bc_matrix/``."""
    mdata = jae.simulate(80, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=2, seed=0)
    genes, peaks = list(mdata["rna"].var_names), list(mdata["atac"].var_names)
    coords = [(c, s, e) for c, s, e in (p.split("-") for p in peaks)]
    names = genes + [f"{c}:{s}-{e}" for c, s, e in coords]
    types = ["Gene Expression"] * len(genes) + ["Peaks"] * len(peaks)
    batch = mdata.obs["batch"].astype(str).to_numpy()
    h5, folders = [], []
    for b, sample in zip(sorted(set(batch)), ("s1", "s2")):
        rows = np.flatnonzero(batch == b)
        X = np.hstack([mdata["rna"].layers["counts"][rows].toarray(), mdata["atac"].layers["counts"][rows].toarray()])
        outs = tmp_path / sample / "outs"
        outs.mkdir(parents=True)
        h5.append(write_10x(outs / "filtered_feature_bc_matrix.h5", X, names, types))
        folders.append(write_mtx(outs / "filtered_feature_bc_matrix", X, names, types))
    return h5, folders


def _fit_embed(tmp_path, tag, fit_inputs, embed_input):
    model, emb = tmp_path / f"model_{tag}", tmp_path / f"emb_{tag}.h5ad"
    assert main(["-q", "fit", "--10x", *map(str, fit_inputs), "--mode", "unsupervised", "--max-epochs", "2",
                 "--device", "cpu", "--out", str(model)]) == 0
    assert main(["-q", "embed", "--model", str(model), "--10x", str(embed_input), "--device", "cpu",
                 "--out", str(emb)]) == 0
    return JAE.load(model, device="cpu"), ad.read_h5ad(emb)


def test_fit_and_embed_folders_as_their_h5(tmp_path):
    h5, folders = _samples(tmp_path)
    model_h5, emb_h5 = _fit_embed(tmp_path, "h5", h5, h5[0])
    model_mtx, emb_mtx = _fit_embed(tmp_path, "mtx", [folders[0], folders[1] / "matrix.mtx.gz"], folders[0])
    assert list(model_mtx.batches) == list(model_h5.batches) == ["s1", "s2"]  # named by the folder above outs/
    assert emb_mtx.obs_names.equals(emb_h5.obs_names) and emb_mtx.n_obs > 0
    np.testing.assert_array_equal(emb_mtx.X, emb_h5.X)


def _error(caplog, argv):
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(argv) == 1
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and "\n" not in said[0] and not any(r.exc_info for r in caplog.records), said
    return said[0]


def test_refusals_in_one_line(tmp_path, caplog):
    _, folders = _samples(tmp_path)
    out = tmp_path / "M"
    (folders[1] / "features.tsv.gz").unlink()
    err = _error(caplog, ["fit", "--10x", str(folders[0]), str(folders[1]), "--mode", "unsupervised",
                          "--out", str(out)])
    assert "lacks the features file beside matrix.mtx.gz: features.tsv.gz" in err, err
    assert "it holds barcodes.tsv.gz, matrix.mtx.gz" in err and not out.exists(), err
    with gzip.open(folders[0] / "barcodes.tsv.gz", "rt") as f:
        barcodes = f.read().splitlines()
    with gzip.open(folders[0] / "barcodes.tsv.gz", "wt") as f:  # one barcode short of the matrix's cells
        f.writelines(f"{b}\n" for b in barcodes[:-1])
    err = _error(caplog, ["fit", "--10x", str(folders[0]), "--mode", "unsupervised", "--out", str(out)])
    assert err.startswith("Cell Ranger matrix folder filtered_feature_bc_matrix: barcodes.tsv.gz lists "), err
    assert f"lists {len(barcodes) - 1} barcodes but matrix.mtx.gz has {len(barcodes)} columns" in err, err
    assert not out.exists()


def _parsed(*argv):
    import argparse

    from jae.cli._inputs import add_input_args

    p = argparse.ArgumentParser()
    add_input_args(p)
    return p.parse_args(list(argv))


def test_other_inputs_say_pass_it_as_10x(tmp_path, caplog):
    _, folders = _samples(tmp_path)
    err = _error(caplog, ["fit", "--h5ad", str(folders[0] / "matrix.mtx.gz"), "--out", str(tmp_path / "M")])
    assert "is a Matrix Market matrix (of a Cell Ranger matrix folder), not an .h5ad; pass it as --10x " in err, err
    assert "scanpy" not in err, err
    err = _error(caplog, ["fit", "--mod1", str(folders[0]), "--mod2", str(folders[1]), "--out", str(tmp_path / "M")])
    assert "is a folder, not a file; it is a Cell Ranger matrix folder: pass it as --10x " in err, err
    geo = tmp_path / "GSE1"  # a GEO deposit: two samples' prefixed files in one folder
    geo.mkdir()
    for folder, prefix in zip(folders, ("GSM1_s1_", "GSM2_s2_")):
        for f in folder.iterdir():
            f.rename(geo / f"{prefix}{f.name}")
    err = _error(caplog, ["fit", "--10x", str(geo), "--mode", "unsupervised", "--out", str(tmp_path / "M")])
    assert err.endswith(f"holds the matrices of 2 samples ('GSM1_s1_', 'GSM2_s2_'); pass one sample's matrix file "
                        f"instead (e.g. --10x {geo / 'GSM1_s1_matrix.mtx.gz'}; several samples: each one's)"), err
    files = jae.cli._inputs.input_files(_parsed("--10x", str(geo / "GSM1_s1_matrix.mtx.gz"),
                                                str(geo / "GSM2_s2_matrix.mtx.gz")))
    assert list(files.samples) == ["GSM1_s1", "GSM2_s2"] and files.read().n_obs == 80


def test_a_gene_expression_folder_is_embedded_as_its_h5(own_cite_model, tmp_path, caplog):
    """Cell Ranger's most common output, Gene Expression alone, as a matrix folder: a query that jae embed reads as
    RNA alone, as it reads the .h5; fitting it is refused naming jae embed / jae map."""
    folder, _ = own_cite_model("s50_mtx_cli")
    genes = list(jae.simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2,
                              seed=1)["rna"].var_names)  # the model's genes (conftest's small_cite_model)
    X = np.random.default_rng(3).poisson(1.5, size=(40, len(genes)))
    types = ["Gene Expression"] * len(genes)
    inputs = {"h5": write_10x(tmp_path / "filtered_feature_bc_matrix.h5", X, genes, types),
              "mtx": write_mtx(tmp_path / "filtered_feature_bc_matrix", X, genes, types)}
    embedded = {}
    for kind, path in inputs.items():
        out = tmp_path / f"emb_{kind}.h5ad"
        assert main(["-q", "embed", "--model", str(folder / "model"), "--10x", str(path), "--out", str(out),
                     "--device", "cpu"]) == 0
        embedded[kind] = ad.read_h5ad(out)
    assert embedded["mtx"].obs_names.equals(embedded["h5"].obs_names) and embedded["mtx"].n_obs == 40
    np.testing.assert_array_equal(embedded["mtx"].X, embedded["h5"].X)
    err = _error(caplog, ["fit", "--10x", str(inputs["mtx"]), "--out", str(tmp_path / "M"), "--mode",
                          "unsupervised", "--batch-key", "none"])
    assert "filtered_feature_bc_matrix holds only Gene Expression" in err, err
    assert "jae embed / jae map --model MODEL --10x FILE" in err and not (tmp_path / "M").exists(), err
