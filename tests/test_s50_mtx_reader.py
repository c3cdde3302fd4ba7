"""Cell Ranger matrix folders (session 50): ``filtered_feature_bc_matrix/`` (matrix.mtx.gz, features.tsv.gz,
barcodes.tsv.gz), as GEO deposits often hold it alone, read as the MuData its ``.h5`` gives (jae.read_10x_mtx), where
jae refused it naming a scanpy recipe; a folder missing a file, or files that disagree, refused in one line."""

from __future__ import annotations

import gzip

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.io
import scipy.sparse as sp

import jae
from jae.io import InputFiles
from conftest import write_10x


def write_mtx(folder, X, names, feature_types, *, barcodes=None, ids=None, prefix="", coords=None, gz=True):
    """Cell Ranger's matrix folder of cells x features ``X``: ``{prefix}matrix.mtx.gz`` (features x cells, integer
    Matrix Market), ``features.tsv.gz`` (id, name, type; Cell Ranger ARC: with chrom, start, end from ``coords``) and
    ``barcodes.tsv.gz``, gzip'd as Cell Ranger writes them (``gz=False``: uncompressed). Returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    end = ".gz" if gz else ""
    opener = gzip.open if gz else open
    ids = [f"ID{i}" for i in range(len(names))] if ids is None else ids
    barcodes = [f"AAACCTGAGC{i:06d}-1" for i in range(X.shape[0])] if barcodes is None else barcodes
    with opener(folder / f"{prefix}matrix.mtx{end}", "wb") as f:
        scipy.io.mmwrite(f, sp.coo_matrix(np.asarray(X).T), field="integer")
    with opener(folder / f"{prefix}features.tsv{end}", "wt") as f:
        for i, (n, t) in enumerate(zip(names, feature_types)):
            extra = "" if coords is None else "\t" + "\t".join(map(str, coords[i]))
            f.write(f"{ids[i]}\t{n}\t{t}{extra}\n")
    with opener(folder / f"{prefix}barcodes.tsv{end}", "wt") as f:
        f.writelines(f"{b}\n" for b in barcodes)
    return folder


def _cite(seed=0, n=30):
    rng = np.random.default_rng(seed)
    X = rng.poisson(1.0, size=(n, 13))
    X[:, [0, 8]] += 1  # every cell has counts in each modality
    names = [f"G{i}" for i in range(8)] + ["CD3", "CD4", "G1", "CD8", "CMO301"]  # G1: a protein named as a gene
    types = ["Gene Expression"] * 8 + ["Antibody Capture"] * 4 + ["Multiplexing Capture"]
    return X, names, types


def _arc(n=25):
    """A Cell Ranger ARC sample: genes with their coordinates, peaks, and the chrom/start/end of each."""
    rng = np.random.default_rng(1)
    X = rng.poisson(0.8, size=(n, 10)) + (np.arange(10) == 0)
    coords = [("chr1", 100 * i + 1, 100 * i + 90) for i in range(4)] + [("chr2", 1000 * i, 1000 * i + 500)
                                                                       for i in range(6)]
    names = ["A", "B", "C", "D"] + [f"{c}:{s}-{e}" for c, s, e in coords[4:]]
    types = ["Gene Expression"] * 4 + ["Peaks"] * 6
    return X, names, types, coords


def _without_genome(path):
    """Drop the .h5's genome (its matrix folder does not name one) so the two read alike column by column."""
    with h5py.File(path, "r+") as f:
        del f["matrix/features/genome"]
    return path


def _same(a, b):
    assert list(a.mod) == list(b.mod)
    assert a.obs_names.equals(b.obs_names)
    for m in a.mod:
        x, y = a[m].X, b[m].X
        assert type(x) is type(y) and x.dtype == y.dtype == np.float32 and x.shape == y.shape
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.data, y.data)
        assert b[m].layers["counts"] is b[m].X
        pd.testing.assert_frame_equal(a[m].var, b[m].var)
        assert a[m].obs_names.equals(b[m].obs_names)


def test_a_matrix_folder_reads_as_its_h5(tmp_path):
    X, names, types = _cite()
    h5 = _without_genome(write_10x(tmp_path / "filtered_feature_bc_matrix.h5", X, names, types))
    folder = write_mtx(tmp_path / "filtered_feature_bc_matrix", X, names, types)
    ref = jae.read_10x_h5(h5)
    for given in (folder, folder / "matrix.mtx.gz", str(folder)):
        _same(ref, jae.read_10x_mtx(given))
    assert list(ref["prot"].var_names) == ["CD3", "CD4", "G1", "CD8"]  # the gene G1's name kept apart
    np.testing.assert_array_equal(ref["prot"].X.toarray(), X[:, 8:12])


