"""Review of session 47's streamed --remap-peaks: query cells whose counts all fall in peaks overlapping none of the
model's are said by remap_peaks' own warning before the refusal of cells without counts stops the pass, as the route
that reads the query whole says it (streamed, the warning came only after a whole pass, which the refusal cut)."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import scipy.sparse as sp

from jae.cli import main
from jae.io import InputFiles

ELSEWHERE = "chr22-900000000-900000500"  # overlaps none of the simulated model's peaks


def _query(mdata, path):
    """``mdata`` with one more ATAC peak, elsewhere, holding all the counts of its first three cells."""
    atac = mdata["atac"]
    X = sp.hstack([sp.csr_matrix(atac.layers["counts"]), sp.csr_matrix((atac.n_obs, 1))]).tolil()
    X[:3, :] = 0
    X[:3, -1] = 5
    X = X.tocsr().astype(np.float32)
    var = pd.DataFrame({"feature_types": "Peaks"}, index=[*atac.var_names, ELSEWHERE])
    q = md.MuData({"rna": mdata["rna"].copy(), "atac": ad.AnnData(X=X, obs=atac.obs.copy(), var=var,
                                                                  layers={"counts": X.copy()})})
    q.obs = mdata.obs.copy()
    q.write(path)


def _said(caplog, args) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae.io.peaks"):
        assert main(args) == 1  # refused: cells without counts
    return [r.getMessage() for r in caplog.records if r.name == "jae.io.peaks" and r.levelno == logging.WARNING]


def test_cells_emptied_by_the_remap_are_said_before_the_refusal_streamed_as_whole(default_fit, tmp_path, caplog,
                                                                                 monkeypatch):
    model, mdata = default_fit()
    model.save(tmp_path / "model")
    _query(mdata, tmp_path / "q.h5mu")
    args = ["-q", "embed", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / "q.h5mu"), "--remap-peaks",
            "--device", "cpu", "--finetune-epochs", "0", "--out", str(tmp_path / "o.h5ad")]
    streamed = _said(caplog, args)
    real = InputFiles.open  # the route that reads the query whole (within the budget) and remaps it in memory
    monkeypatch.setattr(InputFiles, "open", lambda self, **kw: real(self, **{**kw, "once": False}))
    whole = _said(caplog, [*args, "--memory-budget", "50G"])
    wanted = ("remap_peaks: 3 cells have counts only in dropped peaks, none left; jae refuses cells without counts: "
              "leave them out of modality 'atac'")
    assert whole == [wanted]
    assert streamed == [wanted]
