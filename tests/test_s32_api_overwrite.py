"""overwrite given as text ('no', 'False'): truthy, it replaced the outputs; it is refused naming the argument."""

from __future__ import annotations

import pytest

import jae
from jae import JAE, JAEConfig


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=0)
    folder = tmp_path_factory.mktemp("overwrite") / "model"
    JAE(JAEConfig(max_epochs=1, n_svd=8), device="cpu").fit(m, progress_bar=False).save(folder)
    return folder


@pytest.mark.parametrize("text", ["no", "False"])
def test_save_refuses_overwrite_given_as_text_and_keeps_the_saved_model(saved, text):
    before = (saved / "weights.pt").stat().st_mtime_ns
    with pytest.raises(TypeError, match=rf"^overwrite must be True or False, not '{text}'$"):
        JAE.load(saved, device="cpu").save(saved, overwrite=text)
    assert (saved / "weights.pt").stat().st_mtime_ns == before


def test_file_workflows_refuse_overwrite_given_as_text_before_any_work(saved, tmp_path):
    files = jae.io.InputFiles(mod1=tmp_path / "x.mod1.h5ad", mod2=tmp_path / "x.mod2.h5ad")
    out = tmp_path / "emb.h5ad"
    out.write_text("keep")
    with pytest.raises(TypeError, match=r"^overwrite must be True or False, not 'False'$"):
        jae.embed_files(files, saved, out, overwrite="False")
    assert out.read_text() == "keep"


def test_overwrite_as_a_bool_of_numpy_or_python_still_works(saved):
    import numpy as np

    assert JAE.load(saved, device="cpu").save(saved, overwrite=np.True_) == saved
