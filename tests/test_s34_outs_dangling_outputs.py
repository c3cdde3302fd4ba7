"""The output check before any work (jae.io.outputs.check_outputs: every verb's) counted a symlink to nothing as
missing for a model folder (jae fit --out LINK) and an output folder (jae evaluate --out LINK), which the atomic writer
then refused after the work; and a file link into a folder that does not exist was told that folder is missing,
though the link itself is what gets replaced. Each is now refused up front naming the link's target, kept."""

from __future__ import annotations

import os

import pytest

from jae.io.outputs import check_outputs


@pytest.mark.parametrize("kind", ["model", "file", "file_in_missing_folder"])
def test_a_link_to_nothing_is_an_existing_output_of_every_kind(tmp_path, kind):
    target = tmp_path / ("nowhere/x.h5ad" if kind == "file_in_missing_folder" else "gone")
    link = tmp_path / ("out.h5ad" if kind.startswith("file") else "out")
    os.symlink(target, link)
    extra = {"model": {"models": {"--out": "model.json"}}}.get(kind, {})
    if kind == "file_in_missing_folder":  # session 41: written through the link, into the target's missing folder
        for overwrite in (False, True):
            with pytest.raises(FileNotFoundError, match=rf"^the folder {target.parent} of --out {link} does not "
                                                        "exist; create it first or choose another --out$"):
                check_outputs([("--out", link)], inputs=[], overwrite=overwrite)
        return
    with pytest.raises(FileExistsError, match=rf"^--out {link} exists \(a link to {target}, which is missing\); "
                                              "pass --overwrite to replace it"):
        check_outputs([("--out", link)], inputs=[], overwrite=False, overwrite_fix="pass --overwrite", **extra)
    assert link.is_symlink() and not link.exists()
    check_outputs([("--out", link)], inputs=[], overwrite=True, **extra)  # replaced with overwrite, as the writers do


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_report_folder_linked_to_nothing_is_refused_before_any_work(tmp_path, overwrite):
    """jae evaluate --out LINK / write_report(out_dir=LINK) of a link to a missing folder scored everything, then
    failed with '[Errno 17] File exists: ...'; both now say so first, with or without overwrite."""
    import numpy as np
    import pandas as pd

    from jae.report import write_report

    link = tmp_path / "report"
    os.symlink(tmp_path / "gone", link)
    fix = rf"is a link to {tmp_path / 'gone'}, which is missing; create that folder or choose another"
    with pytest.raises(FileNotFoundError, match=rf"^--out {link} {fix} --out$"):
        check_outputs([("--out", link)], inputs=[], overwrite=overwrite, folders=("--out",))
    table = pd.DataFrame({"overall": [0.5]}, index=["a"])
    with pytest.raises(FileNotFoundError, match=rf"^out_dir {link} {fix} out_dir$"):
        write_report(table, {"a": np.zeros((4, 2))}, link, cell_type=["x", "x", "y", "y"], overwrite=overwrite,
                     progress_bar=False)
    assert link.is_symlink() and not link.exists() and not (tmp_path / "gone").exists()
