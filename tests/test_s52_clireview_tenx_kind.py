"""``jae embed`` / ``jae map`` of a Cell Ranger ARC .h5, or of one .h5ad holding both modalities (``--h5ad``), with a
CITE-seq model (session 52): the file was read whole before the one-line refusal (7.7 s and 1.9 GB for 8,000 Multiome
cells in an .h5, 12.2 s and 3.4 GB in an .h5ad); the kinds are now read from the file's feature types first, and the
refusal comes before any count is read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae.io.cellranger
import jae.io.paired_h5ad
from conftest import write_10x
from test_s50_mtx_cli import _error  # one refusal line, no traceback


@pytest.fixture(scope="module")
def arc(tmp_path_factory, data_dir):
    """The BMMC Multiome starter's 500 cells as a Cell Ranger ARC .h5 (Gene Expression then Peaks)."""
    import anndata as ad

    base = data_dir / "neurips2021_starter" / "joint_embedding" / "multiome"
    rna, atac = (ad.read_h5ad(base / f"openproblems_bmmc_multiome_starter.{m}.h5ad") for m in ("mod1", "mod2"))
    X = np.hstack([rna.layers["counts"].toarray(), atac.layers["counts"].toarray()])
    names = list(rna.var_names) + [p.replace("-", ":", 1) for p in atac.var_names]
    folder = tmp_path_factory.mktemp("s52_tenx_kind")
    types = ["Gene Expression"] * rna.n_vars + ["Peaks"] * atac.n_vars
    both = ad.AnnData(X.astype(np.float32), obs=rna.obs[[]], var=pd.DataFrame({"feature_types": types}, index=names))
    both.write_h5ad(folder / "both.h5ad")  # as scanpy.read_10x_h5(..., gex_only=False) and CELLxGENE keep them
    return write_10x(folder / "filtered_feature_bc_matrix.h5", X, names, types)


@pytest.mark.parametrize("verb", ["embed", "map"])
@pytest.mark.parametrize("flag", ["--10x", "--h5ad"])
def test_a_multiome_file_with_a_cite_model_is_refused_before_reading(verb, flag, arc, small_cite_model, tmp_path,
                                                                     caplog, monkeypatch):
    def read(*args, **kwargs):
        raise AssertionError("the counts were read before the refusal")

    monkeypatch.setattr(jae.io.cellranger, "read_cell_ranger", read)
    monkeypatch.setattr(jae.io.paired_h5ad, "read_paired_h5ad", read)
    out = tmp_path / ("emb.h5ad" if verb == "embed" else "mapped")
    data = arc if flag == "--10x" else arc.parent / "both.h5ad"
    err = _error(caplog, [verb, "--model", str(small_cite_model), flag, str(data), "--device", "cpu",
                          "--out", str(out)])
    assert err == ("the data holds GEX + ATAC, the model was fitted on GEX + ADT; give GEX + ADT data (or RNA alone), "
                   "or use a model fitted on GEX + ATAC"), err
    assert not out.exists()
