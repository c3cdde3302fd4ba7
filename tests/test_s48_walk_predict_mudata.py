"""A MuData passed where the predictor takes one modality is refused naming every modality it holds (session 48's
walk): the message suggested its first modality whatever the argument, so a CITE-seq MuData passed as train_target
was answered "pass mdata['rna']", the source modality, which the next run refused as "both GEX"."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from jae.prediction import ModalityPredictor


pytestmark = pytest.mark.usefixtures("mudata_without_pulls")  # conftest: for these tests alone


def _pair(n: int = 60):
    rng = np.random.default_rng(0)
    obs = pd.DataFrame(index=[f"c{i}" for i in range(n)])
    rna = ad.AnnData(sp.csr_matrix(rng.poisson(2.0, (n, 30)).astype(np.float32)), obs=obs,
                     var=pd.DataFrame({"feature_types": "GEX"}, index=[f"g{j}" for j in range(30)]))
    prot = ad.AnnData(sp.csr_matrix(rng.poisson(20.0, (n, 5)).astype(np.float32)), obs=obs.copy(),
                      var=pd.DataFrame({"feature_types": "ADT"}, index=[f"p{j}" for j in range(5)]))
    return rna, prot


def test_a_mudata_as_the_target_names_every_modality_and_the_role():
    rna, prot = _pair()
    both = md.MuData({"rna": rna, "prot": prot})
    with pytest.raises(TypeError) as err:
        ModalityPredictor("mean").fit(rna, both)
    text = str(err.value)
    assert text == ("train_target must be one modality's AnnData, not a MuData; pass mdata['rna'] or mdata['prot'], "
                    "the modality to predict"), text


def test_a_mudata_as_a_source_names_every_modality_and_the_role():
    rna, prot = _pair()
    both = md.MuData({"prot": prot, "rna": rna})  # the first modality is not the source here
    with pytest.raises(TypeError, match=r"^train_source must be one modality's AnnData, not a MuData; pass "
                                        r"mdata\['prot'\] or mdata\['rna'\], the modality predicted from$"):
        ModalityPredictor("mean").fit(both, prot)
    model = ModalityPredictor("mean").fit(rna, prot)
    with pytest.raises(TypeError, match=r"^query_source .*pass mdata\['prot'\] or mdata\['rna'\], the modality "
                                        r"predicted from$"):
        model.predict(both)
