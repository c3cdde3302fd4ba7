"""Session 34 audit of jae embed / jae.embed_files / JAE.embed, as a user runs them on a model fitted earlier."""

from __future__ import annotations

import pytest

import jae
from jae.io import InputFiles


@pytest.mark.parametrize("name", ["labels_out", "impute_out"])
@pytest.mark.parametrize("bad", [123, 1.5])
def test_embed_files_names_an_output_argument_that_is_not_a_path(tmp_path, name, bad):
    """embed_files(..., labels_out=123) said 'path must be a path (str or pathlib.Path), not int 123', naming no
    argument (out, the model and the inputs were named); the argument is now named, before the model is read."""
    with pytest.raises(TypeError) as err:
        jae.embed_files(InputFiles(h5mu=tmp_path / "q.h5mu"), tmp_path / "no_model", tmp_path / "emb.h5ad",
                        progress_bar=False, **{name: bad})
    assert str(err.value) == f"{name} must be a path (str or pathlib.Path), not {type(bad).__name__} {bad!r}"
    assert not list(tmp_path.iterdir())
