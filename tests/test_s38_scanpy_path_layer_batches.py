"""An .h5mu path whose counts sit in each modality's .raw (scanpy's layout), given with layer='raw' to finetune
(batch_key=...), or to a model made by map_query (embed, predict_cell_type, jae.impute): the batch column was read
from the file opened with the default layer, which failed with a traceback, KeyError "modality 'rna' has no layer
'counts' ...", though the counts were where layer= said. The file is now opened with the layer given, and the results
are those of the same data read into memory."""

from __future__ import annotations

import anndata
import mudata
import numpy as np
import pandas as pd
import pytest

import jae


@pytest.fixture(scope="module")
def raw_h5mu(tmp_path_factory):
    m = jae.simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=13)
    folder = tmp_path_factory.mktemp("s38_path_layer")
    mods = {}
    for key in ("rna", "prot"):
        counts = m[key].layers["counts"].copy()
        adata = anndata.AnnData(X=counts, obs=pd.DataFrame({"sample": "query_1"}, index=m.obs_names.copy()),
                                var=m[key].var.copy())
        adata.raw = adata.copy()
        adata.X = np.log1p(counts.multiply(1e4 / counts.sum(axis=1)).tocsr())  # normalised, counts in .raw
        mods[key] = adata
    paired = folder / "paired.h5mu"
    mudata.MuData(mods).write(paired)
    mods["prot"] = mods["prot"][20:].copy()  # 20 cells without proteins: they are imputed
    mosaic = folder / "mosaic.h5mu"
    mudata.MuData(mods).write(mosaic)
    return paired, mosaic


def test_finetune_reads_the_batches(raw_h5mu, own_cite_model):
    paired, _ = raw_h5mu
    _, from_path = own_cite_model("s38_path_layer_ft_path")
    _, in_memory = own_cite_model("s38_path_layer_ft_memory")
    from_path.finetune(str(paired), batch_key="sample", layer="raw", progress_bar=False)
    in_memory.finetune(mudata.read_h5mu(paired), batch_key="sample", layer="raw", progress_bar=False)
    data = mudata.read_h5mu(paired)
    np.testing.assert_array_equal(from_path.embed(data, layer="raw", key_added=None),
                                  in_memory.embed(data, layer="raw", key_added=None))


def test_mapped_model_reads_the_batches(raw_h5mu, own_cite_model):
    paired, mosaic = raw_h5mu
    _, model = own_cite_model("s38_path_layer_map")
    mapped = model.map_query(str(paired), batch_key="sample", layer="raw", epochs=1, progress_bar=False)
    data = mudata.read_h5mu(paired)
    np.testing.assert_array_equal(mapped.embed(str(paired), layer="raw", key_added=None),
                                  mapped.embed(data, layer="raw", key_added=None))
    pd.testing.assert_frame_equal(mapped.predict_cell_type(str(paired), layer="raw"),
                                  mapped.predict_cell_type(data, layer="raw"))
    imputed = jae.impute(mapped, str(mosaic), layer="raw")
    np.testing.assert_array_equal(imputed.X, jae.impute(mapped, mudata.read_h5mu(mosaic), layer="raw").X)
    assert imputed.n_obs == 20
