"""A dangling symlink at an output path is an existing output, kept unless overwrite=True (session 34, report
audit)."""

from __future__ import annotations

import os

import pytest

from jae.io.atomic import atomic_write


def test_a_link_to_nothing_is_not_replaced_without_overwrite(tmp_path):
    """atomic_write (every writer of jae) took a symlink whose target is missing for a missing output and replaced
    the link with overwrite=False; it is now refused in one line naming the link and its target, the link kept."""
    out = tmp_path / "out.h5ad"
    os.symlink(tmp_path / "elsewhere.h5ad", out)
    with pytest.raises(FileExistsError, match=r"out\.h5ad exists \(a link to .*elsewhere\.h5ad, which is missing\); "
                                              r"pass overwrite=True"):
        atomic_write(out, lambda p: p.write_text("x"))
    assert out.is_symlink() and not out.exists()
    atomic_write(out, lambda p: p.write_text("x"), overwrite=True)  # session 41: written through the link
    assert out.is_symlink() and (tmp_path / "elsewhere.h5ad").read_text() == "x"


def test_the_output_check_before_any_work_counts_a_link_to_nothing(tmp_path):
    """jae.io.outputs.check_outputs (the CLI verbs' check before any work: jae embed --out LINK) passed such a link,
    so the refusal came only once everything was computed; it is now refused first."""
    from jae.io.outputs import check_outputs

    out = tmp_path / "emb.h5ad"
    os.symlink(tmp_path / "gone.h5ad", out)
    with pytest.raises(FileExistsError,
                       match=r"--out .*emb.h5ad exists \(a link to .*gone.h5ad, which is missing\); pass --overwrite"):
        check_outputs([("--out", out)], inputs=[], overwrite=False, overwrite_fix="pass --overwrite")
    check_outputs([("--out", out)], inputs=[], overwrite=True)
