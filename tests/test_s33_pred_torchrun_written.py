"""Under torchrun every process runs jae.predict_files, and process 0 alone writes; the other processes' result
listed the output (and save_model) as written all the same, though they wrote nothing (a script reading
result.written[0] there could find no file yet). Their ``written`` is now empty, as fit_files' is."""

from __future__ import annotations

import pytest

import jae

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)


@pytest.mark.parametrize("rank", ["0", "1"])
def test_only_the_writer_lists_what_it_wrote(monkeypatch, tmp_path, rank):
    for name in ("LOCAL_RANK", "JAE_DISTRIBUTED"):
        monkeypatch.delenv(name, raising=False)
    (source, target), (query, _) = paired(60, seed=0), paired(10, seed=1, prefix="q")
    for adata, name in ((source, "tr1"), (target, "tr2"), (query, "te1")):
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    out, folder = tmp_path / "p.h5ad", tmp_path / "model"
    result = jae.predict_files(tmp_path / "tr1.h5ad", tmp_path / "tr2.h5ad", tmp_path / "te1.h5ad", out,
                               method="mean", device="cpu", save_model=folder, progress_bar=False)
    assert result.prediction.n_obs == 10
    if rank == "0":
        assert result.written == (out, folder) and out.is_file() and folder.is_dir()
    else:
        assert result.written == () and not out.exists() and not folder.exists()
