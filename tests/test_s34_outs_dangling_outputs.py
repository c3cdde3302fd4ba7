"""The output check before any work (jae.io.outputs.check_outputs: every verb's) counted a symlink to nothing as
missing for a model folder (jae fit --out LINK) and an output folder (jae evaluate --out LINK), which the atomic writer
then refused after the work; and a file link into a folder that does not exist was told that folder is missing,
though the link itself is what gets replaced. Each is now refused up front naming the link's target, kept."""

from __future__ import annotations

import os

import pytest

from jae.io.outputs import check_outputs


@pytest.mark.parametrize("kind", ["model", "folder", "file", "file_in_missing_folder"])
def test_a_link_to_nothing_is_an_existing_output_of_every_kind(tmp_path, kind):
    target = tmp_path / ("nowhere/x.h5ad" if kind == "file_in_missing_folder" else "gone")
    link = tmp_path / ("out.h5ad" if kind.startswith("file") else "out")
    os.symlink(target, link)
    extra = {"model": {"models": {"--out": "model.json"}}, "folder": {"folders": ("--out",)}}.get(kind, {})
    with pytest.raises(FileExistsError, match=rf"^--out {link} exists \(a link to {target}, which is missing\); "
                                              "pass --overwrite to replace it"):
        check_outputs([("--out", link)], inputs=[], overwrite=False, overwrite_fix="pass --overwrite", **extra)
    assert link.is_symlink() and not link.exists()
    check_outputs([("--out", link)], inputs=[], overwrite=True, **extra)  # replaced with overwrite, as the writers do