def test_uncompressed_and_genome_column(tmp_path):
    X, names, types = _cite(1)
    ref = jae.read_10x_h5(write_10x(tmp_path / "x.h5", X, names, types))
    got = jae.read_10x_mtx(write_mtx(tmp_path / "plain", X, names, types, gz=False))
    assert (got["rna"].var["genome"] == "").all() and (ref["rna"].var["genome"] == "GRCh38").all()
    for m in ref.mod:
        pd.testing.assert_frame_equal(ref[m].var.drop(columns="genome"), got[m].var.drop(columns="genome"))
        assert (ref[m].X != got[m].X).nnz == 0


def test_cell_ranger_arc_features_give_the_h5s_interval(tmp_path):
    X, names, types, coords = _arc()
    h5 = write_10x(tmp_path / "arc.h5", X, names, types)
    with h5py.File(h5, "r+") as f:  # Cell Ranger ARC's .h5: each feature's interval, named in _all_tag_keys
        feats = f["matrix/features"]
        feats["interval"] = np.array([f"{c}:{s}-{e}" for c, s, e in coords], dtype="S")
        del feats["genome"], feats["_all_tag_keys"]
        feats["_all_tag_keys"] = np.array([b"genome", b"interval"])
    ref = jae.read_10x_h5(h5)
    got = jae.read_10x_mtx(write_mtx(tmp_path / "arc", X, names, types, coords=coords))
    assert list(got.mod) == ["rna", "atac"]
    assert list(got["atac"].var["interval"]) == names[4:] and got["rna"].var["interval"].iloc[0] == "chr1:1-90"
    _same(ref, got)


def test_a_geo_prefixed_set_is_found_and_several_are_told_apart(tmp_path):
    X, names, types = _cite(2)
    ref = jae.read_10x_h5(_without_genome(write_10x(tmp_path / "x.h5", X, names, types)))
    geo = write_mtx(tmp_path / "GSE1", X, names, types, prefix="GSM5123951_s1_")
    _same(ref, jae.read_10x_mtx(geo))  # the one prefixed set, found
    Y, *_ = _cite(3, n=12)
    write_mtx(geo, Y, names, types, prefix="GSM5123952_s2_")
    with pytest.raises(ValueError, match=r"holds the matrices of 2 samples \('GSM5123951_s1_', 'GSM5123952_s2_'\); "
                                         r"pass one sample's matrix file instead \(e\.g\. .*GSM5123951_s1_matrix"
                                         r"\.mtx\.gz; several samples: each one's\), or its prefix to "
                                         r"jae\.read_10x_mtx \(prefix='GSM5123951_s1_'\)$"):
        jae.read_10x_mtx(geo)
    _same(ref, jae.read_10x_mtx(geo, prefix="GSM5123951_s1_"))
    assert jae.read_10x_mtx(geo / "GSM5123952_s2_matrix.mtx.gz").n_obs == 12
    assert jae.io.inputs.name_samples([(None, geo / "GSM5123951_s1_matrix.mtx.gz"),
                                       (None, geo / "GSM5123952_s2_matrix.mtx.gz")]).keys() == {"GSM5123951_s1",
                                                                                                "GSM5123952_s2"}


def test_refusals_name_the_file(tmp_path):
    X, names, types = _cite(4)
    folder = write_mtx(tmp_path / "m", X, names, types)
    (folder / "barcodes.tsv.gz").unlink()
    with pytest.raises(ValueError, match=r"^Cell Ranger matrix folder .*m lacks the barcodes file beside "
                                         r"matrix\.mtx\.gz: barcodes\.tsv\.gz; it holds features\.tsv\.gz, "
                                         r"matrix\.mtx\.gz: pass"):
        jae.read_10x_mtx(folder)
    with pytest.raises(ValueError, match="lacks the barcodes file"):  # checked before any file is read
        InputFiles(tenx={"a": folder, "b": tmp_path / "x.h5"}).read()
    short = write_mtx(tmp_path / "short", X, names, types)  # one sample's matrix, another's barcodes
    write_mtx(tmp_path / "other", X[:-1], names, types)
    (tmp_path / "other" / "barcodes.tsv.gz").replace(short / "barcodes.tsv.gz")
    with pytest.raises(ValueError, match=r"barcodes\.tsv\.gz lists 29 barcodes but matrix\.mtx\.gz has 30 columns"):
        jae.read_10x_mtx(short)
    fewer = write_mtx(tmp_path / "fewer", X, names, types)
    write_mtx(tmp_path / "other2", X[:, :-1], names[:-1], types[:-1])
    (tmp_path / "other2" / "features.tsv.gz").replace(fewer / "features.tsv.gz")
    with pytest.raises(ValueError, match=r"features\.tsv\.gz lists 12 features but matrix\.mtx\.gz has 13 rows"):
        jae.read_10x_mtx(fewer)
    cut = write_mtx(tmp_path / "cut", X, names, types)
    (cut / "features.tsv.gz").write_bytes((cut / "features.tsv.gz").read_bytes()[:20])  # a download cut short
    with pytest.raises(ValueError, match=r"features\.tsv\.gz cannot be read as a tab-separated table \(.+\); check"):
        jae.read_10x_mtx(cut)
    empty = write_mtx(tmp_path / "empty", X, names, types)
    (empty / "matrix.mtx.gz").write_bytes(b"")  # a download cut short
    with pytest.raises(ValueError, match=r"matrix\.mtx\.gz cannot be read as a Matrix Market file .*; check the file"):
        jae.read_10x_mtx(empty)


