"""Session 47 walk: ``jae embed --remap-peaks`` of a query with cells whose counts all lie in peaks overlapping none
of the model's. Read whole (session-start code), remap_peaks warned that those cells were left without counts, and
then the refusal of cells with zero total counts followed; streamed, the refusal came on the row block before the
end-of-pass warning, so the user read "3 of 300 cells have zero total counts in modality 'atac'" of cells that have
counts in the file, and a fix (filter cells by their counts) that leaves them in. The warning now comes with the
first row block that empties cells, before that refusal."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import scipy.sparse as sp

from jae.cli import main
from jae.io.peaks import peak_assignment


def _own_with_emptied(mdata, n_emptied: int = 3):
    """``mdata`` on peaks moved by 15 bases (each the model's own, renamed), plus two peaks on a chromosome the
    model lacks; the first ``n_emptied`` cells' ATAC counts moved wholly into those two."""
    atac = mdata["atac"]
    parts = pd.Series(np.asarray(atac.var_names)).str.extract(r"^(.+?)[-:](\d+)-(\d+)$")
    own = [f"{c}:{int(s) + 15}-{int(e) + 15}" for c, s, e in parts.itertuples(index=False)]
    assert (peak_assignment(own, atac.var_names)[0] >= 0).all()
    X = sp.lil_matrix(sp.hstack([sp.csr_matrix(atac.layers["counts"]), sp.csr_matrix((atac.n_obs, 2))]))
    for i in range(n_emptied):
        X[i, : atac.n_vars] = 0
        X[i, atac.n_vars] = 4
    X = sp.csr_matrix(X, dtype=np.float32)
    new = ad.AnnData(X=X, obs=atac.obs.copy(), layers={"counts": X.copy()},
                     var=pd.DataFrame({"feature_types": "Peaks"}, index=own + ["chrZZ:100-600", "chrZZ:900-1400"]))
    out = md.MuData({"rna": mdata["rna"].copy(), "atac": new})
    out.obs = mdata.obs.copy()
    return out


def test_streamed_remap_warns_of_the_emptied_cells_before_the_refusal(default_fit, tmp_path, caplog):
    model, mdata = default_fit()
    model.save(tmp_path / "model")
    _own_with_emptied(mdata).write(tmp_path / "own.h5mu")
    with caplog.at_level(logging.INFO, logger="jae"):
        code = main(["embed", "--model", str(tmp_path / "model"), "--h5mu", str(tmp_path / "own.h5mu"),
                     "--remap-peaks", "--finetune-epochs", "0", "--device", "cpu", "--out", str(tmp_path / "e.h5mu")])
    assert code == 1
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    warned = [m for level, m in said if level == logging.WARNING and "only in dropped peaks" in m]
    errors = [m for level, m in said if level >= logging.ERROR]
    assert len(errors) == 1 and "zero total counts in modality 'atac'" in errors[0], said
    assert len(warned) == 1, said
    assert warned[0].startswith("remap_peaks: 3 cells have counts only in dropped peaks"), warned
    assert "leave them out of modality 'atac'" in warned[0]
    assert said.index((logging.WARNING, warned[0])) < said.index((logging.ERROR, errors[0]))  # before: read first
