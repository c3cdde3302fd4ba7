"""jae embed --mod1 RNA.h5ad --impute-out P.h5ad --impute-modality rna (RNA alone: the cells lack the proteins) said
"every cell of the data has 'rna': nothing to impute ...; drop --impute-out" (s38 real-data walk, PBMC10k RNA on a
REAP-seq reference): the fix named dropped the imputation the user asked for, when the cells do lack the other
modality. Now the message names it: "1000 of the 1000 cells lack 'prot': pass --impute-modality prot to impute it, or
drop --impute-out".
A modality every cell has, beside another every cell has too, is still refused with the caller's fix."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from jae.cli._messages import cli_message
from jae.imputation import modality_to_impute

MODEL = SimpleNamespace(modality_names=("rna", "prot"))


def test_the_modality_the_cells_lack_is_named():
    observed = np.c_[np.ones(10, bool), np.r_[np.zeros(4, bool), np.ones(6, bool)]]
    with pytest.raises(ValueError) as err:
        modality_to_impute(MODEL, observed, "rna", arg="impute_modality", nothing_fix="pass impute_out=None")
    said = str(err.value)
    assert said.endswith("4 of the 10 cells lack 'prot': pass impute_modality='prot' to impute it, or pass "
                         "impute_out=None")
    assert cli_message(said).endswith("4 of the 10 cells lack 'prot': pass --impute-modality prot to impute it, or "
                                      "drop --impute-out")
    with pytest.raises(ValueError, match=r"lack 'prot': pass modality='prot' to impute it$"):  # jae.impute's words
        modality_to_impute(MODEL, observed, "rna")
    assert modality_to_impute(MODEL, observed, "prot", arg="impute_modality") == 1


def test_paired_cells_keep_the_callers_fix():
    with pytest.raises(ValueError, match=r"every cell of the data has 'rna': nothing to impute \(the measured values "
                                         r"are there\); pass impute_out=None$"):
        modality_to_impute(MODEL, np.ones((10, 2), bool), "rna", arg="impute_modality",
                           nothing_fix="pass impute_out=None")
