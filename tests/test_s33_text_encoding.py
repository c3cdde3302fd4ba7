"""Text outputs are UTF-8 whatever the user's locale (session 33): cell and embedding names need not be ASCII."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def _run_in_ascii_locale(code: str, cwd) -> subprocess.CompletedProcess:
    """``code`` run by a Python whose preferred encoding is ASCII (a C locale neither coerced nor in UTF-8 mode), as
    the default text encoding of a machine whose locale is not UTF-8 (cp1252 on Windows fails the same way)."""
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0",
           "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-X", "utf8=0", "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8")


def test_labels_csv_and_metrics_table_are_utf8_in_an_ascii_locale(own_cite_model, tmp_path):
    """``jae embed --labels-out`` and the report's metrics.md were written in the locale's encoding: a cell named
    'Zelle-β' failed with UnicodeEncodeError after every step had run (and would be unreadable elsewhere)."""
    folder, _ = own_cite_model("text_encoding")
    proc = _run_in_ascii_locale(f"""
        import locale, sys
        assert locale.getpreferredencoding(False).lower() in ("ascii", "ansi_x3.4-1968"), locale.getpreferredencoding(False)
        import numpy as np, pandas as pd
        import jae
        from jae.io import InputFiles
        from pathlib import Path
        from jae.report.table import write_table
        q = jae.simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=7)
        q.obs_names = [f"Zelle-\\u03b2-{{i}}" for i in range(q.n_obs)]
        for m in q.mod.values():
            m.obs_names = q.obs_names
        q.write("q.h5mu")
        jae.embed_files(InputFiles(h5mu="q.h5mu"), {str(folder / 'model')!r}, "e.h5ad", labels_out="l.csv",
                        finetune_epochs=0, device="cpu", progress_bar=False)
        table = pd.DataFrame({{"overall": [0.5]}}, index=pd.Index(["scVI \\u03b2"], name="embedding"))
        Path("rep").mkdir()
        write_table(table, Path("rep"))
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "l.csv").read_text(encoding="utf-8").splitlines()[1].startswith("Zelle-\u03b2-0,")
    assert "scVI \u03b2" in (tmp_path / "rep" / "metrics.md").read_text(encoding="utf-8")
