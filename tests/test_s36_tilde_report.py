"""Session 36: a report folder or --out beginning with '~name' where no user 'name' exists (a typo of '~/out', or a
folder named '~out') crashed jae.evaluate's report checks and jae evaluate's last line with pathlib's "RuntimeError:
Could not determine home directory" (after every score was computed, for the CLI); it is kept as written, as a shell
keeps it and as jae.io.paths.user_path reads every other path."""

from __future__ import annotations

import pandas as pd
import pytest


def test_the_report_checks_read_the_folder_as_written(tmp_path, monkeypatch, no_user):
    from jae.report import check_umap_files, holds_report

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / no_user / "report"
    folder.mkdir(parents=True)
    (folder / "umap_jae.png").write_bytes(b"")  # the user's own figure, no report's
    assert holds_report(f"{no_user}/report") == []
    with pytest.raises(FileExistsError, match=r"umap_jae\.png exists and is no file of an earlier report"):
        check_umap_files(f"{no_user}/report", ["jae"])


def test_jae_evaluate_says_where_it_wrote(tmp_path, monkeypatch, capsys, no_user):
    import jae
    from jae.cli import main

    monkeypatch.chdir(tmp_path)
    table = pd.DataFrame({"overall": [0.5]}, index=["jae"])
    monkeypatch.setattr(jae, "evaluate_files", lambda *a, **k: table)
    monkeypatch.setattr("jae.cli.evaluate.table_markdown", lambda t, escape: "", raising=False)
    rc = main(["evaluate", "--h5mu", str(tmp_path / "x.h5mu"), "--obsm", "X_jae", "--out", f"{no_user}/r",
               "--no-report"])
    assert rc == 0
    assert f"written to {no_user}/r" in capsys.readouterr().out
