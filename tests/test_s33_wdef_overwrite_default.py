"""jae.io.write_atomic and jae.io.write_embedding_h5ad replaced an existing file by default (overwrite=True), unlike
every other public writer of jae: a second write to the same path now refuses in one line and leaves the first file
byte-identical; overwrite=True replaces it."""

import inspect

import anndata as ad
import numpy as np
import pytest

import jae
import jae.io
from jae.io import write_atomic, write_embedding_h5ad

REFUSAL = r"exists; pass overwrite=True .*or choose another output path"


def _adata(value: float) -> ad.AnnData:
    return ad.AnnData(X=np.full((4, 3), value, dtype=np.float32),
                      obs={"c": list("abcd")}).copy()


def test_write_atomic_refuses_an_existing_file_by_default(tmp_path):
    path = tmp_path / "data.h5ad"
    write_atomic(_adata(1.0), path)
    first = path.read_bytes()
    with pytest.raises(FileExistsError, match=REFUSAL) as err:
        write_atomic(_adata(2.0), path)
    assert "\n" not in str(err.value)
    assert path.read_bytes() == first  # left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.h5ad"]  # no temporary left behind
    write_atomic(_adata(2.0), path, overwrite=True)
    assert np.all(ad.read_h5ad(path).X == 2.0)


def test_write_atomic_refuses_an_existing_h5mu_by_default(tmp_path):
    md = pytest.importorskip("mudata")
    path = tmp_path / "data.h5mu"
    write_atomic(md.MuData({"rna": _adata(1.0)}), path)
    first = path.read_bytes()
    with pytest.raises(FileExistsError, match=REFUSAL):
        write_atomic(md.MuData({"rna": _adata(2.0)}), path)
    assert path.read_bytes() == first
    write_atomic(md.MuData({"rna": _adata(2.0)}), path, overwrite=True)
    assert np.all(np.asarray(md.read_h5mu(path)["rna"].X) == 2.0)


def test_write_embedding_h5ad_refuses_an_existing_file_by_default(tmp_path):
    path = tmp_path / "embedding.h5ad"
    cells = [f"cell{i}" for i in range(5)]
    write_embedding_h5ad(np.ones((5, 2)), cells, path, dataset_id="d")
    first = path.read_bytes()
    with pytest.raises(FileExistsError, match=REFUSAL):
        write_embedding_h5ad(np.zeros((5, 2)), cells, path, dataset_id="d")
    assert path.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["embedding.h5ad"]
    write_embedding_h5ad(np.zeros((5, 2)), cells, path, dataset_id="d", overwrite=True)
    assert np.all(ad.read_h5ad(path).X == 0.0)


@pytest.mark.parametrize("module", [jae, jae.io])
def test_every_public_writer_defaults_to_overwrite_false(module):
    defaults = {}
    for name in module.__all__:
        obj = getattr(module, name)
        members = [(f"{name}.{k}", v) for k, v in vars(obj).items() if not k.startswith("_") and callable(v)] \
            if inspect.isclass(obj) else [(name, obj)] if callable(obj) else []
        for qual, func in members:
            try:
                parameter = inspect.signature(func).parameters.get("overwrite")
            except (TypeError, ValueError):
                continue
            if parameter is not None:
                defaults[qual] = parameter.default
    assert defaults  # the scan found the writers
    assert {k: v for k, v in defaults.items() if v is not False} == {}


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_at_the_output_path_is_refused_before_writing(tmp_path, monkeypatch, overwrite):
    # it said "exists; pass overwrite=True", and with overwrite=True wrote the whole file, then refused it
    folder = tmp_path / "out.h5ad"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    writes = []
    monkeypatch.setattr(ad.AnnData, "write_h5ad", lambda self, *a, **k: writes.append(a))
    with pytest.raises(IsADirectoryError, match=r"out\.h5ad is a folder, not a \.h5ad file; choose another output path"):
        write_embedding_h5ad(np.ones((2, 2)), ["a", "b"], folder, dataset_id="d", overwrite=overwrite)
    assert writes == []  # refused before any writing
    assert (folder / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.h5ad"]