def test_gene_expression_alone_is_a_query_not_a_reference(tmp_path):
    X, names, types = _cite(5)
    folder = write_mtx(tmp_path / "filtered_feature_bc_matrix", X[:, :8], names[:8], types[:8])
    with pytest.raises(ValueError, match="holds only Gene Expression features"):
        jae.read_10x_mtx(folder)
    mdata = InputFiles(tenx=folder).read()
    assert list(mdata.mod) == ["rna"] and mdata.n_obs == 30
    from jae.io.annotations import samples_fix  # the cells' names, written to an annotation file, read as they are

    assert f"names = jae.read_10x_mtx({str(folder)!r}).obs_names" in samples_fix(InputFiles(tenx=folder))
    v2 = tmp_path / "v2"  # Cell Ranger 2: genes.tsv (id, name), uncompressed
    v2.mkdir()
    for name in ("matrix.mtx", "barcodes.tsv"):
        (v2 / name).write_bytes(gzip.decompress((folder / f"{name}.gz").read_bytes()))
    (v2 / "genes.tsv").write_text("".join(f"ID{i}\t{n}\n" for i, n in enumerate(names[:8])))
    got = InputFiles(tenx=v2).read()
    pd.testing.assert_frame_equal(got["rna"].var, mdata["rna"].var)
    assert (got["rna"].X != mdata["rna"].X).nnz == 0


def test_combine_samples_reads_folders_as_their_h5(tmp_path):
    X, names, types = _cite(6)
    Y, *_ = _cite(7, n=20)
    h5 = {s: _without_genome(write_10x(tmp_path / f"{s}.h5", M, names, types)) for s, M in (("s1", X), ("s2", Y))}
    folders = {s: write_mtx(tmp_path / s / "outs" / "filtered_feature_bc_matrix", M, names, types)
               for s, M in (("s1", X), ("s2", Y))}
    ref = jae.combine_samples(h5)
    got = jae.combine_samples({"s1": folders["s1"], "s2": folders["s2"] / "matrix.mtx.gz"})
    _same(ref, got)
    assert list(got.obs["batch"].cat.categories) == ["s1", "s2"]
    files = InputFiles(tenx=list(folders.values()))  # named by the folder above outs/, as the .h5 files are
    assert list(files.samples) == ["s1", "s2"]
    _same(ref, files.read())
    with pytest.raises(ValueError, match=r"^tenx: .*s1/outs/filtered_feature_bc_matrix is given 2 times \(as samples "
                                         r"'a', 'b'\), which would count its cells as other samples' too"):
        InputFiles(tenx={"a": folders["s1"], "b": folders["s1"] / "matrix.mtx.gz"})


def test_other_inputs_name_the_10x_route(tmp_path):
    X, names, types = _cite(8)
    folder = write_mtx(tmp_path / "filtered_feature_bc_matrix", X, names, types)
    with pytest.raises(IsADirectoryError, match=r"is a folder, not a file; it is a Cell Ranger matrix folder: read it "
                                                r"with jae\.read_10x_mtx \(tenx=.*filtered_feature_bc_matrix of"):
        jae.read_h5mu(folder)
    with pytest.raises(ValueError, match=r"it is a Matrix Market matrix .*read it with jae\.read_10x_mtx "
                                         r"\(tenx=.*matrix\.mtx\.gz of jae\.io\.InputFiles\)"):
        jae.io.read_paired_h5ad(folder / "matrix.mtx.gz")
    with pytest.raises(ValueError, match=r"it is a file of a Cell Ranger matrix folder.*read_10x_mtx \(tenx="):
        jae.read_10x_h5(folder / "features.tsv.gz")


def test_data_in_memory_is_no_folder():
    import anndata as ad

    with pytest.raises(TypeError, match=r"^the Cell Ranger matrix folder must be a path .*not an in-memory AnnData"):
        jae.read_10x_mtx(ad.AnnData(np.ones((2, 2), dtype=np.float32)))
